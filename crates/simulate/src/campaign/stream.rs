//! The campaigns' frames as the generator merges them: each campaign's
//! arrival instants, the next frame of whichever campaign is due first,
//! and the tally of what each sent.

use std::net::Ipv4Addr;

use hirundo_packet::protocol;
use hirundo_summary::{Outcome, PortProto};
use rand::RngCore;
use rand_chacha::ChaCha8Rng;

use crate::clock::exponential;
use crate::frame::{FrameBuf, Ipv4, Tcp, TCP_SYN};
use crate::generator::{decoded_v4, linux_options, plain_id, plain_seq};
use crate::payloads::{write_probe, Probe, MAX_PAYLOAD, UDP_SERVICES};
use crate::rng::{below, between, stream};
use crate::{Campaign, CampaignTruth, SimConfig};

/// The window of a current Linux SYN (MSS 1460 × 44).
const LINUX_WINDOW: u16 = 64240;

/// The seed's stream for one part of a campaign: 0 its sources, 1 its
/// arrival instants, 2 its packets' fields. The background uses streams
/// 0 to 2, so campaigns start at 256; a campaign never moves the
/// background's draws, and the background is the same with or without
/// campaigns.
pub(crate) fn campaign_stream(index: usize, part: u64) -> u64 {
    (index as u64 + 1) << 8 | part
}

/// A campaign source and what stays fixed across its packets.
struct Member {
    addr: u32,
    /// Linux's initial 64 minus the hops to the sensor.
    ttl: u8,
    sent: u64,
}

/// Hands out `count` instants in `[start, start + duration)`, non-
/// decreasing, on the capture's resolution grid: a Poisson process
/// conditioned on its count, by the same scaled sum of exponential gaps
/// as the background's clock (the i-th of n sorted uniforms is S_i /
/// S_{n+1}).
struct Arrivals {
    rng: ChaCha8Rng,
    left: u64,
    sum: f64,
    /// Nanoseconds per unit of the gaps' sum.
    scale: f64,
    start_ns: i64,
    end_ns: i64,
    resolution_ns: i64,
    last_ns: i64,
}

impl Arrivals {
    fn new(rng: ChaCha8Rng, count: u64, campaign: &Campaign, resolution_ns: i64) -> Self {
        let mut probe = rng.clone();
        let total: f64 = (0..=count).map(|_| exponential(&mut probe)).sum();
        Arrivals {
            rng,
            left: count,
            sum: 0.0,
            scale: campaign.duration_ns as f64 / total,
            start_ns: campaign.start_ns,
            end_ns: campaign.end_ns(),
            resolution_ns,
            last_ns: campaign.start_ns,
        }
    }

    fn next(&mut self) -> Option<i64> {
        self.left = self.left.checked_sub(1)?;
        self.sum += exponential(&mut self.rng);
        let t = self.start_ns + (self.sum * self.scale) as i64;
        // Rounding may reach the end or step back a hair; the start is on
        // the grid, so flooring never goes below it.
        let t = t.min(self.end_ns - 1).div_euclid(self.resolution_ns) * self.resolution_ns;
        self.last_ns = t.max(self.last_ns);
        Some(self.last_ns)
    }
}

/// One campaign under way.
struct CampaignStream {
    campaign: Campaign,
    members: Vec<Member>,
    arrivals: Arrivals,
    rng: ChaCha8Rng,
    /// The next frame's instant; `i64::MAX` once all are sent.
    next_ns: i64,
    probe: Probe,
    packets: u64,
    first_ns: Option<i64>,
    last_ns: Option<i64>,
}

/// Every campaign of a run, and which one is due first.
pub(crate) struct Campaigns {
    streams: Vec<CampaignStream>,
    /// The stream whose frame is due first.
    due: usize,
    /// Its instant: `i64::MAX` when no campaign has frames left, so that
    /// the background's test against it always passes.
    pub next_ns: i64,
    dst_base: u32,
    dst_mask: u32,
}

impl Campaigns {
    /// No campaigns.
    pub fn none() -> Self {
        Campaigns {
            streams: Vec::new(),
            due: 0,
            next_ns: i64::MAX,
            dst_base: 0,
            dst_mask: 0,
        }
    }

    /// The campaigns of `config`, each with the addresses
    /// [`super::draw_sources`] gave it.
    pub fn new(config: &SimConfig, addresses: Vec<Vec<u32>>) -> Self {
        let resolution_ns = config.format.resolution_ns();
        let streams = config
            .campaigns
            .iter()
            .zip(addresses)
            .enumerate()
            .map(|(index, (campaign, addrs))| {
                let mut rng = stream(config.seed, campaign_stream(index, 2));
                let members = addrs
                    .into_iter()
                    .map(|addr| Member {
                        addr,
                        ttl: 64 - between(&mut rng, 6, 24) as u8,
                        sent: 0,
                    })
                    .collect();
                let mut arrivals = Arrivals::new(
                    stream(config.seed, campaign_stream(index, 1)),
                    campaign.planned_packets(),
                    campaign,
                    resolution_ns,
                );
                let probe = UDP_SERVICES
                    .iter()
                    .find(|&&(port, _, _)| port == campaign.port)
                    .map_or(Probe::Random, |&(_, _, probe)| probe);
                CampaignStream {
                    campaign: campaign.clone(),
                    members,
                    next_ns: arrivals.next().unwrap_or(i64::MAX),
                    arrivals,
                    rng,
                    probe,
                    packets: 0,
                    first_ns: None,
                    last_ns: None,
                }
            })
            .collect();
        let mut campaigns = Campaigns {
            streams,
            due: 0,
            next_ns: i64::MAX,
            dst_base: u32::from(config.darknet_v4.addr),
            dst_mask: config.darknet_v4.host_mask(),
        };
        campaigns.find_due();
        campaigns
    }

    /// Frames the campaigns write in all.
    pub fn planned(&self) -> u64 {
        self.streams
            .iter()
            .map(|s| s.campaign.planned_packets())
            .sum()
    }

    /// Distinct sources that have sent so far, all campaigns together
    /// (their addresses never overlap).
    pub fn sources_sent(&self) -> u64 {
        self.streams
            .iter()
            .map(|s| s.members.iter().filter(|m| m.sent > 0).count() as u64)
            .sum()
    }

    /// Builds the frame due at [`Campaigns::next_ns`] in `frame` and
    /// returns its instant and what it is. Only called while `next_ns` is
    /// not `i64::MAX`.
    pub fn emit(
        &mut self,
        frame: &mut FrameBuf,
        payload: &mut [u8; MAX_PAYLOAD],
    ) -> (i64, Outcome) {
        let (dst_base, dst_mask) = (self.dst_base, self.dst_mask);
        let s = &mut self.streams[self.due];
        let ts_ns = s.next_ns;
        let member = below(&mut s.rng, s.members.len() as u32) as usize;
        let src = s.members[member].addr;
        let ttl = s.members[member].ttl;
        let dst = dst_base | (s.rng.next_u32() & dst_mask);
        let port = s.campaign.port;
        // Each packet is a new connection or socket: ephemeral source
        // ports in Linux's default range.
        let src_port = between(&mut s.rng, 32768, 60999) as u16;
        let outcome = match s.campaign.proto {
            PortProto::Tcp => {
                let seq = plain_seq(&mut s.rng, dst);
                let id = plain_id(&mut s.rng, dst, port, seq);
                // Linux randomises the timestamp offset per connection.
                let options = linux_options(s.rng.next_u32(), ts_ns);
                let ip = Ipv4 {
                    dont_fragment: true,
                    ..Ipv4::new(src, dst, protocol::TCP, ttl, id)
                };
                let tcp = Tcp {
                    src_port,
                    dst_port: port,
                    seq,
                    ack: 0,
                    flags: TCP_SYN,
                    window: LINUX_WINDOW,
                    options: &options,
                };
                frame.tcp_v4(&ip, &tcp);
                decoded_v4(src, protocol::TCP, Some(port))
            }
            PortProto::Udp => {
                let len = write_probe(s.probe, &mut s.rng, src, dst, payload);
                let id = plain_id(&mut s.rng, dst, 0, 0);
                let ip = Ipv4 {
                    dont_fragment: true,
                    ..Ipv4::new(src, dst, protocol::UDP, ttl, id)
                };
                frame.udp_v4(&ip, src_port, port, &payload[..len]);
                decoded_v4(src, protocol::UDP, Some(port))
            }
        };
        s.members[member].sent += 1;
        s.packets += 1;
        s.first_ns.get_or_insert(ts_ns);
        s.last_ns = Some(ts_ns);
        s.next_ns = s.arrivals.next().unwrap_or(i64::MAX);
        self.find_due();
        (ts_ns, outcome)
    }

    /// Points `due` at the campaign with the earliest next frame (the
    /// first listed on a tie).
    fn find_due(&mut self) {
        self.next_ns = i64::MAX;
        for (i, s) in self.streams.iter().enumerate() {
            if s.next_ns < self.next_ns {
                self.next_ns = s.next_ns;
                self.due = i;
            }
        }
    }

    /// What each campaign has sent so far.
    pub fn truth(&self) -> Vec<CampaignTruth> {
        self.streams
            .iter()
            .map(|s| {
                let mut addresses: Vec<Ipv4Addr> = s
                    .members
                    .iter()
                    .filter(|m| m.sent > 0)
                    .map(|m| Ipv4Addr::from(m.addr))
                    .collect();
                addresses.sort_unstable();
                CampaignTruth {
                    campaign: s.campaign.clone(),
                    packets: s.packets,
                    sources: addresses.len() as u64,
                    addresses,
                    first_ns: s.first_ns,
                    last_ns: s.last_ns,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_streams_are_apart_from_the_background_and_each_other() {
        let mut ids: Vec<u64> = (0..1000)
            .flat_map(|i| (0..3).map(move |part| campaign_stream(i, part)))
            .collect();
        // The background draws from streams 0, 1 and 2.
        assert!(ids.iter().all(|&id| id >= 256));
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
