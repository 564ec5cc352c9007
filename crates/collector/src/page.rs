//! The first web page: the sensors, what they delivered, and the top
//! ports and source countries. Server-rendered HTML with no script; the
//! full dashboard grows from here.

use std::fmt::Write;

use hirundo_store::{Filter, Store, StoreError};
use hirundo_summary::{group, service_name, PortProto, Timestamp};

/// Rows in each top-N table.
const TOP: usize = 10;

pub fn overview(store: &dyn Store) -> Result<String, StoreError> {
    let sensors = store.sensor_overview()?;
    let totals = store.totals(&Filter::ALL)?;
    let ports = store.ports(&Filter::ALL, Some(TOP))?;
    let countries = store.countries(&Filter::ALL, Some(TOP))?;
    let rejections = store.rejections()?;

    let mut html = String::with_capacity(16 << 10);
    html.push_str(concat!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta http-equiv=\"refresh\" content=\"10\">",
        "<title>hirundo collector</title><style>",
        "body{font-family:system-ui,sans-serif;margin:2em;color:#222}",
        "table{border-collapse:collapse;margin:0 0 2em}",
        "td,th{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:left}",
        "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}",
        "footer{color:#666;font-size:.85em}</style></head><body>\n",
        "<h1>hirundo collector</h1>\n"
    ));
    let _ = writeln!(
        html,
        "<p id=\"ingested\">Packets ingested: <strong>{}</strong> in {} segments \
         from {} sensors ({} bytes on the wire).</p>",
        group(totals.packets),
        group(totals.segments),
        sensors.len(),
        group(totals.bytes)
    );

    html.push_str("<h2>Sensors</h2>\n<table id=\"sensors\"><tr><th>sensor</th><th>country</th><th>network</th><th>state</th><th class=n>segments</th><th class=n>packets</th><th>last upload</th><th class=n>kernel drops</th><th class=n>spooled</th><th class=n>not captured</th><th class=n>quarantined</th></tr>\n");
    for s in &sensors {
        let health = s.health.unwrap_or_default();
        let state = match (s.sensor.enabled, health.paused) {
            (false, _) => "disabled",
            (true, true) => "paused: spool full",
            (true, false) => "enabled",
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            escape(&s.sensor.name),
            escape(&s.sensor.country),
            s.sensor.network_type,
            state,
            group(s.segments),
            group(s.packets),
            s.last_segment_ns
                .map_or("never".to_string(), |t| Timestamp::from_nanos(t).to_string()),
            group(health.kernel_drops),
            group(health.spool_segments),
            group(health.not_captured),
            group(health.quarantined),
        );
    }
    html.push_str("</table>\n");

    html.push_str("<h2>Top destination ports</h2>\n<table id=\"ports\"><tr><th class=n>rank</th><th>port</th><th>service</th><th class=n>packets</th><th class=n>share</th></tr>\n");
    for (rank, p) in ports.iter().enumerate() {
        let service = service_name(p.port, p.proto == PortProto::Udp).unwrap_or("");
        let _ = writeln!(
            html,
            "<tr><td class=n>{}</td><td>{}/{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            rank + 1,
            p.port,
            p.proto.as_str(),
            escape(service),
            group(p.packets),
            share(p.packets, totals.decoded),
        );
    }
    html.push_str("</table>\n");

    html.push_str("<h2>Top source countries</h2>\n<table id=\"countries\"><tr><th class=n>rank</th><th>country</th><th class=n>packets</th><th class=n>share</th></tr>\n");
    for (rank, c) in countries.iter().enumerate() {
        let _ = writeln!(
            html,
            "<tr><td class=n>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            rank + 1,
            escape(&c.cc),
            group(c.packets),
            share(c.packets, totals.decoded),
        );
    }
    html.push_str("</table>\n");

    if !rejections.is_empty() {
        html.push_str("<h2>Refused uploads</h2>\n<table id=\"rejections\"><tr><th>reason</th><th class=n>status</th><th class=n>count</th><th>last</th></tr>\n");
        for r in &rejections {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td></tr>",
                escape(&r.reason),
                r.status,
                group(r.count),
                Timestamp::from_nanos(r.last_ns)
            );
        }
        html.push_str("</table>\n");
    }

    let _ = write!(
        html,
        "<footer><p>Countries and autonomous systems: {}</p>\
         <p>API: <a href=\"/api/v1/sensors\">/api/v1/sensors</a>, \
         <a href=\"/api/v1/totals\">/api/v1/totals</a>, \
         <a href=\"/api/v1/ports?limit=20\">/api/v1/ports</a>, \
         <a href=\"/api/v1/countries\">/api/v1/countries</a>, \
         <a href=\"/api/v1/asns?limit=20\">/api/v1/asns</a>, \
         <a href=\"/api/v1/rejections\">/api/v1/rejections</a></p></footer>\n</body></html>\n",
        hirundo_geo::ATTRIBUTION_HTML
    );
    Ok(html)
}

fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// HTML-escapes text from the store (sensor names are restricted, but the
/// page should not depend on that).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
