use std::collections::BTreeMap;
use std::io::{BufWriter, Write};

use hirundo_capture::{ByteOrder, PcapWriter, PcapngWriter};
use hirundo_packet::LinkType;
use hirundo_summary::{Attribution, Summary, Tally};

use crate::{CampaignTruth, CaptureFormat, Generator, SimConfig, SimError};

/// The snapshot length written in the headers: libpcap's default, far
/// above the largest frame generated (1514 bytes), so nothing is cut.
pub const SNAPLEN: u32 = 262_144;

/// pcapng `if_tsresol`: 10^-9 s, so pcapng keeps the nanoseconds the
/// generator draws.
pub const PCAPNG_TSRESOL: u8 = 9;

/// Writes go to the destination in blocks of this size.
const OUTPUT_BUFFER: usize = 1 << 20;

/// The ground truth of a simulated capture.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Exactly what `hirundo analyze` must report for the capture:
    /// built from what the generator wrote, never by decoding it.
    pub summary: Summary,
    /// Frames and distinct sources per traffic family, keyed by
    /// [`Family::name`](crate::Family::name); families with no frames are
    /// absent. Packets add up to `summary.packets`; ARP has no IP sources,
    /// so its `sources` is 0. Kept out of the summary, which only holds
    /// what the analyzer can compute. All campaigns together are
    /// `campaign`.
    pub families: BTreeMap<String, Tally>,
    /// What each injected campaign sent, in `SimConfig::campaigns` order.
    /// Its frames are also counted in `summary` like any other.
    pub campaigns: Vec<CampaignTruth>,
}

/// Writes the capture `config` describes to `out` (Ethernet link type,
/// little-endian) and returns its ground truth, which lists the file as
/// `path_label`.
///
/// ```no_run
/// let out = std::fs::File::create("darknet.pcap")?;
/// let config = hirundo_simulate::SimConfig::default();
/// let truth = hirundo_simulate::simulate(&config, "darknet.pcap", out)?;
/// assert_eq!(truth.summary.packets, config.packets);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn simulate<W: Write>(
    config: &SimConfig,
    path_label: &str,
    out: W,
) -> Result<Simulation, SimError> {
    simulate_with(config, path_label, out, None)
}

/// [`simulate`], with the truth's countries, ASNs and research
/// organisations from `attribution`, as `hirundo analyze` reports them.
pub fn simulate_with<W: Write>(
    config: &SimConfig,
    path_label: &str,
    out: W,
    attribution: Option<&dyn Attribution>,
) -> Result<Simulation, SimError> {
    let mut generator = Generator::new(config)?;
    let out = BufWriter::with_capacity(OUTPUT_BUFFER, out);
    let mut out = match config.format {
        CaptureFormat::Pcap => {
            let mut writer =
                PcapWriter::new(out, LinkType::ETHERNET, SNAPLEN, false, ByteOrder::Little)?;
            while let Some(frame) = generator.next_frame() {
                writer.write(frame.ts_ns, frame.data.len() as u32, frame.data)?;
            }
            writer.finish()?
        }
        CaptureFormat::Pcapng => {
            let mut writer = PcapngWriter::new(out, ByteOrder::Little)?;
            let interface = writer.add_interface(LinkType::ETHERNET, SNAPLEN, PCAPNG_TSRESOL)?;
            while let Some(frame) = generator.next_frame() {
                writer.write(interface, frame.ts_ns, frame.data.len() as u32, frame.data)?;
            }
            writer.finish()?
        }
    };
    out.flush()?;
    Ok(generator.finish_with(path_label, attribution))
}
