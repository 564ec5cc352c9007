//! Builds the shipped geo dataset (`data/ipdb.hgeo`) from the upstream
//! files. Run through `scripts/build-ipdb`; see crates/geo/README.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use hirundo_geo::upstream::{build_dataset, UpstreamFiles};
use hirundo_geo::{Dataset, SourceTables};

/// Build hirundo's geo dataset from ip-location-db and Tor geoip files.
#[derive(Parser)]
#[command(name = "hirundo-ipdb-build")]
struct Args {
    /// Folder holding geo-whois-asn-country-ipv{4,6}-num.csv, asn-ipv{4,6}-num.csv
    /// and tor-geoip-ipv{4,6} (or Tor's geoip, geoip6), each plain or .gz.
    #[arg(long)]
    from: PathBuf,
    /// Where to write the dataset.
    #[arg(long)]
    out: PathBuf,
    /// Release of the ip-location-db files, YYYY-MM (they carry no date of
    /// their own). The Tor files' date is read from their header.
    #[arg(long, value_parser = year_month)]
    ip_location_db_date: String,
}

fn year_month(s: &str) -> Result<String, String> {
    let ok = s.len() == 7
        && s.as_bytes()[4] == b'-'
        && s[..4]
            .bytes()
            .chain(s[5..].bytes())
            .all(|b| b.is_ascii_digit())
        && matches!(s[5..].parse::<u8>(), Ok(1..=12));
    ok.then(|| s.to_owned())
        .ok_or_else(|| format!("{s:?} is not a YYYY-MM month"))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hirundo-ipdb-build: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let files = UpstreamFiles::find(&args.from)?;
    let dataset = build_dataset(&files, &args.ip_location_db_date)?;
    let bytes = dataset.to_bytes().context("encoding the dataset")?;
    // Read back what was written before it replaces anything.
    let decoded = Dataset::from_bytes(&bytes).context("decoding the dataset just built")?;
    anyhow::ensure!(
        decoded == dataset,
        "the dataset does not read back as built"
    );
    let tmp = args.out.with_extension("hgeo.tmp");
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &args.out)
        .with_context(|| format!("renaming to {}", args.out.display()))?;
    for s in &dataset.sources {
        let (v4, v6) = match &s.tables {
            SourceTables::Country(t) => (t.v4.len(), t.v6.len()),
            SourceTables::Asn(t) => (t.v4.len(), t.v6.len()),
        };
        println!(
            "{:<45} {v4:>8} IPv4 ranges {v6:>8} IPv6 ranges",
            s.info.label()
        );
    }
    println!(
        "wrote {} ({} bytes) in {:.1} s",
        args.out.display(),
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
