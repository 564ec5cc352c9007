//! Passive live capture on Linux: an `AF_PACKET` socket with a TPACKET_V3
//! ring mapped into memory, in pure Rust over `libc`.
//!
//! [`Ring::open`] checks a [`RingConfig`], creates the socket, asks the
//! kernel for a ring of `block_count` blocks of `block_size` bytes, maps it,
//! and binds to the interface. The kernel fills a block with frames and
//! hands it over when it is full or after `block_timeout_ms`;
//! [`Ring::next_block`] waits for it, lends each frame to a callback as a
//! [`PacketView`] (nanosecond timestamp, wire length, bytes), and gives the
//! block back. No frame is copied or allocated, except that a frame whose
//! 802.1Q/802.1ad tag the kernel took out gets it put back, in a buffer the
//! ring reuses, so the capture equals what was on the wire. Every offset in
//! a block is checked before it is used: a bad one is a
//! [`RingError::CorruptBlock`], never a read outside the ring.
//! [`Ring::stats`] totals the kernel's packet and drop counters.
//!
//! # Receive only
//!
//! A darknet sensor must never answer, or the darknet stops being dark. The
//! ring never transmits: it has no send path, and it sets
//! `PACKET_IGNORE_OUTGOING` so that frames the host itself sends are not
//! captured as if they had arrived. The host's kernel is another matter,
//! and the operator must keep it silent on the capture interface:
//!
//! - no IPv4 or IPv6 address on it (`ip addr flush dev IF`);
//! - ARP off (`ip link set IF arp off`), since Linux otherwise answers ARP
//!   requests on any interface for any of the host's addresses;
//! - IPv6 disabled (`sysctl -w net.ipv6.conf.IF.disable_ipv6=1`), or the
//!   kernel sends neighbour discovery, router solicitations and MLD reports;
//! - no DHCP client, LLDP agent or network manager running on it;
//! - for an exact capture, GRO and LRO off (`ethtool -K IF gro off lro
//!   off`), or the kernel merges frames before the ring sees them.
//!
//! [`interface_warnings`] checks the first three and says what to run.
//!
//! # Threads and namespaces
//!
//! [`Ring`] is `Send`, not `Sync`: one capture thread owns it. It captures
//! in the network namespace of the thread that opened it, wherever it is
//! used afterwards.

mod block;
mod config;
mod error;
mod ring;
mod sys;
mod warnings;

pub use block::{PacketView, ETH_P_8021Q, VLAN_TAG_LEN};
pub use config::RingConfig;
pub use error::{BlockProblem, RingError};
pub use ring::{Ring, RingStats, LINKTYPE_ETHERNET, LINKTYPE_RAW};
pub use warnings::interface_warnings;
