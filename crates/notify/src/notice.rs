use std::net::IpAddr;

use hirundo_directory::Team;
use hirundo_fingerprint::Tags;
use hirundo_rollup::PortKey;
use hirundo_tlp::Tlp;

/// Who sends the notifications, as the attachments name the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// IntelMQ's `feed.name` and the attachments' file names: "hirundo-darknet".
    pub name: String,
    /// The operating team's name: IntelMQ's `feed.provider` and the STIX
    /// identity that created the bundle.
    pub provider: String,
    /// The operating team's web site, if any (`feed.url`).
    pub url: Option<String>,
}

/// One source over a notification's window: every day it was seen folded
/// into one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    pub source: IpAddr,
    /// 0 when unknown.
    pub asn: u32,
    /// ISO 3166-1 alpha-2; "ZZ" when unknown.
    pub cc: String,
    /// First and last packet seen, nanoseconds since the epoch.
    pub first_ns: i64,
    pub last_ns: i64,
    pub packets: u64,
    /// Days of the window it was seen on.
    pub days: u32,
    /// Every distinct (proto, port) it sent to, ascending. Empty for a
    /// source that sent only ICMP.
    pub ports: Vec<PortKey>,
    pub tags: Tags,
    /// The countries of the sensors that saw it, ascending. Never the
    /// sensors' addresses.
    pub sensor_countries: Vec<String>,
}

/// What a row reports, in RSIT and IntelMQ terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classification {
    /// information-gathering / scanner: the source probed the darknet.
    Scanner,
    /// availability / ddos: the source only sent replies to spoofed
    /// traffic (backscatter), so it is the victim of a flood.
    DdosVictim,
}

impl SourceRow {
    pub fn classification(&self) -> Classification {
        if self.tags.contains(Tags::BACKSCATTER) && self.ports_only_replies() {
            Classification::DdosVictim
        } else {
            Classification::Scanner
        }
    }

    // Backscatter is tagged per packet; a source whose packets were all
    // backscatter carries only that tag (and maybe spoofed, which callers
    // drop before this).
    fn ports_only_replies(&self) -> bool {
        !(self.tags.contains(Tags::MIRAI)
            || self.tags.contains(Tags::ZMAP)
            || self.tags.contains(Tags::MASSCAN))
    }
}

impl Classification {
    /// RSIT / IntelMQ `classification.taxonomy`.
    pub fn taxonomy(self) -> &'static str {
        match self {
            Classification::Scanner => "information-gathering",
            Classification::DdosVictim => "availability",
        }
    }

    /// RSIT / IntelMQ `classification.type`.
    pub fn kind(self) -> &'static str {
        match self {
            Classification::Scanner => "scanner",
            Classification::DdosVictim => "ddos",
        }
    }
}

/// One message to one team.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// "HIR-N-2026-000042": unique, quoted in the subject, every
    /// attachment and the log, so a reply can be matched.
    pub ticket: String,
    pub team: Team,
    /// The data's label; the team's ceiling is at least this (the planner
    /// withholds the notice otherwise).
    pub tlp: Tlp,
    /// UTC days since the epoch, half-open.
    pub from_day: i64,
    pub to_day: i64,
    pub created_ns: i64,
    pub feed: Feed,
    /// Most packets first, then by address.
    pub rows: Vec<SourceRow>,
    /// Sources of the team's window left out because the message would
    /// have been too large ([`crate::Settings::max_sources`]): the ones
    /// with the fewest packets.
    pub omitted: u64,
}
