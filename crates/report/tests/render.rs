//! The three renderings of one sample report with known numbers.

use hirundo_report::{
    parse_period, render_html, render_json, render_markdown, service_of, DailySeries,
    DomesticOverseas, OrganisationCount, Overview, PortCount, RankedPort, RankedRegion,
    RegionCount, Report, ResearchShare, SensorSummary, SurgeLine,
};

const HOSTILE: &str = "</td></table><script>alert('x')</script>|*_";
const DB_IP: &str = "IP to country data by DB-IP (https://db-ip.com), CC BY 4.0";
const ROUTEVIEWS: &str = "IP-to-ASN data: RouteViews (https://www.routeviews.org), CC BY 4.0";
const HEADINGS: [&str; 9] = [
    "1. Overview",
    "2. Top 5 destination ports",
    "3. Top 5 source regions",
    "4. Mirai-like sources by region",
    "5. Research scanners",
    "6. Sensor comparison",
    "7. Notable surges",
    "8. Notes on method",
    "9. Data sources and licences",
];

fn days(values: impl Fn(u32) -> f64) -> Vec<(String, f64)> {
    (0..90)
        .map(|i| {
            (
                hirundo_report::date_of_day(20_454 + i64::from(i)),
                values(i),
            )
        })
        .collect()
}

/// 2026Q1 with three sensors; every number is chosen so the tests can
/// state what the report must print.
fn sample() -> Report {
    let range = parse_period("2026Q1").unwrap();
    let mut r = Report::empty(&range, "2026-04-01T00:00:00Z");
    r.overview = Overview {
        packets: 1_234_567,
        sources: 45_678,
        sensors: 3,
        per_sensor_per_day: 4_572.5,
        previous_packets: 1_100_000,
        previous_sources: 40_000,
        previous_sensors: 3,
        previous_per_sensor_per_day: 4_065.0,
        research_share: 0.123,
    };
    // (proto, port, previous rank, per sensor per day)
    let ports = [
        ("tcp", 23, Some(2), 900.0),
        ("tcp", 445, Some(1), 610.5),
        ("tcp", 8728, None, 420.0),
        ("tcp", 22, Some(4), 300.25),
        ("udp", 53, Some(7), 120.0),
    ];
    for (i, &(proto, port, previous_rank, avg)) in ports.iter().enumerate() {
        r.top_ports.push(RankedPort {
            rank: i as u32 + 1,
            previous_rank,
            proto: proto.to_string(),
            port,
            service: service_of(proto, port),
            per_sensor_per_day: avg,
            packets: (avg * 270.0) as u64,
            sources: 1000 - 100 * i as u64,
            share: avg * 270.0 / 1_234_567.0,
        });
        r.port_series.push(DailySeries {
            label: format!("{port}/{proto}"),
            points: days(|d| avg + f64::from(d % 7) * 10.0),
        });
    }
    for (i, cc) in ["BR", "CN", "US", "IN", "VN"].iter().enumerate() {
        r.top_regions.push(RankedRegion {
            rank: i as u32 + 1,
            previous_rank: if i == 0 { Some(2) } else { Some(i as u32 + 1) },
            cc: cc.to_string(),
            per_sensor_per_day: 1000.0 / (i as f64 + 1.0),
            packets: 100_000 / (i as u64 + 1),
            sources: 5_000 / (i as u64 + 1),
            share: 0.2 / (i as f64 + 1.0),
        });
        r.region_series.push(DailySeries {
            label: cc.to_string(),
            points: days(|d| 1000.0 / (i as f64 + 1.0) + f64::from(d)),
        });
    }
    for (i, cc) in ["BR", "IN", "CN", "VN", "EG", "TW", "RU", "KR", "ID", "TH"]
        .iter()
        .enumerate()
    {
        r.mirai_by_region.push(RegionCount {
            cc: cc.to_string(),
            sources: 1_000 - 90 * i as u64,
            packets: 50_000 - 4_000 * i as u64,
        });
    }
    r.research = ResearchShare {
        packets: 151_852,
        sources: 1_234,
        share_of_packets: 0.123,
        organisations: vec![
            OrganisationCount {
                name: "Shadowserver".to_string(),
                packets: 100_000,
                sources: 900,
            },
            OrganisationCount {
                name: HOSTILE.to_string(),
                packets: 51_852,
                sources: 334,
            },
        ],
    };
    for (name, country, domestic) in [
        ("tokyo-1", "JP", true),
        ("sao-paulo-1", "BR", false),
        (HOSTILE, "MX", false),
    ] {
        r.sensors.push(SensorSummary {
            name: name.to_string(),
            country: country.to_string(),
            network_type: "xdsl".to_string(),
            days_active: 90,
            packets: 400_000,
            per_day: 4_444.4,
            domestic,
            top_ports: (0..10)
                .map(|i| PortCount {
                    proto: "tcp".to_string(),
                    port: 1000 + i,
                    service: service_of("tcp", 1000 + i),
                    packets: 10_000 - u64::from(i) * 500,
                    per_day: 111.1,
                })
                .collect(),
        });
    }
    r.domestic = DomesticOverseas {
        home: "JP".to_string(),
        domestic_sensors: 1,
        overseas_sensors: 2,
        domestic_per_sensor_per_day: 5_000.0,
        overseas_per_sensor_per_day: 4_358.8,
    };
    r.surges = vec![
        SurgeLine {
            title: "Surge of scans to 8728/tcp from BR".to_string(),
            started: "2026-03-02".to_string(),
            ended: Some("2026-03-09".to_string()),
            subject: "8728/tcp".to_string(),
            packets: 80_000,
            sources: 2_100,
        },
        SurgeLine {
            title: HOSTILE.to_string(),
            started: "2026-03-28".to_string(),
            ended: None,
            subject: "country CN".to_string(),
            packets: 12_000,
            sources: 300,
        },
    ];
    r.notes = vec![
        "Averages are per sensor per day, over the days each sensor was active.".to_string(),
        HOSTILE.to_string(),
    ];
    r.attribution = vec![DB_IP.to_string(), ROUTEVIEWS.to_string()];
    r
}

/// The rows of the Markdown table whose caption starts with `caption`.
fn markdown_rows<'a>(md: &'a str, caption: &str) -> Vec<&'a str> {
    let start = md
        .lines()
        .position(|l| {
            l.starts_with("**Table ")
                && l.split_once(".** ")
                    .is_some_and(|(_, c)| c.starts_with(caption))
        })
        .unwrap_or_else(|| panic!("no table {caption}"));
    md.lines()
        .skip(start + 2) // the caption and the blank line after it
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and alignment rows
        .collect()
}

/// Cell separators: pipes not escaped with a backslash.
fn separators(line: &str) -> usize {
    let b = line.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
        .count()
}

#[test]
fn html_sections_come_in_order() {
    let html = render_html(&sample());
    let mut last = 0;
    for heading in HEADINGS {
        let at = html
            .find(&format!("<h2>{heading}</h2>"))
            .unwrap_or_else(|| panic!("no heading {heading}"));
        assert!(at > last, "{heading} is out of order");
        last = at;
    }
    assert_eq!(html.matches("<h2>").count(), 9);
}

#[test]
fn html_has_the_port_region_and_mirai_charts() {
    let html = render_html(&sample());
    assert_eq!(html.matches("<svg").count(), 3);
    assert_eq!(html.matches("hirundo-line-chart").count(), 2);
    assert_eq!(html.matches("hirundo-bar-chart").count(), 1);
    // Five lines in each line chart and ten bars: every <path> is a series
    // and every <rect> a bar.
    assert_eq!(html.matches("<path").count(), 5 + 5);
    assert_eq!(html.matches("<rect").count(), 10);
    // The charts sit in order: ports, regions, Mirai.
    let ports = html.find("Top 5 destination ports by day").unwrap();
    let regions = html.find("Top 5 source regions by day").unwrap();
    let mirai = html.find("hirundo-bar-chart").unwrap();
    assert!(ports < regions && regions < mirai);
}

#[test]
fn html_prints_the_key_figures_and_previous_ranks() {
    let html = render_html(&sample());
    for figure in [
        "4,572.5",
        "4,065.0",
        "+12.5%",
        "1,234,567",
        "+12.2%",
        "45,678",
        "12.3%",
    ] {
        assert!(html.contains(figure), "missing {figure}");
    }
    assert!(html.contains(r#"<span class="rank-up" title="up from 2">↑ 2</span>"#));
    assert!(html.contains(r#"<span class="rank-down" title="down from 1">↓ 1</span>"#));
    assert!(html.contains(r#"<span class="rank-new" title="not in the previous top">new</span>"#));
    assert!(html.contains(r#"<span class="rank-same" title="unchanged from 4">→ 4</span>"#));
    assert!(html.contains(r#"<span class="rank-up" title="up from 7">↑ 7</span>"#));
    assert!(html.contains("<td>telnet</td>"));
    assert!(html.contains("<td>8728/tcp</td><td>—</td>"));
}

#[test]
fn html_escapes_every_string() {
    let html = render_html(&sample());
    assert!(!html.contains("<script"));
    assert!(!html.contains("</td></table>"));
    // In the research table, a sensor heading, the surges and the notes.
    assert!(
        html.matches("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
            .count()
            >= 4
    );
    // Tables still close as often as they open.
    assert_eq!(
        html.matches("<table>").count(),
        html.matches("</table>").count()
    );
}

#[test]
fn html_is_self_contained_and_labelled_tlp_clear() {
    let html = render_html(&sample());
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    for external in ["<script", "<link", "src=", "@import", "url(", "@font-face"] {
        assert!(!html.contains(external), "{external}");
    }
    // The only links are the attribution's own addresses.
    let hrefs: Vec<&str> = html
        .split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(
        hrefs,
        vec!["https://db-ip.com", "https://www.routeviews.org"]
    );
    assert!(html.contains(r#"<span class="tlp tlp-clear">TLP:CLEAR</span>"#));
    assert!(html.contains(".tlp-clear { color: #FFFFFF; }"));
    assert!(html.contains("there is no limit on disclosure"));
    assert!(html.contains("@page { size: A4;"));
}

#[test]
fn attribution_is_printed_in_every_format() {
    let r = sample();
    let html = render_html(&r);
    assert!(html.contains(
        r#"<li>IP to country data by DB-IP (<a href="https://db-ip.com">https://db-ip.com</a>), CC BY 4.0</li>"#
    ));
    let md = render_markdown(&r);
    assert!(md.contains("- IP to country data by DB-IP (<https://db-ip.com>), CC BY 4.0\n"));
    assert!(md.contains("RouteViews (<https://www.routeviews.org>)"));
    assert!(render_json(&r).contains(DB_IP));
}

#[test]
fn markdown_tables_have_one_row_per_item() {
    let md = render_markdown(&sample());
    assert_eq!(markdown_rows(&md, "Key figures").len(), 5);
    assert_eq!(markdown_rows(&md, "Top 5 destination ports").len(), 5);
    assert_eq!(markdown_rows(&md, "Top 5 source regions").len(), 5);
    assert_eq!(markdown_rows(&md, "Mirai-like sources").len(), 10);
    assert_eq!(
        markdown_rows(&md, "Research scanners by organisation").len(),
        2
    );
    assert_eq!(markdown_rows(&md, "Domestic (JP) and overseas").len(), 2);
    assert_eq!(markdown_rows(&md, "Sensors").len(), 3);
    assert_eq!(
        markdown_rows(&md, "Top destination ports at tokyo-1").len(),
        10
    );
    assert_eq!(markdown_rows(&md, "Surges detected").len(), 2);
    let ports = markdown_rows(&md, "Top 5 destination ports");
    assert_eq!(ports[0], "| 1 | ↑ 2 | 23/tcp | telnet | 900.0 | 19.7% |");
    assert_eq!(ports[2], "| 3 | new | 8728/tcp | — | 420.0 | 9.2% |");
}

#[test]
fn markdown_escapes_pipes_and_markup() {
    let md = render_markdown(&sample());
    // Every '<' of the hostile strings is backslash-escaped.
    assert!(!md.replace("\\<", "").contains("<script"));
    assert!(md.contains("\\</td\\>\\</table\\>\\<script\\>alert('x')\\</script\\>\\|\\*\\_"));
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let columns = separators(line) - 1;
        assert!(
            [3, 4, 5, 6].contains(&columns),
            "a cell broke out of its table: {line}"
        );
    }
    let surges = markdown_rows(&md, "Surges detected");
    assert_eq!(separators(surges[1]), 7);
}

#[test]
fn markdown_sections_come_in_order() {
    let md = render_markdown(&sample());
    let mut last = 0;
    for heading in HEADINGS {
        let at = md.find(&format!("\n## {heading}\n")).unwrap();
        assert!(at > last, "{heading}");
        last = at;
    }
    assert!(md.starts_with("# hirundo Internet Threat Monitoring Report, 2026 Q1\n"));
    assert!(!md.contains("<svg"));
}

#[test]
fn json_round_trips() {
    let r = sample();
    let json = render_json(&r);
    assert!(json.starts_with("{\n  \"schema\": \"hirundo.report/1\","));
    let back: Report = serde_json::from_str(&json).unwrap();
    // Not assert_eq!: the Debug of a whole report is thousands of lines.
    assert!(back == r, "the report changed on its way through JSON");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["top_ports"][0]["previous_rank"], 2);
    assert_eq!(
        value["top_ports"][2]["previous_rank"],
        serde_json::Value::Null
    );
    assert_eq!(value["port_series"][0]["points"][0][0], "2026-01-01");
    assert_eq!(value["period"]["to"], "2026-03-31");
    assert_eq!(value["previous"]["label"], "2025Q4");
}

#[test]
fn an_empty_report_renders_with_no_data_charts() {
    let r = Report::empty(&parse_period("2026-W10").unwrap(), "2026-03-09T00:00:00Z");
    let html = render_html(&r);
    assert_eq!(html.matches("<svg").count(), 3);
    assert_eq!(html.matches("No data for this period").count(), 3);
    assert!(html.contains("No surges were detected in this period."));
    assert!(html.contains("This report records no data sources."));
    let md = render_markdown(&r);
    assert!(md.contains("\n_No Mirai-like sources were seen in this period._\n"));
    assert!(md.contains("This report records no data sources."));
    let back: Report = serde_json::from_str(&render_json(&r)).unwrap();
    assert_eq!(back, r);
}

#[test]
fn rendering_is_deterministic() {
    let r = sample();
    assert_eq!(render_html(&r), render_html(&r));
    assert_eq!(render_markdown(&r), render_markdown(&r));
}

#[test]
fn the_sample_report_writes_to_a_file() {
    let html = render_html(&sample());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report-2026Q1.html");
    std::fs::write(&path, &html).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, html);
    assert!(written.ends_with("</html>\n"));
    // To look at it: HIRUNDO_REPORT_SAMPLE=/tmp/sample.html cargo test -p
    // hirundo-report (the Markdown goes next to it as sample.md).
    if let Some(keep) = std::env::var_os("HIRUNDO_REPORT_SAMPLE") {
        let keep = std::path::PathBuf::from(keep);
        std::fs::write(&keep, &html).unwrap();
        std::fs::write(keep.with_extension("md"), render_markdown(&sample())).unwrap();
    }
}
