//! Injected scanning campaigns: a botnet that starts scanning one port at
//! a known instant, from a known set of fresh addresses, at a known rate,
//! on top of the background traffic, with its exact ground truth.
//!
//! A [`Campaign`] is what to inject (`SimConfig::campaigns`); a
//! [`CampaignSpec`] is its command-line form
//! (`port=8728/tcp,start=+3d,sources=40,rate=20`), which the CLI turns
//! into a `Campaign` once it knows the capture's start and the country's
//! ranges. The generator draws each campaign's sources (`sources`) and
//! merges its frames (`stream`) into the background in timestamp order;
//! [`CampaignTruth`] is what each one actually sent.

mod sources;
mod spec;
mod stream;

use std::net::Ipv4Addr;

use hirundo_summary::{PortProto, Timestamp};

use crate::config::{Ipv4Prefix, NANOS_PER_SECOND};
use crate::{SimConfig, SimError, MAX_PACKETS};

pub(crate) use sources::draw_sources;
pub use spec::{CampaignSpec, CampaignStart, SpecError};
pub(crate) use stream::Campaigns;

/// The most sources all campaigns of a run may have together: far more
/// than the botnets a sensor sees in a month, and 64 MiB of state.
pub const MAX_CAMPAIGN_SOURCES: u32 = 1 << 22;

/// A scanning campaign to inject: `sources` fresh addresses that send
/// TCP SYNs or UDP probes to one port at random darknet addresses, from
/// `start_ns` for `duration_ns`, `rate` packets per second in all.
///
/// The campaign sends exactly [`Campaign::planned_packets`] packets
/// (`rate` × duration, rounded), on top of `SimConfig::packets`. Their
/// instants are those of a Poisson process at `rate` given that count, and
/// each comes from a source chosen uniformly, as a botnet's scan looks
/// from a darknet. The packets are what an ordinary Linux stack sends
/// (a SYN with Linux's options, or a datagram with the service's usual
/// probe), so the fingerprints class them as nothing in particular: not
/// Mirai, ZMap, Masscan, backscatter or spoofed.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub proto: PortProto,
    /// Destination port; never 0.
    pub port: u16,
    /// First instant, nanoseconds since the epoch, a whole microsecond,
    /// inside the capture.
    pub start_ns: i64,
    /// How long it lasts; it must end by the end of the capture.
    pub duration_ns: i64,
    /// How many addresses take part. Each is fresh: not a background
    /// source, not another campaign's, not a research scanner's published
    /// prefix, not a bogon, not in the darknet, and not ending in .0 or
    /// .255 (which the fingerprints call spoofed). Research organisations
    /// known by their AS alone are not checked: the simulator has no AS
    /// data (the shipped list gives Censys's ASNs with its prefixes).
    pub sources: u32,
    /// Packets per second, the whole campaign together.
    pub rate: f64,
    /// Where source addresses are drawn, uniformly over the addresses the
    /// prefixes hold; empty for anywhere the background draws from.
    pub from: Vec<Ipv4Prefix>,
    /// A name for reports and the truth file.
    pub label: Option<String>,
}

impl Campaign {
    /// The packets the campaign sends: `rate` × duration, rounded to the
    /// nearest whole packet.
    pub fn planned_packets(&self) -> u64 {
        let expected = self.rate * self.duration_ns as f64 / NANOS_PER_SECOND as f64;
        // Saturates for absurd rates; validation refuses them before use.
        expected.round() as u64
    }

    /// The first instant after the campaign.
    pub fn end_ns(&self) -> i64 {
        self.start_ns.saturating_add(self.duration_ns)
    }

    /// `label`, or `8728/tcp` when there is none: how messages name it.
    pub fn name(&self) -> String {
        match &self.label {
            Some(label) => label.clone(),
            None => format!("{}/{}", self.port, self.proto.as_str()),
        }
    }

    /// Checks the campaign against the capture it goes into. Messages name
    /// the campaign and say what to change.
    pub(crate) fn validate(&self, index: usize, config: &SimConfig) -> Result<(), SimError> {
        let err = |m: String| {
            Err(SimError::Config(format!(
                "campaign {} ({}): {m}",
                index + 1,
                self.name()
            )))
        };
        if self.port == 0 {
            return err("port 0 cannot be scanned: give a port from 1 to 65535".into());
        }
        if self.sources == 0 {
            return err("sources is 0: a campaign needs at least one source".into());
        }
        if self.sources > MAX_CAMPAIGN_SOURCES {
            return err(format!(
                "{} sources: at most {MAX_CAMPAIGN_SOURCES} for all campaigns together",
                self.sources
            ));
        }
        if !self.rate.is_finite() || self.rate <= 0.0 {
            return err(format!(
                "rate {}: give a positive number of packets per second",
                self.rate
            ));
        }
        if self.duration_ns <= 0 {
            return err(format!(
                "duration {} ns: a campaign must last a positive time",
                self.duration_ns
            ));
        }
        if self.start_ns % 1_000 != 0 {
            return err(format!(
                "start {} ns is not a whole microsecond, which pcap cannot store",
                self.start_ns
            ));
        }
        let capture_end = config.start_ns.saturating_add(config.span_ns());
        if self.start_ns < config.start_ns || self.start_ns >= capture_end {
            return err(format!(
                "starts at {}, outside the capture ({} to {})",
                Timestamp(self.start_ns),
                Timestamp(config.start_ns),
                Timestamp(capture_end)
            ));
        }
        if self.end_ns() > capture_end {
            return err(format!(
                "ends at {}, after the capture ends at {}: shorten it to at most {} s",
                Timestamp(self.end_ns()),
                Timestamp(capture_end),
                (capture_end - self.start_ns) / NANOS_PER_SECOND
            ));
        }
        let expected = self.rate * self.duration_ns as f64 / NANOS_PER_SECOND as f64;
        if expected >= MAX_PACKETS as f64 {
            return err(format!(
                "rate × duration is {expected:.0} packets: at most {MAX_PACKETS} per run"
            ));
        }
        if self.planned_packets() == 0 {
            return err(format!(
                "rate {} for {} s rounds to no packet: raise the rate or the duration",
                self.rate,
                self.duration_ns as f64 / NANOS_PER_SECOND as f64
            ));
        }
        for prefix in &self.from {
            if prefix.len > 32 {
                return err(format!("from {prefix}: a prefix length is at most 32"));
            }
            if u32::from(prefix.addr) & prefix.host_mask() != 0 {
                return err(format!(
                    "from {prefix} has host bits set: write the network address"
                ));
            }
        }
        let room: u64 = self.from.iter().map(|p| u64::from(p.host_mask()) + 1).sum();
        if !self.from.is_empty() && room < u64::from(self.sources) {
            return err(format!(
                "{} sources cannot be drawn from ranges of {room} addresses",
                self.sources
            ));
        }
        Ok(())
    }
}

/// Checks every campaign of `config`, and that all of them together with
/// the background stay within [`MAX_PACKETS`].
pub(crate) fn validate_all(config: &SimConfig) -> Result<(), SimError> {
    let mut total = config.packets;
    let mut sources = 0u64;
    for (i, c) in config.campaigns.iter().enumerate() {
        c.validate(i, config)?;
        total = total.saturating_add(c.planned_packets());
        sources += u64::from(c.sources);
    }
    if sources > u64::from(MAX_CAMPAIGN_SOURCES) {
        return Err(SimError::Config(format!(
            "the campaigns have {sources} sources together: at most {MAX_CAMPAIGN_SOURCES}"
        )));
    }
    if total > MAX_PACKETS {
        return Err(SimError::Config(format!(
            "the background's {} packets and the campaigns' make {total}: at most \
             {MAX_PACKETS} per run",
            config.packets
        )));
    }
    Ok(())
}

/// What one campaign actually sent: its exact ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignTruth {
    /// The campaign as configured.
    pub campaign: Campaign,
    /// Frames written; always [`Campaign::planned_packets`] once the
    /// generator has run to the end.
    pub packets: u64,
    /// Distinct sources that sent at least one packet (at most
    /// `campaign.sources`).
    pub sources: u64,
    /// Those sources, in address order.
    pub addresses: Vec<Ipv4Addr>,
    /// Timestamp of the first and the last frame; `None` before any.
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
}
