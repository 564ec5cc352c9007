//! Times the roll-up of one capture file, as the collector does it, with
//! and without enrichment: `cargo run --release -p hirundo-rollup
//! --example rollup_file -- FILE`.

use std::time::Instant;

use hirundo_analyze::Enrichment;
use hirundo_rollup::rollup_capture;

fn main() {
    let path = std::env::args().nth(1).expect("usage: rollup_file FILE");
    let bytes = std::fs::read(&path).expect("read");
    let enrichment = Enrichment::builtin().expect("geo");
    for enrich in [false, true] {
        let started = Instant::now();
        let got = rollup_capture(
            Box::new(std::io::Cursor::new(bytes.clone())),
            enrich.then_some(&enrichment as _),
            u64::MAX,
        )
        .expect("capture");
        let secs = started.elapsed().as_secs_f64();
        let r = &got.rollup;
        println!(
            "enrich {enrich}: {} packets in {secs:.3} s ({:.0} packets/s): {} hours, {} port-hours, {} source-days, {} country-hours, {} AS-hours",
            r.packets,
            r.packets as f64 / secs,
            r.hours.len(),
            r.ports.len(),
            r.sources.len(),
            r.countries.len(),
            r.asns.len()
        );
    }
}
