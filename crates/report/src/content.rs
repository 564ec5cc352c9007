//! What the report says, before any format: section titles, sentences
//! and tables. The HTML and Markdown renderers only lay these out, so the
//! two cannot drift apart.

use crate::format::{average, change, count, percent, period, port, port_with_service, RankChange};
use crate::model::{Report, SensorSummary};

/// The sections, in the order TSUBAME's quarterly report uses and every
/// rendering follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Overview,
    Ports,
    Regions,
    Mirai,
    Research,
    Sensors,
    Surges,
    Method,
    Sources,
}

impl Section {
    pub const ALL: [Section; 9] = [
        Section::Overview,
        Section::Ports,
        Section::Regions,
        Section::Mirai,
        Section::Research,
        Section::Sensors,
        Section::Surges,
        Section::Method,
        Section::Sources,
    ];

    /// The heading, without its number.
    pub fn title(self) -> &'static str {
        match self {
            Section::Overview => "Overview",
            Section::Ports => "Top 5 destination ports",
            Section::Regions => "Top 5 source regions",
            Section::Mirai => "Mirai-like sources by region",
            Section::Research => "Research scanners",
            Section::Sensors => "Sensor comparison",
            Section::Surges => "Notable surges",
            Section::Method => "Notes on method",
            Section::Sources => "Data sources and licences",
        }
    }

    /// The anchor in HTML.
    pub fn id(self) -> &'static str {
        match self {
            Section::Overview => "overview",
            Section::Ports => "top-ports",
            Section::Regions => "top-regions",
            Section::Mirai => "mirai",
            Section::Research => "research",
            Section::Sensors => "sensors",
            Section::Surges => "surges",
            Section::Method => "method",
            Section::Sources => "sources",
        }
    }

    /// 1-based, as printed before the title.
    pub fn number(self) -> usize {
        Section::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    /// Numbers, so their digits line up.
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    pub title: String,
    pub align: Align,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    Text(String),
    /// A previous rank with its arrow, which HTML styles.
    Rank(RankChange),
}

impl Cell {
    /// The cell as plain text.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Rank(r) => r.text(),
        }
    }
}

/// A table, or the sentence that stands in for it when it has no rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub empty: String,
}

fn columns(spec: &[(&str, Align)]) -> Vec<Column> {
    spec.iter()
        .map(|&(title, align)| Column {
            title: title.to_string(),
            align,
        })
        .collect()
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

const AVG: &str = "Avg packets per sensor per day";

/// The key figures against the previous period.
pub(crate) fn overview_table(r: &Report) -> Table {
    let o = &r.overview;
    let figure = |name: &str, now: String, before: String, delta: String| {
        vec![text(name), text(now), text(before), text(delta)]
    };
    Table {
        caption: format!(
            "Key figures, {} against {}",
            r.period.label, r.previous.label
        ),
        columns: columns(&[
            ("Figure", Align::Left),
            (&r.period.label, Align::Right),
            (&r.previous.label, Align::Right),
            ("Change", Align::Right),
        ]),
        rows: vec![
            figure(
                AVG,
                average(o.per_sensor_per_day),
                average(o.previous_per_sensor_per_day),
                change(o.per_sensor_per_day, o.previous_per_sensor_per_day),
            ),
            figure(
                "Packets",
                count(o.packets),
                count(o.previous_packets),
                change(o.packets as f64, o.previous_packets as f64),
            ),
            figure(
                "Distinct sources",
                count(o.sources),
                count(o.previous_sources),
                change(o.sources as f64, o.previous_sources as f64),
            ),
            figure(
                "Sensors",
                count(u64::from(o.sensors)),
                count(u64::from(o.previous_sensors)),
                change(f64::from(o.sensors), f64::from(o.previous_sensors)),
            ),
            figure(
                "Research scanners' share of packets",
                percent(o.research_share),
                "—".to_string(),
                "—".to_string(),
            ),
        ],
        empty: String::new(),
    }
}

/// The opening paragraph, in the words a CSIRT would write it.
pub(crate) fn overview_summary(r: &Report) -> String {
    let o = &r.overview;
    let mut s = format!(
        "In {}, {} sensors received {} packets from {} distinct sources: {} packets per sensor per day on average",
        period(&r.period),
        count(u64::from(o.sensors)),
        count(o.packets),
        count(o.sources),
        average(o.per_sensor_per_day),
    );
    if o.previous_per_sensor_per_day > 0.0 {
        s.push_str(&format!(
            ", {} on {} ({})",
            change(o.per_sensor_per_day, o.previous_per_sensor_per_day),
            r.previous.label,
            average(o.previous_per_sensor_per_day)
        ));
    } else {
        s.push_str(&format!(
            ", with no data for {} to compare",
            r.previous.label
        ));
    }
    s.push('.');
    if let (Some(p), Some(c)) = (r.top_ports.first(), r.top_regions.first()) {
        s.push_str(&format!(
            " The most targeted port was {} and the most active source region {}.",
            port_with_service(&p.proto, p.port, p.service.as_deref()),
            c.cc
        ));
    }
    s.push_str(&format!(
        " Research scanners sent {} of all packets.",
        percent(o.research_share)
    ));
    s
}

pub(crate) fn ports_table(r: &Report) -> Table {
    Table {
        caption: format!("Top 5 destination ports, {}", r.period.label),
        columns: columns(&[
            ("Rank", Align::Right),
            ("Previous", Align::Left),
            ("Port", Align::Left),
            ("Service", Align::Left),
            (AVG, Align::Right),
            ("Share", Align::Right),
        ]),
        rows: r
            .top_ports
            .iter()
            .map(|p| {
                vec![
                    text(p.rank.to_string()),
                    Cell::Rank(RankChange::of(p.rank, p.previous_rank)),
                    text(port(&p.proto, p.port)),
                    text(p.service.clone().unwrap_or_else(|| "—".to_string())),
                    text(average(p.per_sensor_per_day)),
                    text(percent(p.share)),
                ]
            })
            .collect(),
        empty: "No packets reached a TCP or UDP port in this period.".to_string(),
    }
}

pub(crate) fn regions_table(r: &Report) -> Table {
    Table {
        caption: format!("Top 5 source regions, {}", r.period.label),
        columns: columns(&[
            ("Rank", Align::Right),
            ("Previous", Align::Left),
            ("Region", Align::Left),
            (AVG, Align::Right),
            ("Sources", Align::Right),
            ("Share", Align::Right),
        ]),
        rows: r
            .top_regions
            .iter()
            .map(|c| {
                vec![
                    text(c.rank.to_string()),
                    Cell::Rank(RankChange::of(c.rank, c.previous_rank)),
                    text(c.cc.clone()),
                    text(average(c.per_sensor_per_day)),
                    text(count(c.sources)),
                    text(percent(c.share)),
                ]
            })
            .collect(),
        empty: "No source region could be attributed in this period.".to_string(),
    }
}

pub(crate) fn mirai_table(r: &Report) -> Table {
    Table {
        caption: format!("Mirai-like sources by region, {}", r.period.label),
        columns: columns(&[
            ("Rank", Align::Right),
            ("Region", Align::Left),
            ("Mirai-like sources", Align::Right),
            ("Packets", Align::Right),
        ]),
        rows: r
            .mirai_by_region
            .iter()
            .enumerate()
            .map(|(i, m)| {
                vec![
                    text((i + 1).to_string()),
                    text(m.cc.clone()),
                    text(count(m.sources)),
                    text(count(m.packets)),
                ]
            })
            .collect(),
        empty: "No Mirai-like sources were seen in this period.".to_string(),
    }
}

/// Mirai marks its scans by using the destination address as the TCP
/// sequence number, which is why they can be counted without a payload.
pub(crate) const MIRAI_EXPLANATION: &str = "Mirai and its descendants set the TCP sequence number of each scan to the destination address; sources that do so are counted here as Mirai-like, most likely infected devices.";

pub(crate) fn research_summary(r: &Report) -> String {
    let x = &r.research;
    format!(
        "Organisations that scan the internet for research and publish what they do sent {} packets from {} sources, {} of all packets. They are counted in every figure of this report; this section shows how much of it they are.",
        count(x.packets),
        count(x.sources),
        percent(x.share_of_packets)
    )
}

pub(crate) fn research_table(r: &Report) -> Table {
    let total = r.overview.packets;
    Table {
        caption: "Research scanners by organisation".to_string(),
        columns: columns(&[
            ("Organisation", Align::Left),
            ("Sources", Align::Right),
            ("Packets", Align::Right),
            ("Share of all packets", Align::Right),
        ]),
        rows: r
            .research
            .organisations
            .iter()
            .map(|o| {
                let share = if total == 0 {
                    0.0
                } else {
                    o.packets as f64 / total as f64
                };
                vec![
                    text(o.name.clone()),
                    text(count(o.sources)),
                    text(count(o.packets)),
                    text(percent(share)),
                ]
            })
            .collect(),
        empty: "No research scanners were identified in this period.".to_string(),
    }
}

pub(crate) fn domestic_summary(r: &Report) -> String {
    let d = &r.domestic;
    format!(
        "Sensors in {} received {} packets per sensor per day on average, sensors overseas {}. What only domestic sensors see is aimed at the constituency; what all see is internet-wide scanning.",
        d.home,
        average(d.domestic_per_sensor_per_day),
        average(d.overseas_per_sensor_per_day),
    )
}

pub(crate) fn domestic_table(r: &Report) -> Table {
    let d = &r.domestic;
    Table {
        caption: format!("Domestic ({}) and overseas sensors", d.home),
        columns: columns(&[
            ("Sensors", Align::Left),
            ("Number", Align::Right),
            (AVG, Align::Right),
        ]),
        rows: vec![
            vec![
                text(format!("Domestic ({})", d.home)),
                text(count(u64::from(d.domestic_sensors))),
                text(average(d.domestic_per_sensor_per_day)),
            ],
            vec![
                text("Overseas"),
                text(count(u64::from(d.overseas_sensors))),
                text(average(d.overseas_per_sensor_per_day)),
            ],
        ],
        empty: String::new(),
    }
}

pub(crate) fn sensors_table(r: &Report) -> Table {
    Table {
        caption: "Sensors".to_string(),
        columns: columns(&[
            ("Sensor", Align::Left),
            ("Country", Align::Left),
            ("Network", Align::Left),
            ("Days active", Align::Right),
            ("Packets", Align::Right),
            ("Packets per day", Align::Right),
        ]),
        rows: r
            .sensors
            .iter()
            .map(|s| {
                vec![
                    text(s.name.clone()),
                    text(s.country.clone()),
                    text(s.network_type.clone()),
                    text(s.days_active.to_string()),
                    text(count(s.packets)),
                    text(average(s.per_day)),
                ]
            })
            .collect(),
        empty: "No sensor delivered packets in this period.".to_string(),
    }
}

/// "tokyo-1 (JP, xdsl, domestic)".
pub(crate) fn sensor_heading(s: &SensorSummary) -> String {
    let place = if s.domestic { "domestic" } else { "overseas" };
    format!("{} ({}, {}, {place})", s.name, s.country, s.network_type)
}

pub(crate) fn sensor_ports_table(s: &SensorSummary) -> Table {
    Table {
        caption: format!("Top destination ports at {}", s.name),
        columns: columns(&[
            ("Rank", Align::Right),
            ("Port", Align::Left),
            ("Service", Align::Left),
            ("Packets", Align::Right),
            ("Packets per day", Align::Right),
        ]),
        rows: s
            .top_ports
            .iter()
            .enumerate()
            .map(|(i, p)| {
                vec![
                    text((i + 1).to_string()),
                    text(port(&p.proto, p.port)),
                    text(p.service.clone().unwrap_or_else(|| "—".to_string())),
                    text(count(p.packets)),
                    text(average(p.per_day)),
                ]
            })
            .collect(),
        empty: "This sensor saw no TCP or UDP packets.".to_string(),
    }
}

pub(crate) fn surges_table(r: &Report) -> Table {
    Table {
        caption: format!("Surges detected, {}", r.period.label),
        columns: columns(&[
            ("Surge", Align::Left),
            ("Subject", Align::Left),
            ("Started", Align::Left),
            ("Ended", Align::Left),
            ("Packets", Align::Right),
            ("Sources", Align::Right),
        ]),
        rows: r
            .surges
            .iter()
            .map(|s| {
                vec![
                    text(s.title.clone()),
                    text(s.subject.clone()),
                    text(s.started.clone()),
                    text(s.ended.clone().unwrap_or_else(|| "ongoing".to_string())),
                    text(count(s.packets)),
                    text(count(s.sources)),
                ]
            })
            .collect(),
        empty: "No surges were detected in this period.".to_string(),
    }
}

/// The line under the title: period, comparison, generation time.
pub(crate) fn dateline(r: &Report) -> Vec<String> {
    vec![
        format!("Period: {}", period(&r.period)),
        format!("Compared with: {}", period(&r.previous)),
        format!("Generated: {}", r.generated_at),
    ]
}

/// Said instead of the credit lines when a report carries none, so the
/// gap shows rather than hides.
pub(crate) const NO_ATTRIBUTION: &str = "This report records no data sources.";

/// A piece of running text: words, or a web address to link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    Text(&'a str),
    Url(&'a str),
}

/// Splits out the http(s) addresses of `text`. An address ends at
/// whitespace, a bracket or a quote; a full stop or comma after it belongs
/// to the sentence. No other scheme is ever a link.
pub(crate) fn split_urls(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        if start > 0 {
            pieces.push(Piece::Text(&rest[..start]));
        }
        let tail = &rest[start..];
        let len = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '"' | '\''))
            .unwrap_or(tail.len());
        let url = tail[..len].trim_end_matches(['.', ',', ';', ':']);
        pieces.push(Piece::Url(url));
        rest = &tail[url.len()..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split_from_their_sentence() {
        assert_eq!(
            split_urls("DB-IP (https://db-ip.com), CC BY 4.0; see http://x.example/a."),
            vec![
                Piece::Text("DB-IP ("),
                Piece::Url("https://db-ip.com"),
                Piece::Text("), CC BY 4.0; see "),
                Piece::Url("http://x.example/a"),
                Piece::Text("."),
            ]
        );
        assert_eq!(split_urls("no links"), vec![Piece::Text("no links")]);
        assert_eq!(split_urls(""), vec![]);
    }

    #[test]
    fn sections_are_numbered_in_order() {
        let numbers: Vec<usize> = Section::ALL.iter().map(|s| s.number()).collect();
        assert_eq!(numbers, (1..=9).collect::<Vec<_>>());
    }
}
