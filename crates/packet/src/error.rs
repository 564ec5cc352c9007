use crate::LinkType;

/// Which header a length check was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Link,
    Ipv4,
    Ipv6,
    Tcp,
    Udp,
    Icmp,
}

/// Why a captured frame yields no outer IP header.
///
/// The variants map one-to-one onto the `errors` counters of the summary, so
/// that `decoded + errors == packets` holds by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The capture's link type is not one we decode. We never guess.
    #[error("unsupported link type {0}")]
    UnsupportedLink(LinkType),
    /// A whole link frame that carries something other than IP (ARP, LLDP,
    /// STP, ...). `protocol` is the EtherType or family that was found.
    #[error("not IP (protocol 0x{protocol:04x})")]
    NotIp { protocol: u32 },
    /// The IP header is cut short by the capture length.
    #[error("{layer:?} header truncated: needs {required} bytes, {available} captured")]
    Truncated {
        layer: Layer,
        required: usize,
        available: usize,
    },
    /// A header is present but cannot be valid: bad IP version, an IPv4 header
    /// length below 20 bytes, a total length shorter than the header, or a
    /// link header shorter than its fixed size.
    #[error("malformed {layer:?} header: {reason}")]
    Malformed { layer: Layer, reason: &'static str },
}

/// A transport header that does not fit in the bytes the IP packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{layer:?} header needs {required} bytes, {available} available")]
pub struct LenError {
    pub layer: Layer,
    pub required: usize,
    pub available: usize,
}
