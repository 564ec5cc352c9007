//! Deterministic, realistic darknet traffic: captures for tests,
//! benchmarks, demos and analyst training, with their exact ground truth.
//!
//! A [`SimConfig`] says how many packets, over how many days, from which
//! seed, into which darknet prefixes and in which [`CaptureFormat`].
//! [`simulate`] builds a [`Generator`], which first draws the population
//! (`population`: heavy-tailed sources per [`Family`], their fixed traits
//! and a shuffled schedule of their events) and a clock (`clock`: a
//! Poisson stream with a daily swing), then builds each frame in one reused
//! buffer (`frame`: Ethernet, IPv4/IPv6, TCP/UDP/ICMP with correct
//! checksums) as its family's tool or malware really sends it (see
//! [`Family`] for the fingerprints, `ports` and `payloads` for what is
//! probed). Every frame is written through a `hirundo-capture` writer and
//! recorded, as built, in a `hirundo_summary::SummaryBuilder`: the
//! resulting [`Simulation`] is what `hirundo analyze` must report for the
//! file, plus per-family tallies for the fingerprint detector's tests.
//!
//! Scanning campaigns ([`Campaign`], written on the command line as a
//! [`CampaignSpec`]) are injected on top of that background: fresh
//! sources scanning one port from a known instant at a known rate, merged
//! in timestamp order, each with its [`CampaignTruth`] in the
//! [`Simulation`].
//!
//! All randomness comes from ChaCha8 streams of the seed: the same config
//! writes the same bytes on every machine. Campaigns draw from streams of
//! their own, so the background is the same with or without them.

mod campaign;
mod clock;
mod config;
mod error;
mod family;
mod frame;
mod generator;
mod payloads;
mod population;
mod ports;
mod rng;
mod simulate;

pub use campaign::{
    Campaign, CampaignSpec, CampaignStart, CampaignTruth, SpecError, MAX_CAMPAIGN_SOURCES,
};
pub use config::{
    CaptureFormat, Ipv4Prefix, Ipv6Prefix, Mix, SimConfig, DEFAULT_START_NS, MAX_DAYS, MAX_PACKETS,
};
pub use error::SimError;
pub use family::Family;
pub use generator::{masscan_ip_id, Frame, Generator, ZMAP_IP_ID};
pub use ports::TCP_PORTS;
pub use simulate::{simulate, simulate_with, Simulation, PCAPNG_TSRESOL, SNAPLEN};
