//! Who gets what: the pure half of a notification run. Given the day's
//! source-days, the directory and the ledger of what each team was
//! already sent, it groups the new source-days by the team each source
//! routes to, folds them into one row per source, and decides for each
//! team whether its notice may go.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use hirundo_directory::{Cadence, Directory, Origin, Team};
use hirundo_fingerprint::Tags;
use hirundo_store::{SensorId, SourceDayRow};
use hirundo_summary::UNKNOWN_COUNTRY;
use hirundo_tlp::Tlp;

use crate::{Feed, SourceRow};

/// What a run sends, set by the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The label the darknet data goes out under. AMBER by default: it
    /// names hosts that are probably compromised, which their owners need
    /// to know and nobody else does.
    pub tlp: Tlp,
    /// Research scanners (organisations that publish their scanning
    /// ranges) are left out unless asked for: their networks' teams know.
    pub include_research: bool,
    pub feed: Feed,
    /// Most sources in one message: past it, the sources with the fewest
    /// packets are left out (and logged as such), so that a message stays
    /// small enough for mail and for the people who read it.
    pub max_sources: usize,
}

/// [`Settings::max_sources`] unless the operator says otherwise. The three
/// attachments of the 5,000 busiest sources of the benchmark's day (many
/// ports each) come to about 17 MB, 23 MB once encoded for mail: under
/// the 25 MB most mail servers accept.
pub const MAX_SOURCES: usize = 5_000;

/// Whether a team's notice may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Send,
    /// The team asked not to be notified.
    OptedOut,
    /// The label forbids it: above the team's ceiling, or TLP:RED.
    Withheld {
        why: String,
    },
}

/// One team's share of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub team: Team,
    /// UTC days, half-open: the team's window for this run.
    pub from_day: i64,
    pub to_day: i64,
    /// Most packets first, then by address.
    pub rows: Vec<SourceRow>,
    /// Every source-day the rows fold, for the ledger.
    pub source_days: Vec<(i64, IpAddr)>,
    /// Sources left out past [`Settings::max_sources`]; their source-days
    /// are not in the ledger.
    pub omitted: u64,
    pub decision: Decision,
}

/// Source-days a run leaves out, and why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Sources that cannot be genuine (bogons, our own space): telling
    /// anyone about them would blame an innocent network.
    pub spoofed: u64,
    /// Research scanners, unless [`Settings::include_research`].
    pub research: u64,
    /// No team answers for them and the directory has no team of ours.
    pub unrouted: u64,
    /// Already sent to their team.
    pub already_sent: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// By team id.
    pub batches: Vec<Batch>,
    pub skipped: Skipped,
}

/// The days a team with `cadence` hears about when the run is for `day`
/// (the UTC day that just ended): that day for daily teams; the week
/// ending on it for weekly teams, but only when it is a Sunday.
pub fn window(cadence: Cadence, day: i64) -> Option<(i64, i64)> {
    match cadence {
        Cadence::Daily => Some((day, day + 1)),
        // Day 0, 1970-01-01, was a Thursday: Monday is 0, Sunday 6.
        Cadence::Weekly => ((day + 3).rem_euclid(7) == 6).then_some((day - 6, day + 1)),
    }
}

/// The days a daily job should run now, oldest first: none before
/// `at_hour` UTC; after it, every day since `done` (the last day sent;
/// `None` on the first start: only yesterday) up to yesterday, at most the
/// last seven (a collector down for a month does not mail a month at once).
pub fn days_due(now_ns: i64, at_hour: u8, done: Option<i64>) -> std::ops::Range<i64> {
    const DAY_NS: i64 = 86_400_000_000_000;
    let today = now_ns.div_euclid(DAY_NS);
    let yesterday = today - 1;
    let due = now_ns - today * DAY_NS >= i64::from(at_hour) * 3_600_000_000_000;
    if !due {
        return yesterday..yesterday;
    }
    let first = done.map_or(yesterday, |d| d + 1).max(yesterday - 6);
    first..today
}

/// The days the run for `day` must read: the union of the windows of the
/// teams' cadences (one day, unless a weekly team's week ends on `day`).
pub fn days_to_read(directory: &Directory, day: i64) -> (i64, i64) {
    directory
        .teams()
        .iter()
        .filter_map(|t| window(t.cadence, day))
        .fold((day, day + 1), |(from, to), (f, t)| {
            (from.min(f), to.max(t))
        })
}

/// Plans the run for `day`. `rows` must cover the team windows (see
/// [`days_to_read`]); rows outside a team's window are ignored for it.
/// `already` holds, per team id, the source-days it was already sent.
pub fn plan(
    directory: &Directory,
    rows: &[SourceDayRow],
    sensor_country: &HashMap<SensorId, String>,
    already: &HashMap<String, HashSet<(i64, IpAddr)>>,
    day: i64,
    settings: &Settings,
) -> Plan {
    let mut skipped = Skipped::default();
    // Team index -> source -> its folded row and source-days.
    let mut by_team: BTreeMap<usize, HashMap<IpAddr, (SourceRow, Vec<i64>)>> = BTreeMap::new();
    let teams = directory.teams();
    let mut routes: HashMap<IpAddr, Option<usize>> = HashMap::new();
    let index_of: HashMap<&str, usize> = teams
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    for row in rows {
        if row.tags.contains(Tags::SPOOFED) {
            skipped.spoofed += 1;
            continue;
        }
        if row.research.is_some() && !settings.include_research {
            skipped.research += 1;
            continue;
        }
        let team = *routes.entry(row.source).or_insert_with(|| {
            let cc = (row.cc != UNKNOWN_COUNTRY).then_some(row.cc.as_str());
            let asn = (row.asn != 0).then_some(row.asn);
            let route = directory.route(&Origin {
                ip: row.source,
                asn,
                cc,
            });
            route
                .team
                .and_then(|t| index_of.get(t.id.as_str()).copied())
        });
        let Some(team) = team else {
            skipped.unrouted += 1;
            continue;
        };
        let Some((from, to)) = window(teams[team].cadence, day) else {
            continue;
        };
        if !(from..to).contains(&row.day) {
            continue;
        }
        if already
            .get(&teams[team].id)
            .is_some_and(|sent| sent.contains(&(row.day, row.source)))
        {
            skipped.already_sent += 1;
            continue;
        }
        let sources = by_team.entry(team).or_default();
        let (folded, days) = sources
            .entry(row.source)
            .or_insert_with(|| (empty_row(row), Vec::new()));
        fold(folded, row, sensor_country);
        days.push(row.day);
    }
    let batches = by_team
        .into_iter()
        .map(|(index, sources)| {
            let team = teams[index].clone();
            let (from_day, to_day) = window(team.cadence, day).unwrap_or((day, day + 1));
            let mut folded: Vec<(SourceRow, Vec<i64>)> = sources.into_values().collect();
            folded
                .sort_by(|(a, _), (b, _)| b.packets.cmp(&a.packets).then(a.source.cmp(&b.source)));
            let omitted = folded.len().saturating_sub(settings.max_sources) as u64;
            folded.truncate(settings.max_sources);
            let mut source_days = Vec::new();
            let mut rows = Vec::with_capacity(folded.len());
            for (row, days) in folded {
                source_days.extend(days.into_iter().map(|d| (d, row.source)));
                rows.push(row);
            }
            source_days.sort_unstable();
            let decision = decide(&team, settings.tlp);
            Batch {
                team,
                from_day,
                to_day,
                rows,
                source_days,
                omitted,
                decision,
            }
        })
        .collect();
    Plan { batches, skipped }
}

/// Whether data labelled `tlp` may go to `team` automatically.
pub fn decide(team: &Team, tlp: Tlp) -> Decision {
    if team.opt_out {
        Decision::OptedOut
    } else if !tlp.automatable() {
        Decision::Withheld {
            why: format!("{tlp} data never goes into an automated notification"),
        }
    } else if !tlp.fits(team.max_tlp) {
        Decision::Withheld {
            why: format!(
                "the data is {tlp} and {} accepts at most {}",
                team.id, team.max_tlp
            ),
        }
    } else {
        Decision::Send
    }
}

fn empty_row(row: &SourceDayRow) -> SourceRow {
    SourceRow {
        source: row.source,
        asn: row.asn,
        cc: row.cc.clone(),
        first_ns: i64::MAX,
        last_ns: i64::MIN,
        packets: 0,
        days: 0,
        ports: Vec::new(),
        tags: Tags::NONE,
        sensor_countries: Vec::new(),
    }
}

fn fold(into: &mut SourceRow, row: &SourceDayRow, sensor_country: &HashMap<SensorId, String>) {
    into.first_ns = into.first_ns.min(row.first_ns);
    into.last_ns = into.last_ns.max(row.last_ns);
    into.packets += row.packets;
    into.days += 1;
    into.tags |= row.tags;
    into.ports.extend_from_slice(&row.ports);
    into.ports.sort_unstable();
    into.ports.dedup();
    for sensor in &row.sensors {
        // A sensor deleted since keeps its rows; its country is unknown.
        let cc = sensor_country
            .get(sensor)
            .map_or(UNKNOWN_COUNTRY, String::as_str);
        if let Err(at) = into
            .sensor_countries
            .binary_search_by(|c| c.as_str().cmp(cc))
        {
            into.sensor_countries.insert(at, cc.to_owned());
        }
    }
    // The latest day's enrichment wins: a source can move between
    // networks, and the newest is what its team needs.
    if row.last_ns >= into.last_ns {
        into.asn = row.asn;
        into.cc.clone_from(&row.cc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hirundo_directory::{Constituency, TeamKind};
    use hirundo_rollup::{PortKey, PortProto};

    fn team(id: &str, kind: TeamKind, constituency: Constituency) -> Team {
        let mut t: Team = hirundo_directory::from_toml(&format!(
            "[[team]]\nid = \"{id}\"\nname = \"{id}\"\nshort_name = \"{id}\"\nkind = \"national\"\n"
        ))
        .unwrap()
        .remove(0);
        t.kind = kind;
        t.constituency = constituency;
        t
    }

    fn row(ip: &str, day: i64, cc: &str, asn: u32, packets: u64, sensor: i64) -> SourceDayRow {
        SourceDayRow {
            day,
            source: ip.parse().unwrap(),
            packets,
            ports: vec![PortKey {
                proto: PortProto::Tcp,
                port: 23 + day as u16,
            }],
            tags: Tags::NONE,
            first_ns: day * 86_400_000_000_000 + 10,
            last_ns: day * 86_400_000_000_000 + 20,
            cc: cc.into(),
            asn,
            research: None,
            sensors: vec![sensor],
        }
    }

    fn settings(tlp: Tlp) -> Settings {
        Settings {
            tlp,
            include_research: false,
            feed: Feed {
                name: "hirundo-darknet".into(),
                provider: "CERT-Test".into(),
                url: None,
            },
            max_sources: MAX_SOURCES,
        }
    }

    fn directory() -> Directory {
        let br = team(
            "cert-br",
            TeamKind::National,
            Constituency {
                countries: vec!["BR".into()],
                ..Constituency::default()
            },
        );
        let isp = team(
            "isp",
            TeamKind::IspAbuse,
            Constituency {
                prefixes: vec!["198.51.100.0/24".parse().unwrap()],
                ..Constituency::default()
            },
        );
        let mut ours = team("ours", TeamKind::National, Constituency::default());
        ours.ours = true;
        Directory::new(vec![br, isp, ours]).unwrap()
    }

    #[test]
    fn sources_fold_per_team_and_day_windows_follow_cadence() {
        let d = directory();
        let countries = HashMap::from([(1, "JP".to_owned()), (2, "MX".to_owned())]);
        let rows = vec![
            row("198.51.100.7", 100, "BR", 64500, 10, 1),
            row("198.51.100.7", 99, "BR", 64500, 5, 2),
            row("203.0.113.9", 100, "BR", 64501, 7, 2),
            row("203.0.113.9", 100, "BR", 64501, 0, 2),
            row("192.0.2.1", 100, "ZZ", 0, 3, 1),
        ];
        let mut spoofed = row("192.0.2.2", 100, "BR", 0, 3, 1);
        spoofed.tags = Tags::SPOOFED;
        let mut research = row("192.0.2.3", 100, "BR", 0, 3, 1);
        research.research = Some("Example Research".into());
        let mut all = rows.clone();
        all.extend([spoofed, research]);
        let plan = plan(
            &d,
            &all,
            &countries,
            &HashMap::new(),
            100,
            &settings(Tlp::Amber),
        );
        let by: HashMap<&str, &Batch> = plan
            .batches
            .iter()
            .map(|b| (b.team.id.as_str(), b))
            .collect();
        assert_eq!(by.len(), 3);
        // The prefix is more specific than the country; day 99 is outside
        // a daily team's window for day 100.
        let isp = by["isp"];
        assert_eq!(isp.rows.len(), 1);
        assert_eq!(isp.rows[0].packets, 10);
        assert_eq!(
            isp.source_days,
            vec![(100, "198.51.100.7".parse().unwrap())]
        );
        assert_eq!((isp.from_day, isp.to_day), (100, 101));
        let br = by["cert-br"];
        assert_eq!(br.rows[0].packets, 7);
        assert_eq!(br.rows[0].days, 2);
        assert_eq!(br.rows[0].sensor_countries, vec!["MX".to_owned()]);
        assert_eq!(
            by["ours"].rows[0].source,
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(plan.skipped.spoofed, 1);
        assert_eq!(plan.skipped.research, 1);
        assert!(plan.batches.iter().all(|b| b.decision == Decision::Send));

        // What the ledger holds is left out.
        let already = HashMap::from([(
            "isp".to_owned(),
            HashSet::from([(100, "198.51.100.7".parse().unwrap())]),
        )]);
        let again = super::plan(&d, &all, &countries, &already, 100, &settings(Tlp::Amber));
        assert!(again.batches.iter().all(|b| b.team.id != "isp"));
        assert_eq!(again.skipped.already_sent, 1);
    }

    #[test]
    fn a_message_keeps_the_busiest_sources_and_counts_the_rest() {
        let d = directory();
        let rows = vec![
            row("203.0.113.1", 100, "BR", 1, 5, 1),
            row("203.0.113.2", 100, "BR", 1, 50, 1),
            row("203.0.113.3", 100, "BR", 1, 7, 1),
        ];
        let mut capped = settings(Tlp::Amber);
        capped.max_sources = 2;
        let plan = plan(&d, &rows, &HashMap::new(), &HashMap::new(), 100, &capped);
        let br = &plan.batches[0];
        let kept: Vec<String> = br.rows.iter().map(|r| r.source.to_string()).collect();
        assert_eq!(kept, ["203.0.113.2", "203.0.113.3"]);
        assert_eq!(br.omitted, 1);
        // What was left out is not in the ledger's share of this message.
        assert_eq!(br.source_days.len(), 2);
    }

    #[test]
    fn the_daily_job_waits_for_its_hour_and_catches_up_a_week_at_most() {
        let day = 20_000;
        let at = |hour: i64| day * 86_400_000_000_000 + hour * 3_600_000_000_000;
        assert!(days_due(at(5), 6, None).is_empty(), "before 06:00");
        assert_eq!(days_due(at(6), 6, None), day - 1..day);
        assert!(days_due(at(7), 6, Some(day - 1)).is_empty(), "sent already");
        assert_eq!(days_due(at(7), 6, Some(day - 4)), day - 3..day);
        assert_eq!(days_due(at(7), 6, Some(day - 40)), day - 7..day);
    }

    #[test]
    fn weekly_teams_hear_on_sundays_about_the_week() {
        // 2026-03-01 was a Sunday.
        let sunday = hirundo_calendar::days_from_civil(2026, 3, 1);
        assert_eq!(
            window(Cadence::Weekly, sunday),
            Some((sunday - 6, sunday + 1))
        );
        assert_eq!(window(Cadence::Weekly, sunday + 1), None);
        assert_eq!(
            window(Cadence::Daily, sunday + 1),
            Some((sunday + 1, sunday + 2))
        );
    }

    #[test]
    fn labels_above_the_ceiling_red_and_opt_outs_are_not_sent() {
        let mut t = team("t", TeamKind::National, Constituency::default());
        t.max_tlp = Tlp::Green;
        assert_eq!(decide(&t, Tlp::Green), Decision::Send);
        assert_eq!(decide(&t, Tlp::Clear), Decision::Send);
        let Decision::Withheld { why } = decide(&t, Tlp::Amber) else {
            panic!("AMBER data went to a GREEN team");
        };
        assert_eq!(why, "the data is TLP:AMBER and t accepts at most TLP:GREEN");
        t.max_tlp = Tlp::Red;
        assert!(
            matches!(decide(&t, Tlp::Red), Decision::Withheld { .. }),
            "RED is never automated"
        );
        assert_eq!(decide(&t, Tlp::AmberStrict), Decision::Send);
        t.opt_out = true;
        assert_eq!(decide(&t, Tlp::Clear), Decision::OptedOut);
    }
}
