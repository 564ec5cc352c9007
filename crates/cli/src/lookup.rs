use std::io::{self, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// IPv4 or IPv6 addresses.
    #[arg(required = true, value_name = "IP")]
    addresses: Vec<String>,
    /// Configuration file: which IP-to-country/ASN sources, which
    /// research-scanner list.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Prints what every configured source says of each address: country, AS
/// and its name, each with the source that said it, and whether the
/// address belongs to a known research scanner.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = Config::load(args.config.as_deref())?;
    let enrichment = config.enrichment()?;
    let geo = &enrichment.geo;
    let mut out = io::stdout().lock();
    let mut bad = 0;
    for text in &args.addresses {
        let Ok(addr) = text.parse::<IpAddr>() else {
            eprintln!("hirundo: {text:?} is not an IPv4 or IPv6 address");
            bad += 1;
            continue;
        };
        let lookup = geo.lookup(addr);
        writeln!(out, "{addr}")?;
        if lookup.countries.is_empty() {
            writeln!(out, "  country  unknown to every source")?;
        }
        for answer in &lookup.countries {
            let source = geo.source(answer.source).map_or("?", |s| &s.name);
            writeln!(out, "  country  {}  ({source})", answer.country.as_str())?;
        }
        if lookup.asns.is_empty() {
            writeln!(out, "  AS       unknown to every source")?;
        }
        for answer in &lookup.asns {
            let source = geo.source(answer.source).map_or("?", |s| &s.name);
            writeln!(out, "  AS       {} {}  ({source})", answer.asn, answer.name)?;
        }
        if lookup.countries_disagree() || lookup.asns_disagree() {
            writeln!(
                out,
                "  note     the sources disagree; all answers are shown"
            )?;
        }
        let asn = lookup.primary_asn().map(|a| a.asn.0);
        if let Some(org) = enrichment.research.organisation(addr, asn) {
            writeln!(
                out,
                "  research {} ({})",
                org.name,
                if org.verified {
                    "published ranges"
                } else {
                    "unverified"
                }
            )?;
        }
    }
    writeln!(out, "\nData: {}", geo.attribution().join("; "))?;
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else if bad == args.addresses.len() {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    })
}
