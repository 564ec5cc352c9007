//! What every attachment says about one [`SourceRow`], worded once so the
//! CSV, the JSON lines, the STIX bundle and the mail agree.

use hirundo_rollup::{PortKey, PortProto};

use crate::{Classification, SourceRow};

/// The one (proto, port) a source sent to, if it sent to exactly one:
/// only then do Shadowserver's `dst_port` and IntelMQ's
/// `destination.port` describe it.
pub fn single_port(row: &SourceRow) -> Option<PortKey> {
    match row.ports.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

/// The transport protocols a source used, ascending and distinct, joined
/// by ';': "tcp", "tcp;udp". A source with no port sent only ICMP
/// (see [`SourceRow::ports`]), so it says "icmp".
pub fn protocols(row: &SourceRow) -> String {
    let tcp = row.ports.iter().any(|p| p.proto == PortProto::Tcp);
    let udp = row.ports.iter().any(|p| p.proto == PortProto::Udp);
    match (tcp, udp) {
        (true, true) => "tcp;udp",
        (true, false) => "tcp",
        (false, true) => "udp",
        (false, false) => "icmp",
    }
    .to_owned()
}

/// IntelMQ's `protocol.transport`: one protocol or none.
pub fn transport(row: &SourceRow) -> Option<&'static str> {
    match single_port(row) {
        Some(p) => Some(p.proto.as_str()),
        None if row.ports.is_empty() => Some("icmp"),
        None => None,
    }
}

/// "23/tcp".
pub fn port_label(p: PortKey) -> String {
    format!("{}/{}", p.port, p.proto.as_str())
}

/// Most ports an attachment lists for one source. A scanner that swept
/// ten thousand ports would otherwise fill the message on its own; the
/// count of them all is given beside (`port_count`, `extra.port_count`).
pub const MAX_PORTS_LISTED: usize = 100;

/// The source's ports as "23/tcp", lowest first, at most
/// [`MAX_PORTS_LISTED`].
pub fn port_labels(row: &SourceRow) -> Vec<String> {
    row.ports
        .iter()
        .take(MAX_PORTS_LISTED)
        .map(|&p| port_label(p))
        .collect()
}

/// The fingerprint names of its packets, in report order: "mirai".
pub fn fingerprints(row: &SourceRow) -> Vec<&'static str> {
    row.tags.iter().map(|(_, name)| name).collect()
}

/// "information-gathering/scanner", RSIT's taxonomy and type.
pub fn classification(c: Classification) -> String {
    format!("{}/{}", c.taxonomy(), c.kind())
}

/// The last packet, never before the first: a row whose times were
/// swapped upstream still yields a window STIX accepts.
pub fn last_ns(row: &SourceRow) -> i64 {
    row.last_ns.max(row.first_ns)
}

/// 1234567 as "1,234,567": the one grouping every hirundo text uses.
pub use hirundo_summary::group as thousands;

/// "1 packet" / "2 packets".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// "Seen by hirundo darknet sensors: 1,234 packets to 3 ports on 2 days".
pub fn describe(row: &SourceRow) -> String {
    let what = if row.ports.is_empty() {
        format!("{} (ICMP)", count(row.packets, "packet", "packets"))
    } else {
        format!(
            "{} to {}",
            count(row.packets, "packet", "packets"),
            count(row.ports.len() as u64, "port", "ports")
        )
    };
    format!(
        "Seen by hirundo darknet sensors: {what} on {}",
        count(u64::from(row.days), "day", "days")
    )
}

/// Whether `cc` looks like an ISO 3166-1 alpha-2 code we know: two
/// letters or digits (IntelMQ's own check) and not the "unknown" ZZ.
pub fn known_cc(cc: &str) -> bool {
    cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_alphanumeric()) && cc != "ZZ"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixture;

    #[test]
    fn a_sweep_of_many_ports_lists_the_first_hundred() {
        let mut r = crate::format::fixture::notice().rows.remove(0);
        r.ports = (1..=5_000)
            .map(|port| hirundo_rollup::PortKey {
                proto: hirundo_rollup::PortProto::Tcp,
                port,
            })
            .collect();
        let labels = port_labels(&r);
        assert_eq!(labels.len(), MAX_PORTS_LISTED);
        assert_eq!(labels[0], "1/tcp");
        assert_eq!(labels[99], "100/tcp");
    }

    #[test]
    fn one_port_many_ports_and_none() {
        let rows = fixture::notice().rows;
        assert_eq!(
            single_port(&rows[1]).map(port_label).as_deref(),
            Some("23/tcp")
        );
        assert_eq!(protocols(&rows[1]), "tcp");
        assert_eq!(transport(&rows[1]), Some("tcp"));
        assert_eq!(single_port(&rows[0]), None);
        assert_eq!(protocols(&rows[0]), "tcp;udp");
        assert_eq!(transport(&rows[0]), None);
        assert_eq!(protocols(&rows[2]), "icmp");
        assert_eq!(transport(&rows[2]), Some("icmp"));
        assert_eq!(single_port(&rows[2]), None);
    }

    #[test]
    fn numbers_and_sentences() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(5_000_001_234), "5,000,001,234");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        let rows = fixture::notice().rows;
        assert_eq!(
            describe(&rows[0]),
            "Seen by hirundo darknet sensors: 5,000,001,234 packets to 8 ports on 1 day"
        );
        assert_eq!(
            describe(&rows[1]),
            "Seen by hirundo darknet sensors: 1,234 packets to 1 port on 1 day"
        );
        assert_eq!(
            describe(&rows[2]),
            "Seen by hirundo darknet sensors: 1 packet (ICMP) on 1 day"
        );
    }

    #[test]
    fn country_codes() {
        assert!(known_cc("NL"));
        assert!(!known_cc("ZZ"));
        assert!(!known_cc(""));
        assert!(!known_cc("NLD"));
        assert!(!known_cc("N\n"));
    }
}
