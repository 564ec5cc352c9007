//! Times `tag` on simulated darknet traffic: frames are generated and
//! decoded first, then tagged in a loop, and the time per packet printed
//! beside the time to decode, so the cost of tagging is seen against the
//! decoder it follows.
//!
//! `cargo run --release -p hirundo-fingerprint --example bench_tag [PACKETS]`

use std::hint::black_box;
use std::time::Instant;

use hirundo_fingerprint::{tag, Tags};
use hirundo_packet::{decode, LinkType};
use hirundo_simulate::{Generator, SimConfig};

fn main() {
    let packets: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let config = SimConfig {
        packets,
        ..SimConfig::default()
    };
    let mut generator = Generator::new(&config).expect("valid config");
    let mut frames = Vec::with_capacity(packets as usize);
    while let Some(frame) = generator.next_frame() {
        frames.push(frame.data.to_vec());
    }
    let start = Instant::now();
    let decoded: Vec<_> = frames
        .iter()
        .filter_map(|f| decode(LinkType::ETHERNET, f).ok())
        .collect();
    let decode_ns = start.elapsed().as_nanos() as f64 / frames.len() as f64;
    let mut all = Tags::NONE;
    let start = Instant::now();
    for _ in 0..5 {
        for packet in &decoded {
            all |= black_box(tag(black_box(packet)));
        }
    }
    let tag_ns = start.elapsed().as_nanos() as f64 / (5 * decoded.len()) as f64;
    println!(
        "{} packets: decode {decode_ns:.1} ns/packet, tag {tag_ns:.1} ns/packet ({:.2}x decode); tags seen {all:?}",
        decoded.len(),
        tag_ns / decode_ns
    );
}
