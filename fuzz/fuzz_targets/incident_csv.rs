//! The incident inputs that come from outside, one chosen by the first
//! byte (even or odd), the rest as UTF-8 (other input is skipped):
//!
//! - even: a reporter's CSV file (`hirundo_incident::import_csv`). Every
//!   kept row validates, is spelled as RSIT spells it and becomes an
//!   incident with `create`; rows and errors come in file order, with
//!   lines inside the file, at most one per line.
//! - odd: a MISP machine tag (`hirundo_incident::Taxonomy::parse`). On
//!   success, every type of every category classifies as itself, in any
//!   ASCII case.
#![no_main]

use hirundo_incident::{create, import_csv, rsit, ticket, Taxonomy};
use libfuzzer_sys::fuzz_target;

/// 2026-03-10T14:05:09Z.
const NOW_NS: i64 = 1_773_151_509_000_000_000;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if mode % 2 == 0 {
        csv(text);
    } else {
        taxonomy(text);
    }
});

fn csv(text: &str) {
    let out = import_csv(text, "fuzz@example.net", NOW_NS);
    // Lines as the reader counts them: \n, or \r not followed by \n.
    let bytes = text.as_bytes();
    let terminators = bytes
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    let lines = terminators + 1;
    assert!(out.rows.len() + out.rejected.len() <= lines);

    let mut previous = 0;
    for (line, new) in &out.rows {
        assert!(
            *line > previous && *line <= lines,
            "row line {line} of {lines}"
        );
        previous = *line;
        assert_eq!(new.validate(), Ok(()));
        let c = &new.classification;
        assert_eq!(rsit().classify(&c.taxonomy, &c.kind).as_ref(), Ok(c));
        let (incident, _) = create(new.clone(), 1, ticket(2026, 1), "fuzz", NOW_NS)
            .expect("a kept row creates an incident");
        assert_eq!(&incident.classification, c);
        assert_eq!(
            incident.links.len(),
            new.links.len(),
            "rows carry no repeated links"
        );
    }
    let mut previous = 0;
    for e in &out.rejected {
        assert!(e.line >= previous && e.line >= 1 && e.line <= lines, "{e}");
        previous = e.line;
    }
}

fn taxonomy(text: &str) {
    let Ok(t) = Taxonomy::parse(text) else {
        return;
    };
    assert!(!t.categories().is_empty());
    for c in t.categories() {
        assert!(!c.types.is_empty());
        for ty in &c.types {
            let got = t
                .classify(
                    &c.value.to_ascii_uppercase(),
                    &ty.value.to_ascii_lowercase(),
                )
                .expect("a parsed taxonomy classifies its own types");
            assert_eq!(
                (got.taxonomy.as_str(), got.kind.as_str()),
                (c.value.as_str(), ty.value.as_str())
            );
        }
    }
}
