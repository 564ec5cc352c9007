//! The text parsers added for reports and alerts, one chosen by the first
//! byte (mod 4), the rest as UTF-8 (other input is skipped):
//!
//! 0. a campaign spec (`hirundo simulate --campaign`): on success, its
//!    `Display` parses back to the same spec;
//! 1. a report period (`hirundo report --period`): on success, the period
//!    has days, its previous one ends where it starts, and its label
//!    parses back to the same range;
//! 2. a date (`hirundo-calendar::parse_date`): on success, it prints back
//!    as the same text;
//! 3. a stored source sketch (the bytes, not text): on success, it
//!    encodes back to the same bytes and merging it with itself changes
//!    nothing.
#![no_main]

use hirundo_rollup::CellSketch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 4 == 3 {
        if let Some(sketch) = CellSketch::decode(rest) {
            assert_eq!(sketch.encode(), rest);
            let mut twice = sketch.clone();
            twice.merge(&sketch);
            assert_eq!(twice, sketch);
            assert!(sketch.estimate() >= sketch.hashes().len() as u64);
        }
        return;
    }
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match mode % 4 {
        0 => {
            if let Ok(spec) = text.parse::<hirundo_simulate::CampaignSpec>() {
                let again: hirundo_simulate::CampaignSpec =
                    spec.to_string().parse().expect("a spec's Display parses back");
                assert_eq!(again, spec);
            }
        }
        1 => {
            if let Ok(period) = hirundo_report::parse_period(text) {
                assert!(period.days() >= 1);
                assert!(period.from_day < period.to_day);
                let previous = period.previous();
                assert_eq!(previous.to_day, period.from_day);
                let again = hirundo_report::parse_period(&period.label)
                    .expect("a period's label parses back");
                assert_eq!((again.from_day, again.to_day), (period.from_day, period.to_day));
            }
        }
        _ => {
            if let Some(day) = hirundo_calendar::parse_date(text) {
                assert_eq!(hirundo_calendar::date(day), text);
            }
        }
    }
});
