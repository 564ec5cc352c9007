//! The CSV attachment: Shadowserver's "Darknet Events" report
//! (`event4_honeypot_darknet`), one row per source, then hirundo's own
//! columns.
//!
//! The first 32 columns are Shadowserver's, in Shadowserver's order: the
//! header of its report as IntelMQ's parser tests carry it, with
//! `severity` after `device_model` where Shadowserver's field list has
//! put it since 2023. Consumers map columns by header name, and
//! Shadowserver itself adds columns over time, so hirundo's own follow
//! rather than replace any.
//!
//! Shadowserver reports one packet per row; hirundo's rows are one
//! source over the whole window, so `timestamp` is the first packet,
//! `count` the packets, and `protocol`/`dst_port` are filled only when
//! the source used a single (protocol, port). `dst_ip` and every other
//! column that would locate a sensor stay empty, always; `dst_geo` names
//! the sensors' country only when a single country's sensors saw it.
//!
//! RFC 4180: a header row, CRLF line ends (the RFC's, and what
//! spreadsheets expect), fields quoted only when they hold a comma, a
//! quote, CR or LF, inner quotes doubled. Fields taken from text hirundo
//! did not write (country codes, the ticket) are guarded against formula
//! injection: one that starts with `=`, `+`, `-`, `@`, tab or CR gets a
//! leading `'`, so a spreadsheet shows it rather than evaluating it.

use std::borrow::Cow;

use crate::format::{row, time};
use crate::{Notice, SourceRow};

/// Shadowserver's columns, in its order.
pub const SHADOWSERVER_COLUMNS: [&str; 32] = [
    "timestamp",
    "protocol",
    "src_ip",
    "src_port",
    "src_asn",
    "src_geo",
    "src_region",
    "src_city",
    "src_hostname",
    "src_naics",
    "src_sector",
    "device_vendor",
    "device_type",
    "device_model",
    "severity",
    "dst_ip",
    "dst_port",
    "dst_asn",
    "dst_geo",
    "dst_region",
    "dst_city",
    "dst_hostname",
    "dst_naics",
    "dst_sector",
    "public_source",
    "infection",
    "family",
    "tag",
    "application",
    "version",
    "event_id",
    "count",
];

/// hirundo's columns, after Shadowserver's.
pub const HIRUNDO_COLUMNS: [&str; 11] = [
    "first_seen",
    "last_seen",
    "packets",
    "days",
    "ports",
    "port_count",
    "fingerprints",
    "sensor_countries",
    "classification",
    "ticket",
    "tlp",
];

/// Every column of the file, in order.
pub fn columns() -> impl Iterator<Item = &'static str> {
    SHADOWSERVER_COLUMNS.into_iter().chain(HIRUNDO_COLUMNS)
}

/// The CSV text of `notice`: the header, then one line per row.
pub fn render(notice: &Notice) -> String {
    let mut out = String::with_capacity(200 * (notice.rows.len() + 1));
    write_line(&mut out, columns().map(Cow::Borrowed));
    for source in &notice.rows {
        write_line(&mut out, columns().map(|c| cell(c, source, notice)));
    }
    out
}

/// The value of `column` for `source`, by name, so a column's place can
/// change without its meaning moving.
fn cell(column: &str, source: &SourceRow, notice: &Notice) -> Cow<'static, str> {
    let s = |text: String| Cow::Owned(text);
    match column {
        "timestamp" => s(time::spaced(source.first_ns)),
        "protocol" => s(match row::single_port(source) {
            Some(p) => p.proto.as_str().to_owned(),
            None => row::protocols(source),
        }),
        "src_ip" => s(source.source.to_string()),
        "src_asn" if source.asn != 0 => s(source.asn.to_string()),
        "src_geo" if source.cc != "ZZ" => guard(&source.cc),
        "dst_port" => match row::single_port(source) {
            Some(p) => s(p.port.to_string()),
            None => Cow::Borrowed(""),
        },
        "dst_geo" => match source.sensor_countries.as_slice() {
            [only] => guard(only),
            _ => Cow::Borrowed(""),
        },
        // Where a packet went would locate a sensor: never written.
        "dst_ip" | "dst_asn" | "dst_region" | "dst_city" | "dst_hostname" | "dst_naics"
        | "dst_sector" => Cow::Borrowed(""),
        "tag" => s(std::iter::once("darknet")
            .chain(row::fingerprints(source))
            .collect::<Vec<_>>()
            .join(";")),
        "count" | "packets" => s(source.packets.to_string()),
        "first_seen" => s(time::rfc3339(source.first_ns)),
        "last_seen" => s(time::rfc3339(row::last_ns(source))),
        "days" => s(source.days.to_string()),
        "ports" => s(row::port_labels(source).join(" ")),
        "port_count" => s(source.ports.len().to_string()),
        "fingerprints" => s(row::fingerprints(source).join(" ")),
        "sensor_countries" => s(source
            .sensor_countries
            .iter()
            .map(|cc| guard(cc))
            .collect::<Vec<_>>()
            .join(" ")),
        "classification" => s(row::classification(source.classification())),
        "ticket" => guard(&notice.ticket),
        "tlp" => Cow::Borrowed(notice.tlp.level()),
        // Shadowserver's columns hirundo has no value for: src_port,
        // src_region, src_city, src_hostname, src_naics, src_sector,
        // device_*, severity, public_source, infection, family,
        // application, version, event_id.
        _ => Cow::Borrowed(""),
    }
}

/// `text` with a leading `'` if a spreadsheet would take it for a
/// formula (OWASP's list of trigger characters).
fn guard(text: &str) -> Cow<'static, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Owned(text.to_owned())
    }
}

fn write_line<'a>(out: &mut String, fields: impl Iterator<Item = Cow<'a, str>>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_field(out, &field);
    }
    out.push_str("\r\n");
}

fn write_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixture;
    use proptest::prelude::*;

    fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.expect("record").iter().map(str::to_owned).collect())
            .collect();
        (header, rows)
    }

    #[test]
    fn header_is_shadowservers_then_ours() {
        let text = render(&fixture::notice());
        let first = text.split("\r\n").next().unwrap_or_default();
        assert_eq!(
            first,
            "timestamp,protocol,src_ip,src_port,src_asn,src_geo,src_region,src_city,\
             src_hostname,src_naics,src_sector,device_vendor,device_type,device_model,\
             severity,dst_ip,dst_port,dst_asn,dst_geo,dst_region,dst_city,dst_hostname,\
             dst_naics,dst_sector,public_source,infection,family,tag,application,version,\
             event_id,count,first_seen,last_seen,packets,days,ports,port_count,\
             fingerprints,sensor_countries,classification,ticket,tlp"
        );
        assert_eq!(columns().count(), 43);
    }

    #[test]
    fn rows_are_exact() {
        let text = render(&fixture::notice());
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches("\r\n").count(), 4);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[2],
            "2026-11-22 09:24:05,tcp,198.51.100.3,,64500,NL,,,,,,,,,,,23,,DE,,,,,,,,,\
             darknet;mirai,,,,1234,2026-11-22T09:24:05Z,2026-11-22T11:00:00Z,1234,1,\
             23/tcp,1,mirai,DE,information-gathering/scanner,HIR-N-2026-000042,AMBER"
        );
        assert_eq!(
            lines[1],
            "2026-11-22 00:00:01,tcp;udp,2001:db8::7,,64501,JP,,,,,,,,,,,,,,,,,,,,,,\
             darknet;zmap;masscan,,,,5000001234,2026-11-22T00:00:01Z,2026-11-22T23:59:58Z,\
             5000001234,1,22/tcp 23/tcp 80/tcp 443/tcp 2323/tcp 8080/tcp 53/udp 123/udp,8,\
             zmap masscan,AT DE,information-gathering/scanner,HIR-N-2026-000042,AMBER"
        );
        assert_eq!(
            lines[3],
            "2026-11-22 12:00:00,icmp,203.0.113.9,,,,,,,,,,,,,,,,,,,,,,,,,darknet;backscatter,\
             ,,,1,2026-11-22T12:00:00Z,2026-11-22T12:00:00Z,1,1,,0,backscatter,,\
             availability/ddos,HIR-N-2026-000042,AMBER"
        );
    }

    #[test]
    fn hostile_text_is_quoted_and_defused() {
        let mut n = fixture::notice();
        n.ticket = "=HYPERLINK(\"http://x\",\"a,b\")\r\nnext".to_owned();
        n.rows[1].cc = "+1".to_owned();
        n.rows[1].sensor_countries = vec!["@x".to_owned()];
        let text = render(&n);
        let (header, rows) = parse(&text);
        let at = |name: &str| header.iter().position(|h| h == name).expect(name);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[1][at("ticket")],
            "'=HYPERLINK(\"http://x\",\"a,b\")\r\nnext"
        );
        assert_eq!(rows[1][at("src_geo")], "'+1");
        assert_eq!(rows[1][at("dst_geo")], "'@x");
        assert_eq!(rows[1][at("sensor_countries")], "'@x");
        // Addresses and numbers are ours and never start like a formula.
        assert_eq!(rows[1][at("src_ip")], "198.51.100.3");
    }

    proptest! {
        #[test]
        fn any_ticket_and_countries_parse_back(
            ticket in "\\PC{0,30}|[=+\\-@\",\r\n ]{0,10}",
            cc in ".{0,4}",
            sensors in proptest::collection::vec("[A-Z,\"]{0,3}", 0..4),
        ) {
            let mut n = fixture::notice();
            n.ticket = ticket.clone();
            n.rows[0].cc = cc;
            n.rows[0].sensor_countries = sensors;
            let text = render(&n);
            let mut reader = ::csv::Reader::from_reader(text.as_bytes());
            let width = reader.headers().map_err(|e| TestCaseError::fail(e.to_string()))?.len();
            prop_assert_eq!(width, 43);
            let mut count = 0;
            for record in reader.records() {
                let record = record.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(record.len(), 43);
                let want = guard(&ticket);
                prop_assert_eq!(&record[41], want.as_ref());
                prop_assert_eq!(&record[15], "");
                count += 1;
            }
            prop_assert_eq!(count, 3);
        }
    }
}
