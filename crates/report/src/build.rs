//! Fills a [`Report`] from the store: the one place that decides what
//! each figure means. Rendering never computes.

use std::collections::HashMap;

use hirundo_fingerprint::Tags;
use hirundo_store::{DayRange, Filter, Grain, PortKey, SeriesOf, SourceQuery, Store, StoreError};

use crate::period::{date_of_day, PeriodRange};
use crate::{
    service_of, DailySeries, DomesticOverseas, Overview, PortCount, RankedPort, RankedRegion,
    RegionCount, Report, ResearchShare, SensorSummary, SurgeLine,
};

/// Ports and regions ranked and charted.
const TOP: usize = 5;
/// Ports listed per sensor.
const SENSOR_TOP: usize = 10;
/// Regions listed for Mirai-like sources.
const MIRAI_REGIONS: usize = 10;
/// How deep the previous period's ranking is searched for a previous rank.
const PREVIOUS_DEPTH: usize = 1_000;

const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;

/// What the report is for, besides its period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// ISO 3166-1 alpha-2 code of the CSIRT publishing the report: its
    /// sensors are "domestic".
    pub home: String,
    /// Leave research scanners out of every figure but their own section.
    pub exclude_research: bool,
    /// When the report is made, nanoseconds since the epoch.
    pub now_ns: i64,
    /// Licence lines of the data shown (DB-IP's, for countries and ASes).
    pub attribution: Vec<String>,
}

/// Sensor-days of a period: how many (sensor, day) pairs had packets,
/// the denominator of TSUBAME's "average packets per sensor per day".
struct Coverage {
    /// Per sensor id: the days it delivered packets on.
    days: HashMap<i64, Vec<i64>>,
}

impl Coverage {
    fn of(store: &dyn Store, range: DayRange) -> Result<Coverage, StoreError> {
        let mut days = HashMap::new();
        for sensor in store.sensors()? {
            let filter = Filter {
                sensor: Some(sensor.id),
                ..Filter::days(range)
            };
            let active: Vec<i64> = store
                .series(&filter, &SeriesOf::Total, Grain::Day)?
                .into_iter()
                .map(|b| b.at)
                .collect();
            if !active.is_empty() {
                days.insert(sensor.id, active);
            }
        }
        Ok(Coverage { days })
    }

    fn sensor_days(&self) -> u64 {
        self.days.values().map(|d| d.len() as u64).sum()
    }

    fn sensors_on(&self, day: i64) -> u64 {
        self.days
            .values()
            .filter(|d| d.binary_search(&day).is_ok())
            .count() as u64
    }

    fn per_sensor_per_day(&self, packets: u64) -> f64 {
        ratio(packets, self.sensor_days())
    }
}

/// "2026-03-31T23:00:00Z": whole seconds are enough for a report.
fn rfc3339(ns: i64) -> String {
    let (y, mo, d, h, mi, s, _) = hirundo_summary::Timestamp::from_nanos(ns).civil();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn days_of(period: &PeriodRange) -> DayRange {
    DayRange {
        from: period.from_day,
        to: period.to_day,
    }
}

/// The report of `period`, compared with the period before it.
pub fn build(
    store: &dyn Store,
    period: &PeriodRange,
    options: &BuildOptions,
) -> Result<Report, StoreError> {
    let mut report = Report::empty(period, &rfc3339(options.now_ns));
    report.attribution = options.attribution.clone();
    let previous = period.previous();
    let (days, previous_days) = (days_of(period), days_of(&previous));
    let filter = Filter {
        exclude_research: options.exclude_research,
        ..Filter::days(days)
    };
    let previous_filter = Filter {
        exclude_research: options.exclude_research,
        ..Filter::days(previous_days)
    };
    let coverage = Coverage::of(store, days)?;
    let previous_coverage = Coverage::of(store, previous_days)?;

    // Overview.
    let totals = store.totals(&filter)?;
    let previous_totals = store.totals(&previous_filter)?;
    let packets = counted(&totals, options.exclude_research);
    let previous_packets = counted(&previous_totals, options.exclude_research);
    let sources_query = SourceQuery {
        exclude_research: options.exclude_research,
        ..SourceQuery::default()
    };
    let regions_sources = store.sources_by_country(days, &sources_query)?;
    let previous_regions_sources = store.sources_by_country(previous_days, &sources_query)?;
    // A source has one country, so the per-country counts add up exactly.
    let sources: u64 = regions_sources.iter().map(|c| c.sources).sum();
    let all_sources: u64 = if options.exclude_research {
        store
            .sources_by_country(days, &SourceQuery::default())?
            .iter()
            .map(|c| c.sources)
            .sum()
    } else {
        sources
    };
    report.overview = Overview {
        packets,
        sources,
        sensors: coverage.days.len() as u32,
        per_sensor_per_day: coverage.per_sensor_per_day(packets),
        previous_packets,
        previous_sources: previous_regions_sources.iter().map(|c| c.sources).sum(),
        previous_sensors: previous_coverage.days.len() as u32,
        previous_per_sensor_per_day: previous_coverage.per_sensor_per_day(previous_packets),
        research_share: ratio(totals.research, totals.decoded),
    };

    // Top ports, with the previous period's rank and a daily chart.
    // Every port, once: the top five and the total their shares divide by.
    let all_ports = store.ports(&filter, None)?;
    let port_total: u64 = all_ports.iter().map(|p| p.packets).sum();
    let ports = &all_ports[..all_ports.len().min(TOP)];
    let previous_ports = store.ports(&previous_filter, Some(PREVIOUS_DEPTH))?;
    let keys: Vec<PortKey> = ports
        .iter()
        .map(|p| PortKey::new(p.proto, p.port))
        .collect();
    let port_sources = store.port_sources(days, &keys, options.exclude_research)?;
    for (i, (p, sources)) in ports.iter().zip(&port_sources).enumerate() {
        let proto = p.proto.as_str().to_string();
        report.top_ports.push(RankedPort {
            rank: i as u32 + 1,
            previous_rank: previous_ports
                .iter()
                .position(|q| q.proto == p.proto && q.port == p.port)
                .map(|r| r as u32 + 1),
            service: service_of(&proto, p.port),
            proto,
            port: p.port,
            per_sensor_per_day: coverage.per_sensor_per_day(p.packets),
            packets: p.packets,
            sources: *sources,
            share: ratio(p.packets, port_total),
        });
        report.port_series.push(daily(
            store,
            &filter,
            &coverage,
            days,
            &SeriesOf::Port(PortKey::new(p.proto, p.port)),
            format!("{}/{}", p.port, p.proto.as_str()),
        )?);
    }

    // Top regions.
    let regions = store.countries(&filter, Some(TOP))?;
    let previous_regions = store.countries(&previous_filter, Some(PREVIOUS_DEPTH))?;
    let decoded = counted_decoded(&totals, options.exclude_research);
    for (i, c) in regions.iter().enumerate() {
        report.top_regions.push(RankedRegion {
            rank: i as u32 + 1,
            previous_rank: previous_regions
                .iter()
                .position(|q| q.cc == c.cc)
                .map(|r| r as u32 + 1),
            cc: c.cc.clone(),
            per_sensor_per_day: coverage.per_sensor_per_day(c.packets),
            packets: c.packets,
            sources: regions_sources
                .iter()
                .find(|r| r.cc == c.cc)
                .map_or(0, |r| r.sources),
            share: ratio(c.packets, decoded),
        });
        report.region_series.push(daily(
            store,
            &filter,
            &coverage,
            days,
            &SeriesOf::Country(c.cc.clone()),
            c.cc.clone(),
        )?);
    }

    // Mirai-like sources by region.
    let mirai = SourceQuery {
        tags: Tags::MIRAI,
        ..sources_query.clone()
    };
    report.mirai_by_region = store
        .sources_by_country(days, &mirai)?
        .into_iter()
        .take(MIRAI_REGIONS)
        .map(|c| RegionCount {
            cc: c.cc,
            sources: c.sources,
            packets: c.packets,
        })
        .collect();

    // Research scanners: always counted, whatever the other figures do.
    let research_sources = if options.exclude_research {
        all_sources.saturating_sub(sources)
    } else {
        let without = store.sources_by_country(
            days,
            &SourceQuery {
                exclude_research: true,
                ..SourceQuery::default()
            },
        )?;
        sources.saturating_sub(without.iter().map(|c| c.sources).sum())
    };
    report.research = ResearchShare {
        packets: totals.research,
        sources: research_sources,
        share_of_packets: ratio(totals.research, totals.decoded),
        organisations: Vec::new(),
    };

    // Sensors, and domestic versus overseas.
    let (sensors, domestic) = compare_sensors(
        store,
        &coverage,
        &filter,
        &options.home,
        options.exclude_research,
    )?;
    report.sensors = sensors;
    report.domestic = domestic;

    // Surges that started in the period.
    let alerts = store.alerts(
        days.from.saturating_mul(NANOS_PER_DAY),
        days.to.saturating_mul(NANOS_PER_DAY),
        50,
    )?;
    report.surges = alerts
        .into_iter()
        .rev()
        .map(|a| SurgeLine {
            title: a.title.clone(),
            started: rfc3339(a.started_ns),
            ended: a.closed_ns.map(rfc3339),
            subject: a.subject.label(),
            packets: a.packets,
            sources: a.sources,
        })
        .collect();

    report.notes = notes(options, &coverage);
    Ok(report)
}

/// The sensor-days of `days`: how many (sensor, day) pairs had packets,
/// what "per sensor per day" divides by.
pub fn sensor_days(store: &dyn Store, days: DayRange) -> Result<u64, StoreError> {
    Ok(Coverage::of(store, days)?.sensor_days())
}

/// Each sensor's packets, average per active day and top ports over
/// `days`, and the averages of the sensors in `home` against the others:
/// the report's sensor comparison, and `hirundo query sensors`.
pub fn sensor_comparison(
    store: &dyn Store,
    days: DayRange,
    home: &str,
    exclude_research: bool,
) -> Result<(Vec<SensorSummary>, DomesticOverseas), StoreError> {
    let coverage = Coverage::of(store, days)?;
    let filter = Filter {
        exclude_research,
        ..Filter::days(days)
    };
    compare_sensors(store, &coverage, &filter, home, exclude_research)
}

fn compare_sensors(
    store: &dyn Store,
    coverage: &Coverage,
    filter: &Filter,
    home: &str,
    exclude_research: bool,
) -> Result<(Vec<SensorSummary>, DomesticOverseas), StoreError> {
    let mut domestic = DomesticOverseas {
        home: home.to_string(),
        ..DomesticOverseas::default()
    };
    let mut summaries = Vec::new();
    let (mut home_packets, mut home_days, mut away_packets, mut away_days) = (0, 0, 0, 0);
    for sensor in store.sensors()? {
        let Some(active) = coverage.days.get(&sensor.id) else {
            continue;
        };
        let own = Filter {
            sensor: Some(sensor.id),
            ..*filter
        };
        let packets = counted(&store.totals(&own)?, exclude_research);
        let day_count = active.len() as u64;
        let is_home = sensor.country == home;
        if is_home {
            domestic.domestic_sensors += 1;
            home_packets += packets;
            home_days += day_count;
        } else {
            domestic.overseas_sensors += 1;
            away_packets += packets;
            away_days += day_count;
        }
        summaries.push(SensorSummary {
            name: sensor.name.clone(),
            country: sensor.country.clone(),
            network_type: sensor.network_type.to_string(),
            days_active: day_count as u32,
            packets,
            per_day: ratio(packets, day_count),
            domestic: is_home,
            top_ports: store
                .ports(&own, Some(SENSOR_TOP))?
                .into_iter()
                .map(|p| {
                    let proto = p.proto.as_str().to_string();
                    PortCount {
                        service: service_of(&proto, p.port),
                        proto,
                        port: p.port,
                        packets: p.packets,
                        per_day: ratio(p.packets, day_count),
                    }
                })
                .collect(),
        });
    }
    domestic.domestic_per_sensor_per_day = ratio(home_packets, home_days);
    domestic.overseas_per_sensor_per_day = ratio(away_packets, away_days);
    Ok((summaries, domestic))
}

/// Packets a figure counts: every packet, or without research scanners'.
fn counted(totals: &hirundo_store::Totals, exclude_research: bool) -> u64 {
    if exclude_research {
        totals.packets.saturating_sub(totals.research)
    } else {
        totals.packets
    }
}

fn counted_decoded(totals: &hirundo_store::Totals, exclude_research: bool) -> u64 {
    if exclude_research {
        totals.decoded.saturating_sub(totals.research)
    } else {
        totals.decoded
    }
}

/// A daily series of average packets per active sensor, every day of the
/// period present (a day with no sensor is 0).
fn daily(
    store: &dyn Store,
    filter: &Filter,
    coverage: &Coverage,
    days: DayRange,
    what: &SeriesOf,
    label: String,
) -> Result<DailySeries, StoreError> {
    let buckets = store.series(filter, what, Grain::Day)?;
    let by_day: HashMap<i64, u64> = buckets.into_iter().map(|b| (b.at, b.packets)).collect();
    let points = (days.from..days.to)
        .map(|day| {
            let packets = by_day.get(&day).copied().unwrap_or(0);
            (date_of_day(day), ratio(packets, coverage.sensors_on(day)))
        })
        .collect();
    Ok(DailySeries { label, points })
}

fn notes(options: &BuildOptions, coverage: &Coverage) -> Vec<String> {
    let mut notes = vec![
        format!(
            "Packets are unsolicited packets captured by passive darknet sensors (unused \
             addresses that never answer). \"Per sensor per day\" divides a count by the \
             {} sensor-days on which sensors delivered packets in the period, so that \
             sensors added or offline mid-period do not skew comparisons.",
            coverage.sensor_days()
        ),
        "Destination ports count TCP and UDP packets by destination port, first fragments \
         only; ranks are by packets. The previous rank is the port's or region's rank in the \
         period just before (\"new\" when it ranked below 1,000th or was not seen)."
            .to_string(),
        "Source regions come from the source address's registered country (DB-IP's open \
         data). A region is where an address is registered, not where an attacker is."
            .to_string(),
        "Mirai-like sources sent at least one TCP SYN whose sequence number equals the \
         destination address, the mark of Mirai's scanner and its descendants."
            .to_string(),
        "Research scanners are organisations that publish the ranges they scan from \
         (Shadowserver, Censys and others in hirundo's list); their share is shown so that \
         it can be set apart from malicious scanning."
            .to_string(),
        "Notable surges are alerts raised by hirundo's surge detection: a port, a region or \
         a port from one region far above its own robust baseline (median and median \
         absolute deviation of the week before), from many distinct sources, research \
         scanners and backscatter left out."
            .to_string(),
    ];
    if options.exclude_research {
        notes.push(
            "Research scanners are left out of every figure except their own section.".to_string(),
        );
    }
    notes
}
