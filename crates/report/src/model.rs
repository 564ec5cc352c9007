//! The report as data: schema `hirundo.report/1`. Its JSON serialisation
//! is `--format json`; the HTML and Markdown renderings show the same
//! content.
//!
//! Averages are per sensor per day, as TSUBAME reports them, because the
//! number of sensors changes between periods and totals would follow it.
//! Shares are fractions from 0 to 1 of all packets in the period.

use serde::{Deserialize, Serialize};

use crate::period::PeriodRange;

/// The `schema` every report carries.
pub const SCHEMA: &str = "hirundo.report/1";

/// The TLP label of a published report: it holds aggregates only, no
/// source addresses and no sensor addresses.
pub const TLP_CLEAR: &str = "TLP:CLEAR";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// "hirundo Internet Threat Monitoring Report, 2026 Q1".
    pub title: String,
    pub period: Period,
    /// The period compared against: the same kind, just before.
    pub previous: Period,
    /// RFC 3339.
    pub generated_at: String,
    /// A TLP 2.0 label, "TLP:CLEAR" for reports.
    pub tlp: String,
    pub overview: Overview,
    /// At most 5, by average packets per sensor per day.
    pub top_ports: Vec<RankedPort>,
    /// One per top port, in the same order: average packets per sensor
    /// per day, by day.
    pub port_series: Vec<DailySeries>,
    /// At most 5 source regions (countries), by average packets per sensor
    /// per day.
    pub top_regions: Vec<RankedRegion>,
    /// One per top region, in the same order.
    pub region_series: Vec<DailySeries>,
    /// Sources with the Mirai fingerprint per region, at most 10, most
    /// sources first.
    pub mirai_by_region: Vec<RegionCount>,
    pub research: ResearchShare,
    pub sensors: Vec<SensorSummary>,
    pub domestic: DomesticOverseas,
    pub surges: Vec<SurgeLine>,
    /// How the figures were made, filled by the builder.
    pub notes: Vec<String>,
    /// Credit lines of the data used, e.g. "IP to country data by DB-IP
    /// (https://db-ip.com), CC BY 4.0". Every rendering prints them.
    pub attribution: Vec<String>,
}

/// A period as the report states it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Period {
    /// "2026Q1", "2026-03", "2026-W10" or "2026-01-05..2026-02-10".
    pub label: String,
    /// First day, "2026-01-01".
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    pub days: u32,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Overview {
    pub packets: u64,
    /// Distinct source addresses.
    pub sources: u64,
    /// Sensors that delivered packets in the period.
    pub sensors: u32,
    /// The headline figure: packets per sensor per day, averaged over the
    /// days each sensor was active.
    pub per_sensor_per_day: f64,
    pub previous_packets: u64,
    pub previous_sources: u64,
    pub previous_sensors: u32,
    pub previous_per_sensor_per_day: f64,
    /// Research scanners' share of all packets, 0 to 1.
    pub research_share: f64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RankedPort {
    /// 1 is the most targeted.
    pub rank: u32,
    /// Rank in the previous period, `None` when it was not in that top 5.
    pub previous_rank: Option<u32>,
    /// "tcp" or "udp".
    pub proto: String,
    pub port: u16,
    /// The IANA service name, when the port has one.
    pub service: Option<String>,
    pub per_sensor_per_day: f64,
    pub packets: u64,
    pub sources: u64,
    /// Of all packets, 0 to 1.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RankedRegion {
    pub rank: u32,
    pub previous_rank: Option<u32>,
    /// ISO 3166-1 alpha-2, or "ZZ" when unknown.
    pub cc: String,
    pub per_sensor_per_day: f64,
    pub packets: u64,
    pub sources: u64,
    /// Of all packets, 0 to 1.
    pub share: f64,
}

/// A chart's line: (day "YYYY-MM-DD", value), in day order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DailySeries {
    /// "23/tcp (telnet)" or "BR".
    pub label: String,
    pub points: Vec<(String, f64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RegionCount {
    pub cc: String,
    pub sources: u64,
    pub packets: u64,
}

/// Traffic from organisations that scan the internet for research and
/// say so (Shadowserver, Censys...): counted, not hidden, so the rest can
/// be read without it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResearchShare {
    pub packets: u64,
    pub sources: u64,
    /// 0 to 1.
    pub share_of_packets: f64,
    /// Most packets first.
    pub organisations: Vec<OrganisationCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrganisationCount {
    pub name: String,
    pub packets: u64,
    pub sources: u64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PortCount {
    pub proto: String,
    pub port: u16,
    pub service: Option<String>,
    pub packets: u64,
    /// Packets per day the sensor was active.
    pub per_day: f64,
}

/// One sensor, named as its operator registered it; never its addresses.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SensorSummary {
    pub name: String,
    /// ISO 3166-1 alpha-2 of where the sensor is.
    pub country: String,
    /// "xdsl", "datacenter", "university"...
    pub network_type: String,
    pub days_active: u32,
    pub packets: u64,
    pub per_day: f64,
    /// In the operating CSIRT's own country.
    pub domestic: bool,
    /// At most 10, most packets first.
    pub top_ports: Vec<PortCount>,
}

/// Sensors at home against sensors abroad: what is aimed at the
/// constituency and what at everyone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DomesticOverseas {
    /// ISO 3166-1 alpha-2 of the operating CSIRT.
    pub home: String,
    pub domestic_sensors: u32,
    pub overseas_sensors: u32,
    pub domestic_per_sensor_per_day: f64,
    pub overseas_per_sensor_per_day: f64,
}

/// An alert raised in the period, in one line.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SurgeLine {
    pub title: String,
    /// RFC 3339 or a date.
    pub started: String,
    /// `None` while it goes on.
    pub ended: Option<String>,
    /// "8728/tcp" or "country BR".
    pub subject: String,
    pub packets: u64,
    pub sources: u64,
}

impl Report {
    /// A report for `period` with nothing counted yet: the schema, title,
    /// periods and TLP:CLEAR filled in, every figure zero and every list
    /// empty. The builder starts here.
    pub fn empty(period: &PeriodRange, generated_at: &str) -> Report {
        Report {
            schema: SCHEMA.to_string(),
            title: title_for(period),
            period: period.to_period(),
            previous: period.previous().to_period(),
            generated_at: generated_at.to_string(),
            tlp: TLP_CLEAR.to_string(),
            ..Report::default()
        }
    }
}

/// "hirundo Internet Threat Monitoring Report, 2026 Q1" (or "March 2026",
/// "2026 week 10", "2026-01-05 to 2026-02-10").
pub fn title_for(period: &PeriodRange) -> String {
    use crate::format::MONTHS;
    use crate::period::PeriodKind;
    let when = match period.kind {
        PeriodKind::Quarter { year, quarter } => format!("{year:04} Q{quarter}"),
        PeriodKind::Month { year, month } => {
            let name = MONTHS[(month.clamp(1, 12) - 1) as usize];
            format!("{name} {year:04}")
        }
        PeriodKind::IsoWeek { year, week } => format!("{year:04} week {week}"),
        PeriodKind::Days => {
            let p = period.to_period();
            format!("{} to {}", p.from, p.to)
        }
    };
    format!("hirundo Internet Threat Monitoring Report, {when}")
}

/// The IANA service name of a port as the report stores it; `proto` is
/// "tcp" or "udp".
pub fn service_of(proto: &str, port: u16) -> Option<String> {
    hirundo_summary::service_name(port, proto.eq_ignore_ascii_case("udp")).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::parse_period;

    #[test]
    fn an_empty_report_has_its_periods_and_label() {
        let range = parse_period("2026Q1").unwrap();
        let r = Report::empty(&range, "2026-04-01T00:00:00Z");
        assert_eq!(r.schema, "hirundo.report/1");
        assert_eq!(
            r.title,
            "hirundo Internet Threat Monitoring Report, 2026 Q1"
        );
        assert_eq!(r.period.days, 90);
        assert_eq!(r.previous.label, "2025Q4");
        assert_eq!(r.tlp, "TLP:CLEAR");
    }

    #[test]
    fn titles_name_each_kind_of_period() {
        let title = |s: &str| title_for(&parse_period(s).unwrap());
        assert!(title("2026-03").ends_with(", March 2026"));
        assert!(title("2026-W10").ends_with(", 2026 week 10"));
        assert!(title("2026-01-05..2026-02-10").ends_with(", 2026-01-05 to 2026-02-10"));
    }

    #[test]
    fn services_come_from_the_iana_table() {
        assert_eq!(service_of("tcp", 23).as_deref(), Some("telnet"));
        assert_eq!(service_of("udp", 53).as_deref(), Some("domain"));
        assert_eq!(service_of("tcp", 37215), None);
    }
}
