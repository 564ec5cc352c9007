use std::io;

/// Why a ring could not be opened or read. Every variant that concerns an
/// interface names it; the kernel's errno is kept as an [`io::Error`].
#[derive(Debug, thiserror::Error)]
pub enum RingError {
    /// [`RingConfig::validate`](crate::RingConfig::validate) refused the
    /// configuration; the sentence names the field and what to set it to.
    #[error("bad ring configuration: {0}")]
    BadConfig(String),

    /// The name is empty, longer than 15 bytes, or holds a `/`, `:`, whitespace
    /// or a NUL, so no Linux interface can have it.
    #[error(
        "{interface:?} is not a valid interface name (1 to 15 bytes, no '/', ':', space or NUL)"
    )]
    InvalidInterfaceName { interface: String },

    /// No interface of that name in the calling thread's network namespace.
    #[error("there is no interface named {interface} in this network namespace (see `ip link`)")]
    NoSuchInterface { interface: String },

    /// The kernel refused to create a packet socket (`EPERM`/`EACCES`).
    #[error("capturing on {interface} needs root or the CAP_NET_RAW capability")]
    PermissionDenied { interface: String },

    /// `socket(AF_PACKET, SOCK_RAW, ..)` failed for another reason, such as
    /// a kernel without `CONFIG_PACKET` (`EAFNOSUPPORT`) or no file
    /// descriptors left.
    #[error("cannot create a packet socket for {interface}: {source}")]
    Socket {
        interface: String,
        #[source]
        source: io::Error,
    },

    /// A `setsockopt` that the ring needs failed; `option` is its name. The
    /// usual cause for `PACKET_RX_RING` is `ENOMEM`: the kernel could not
    /// find `block_size * block_count` bytes.
    #[error("{option} on the packet socket for {interface} failed: {source}")]
    Setsockopt {
        interface: String,
        option: &'static str,
        #[source]
        source: io::Error,
    },

    /// A `getsockopt`, `getsockname` or `ioctl` query failed; `option` names it.
    #[error("{option} on the packet socket for {interface} failed: {source}")]
    Getsockopt {
        interface: String,
        option: &'static str,
        #[source]
        source: io::Error,
    },

    /// Binding the socket to the interface failed (for example `ENETDOWN`
    /// on some drivers, or the interface vanished since it was looked up).
    #[error("cannot bind the packet socket to {interface}: {source}")]
    Bind {
        interface: String,
        #[source]
        source: io::Error,
    },

    /// Mapping the ring into memory failed; `bytes` is its size.
    #[error("cannot map the {bytes}-byte ring of {interface}: {source}")]
    Mmap {
        interface: String,
        bytes: u64,
        #[source]
        source: io::Error,
    },

    /// The interface's hardware type (`ARPHRD_*`, as in
    /// `/sys/class/net/IF/type`) has no pcap link type this crate maps:
    /// Wi-Fi monitor interfaces, InfiniBand, CAN and the like.
    #[error(
        "{interface} has hardware type {arphrd} (ARPHRD_*), which hirundo does not capture; \
         use an Ethernet, loopback or raw-IP (tun) interface"
    )]
    UnsupportedLinkType { interface: String, arphrd: u16 },

    /// `poll` on the socket failed (other than `EINTR`, which is a timeout).
    #[error("waiting for packets on {interface} failed: {source}")]
    Poll {
        interface: String,
        #[source]
        source: io::Error,
    },

    /// The kernel reported that the interface went down (`ENETDOWN` on the
    /// socket). The ring stays open and capture resumes when the interface
    /// is up again, so the caller may keep calling `next_block`.
    #[error("{interface} went down; capture resumes when it is up again")]
    InterfaceDown { interface: String },

    /// The kernel reported another asynchronous error on the socket.
    #[error("the packet socket for {interface} reported: {source}")]
    SocketError {
        interface: String,
        #[source]
        source: io::Error,
    },

    /// A block handed over by the kernel does not hold together: an offset
    /// or length in it points outside the block. Packets before `packet`
    /// were delivered; the block was returned to the kernel and the ring
    /// stays usable. `offset` is the byte offset in the block where the bad
    /// header starts. This means a kernel bug or memory corruption, and is
    /// worth a report.
    #[error("{interface}: block {block}, packet {packet} at byte {offset}: {problem}")]
    CorruptBlock {
        interface: String,
        block: u32,
        packet: u32,
        offset: usize,
        problem: BlockProblem,
    },
}

/// What is wrong with a corrupt block (see [`RingError::CorruptBlock`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlockProblem {
    /// The block is smaller than its own descriptor.
    #[error("the block is {len} bytes, smaller than its 48-byte descriptor")]
    ShortBlock { len: usize },

    /// A packet header (48 bytes) would start or end past the block's end;
    /// the offset came from `offset_to_first_pkt` or the previous packet's
    /// `tp_next_offset`.
    #[error("a packet header there would end past the block's {block_len} bytes")]
    HeaderBeyondBlock { block_len: usize },

    /// `tp_mac` points into the packet's own header.
    #[error("tp_mac {mac} points into the 48-byte packet header")]
    MacInsideHeader { mac: u16 },

    /// `tp_mac + tp_snaplen` runs past the block's end.
    #[error("tp_mac {mac} plus tp_snaplen {snaplen} runs past the block's {block_len} bytes")]
    DataBeyondBlock {
        mac: u16,
        snaplen: u32,
        block_len: usize,
    },

    /// More bytes captured than were on the wire.
    #[error("tp_snaplen {snaplen} exceeds tp_len {len}")]
    SnaplenAboveLen { snaplen: u32, len: u32 },

    /// A packet that is not the block's last has `tp_next_offset` 0 (or
    /// less than a header), so the walk would go nowhere or backwards.
    #[error("tp_next_offset is {next}, but {remaining} more packets are announced")]
    BadNextOffset { next: u32, remaining: u32 },
}
