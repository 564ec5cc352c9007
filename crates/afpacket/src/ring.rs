use std::ffi::{CStr, CString};
use std::fmt;
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use libc::{c_int, c_void, socklen_t};

use crate::block::{walk_block, WalkOptions, VLAN_TAG_LEN};
use crate::sys::{self, block_desc};
use crate::{PacketView, RingConfig, RingError};

/// pcap's `LINKTYPE_ETHERNET`: frames start with an Ethernet header.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// pcap's `LINKTYPE_RAW`: frames start with an IPv4 or IPv6 header.
pub const LINKTYPE_RAW: u32 = 101;

/// `ARPHRD_RAWIP`, for raw-IP interfaces such as some cellular modems.
const ARPHRD_RAWIP: u16 = 519;

/// The kernel's packet counters for a ring, totalled since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RingStats {
    /// Frames that reached the socket: those put in the ring plus those
    /// dropped (the kernel counts both in `tp_packets`).
    pub packets: u64,
    /// Frames the kernel dropped because no block was free: the reader did
    /// not keep up. A darknet sensor should report these.
    pub drops: u64,
    /// Times the ring was found full and froze until a block came back.
    pub freeze_count: u64,
}

/// A receive-only capture on one interface: an `AF_PACKET` socket and its
/// TPACKET_V3 ring mapped into memory.
///
/// The ring is a row of `block_count` blocks. The kernel fills a block
/// with packets and hands it over (when it is full, or after
/// `block_timeout_ms`); [`Ring::next_block`] walks it and gives it back.
/// `Ring` is [`Send`], so a capture thread can own it; it stays in the
/// network namespace of the thread that opened it. Dropping it unmaps the
/// ring and closes the socket, which also ends promiscuous mode.
pub struct Ring {
    interface: String,
    /// Start of the mapping; `block_count * block_size` bytes.
    map: *mut u8,
    map_len: usize,
    block_size: usize,
    block_count: u32,
    /// The block the kernel hands over next; blocks come back in order.
    current: u32,
    link_type: u32,
    options: WalkOptions,
    /// Where a frame gets its VLAN tag back; `snaplen + 4` bytes reserved
    /// at open, so the hot path never allocates.
    scratch: Vec<u8>,
    totals: RingStats,
    ignores_outgoing: bool,
    /// Declared last: dropped after `Drop::drop` has unmapped the ring.
    fd: OwnedFd,
}

// SAFETY: the mapping is owned by this Ring alone (nothing else holds a
// pointer into it) and every access goes through `&mut self` or `&self`
// methods; neither the socket nor the mapping is tied to the thread that
// created them.
unsafe impl Send for Ring {}

impl Ring {
    /// Opens a receive-only capture on `interface` (by name) in the calling
    /// thread's network namespace.
    ///
    /// The socket receives nothing until every option is set and the ring
    /// is in place: it is created for no protocol and bound to the
    /// interface (for all protocols) last, so no frame of another
    /// interface ever enters the ring. Needs root or `CAP_NET_RAW`.
    pub fn open(interface: &str, config: &RingConfig) -> Result<Ring, RingError> {
        config.validate()?;
        let name = interface_name(interface)?;
        let ifindex = interface_index(interface, &name)?;
        let fd = packet_socket(interface)?;
        let arphrd = hardware_type(interface, &name, &fd)?;
        let (link_type, reinsert_vlan) = match arphrd {
            libc::ARPHRD_ETHER => (LINKTYPE_ETHERNET, true),
            // Linux's loopback carries an Ethernet header with zero MACs.
            libc::ARPHRD_LOOPBACK => (LINKTYPE_ETHERNET, false),
            libc::ARPHRD_NONE | ARPHRD_RAWIP => (LINKTYPE_RAW, false),
            other => {
                return Err(RingError::UnsupportedLinkType {
                    interface: interface.to_owned(),
                    arphrd: other,
                })
            }
        };
        let ignores_outgoing = configure(&SocketOptions { fd: &fd, interface }, config)?;

        // validate() keeps the ring under 4 GiB, so this fits in usize on
        // the 64-bit targets the sensor runs on, and on 32-bit ones too.
        let map_len = config.ring_bytes() as usize;
        // SAFETY: a fresh shared mapping of the socket's ring, of exactly
        // the size the kernel just allocated; no existing memory is touched.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(RingError::Mmap {
                interface: interface.to_owned(),
                bytes: config.ring_bytes(),
                source: io::Error::last_os_error(),
            });
        }
        // From here on Drop unmaps and closes, whatever fails next.
        let ring = Ring {
            interface: interface.to_owned(),
            map: map.cast(),
            map_len,
            block_size: config.block_size as usize,
            block_count: config.block_count,
            current: 0,
            link_type,
            options: WalkOptions {
                reinsert_vlan,
                snaplen: config.snaplen,
            },
            scratch: Vec::with_capacity(config.snaplen as usize + VLAN_TAG_LEN),
            totals: RingStats::default(),
            ignores_outgoing,
            fd,
        };

        if config.promiscuous {
            let mreq = sys::PacketMreq {
                mr_ifindex: ifindex,
                mr_type: sys::PACKET_MR_PROMISC,
                ..sys::PacketMreq::default()
            };
            let socket = SocketOptions {
                fd: &ring.fd,
                interface,
            };
            socket.set(
                "PACKET_ADD_MEMBERSHIP",
                libc::SOL_PACKET,
                sys::PACKET_ADD_MEMBERSHIP,
                &mreq,
            )?;
        }

        bind(&ring.fd, interface, ifindex)?;
        Ok(ring)
    }

    /// The interface this ring captures on.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The pcap `LINKTYPE_*` of the frames the ring delivers, from the
    /// interface's hardware type: Ethernet and loopback give
    /// [`LINKTYPE_ETHERNET`] (1); `ARPHRD_NONE` (tun, WireGuard) and
    /// `ARPHRD_RAWIP` give [`LINKTYPE_RAW`] (101), frames that start with
    /// the IP header. Other types are refused at open with
    /// [`RingError::UnsupportedLinkType`].
    pub fn link_type(&self) -> u32 {
        self.link_type
    }

    /// Whether the kernel leaves the host's own outgoing frames out of the
    /// ring (`PACKET_IGNORE_OUTGOING`, Linux 4.20 and later).
    pub fn ignores_outgoing(&self) -> bool {
        self.ignores_outgoing
    }

    /// Waits up to `timeout` for the next block the kernel hands over,
    /// calls `f` for every packet in it, gives the block back, and returns
    /// how many packets it visited: 0 when the timeout passed (or a signal
    /// interrupted the wait). A zero `timeout` does not wait.
    ///
    /// Frames whose VLAN tag the kernel took out get it back, so `f` sees
    /// what was on the wire. Nothing is allocated per packet. If `f`
    /// panics, the block is still given back.
    pub fn next_block(
        &mut self,
        timeout: Duration,
        f: &mut dyn FnMut(PacketView<'_>),
    ) -> Result<usize, RingError> {
        if !self.block_ready(self.current) {
            let mut pfd = libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, and we pass a count of one.
            let n = unsafe { libc::poll(&mut pfd, 1, poll_timeout_ms(timeout)) };
            if n < 0 {
                let source = io::Error::last_os_error();
                if source.kind() == io::ErrorKind::Interrupted {
                    return Ok(0);
                }
                return Err(RingError::Poll {
                    interface: self.interface.clone(),
                    source,
                });
            }
            if pfd.revents & libc::POLLERR != 0 {
                self.take_socket_error()?;
            }
            if !self.block_ready(self.current) {
                return Ok(0);
            }
        }
        self.walk_current(f)
    }

    /// The kernel's counters, totalled since the ring was opened. The
    /// kernel zeroes its own counters on every read, so this accumulates;
    /// call it as often as you like.
    pub fn stats(&mut self) -> Result<RingStats, RingError> {
        let mut st = sys::TpacketStatsV3::default();
        let mut len = size_of::<sys::TpacketStatsV3>() as socklen_t;
        // SAFETY: st is a writable TpacketStatsV3 and len is its size; the
        // kernel writes at most len bytes.
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                sys::PACKET_STATISTICS,
                (&raw mut st).cast::<c_void>(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(RingError::Getsockopt {
                interface: self.interface.clone(),
                option: "PACKET_STATISTICS",
                source: io::Error::last_os_error(),
            });
        }
        self.totals.packets += u64::from(st.tp_packets);
        self.totals.drops += u64::from(st.tp_drops);
        self.totals.freeze_count += u64::from(st.tp_freeze_q_cnt);
        Ok(self.totals)
    }

    /// The status word of block `index`, shared with the kernel.
    fn block_status(&self, index: u32) -> &AtomicU32 {
        debug_assert!(index < self.block_count);
        let at = index as usize * self.block_size + block_desc::BLOCK_STATUS;
        // SAFETY: `at + 4` lies inside the mapping (index < block_count, and
        // a block is at least a page); the mapping is page-aligned and `at`
        // a multiple of 4, so the pointer is aligned for AtomicU32; the
        // mapping lives as long as `self`. The kernel accesses the word
        // concurrently, which is why it is read and written atomically.
        unsafe { &*self.map.add(at).cast::<AtomicU32>() }
    }

    /// Whether the kernel has handed block `index` to us. The Acquire load
    /// pairs with the kernel's write barrier before it sets TP_STATUS_USER,
    /// so the packets in the block are visible once this returns true.
    fn block_ready(&self, index: u32) -> bool {
        self.block_status(index).load(Ordering::Acquire) & sys::TP_STATUS_USER != 0
    }

    /// Walks the current block (which must be ready) and gives it back.
    fn walk_current(&mut self, f: &mut dyn FnMut(PacketView<'_>)) -> Result<usize, RingError> {
        let index = self.current;
        self.current = (index + 1) % self.block_count;
        let at = index as usize * self.block_size + block_desc::BLOCK_STATUS;
        // SAFETY: as in `block_status`; taken from the raw pointer so that
        // it does not borrow `self`, whose scratch buffer the walk needs.
        let giveback = GiveBack(unsafe { &*self.map.add(at).cast::<AtomicU32>() });
        // SAFETY: the block lies inside the mapping; the kernel does not
        // write to a block while its status says TP_STATUS_USER (checked
        // with Acquire ordering by the caller), and we give it back only
        // after the last use of this slice (GiveBack drops after it).
        let block = unsafe {
            std::slice::from_raw_parts(
                self.map.add(index as usize * self.block_size),
                self.block_size,
            )
        };
        let walked = walk_block(block, self.options, &mut self.scratch, f);
        drop(giveback);
        walked.map_err(|e| RingError::CorruptBlock {
            interface: self.interface.clone(),
            block: index,
            packet: e.packet,
            offset: e.offset,
            problem: e.problem,
        })
    }

    /// Reads and clears the socket's pending error (`SO_ERROR`).
    fn take_socket_error(&self) -> Result<(), RingError> {
        let mut err: c_int = 0;
        let mut len = size_of::<c_int>() as socklen_t;
        // SAFETY: err is a writable c_int and len is its size.
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                (&raw mut err).cast::<c_void>(),
                &mut len,
            )
        };
        let interface = self.interface.clone();
        if rc != 0 {
            return Err(RingError::Getsockopt {
                interface,
                option: "SO_ERROR",
                source: io::Error::last_os_error(),
            });
        }
        match err {
            0 => Ok(()),
            libc::ENETDOWN => Err(RingError::InterfaceDown { interface }),
            errno => Err(RingError::SocketError {
                interface,
                source: io::Error::from_raw_os_error(errno),
            }),
        }
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: map/map_len are the mapping made in open, unmapped only
        // here; no slice into it outlives a `&mut self` call. The socket is
        // closed afterwards when `fd` drops.
        unsafe {
            libc::munmap(self.map.cast(), self.map_len);
        }
    }
}

impl fmt::Debug for Ring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ring")
            .field("interface", &self.interface)
            .field("fd", &self.fd.as_raw_fd())
            .field("link_type", &self.link_type)
            .field("block_size", &self.block_size)
            .field("block_count", &self.block_count)
            .field("current", &self.current)
            .field("snaplen", &self.options.snaplen)
            .field("ignores_outgoing", &self.ignores_outgoing)
            .field("totals", &self.totals)
            .finish()
    }
}

/// Gives a block back to the kernel when dropped, also during a panic in
/// the packet callback, so that the ring never stalls on a lost block.
struct GiveBack<'a>(&'a AtomicU32);

impl Drop for GiveBack<'_> {
    fn drop(&mut self) {
        // Release: our reads of the block happen before the kernel can see
        // it free and write into it again.
        self.0.store(sys::TP_STATUS_KERNEL, Ordering::Release);
    }
}

/// The timeout for `poll`, rounded up to whole milliseconds so that a
/// short non-zero wait does not become a busy loop.
fn poll_timeout_ms(timeout: Duration) -> c_int {
    let ms = timeout.as_nanos().div_ceil(1_000_000);
    c_int::try_from(ms).unwrap_or(c_int::MAX)
}

/// Checks a name the way the kernel would (`dev_valid_name`) and turns it
/// into a C string.
pub(crate) fn interface_name(interface: &str) -> Result<CString, RingError> {
    let ok = !interface.is_empty()
        && interface.len() < libc::IFNAMSIZ
        && interface != "."
        && interface != ".."
        && !interface
            .bytes()
            .any(|b| b == b'/' || b == b':' || b == 0 || b.is_ascii_whitespace());
    match CString::new(interface) {
        Ok(name) if ok => Ok(name),
        _ => Err(RingError::InvalidInterfaceName {
            interface: interface.to_owned(),
        }),
    }
}

fn interface_index(interface: &str, name: &CString) -> Result<c_int, RingError> {
    // SAFETY: name is a NUL-terminated string that outlives the call.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index != 0 {
        return c_int::try_from(index).map_err(|_| RingError::NoSuchInterface {
            interface: interface.to_owned(),
        });
    }
    let source = io::Error::last_os_error();
    match source.raw_os_error() {
        Some(libc::ENODEV) | Some(libc::ENXIO) => Err(RingError::NoSuchInterface {
            interface: interface.to_owned(),
        }),
        _ => Err(RingError::Getsockopt {
            interface: interface.to_owned(),
            option: "if_nametoindex",
            source,
        }),
    }
}

/// A packet socket for no protocol: it receives nothing until bound.
fn packet_socket(interface: &str) -> Result<OwnedFd, RingError> {
    // SAFETY: socket takes no pointers.
    let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        let source = io::Error::last_os_error();
        return Err(match source.raw_os_error() {
            Some(libc::EPERM) | Some(libc::EACCES) => RingError::PermissionDenied {
                interface: interface.to_owned(),
            },
            _ => RingError::Socket {
                interface: interface.to_owned(),
                source,
            },
        });
    }
    // SAFETY: raw is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// The interface's `ARPHRD_*` type (`SIOCGIFHWADDR`).
fn hardware_type(interface: &str, name: &CString, fd: &OwnedFd) -> Result<u16, RingError> {
    let mut ifr = new_ifreq(name);
    // SAFETY: ifr is a valid ifreq with a NUL-terminated name; the kernel
    // writes only inside it.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFHWADDR as _, &mut ifr) };
    if rc != 0 {
        let source = io::Error::last_os_error();
        return Err(match source.raw_os_error() {
            Some(libc::ENODEV) => RingError::NoSuchInterface {
                interface: interface.to_owned(),
            },
            _ => RingError::Getsockopt {
                interface: interface.to_owned(),
                option: "SIOCGIFHWADDR",
                source,
            },
        });
    }
    // SAFETY: SIOCGIFHWADDR filled the hwaddr member of the union.
    Ok(unsafe { ifr.ifr_ifru.ifru_hwaddr.sa_family })
}

/// An `ifreq` naming `name` (at most 15 bytes, checked by
/// [`interface_name`]), the rest zero.
pub(crate) fn new_ifreq(name: &CStr) -> libc::ifreq {
    // SAFETY: ifreq is a name and a union of plain integers; all zeros is
    // a valid value.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, &src) in ifr.ifr_name.iter_mut().zip(name.to_bytes()) {
        *dst = src as libc::c_char;
    }
    ifr
}

/// Sets the options the ring needs, in the order the kernel wants them
/// (the version before the ring). Returns whether the kernel ignores the
/// host's own outgoing frames.
fn configure(socket: &SocketOptions<'_>, config: &RingConfig) -> Result<bool, RingError> {
    socket.set(
        "PACKET_VERSION",
        libc::SOL_PACKET,
        sys::PACKET_VERSION,
        &sys::TPACKET_V3,
    )?;
    // Linux 4.20 and later; before that the host's own frames show up,
    // which on a silent darknet interface are none anyway.
    let one: c_int = 1;
    let ignores_outgoing = match socket.set(
        "PACKET_IGNORE_OUTGOING",
        libc::SOL_PACKET,
        sys::PACKET_IGNORE_OUTGOING,
        &one,
    ) {
        Ok(()) => true,
        Err(RingError::Setsockopt { source, .. })
            if source.raw_os_error() == Some(libc::ENOPROTOOPT) =>
        {
            false
        }
        Err(e) => return Err(e),
    };
    if config.snaplen < RingConfig::MAX_SNAPLEN {
        // A one-instruction classic BPF program, "accept snaplen bytes",
        // makes the kernel cut frames before they take room in the ring.
        let mut program = [libc::sock_filter {
            code: (libc::BPF_RET | libc::BPF_K) as u16,
            jt: 0,
            jf: 0,
            k: config.snaplen,
        }];
        // The kernel copies the program before setsockopt returns.
        let fprog = libc::sock_fprog {
            len: 1,
            filter: program.as_mut_ptr(),
        };
        socket.set(
            "SO_ATTACH_FILTER",
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            &fprog,
        )?;
    }
    let req = sys::TpacketReq3 {
        tp_block_size: config.block_size,
        tp_block_nr: config.block_count,
        tp_frame_size: config.frame_size,
        tp_frame_nr: (config.block_size / config.frame_size) * config.block_count,
        tp_retire_blk_tov: config.block_timeout_ms,
        tp_sizeof_priv: 0,
        tp_feature_req_word: 0,
    };
    socket.set(
        "PACKET_RX_RING",
        libc::SOL_PACKET,
        sys::PACKET_RX_RING,
        &req,
    )?;
    Ok(ignores_outgoing)
}

/// Binds the socket to the interface for every protocol: from here on,
/// the kernel fills the ring.
fn bind(fd: &OwnedFd, interface: &str, ifindex: c_int) -> Result<(), RingError> {
    // SAFETY: sockaddr_ll is plain integers; all zeros is a valid value.
    let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
    addr.sll_ifindex = ifindex;
    // SAFETY: addr is a valid sockaddr_ll and the length is its size.
    let rc = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&raw const addr).cast(),
            size_of::<libc::sockaddr_ll>() as socklen_t,
        )
    };
    if rc != 0 {
        return Err(RingError::Bind {
            interface: interface.to_owned(),
            source: io::Error::last_os_error(),
        });
    }
    Ok(())
}

/// `setsockopt` on a ring's socket, with errors that name the option.
struct SocketOptions<'a> {
    fd: &'a OwnedFd,
    interface: &'a str,
}

impl SocketOptions<'_> {
    /// Sets option `name` at `level` to the bytes of `value`, the C
    /// struct or integer the option takes.
    fn set<T>(
        &self,
        option: &'static str,
        level: c_int,
        name: c_int,
        value: &T,
    ) -> Result<(), RingError> {
        // SAFETY: value is a live reference, so size_of::<T>() bytes at it
        // are readable for the call; the kernel only reads them (copying
        // them in), and checks any pointer inside with copy_from_user.
        let rc = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (value as *const T).cast::<c_void>(),
                size_of::<T>() as socklen_t,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        Err(RingError::Setsockopt {
            interface: self.interface.to_owned(),
            option,
            source: io::Error::last_os_error(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_config_is_refused_before_any_syscall() {
        let config = RingConfig {
            block_count: 1,
            ..RingConfig::default()
        };
        let e = Ring::open("lo", &config).unwrap_err();
        assert!(matches!(e, RingError::BadConfig(_)), "{e}");
    }

    #[test]
    fn invalid_names_are_refused() {
        for name in ["", "sixteen-bytes-xx", "a/b", "a b", "a\0b", "..", "eth0:1"] {
            let e = Ring::open(name, &RingConfig::default()).unwrap_err();
            assert!(
                matches!(&e, RingError::InvalidInterfaceName { interface } if interface == name),
                "{name:?}: {e}"
            );
        }
        interface_name("fifteen-bytes-x").expect("15 bytes is the longest name");
    }

    #[test]
    fn missing_interface_is_named_without_root() {
        let e = Ring::open("hafnone0", &RingConfig::default()).unwrap_err();
        assert!(
            matches!(&e, RingError::NoSuchInterface { interface } if interface == "hafnone0"),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "there is no interface named hafnone0 in this network namespace (see `ip link`)"
        );
    }

    #[test]
    fn poll_timeout_rounds_up_and_saturates() {
        assert_eq!(poll_timeout_ms(Duration::ZERO), 0);
        assert_eq!(poll_timeout_ms(Duration::from_micros(1)), 1);
        assert_eq!(poll_timeout_ms(Duration::from_millis(250)), 250);
        assert_eq!(poll_timeout_ms(Duration::from_secs(u64::MAX)), c_int::MAX);
    }

    #[test]
    fn ring_is_send() {
        fn send<T: Send>() {}
        send::<Ring>();
    }
}
