//! How the report writes numbers, changes, ranks and dates, the same in
//! every format.

use hirundo_chart::format_number;

use crate::model::Period;
use crate::period::day_of_date;

/// A count with thousands separators: "1,234,567". Exact for every u64,
/// which a detour through f64 would not be.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// An average with one decimal: "1,234.5".
pub(crate) fn average(v: f64) -> String {
    format_number(v, 1)
}

/// A share from 0 to 1 as a percentage with one decimal: "12.3%".
pub(crate) fn percent(share: f64) -> String {
    if share.is_finite() {
        format!("{}%", format_number(share * 100.0, 1))
    } else {
        "n/a".to_string()
    }
}

/// The change from `previous` to `current`: "+12.3%", "−4.0%", "new"
/// when there was nothing before, "—" when there is nothing either time.
pub(crate) fn change(current: f64, previous: f64) -> String {
    if !current.is_finite() || !previous.is_finite() {
        return "—".to_string();
    }
    if previous == 0.0 {
        return if current == 0.0 { "—" } else { "new" }.to_string();
    }
    let pct = (current - previous) / previous.abs() * 100.0;
    let text = format_number(pct, 1);
    if text.starts_with('−') || text == "0.0" {
        format!("{text}%")
    } else {
        format!("+{text}%")
    }
}

/// Where a ranked item stood in the previous period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RankChange {
    /// Not ranked before.
    New,
    Up {
        from: u32,
    },
    Down {
        from: u32,
    },
    Same {
        from: u32,
    },
}

impl RankChange {
    pub fn of(rank: u32, previous: Option<u32>) -> RankChange {
        match previous {
            None => RankChange::New,
            Some(from) if from > rank => RankChange::Up { from },
            Some(from) if from < rank => RankChange::Down { from },
            Some(from) => RankChange::Same { from },
        }
    }

    /// "↑ 3", "↓ 1", "→ 2" (the previous rank after the arrow) or "new".
    pub fn text(self) -> String {
        match self {
            RankChange::New => "new".to_string(),
            RankChange::Up { from } => format!("↑ {from}"),
            RankChange::Down { from } => format!("↓ {from}"),
            RankChange::Same { from } => format!("→ {from}"),
        }
    }

    /// In words, for a tooltip or a screen reader.
    pub fn words(self) -> String {
        match self {
            RankChange::New => "not in the previous top".to_string(),
            RankChange::Up { from } => format!("up from {from}"),
            RankChange::Down { from } => format!("down from {from}"),
            RankChange::Same { from } => format!("unchanged from {from}"),
        }
    }

    /// A class name for styling.
    pub fn class(self) -> &'static str {
        match self {
            RankChange::New => "rank-new",
            RankChange::Up { .. } => "rank-up",
            RankChange::Down { .. } => "rank-down",
            RankChange::Same { .. } => "rank-same",
        }
    }
}

/// "23/tcp".
pub(crate) fn port(proto: &str, port: u16) -> String {
    format!("{port}/{proto}")
}

/// "23/tcp (telnet)" or "8728/tcp".
pub(crate) fn port_with_service(proto: &str, number: u16, service: Option<&str>) -> String {
    match service {
        Some(s) => format!("{} ({s})", port(proto, number)),
        None => port(proto, number),
    }
}

pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "1 January 2026" for "2026-01-01"; anything else is returned as it is,
/// so a hand-edited report still renders.
pub(crate) fn long_date(date: &str) -> String {
    if day_of_date(date).is_none() {
        return date.to_string();
    }
    let (year, month, day) = (&date[0..4], &date[5..7], &date[8..10]);
    let month = MONTHS[month.parse::<usize>().unwrap_or(1).clamp(1, 12) - 1];
    format!("{} {month} {year}", day.trim_start_matches('0'))
}

/// "2026Q1, 1 January 2026 to 31 March 2026 (90 days)".
pub(crate) fn period(p: &Period) -> String {
    let days = if p.days == 1 { "day" } else { "days" };
    format!(
        "{}, {} to {} ({} {days})",
        p.label,
        long_date(&p.from),
        long_date(&p.to),
        p.days
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_exact_with_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn changes_are_signed_percentages() {
        assert_eq!(change(112.3, 100.0), "+12.3%");
        assert_eq!(change(96.0, 100.0), "−4.0%");
        assert_eq!(change(100.0, 100.0), "0.0%");
        assert_eq!(change(5.0, 0.0), "new");
        assert_eq!(change(0.0, 0.0), "—");
        assert_eq!(change(f64::NAN, 1.0), "—");
        assert_eq!(percent(0.1234), "12.3%");
    }

    #[test]
    fn rank_changes() {
        assert_eq!(RankChange::of(1, Some(3)).text(), "↑ 3");
        assert_eq!(RankChange::of(2, Some(1)).text(), "↓ 1");
        assert_eq!(RankChange::of(2, Some(2)).text(), "→ 2");
        assert_eq!(RankChange::of(4, None).text(), "new");
    }

    #[test]
    fn dates_are_written_out() {
        assert_eq!(long_date("2026-01-01"), "1 January 2026");
        assert_eq!(long_date("2026-12-31"), "31 December 2026");
        assert_eq!(long_date("soon"), "soon");
        let p = Period {
            label: "2026Q1".into(),
            from: "2026-01-01".into(),
            to: "2026-03-31".into(),
            days: 90,
        };
        assert_eq!(
            period(&p),
            "2026Q1, 1 January 2026 to 31 March 2026 (90 days)"
        );
    }
}
