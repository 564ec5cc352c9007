//! The summary for a person at a terminal: the shape of TSUBAME's reports,
//! figures with thousands separators, shares in percent.

use std::fmt::Write;

use crate::{service_name, PortProto, Summary};

/// Renders `summary` as text, listing at most `top` destination ports.
pub fn render_text(summary: &Summary, top: usize) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_text(&mut out, summary, top);
    out
}

fn write_text(out: &mut String, s: &Summary, top: usize) -> std::fmt::Result {
    let files = s.files.len();
    writeln!(
        out,
        "{} packets, {} on the wire, in {} file{}",
        group(s.packets),
        human_bytes(s.bytes),
        files,
        if files == 1 { "" } else { "s" }
    )?;
    for f in &s.files {
        writeln!(
            out,
            "  {}  ({}, {} packets)",
            f.path,
            f.format,
            group(f.packets)
        )?;
    }
    match (s.first_ts, s.last_ts) {
        (Some(first), Some(last)) => writeln!(
            out,
            "Time span: {first} .. {last} ({})",
            duration(last.nanos().saturating_sub(first.nanos()))
        )?,
        _ => writeln!(out, "Time span: no packets")?,
    }
    writeln!(
        out,
        "Decoded: {} of {} ({})   Distinct sources: {}",
        group(s.decoded),
        group(s.packets),
        percent(s.decoded, s.packets),
        group(s.sources)
    )?;

    writeln!(out, "\nProtocols")?;
    let p = &s.protocols;
    for (name, n) in [
        ("tcp", p.tcp),
        ("udp", p.udp),
        ("icmp", p.icmp),
        ("icmpv6", p.icmpv6),
        ("other", p.other),
    ] {
        writeln!(
            out,
            "  {name:<8}{:>15}  {:>7}",
            group(n),
            percent(n, s.decoded)
        )?;
    }

    let shown = s.ports.len().min(top);
    writeln!(
        out,
        "\nTop {shown} destination ports (of {} seen)",
        group(s.ports.len() as u64)
    )?;
    if shown > 0 {
        let port_packets: u64 = s.ports.iter().map(|p| p.packets).sum();
        writeln!(
            out,
            "  {:>4}  {:<28}{:>15}  {:>7}{:>12}",
            "rank", "port", "packets", "share", "sources"
        )?;
        for (rank, port) in s.ports.iter().take(shown).enumerate() {
            let label = format!("{}/{}", port.port, port.proto.as_str());
            let label = match service_name(port.port, port.proto == PortProto::Udp) {
                Some(name) => format!("{label} {name}"),
                None => label,
            };
            writeln!(
                out,
                "  {:>4}  {:<28}{:>15}  {:>7}{:>12}",
                rank + 1,
                label,
                group(port.packets),
                percent(port.packets, port_packets),
                group(port.sources)
            )?;
        }
    }

    if let Some(fingerprints) = &s.fingerprints {
        let rows = FINGERPRINTS.iter().filter_map(|(name, why)| {
            let t = fingerprints.get(*name)?;
            Some((name.to_string(), t.packets, t.sources, format!("  {why}")))
        });
        section(out, "Fingerprints", s.decoded, rows)?;
    }
    if let Some(countries) = &s.countries {
        let rows = countries
            .iter()
            .take(top)
            .map(|c| (c.cc.clone(), c.packets, c.sources, disputed(c.disputed)));
        section(out, "Top source countries", s.decoded, rows)?;
    }
    if let Some(asns) = &s.asns {
        let rows = asns.iter().take(top).map(|a| {
            let label = format!("AS{} {}", a.asn, a.name);
            (label, a.packets, a.sources, disputed(a.disputed))
        });
        section(out, "Top source ASNs", s.decoded, rows)?;
    }

    let e = &s.errors;
    if e.total() == 0 {
        writeln!(out, "\nNot decoded: none")?;
    } else {
        writeln!(out, "\nNot decoded: {}", group(e.total()))?;
        for (name, n, why) in [
            (
                "truncated",
                e.truncated,
                "IP header cut short by the capture length",
            ),
            (
                "unsupported_link",
                e.unsupported_link,
                "link type hirundo does not decode",
            ),
            (
                "not_ip",
                e.not_ip,
                "link frame carrying no IP (ARP, LLDP, STP...)",
            ),
            (
                "malformed",
                e.malformed,
                "impossible header: bad version or lengths",
            ),
        ] {
            if n > 0 {
                writeln!(out, "  {name:<18}{:>13}  {why}", group(n))?;
            }
        }
    }
    Ok(())
}

/// Fingerprints in report order, with what each means for a reader.
const FINGERPRINTS: &[(&str, &str)] = &[
    ("mirai", "SYN with sequence = destination address"),
    ("zmap", "IPv4 id 54321 (ZMap up to 4.0)"),
    ("masscan", "IPv4 id = dst ^ port ^ seq"),
    ("backscatter", "replies from DoS victims"),
    ("spoofed", "source cannot be genuine"),
    ("research_org", "known research scanners"),
    ("research_heuristic", "> 10 ports in a day"),
];

/// A titled table of (label, packets, sources, note) rows, with each row's
/// share of `whole` packets. Labels longer than the column are cut.
fn section(
    out: &mut String,
    title: &str,
    whole: u64,
    rows: impl Iterator<Item = (String, u64, u64, String)>,
) -> std::fmt::Result {
    writeln!(
        out,
        "\n{title:<40}{:>17}  {:>7}{:>12}",
        "packets", "share", "sources"
    )?;
    for (label, packets, sources, note) in rows {
        let label: String = label.chars().take(40).collect();
        writeln!(
            out,
            "  {label:<40}{:>15}  {:>7}{:>12}{note}",
            group(packets),
            percent(packets, whole),
            group(sources)
        )?;
    }
    Ok(())
}

/// "  (12 disputed)" when other data sources place some of the sources
/// elsewhere.
fn disputed(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("  ({} disputed)", group(n))
    }
}

/// `1234567` as `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".to_string();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn duration(ns: i64) -> String {
    let secs = ns / 1_000_000_000;
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{d}d {h}h {m}m")
    } else if h > 0 {
        format!("{h}h {m}m {s}s")
    } else if m > 0 {
        format!("{m}m {s}s")
    } else {
        format!("{:.3}s", ns as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1_234_567), "1,234,567");
    }

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
        assert_eq!(duration(86_400_000_000_000 + 3_600_000_000_000), "1d 1h 0m");
        assert_eq!(duration(1_500_000_000), "1.500s");
    }
}
