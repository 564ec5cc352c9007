use std::fmt;

/// A capture's link-layer header type, as the `LINKTYPE_*` number stored in
/// pcap and pcapng files (tcpdump.org's registry).
///
/// A newtype rather than an enum: captures carry numbers we do not decode, and
/// those must survive to be counted under `errors.unsupported_link`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II / IEEE 802.3.
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IP as `DLT_RAW` on most systems.
    pub const RAW_12: LinkType = LinkType(12);
    /// Raw IP as `DLT_RAW` on OpenBSD.
    pub const RAW_14: LinkType = LinkType(14);
    /// Raw IP, the portable `LINKTYPE_RAW`.
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback: like [`LinkType::NULL`] but always network byte order.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux "cooked" capture, version 1.
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// Raw IPv4, no link header.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6, no link header.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux "cooked" capture, version 2.
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// Whether [`crate::decode`] understands this link type.
    pub fn is_supported(self) -> bool {
        matches!(
            self,
            Self::NULL
                | Self::ETHERNET
                | Self::RAW_12
                | Self::RAW_14
                | Self::RAW
                | Self::LOOP
                | Self::LINUX_SLL
                | Self::IPV4
                | Self::IPV6
                | Self::LINUX_SLL2
        )
    }

    /// The registry's short name, for messages.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::NULL => "NULL",
            Self::ETHERNET => "ETHERNET",
            Self::RAW_12 | Self::RAW_14 | Self::RAW => "RAW",
            Self::LOOP => "LOOP",
            Self::LINUX_SLL => "LINUX_SLL",
            Self::IPV4 => "IPV4",
            Self::IPV6 => "IPV6",
            Self::LINUX_SLL2 => "LINUX_SLL2",
            LinkType(105) => "IEEE802_11",
            LinkType(127) => "IEEE802_11_RADIOTAP",
            LinkType(239) => "NFLOG",
            LinkType(195) => "IEEE802_15_4",
            _ => return None,
        })
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}
