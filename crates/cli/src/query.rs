//! `hirundo query`: the dashboard's figures from the command line, as
//! JSON, over any period: series at any grain, top lists with the previous
//! period's rank and the average per sensor per day, distinct sources,
//! one source's profile, and the sensor comparison.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use hirundo_report::{parse_period, sensor_comparison, sensor_days, PeriodRange};
use hirundo_store::{DayRange, SourceQuery, Store};
use hirundo_web::query::{parse_instant, series_answer, top_for, ApiGrain, What};
use serde_json::json;

#[derive(Parser)]
pub struct Args {
    /// The collector's folder.
    #[arg(long, global = true, default_value = ".")]
    data: PathBuf,
    /// Leave research scanners out.
    #[arg(long, global = true)]
    exclude_research: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Packets of one thing over time.
    Series {
        /// total, port:tcp/23, country:BR or asn:64500.
        #[arg(long, default_value = "total")]
        what: String,
        /// Start and end (end excluded): a UTC date (2026-03-10, its
        /// midnight) or seconds since the epoch.
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// hour, day, week (ISO), month or quarter.
        #[arg(long, default_value = "day")]
        grain: String,
        /// One sensor only.
        #[arg(long)]
        sensor: Option<String>,
    },
    /// The top ports, countries, ASes or sensors of a period, with their
    /// rank in the period before and packets per sensor per day.
    Top {
        /// port, country, asn or sensor.
        #[arg(long, default_value = "port")]
        dim: String,
        /// 2026Q1, 2026-03, 2026-W10 or 2026-01-05..2026-02-10.
        #[arg(long)]
        period: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Distinct sources of a period: exact (reads every source-day) and
    /// from the per-day sketches.
    Sources {
        #[arg(long)]
        period: String,
    },
    /// Everything stored about one source address.
    Source { address: IpAddr },
    /// Each sensor's packets, average per day and top ports, and the
    /// domestic against the overseas average.
    Sensors {
        #[arg(long)]
        period: String,
        /// The CSIRT's country; default: the one most sensors are in.
        #[arg(long)]
        home: Option<String>,
    },
}

fn days_of(period: &PeriodRange) -> DayRange {
    DayRange {
        from: period.from_day,
        to: period.to_day,
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = crate::sensor::open(&args.data)?;
    let research = args.exclude_research;
    let mut answer = match args.command {
        Command::Series {
            what,
            from,
            to,
            grain,
            sensor,
        } => {
            let what: What = what.parse().map_err(anyhow::Error::msg)?;
            let grain: ApiGrain = grain.parse().map_err(anyhow::Error::msg)?;
            let from = parse_instant(&from).map_err(anyhow::Error::msg)?;
            let to = parse_instant(&to).map_err(anyhow::Error::msg)?;
            if from >= to {
                bail!("--from must be before --to");
            }
            let sensor = match sensor {
                Some(name) => Some(
                    store
                        .sensor(&name)?
                        .with_context(|| format!("no sensor named {name:?}"))?
                        .id,
                ),
                None => None,
            };
            let answer =
                series_answer(&store, &what, grain, from, to, research, sensor).map_err(|e| e.0)?;
            serde_json::to_value(answer)?
        }
        Command::Top { dim, period, limit } => {
            let dim: &'static str = match dim.as_str() {
                "port" => "port",
                "country" => "country",
                "asn" => "asn",
                "sensor" => "sensor",
                other => bail!("--dim {other:?}: use port, country, asn or sensor"),
            };
            let days = days_of(&parse_period(&period)?);
            let answer = top_for(&store, dim, days, limit, research)?;
            // TSUBAME's ranking metric: packets per sensor-day of the period.
            let sensor_days = sensor_days(&store, days)?;
            let mut value = serde_json::to_value(answer)?;
            if let Some(rows) = value.get_mut("rows").and_then(|r| r.as_array_mut()) {
                for row in rows {
                    let packets = row["packets"].as_u64().unwrap_or(0);
                    row["per_sensor_per_day"] = json!(if sensor_days == 0 {
                        0.0
                    } else {
                        packets as f64 / sensor_days as f64
                    });
                }
            }
            value["sensor_days"] = json!(sensor_days);
            value
        }
        Command::Sources { period } => {
            let days = days_of(&parse_period(&period)?);
            let exact: u64 = store
                .sources_by_country(
                    days,
                    &SourceQuery {
                        exclude_research: research,
                        ..SourceQuery::default()
                    },
                )?
                .iter()
                .map(|c| c.sources)
                .sum();
            let sketch = store.unique_sources(days, research)?;
            json!({
                "period": period,
                "exclude_research": research,
                "sources": exact,
                "sketch_estimate": sketch.sources,
            })
        }
        Command::Source { address } => {
            let names: std::collections::HashMap<i64, String> = store
                .sensors()?
                .into_iter()
                .map(|s| (s.id, s.name))
                .collect();
            let days: Vec<serde_json::Value> = store
                .source_profile(address)?
                .into_iter()
                .map(|d| {
                    json!({
                        "date": hirundo_report::date_of_day(d.day),
                        "packets": d.packets,
                        "ports": d.ports.iter().map(|k| format!("{}/{}", k.port, k.proto.as_str())).collect::<Vec<_>>(),
                        "fingerprints": d.tags.iter().map(|(_, n)| n).collect::<Vec<_>>(),
                        "first_ns": d.first_ns,
                        "last_ns": d.last_ns,
                        "country": d.cc,
                        "asn": d.asn,
                        "research": d.research,
                        "sensors": d.sensors.iter().map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string())).collect::<Vec<_>>(),
                    })
                })
                .collect();
            if days.is_empty() {
                bail!("{address}: never seen");
            }
            json!({ "source": address.to_string(), "days": days })
        }
        Command::Sensors { period, home } => {
            let home = match home {
                Some(home) => home,
                None => crate::report::most_common_country(&store)?,
            };
            let (sensors, domestic) =
                sensor_comparison(&store, days_of(&parse_period(&period)?), &home, research)?;
            json!({ "period": period, "sensors": sensors, "domestic": domestic })
        }
    };
    // What leaves the collector carries its label: these name ports,
    // countries and sources seen by private sensors.
    if let Some(fields) = answer.as_object_mut() {
        fields.insert("tlp".into(), json!(hirundo_tlp::Tlp::Amber.label()));
    }
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(ExitCode::SUCCESS)
}
