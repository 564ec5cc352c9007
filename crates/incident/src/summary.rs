//! The statistics a national CSIRT publishes, as one value: incidents per
//! year, per month of a year, per RSIT category, per CERT.br category and
//! year (spam apart, as CERT.br counts it), spam per year, and the mapping
//! from RSIT types to CERT.br's categories. Test incidents are never
//! counted.

use hirundo_tlp::Tlp;
use serde::Serialize;

use crate::stats::{
    by_category, by_month, by_year, certbr_category, spam_by_year, yearly_by_certbr, CertBr,
};
use crate::{rsit, year_of, Classification, Incident};

/// The statistics are counts, yet of records that name victims: TLP:AMBER
/// until the operator decides to publish them.
pub const TLP: Tlp = Tlp::Amber;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearCount {
    pub year: i32,
    pub incidents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthCount {
    /// "2026-03".
    pub month: String,
    pub incidents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryCount {
    /// RSIT's value, "information-gathering".
    pub category: String,
    /// RSIT's name, "Information Gathering".
    pub name: String,
    pub incidents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertBrCount {
    /// CERT.br's own word, "invasão".
    pub category: &'static str,
    pub english: &'static str,
    pub incidents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertBrYear {
    pub year: i32,
    pub total: u64,
    pub categories: Vec<CertBrCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingRow {
    pub category: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub certbr: &'static str,
    pub english: &'static str,
}

/// Every figure of the statistics, as the dashboard, the API and
/// `hirundo incident stats` show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub by_year: Vec<YearCount>,
    /// The year `by_month` and `by_category_of_year` are for.
    pub year: i32,
    pub by_month: Vec<MonthCount>,
    /// All years.
    pub by_category: Vec<CategoryCount>,
    pub by_category_of_year: Vec<CategoryCount>,
    /// CERT.br's yearly table: spam is counted apart, as CERT.br does.
    pub certbr_by_year: Vec<CertBrYear>,
    pub spam_by_year: Vec<YearCount>,
    /// Every RSIT type and the CERT.br category it is counted under.
    pub mapping: Vec<MappingRow>,
}

fn years(rows: Vec<(i32, u64)>) -> Vec<YearCount> {
    rows.into_iter()
        .map(|(year, incidents)| YearCount { year, incidents })
        .collect()
}

fn categories(rows: Vec<(String, u64)>) -> Vec<CategoryCount> {
    rows.into_iter()
        .map(|(category, incidents)| CategoryCount {
            name: rsit()
                .category(&category)
                .map_or_else(|| category.clone(), |c| c.expanded.clone()),
            category,
            incidents,
        })
        .collect()
}

/// Every RSIT type and its CERT.br category.
pub fn mapping() -> Vec<MappingRow> {
    let mut rows = Vec::new();
    for c in rsit().categories() {
        for t in &c.types {
            let certbr = certbr_category(&Classification {
                taxonomy: c.value.clone(),
                kind: t.value.clone(),
            });
            rows.push(MappingRow {
                category: c.value.clone(),
                kind: t.value.clone(),
                certbr: certbr.label(),
                english: certbr.english(),
            });
        }
    }
    rows
}

impl Summary {
    /// The figures of `incidents`; `year` defaults to the latest year
    /// with incidents, else the current one.
    pub fn of(incidents: &[Incident], year: Option<i32>, now_ns: i64) -> Summary {
        let by_year = years(by_year(incidents));
        let year = year
            .or_else(|| by_year.last().map(|y| y.year))
            .unwrap_or_else(|| year_of(now_ns));
        let by_month = by_month(incidents, year)
            .iter()
            .enumerate()
            .map(|(i, &incidents)| MonthCount {
                month: format!("{year:04}-{:02}", i + 1),
                incidents,
            })
            .collect();
        let certbr_by_year = yearly_by_certbr(incidents)
            .into_iter()
            .map(|(year, counts)| CertBrYear {
                year,
                total: counts.iter().sum(),
                categories: CertBr::ALL
                    .iter()
                    .zip(counts)
                    .map(|(c, incidents)| CertBrCount {
                        category: c.label(),
                        english: c.english(),
                        incidents,
                    })
                    .collect(),
            })
            .collect();
        Summary {
            by_year,
            year,
            by_month,
            by_category: categories(by_category(incidents, None)),
            by_category_of_year: categories(by_category(incidents, Some(year))),
            certbr_by_year,
            spam_by_year: years(spam_by_year(incidents)),
            mapping: mapping(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_covers_every_rsit_type() {
        let types: usize = rsit().categories().iter().map(|c| c.types.len()).sum();
        let rows = mapping();
        assert_eq!(rows.len(), types);
        let scanner = rows
            .iter()
            .find(|r| r.category == "information-gathering" && r.kind == "scanner")
            .unwrap();
        assert_eq!(scanner.certbr, "scan");
    }

    #[test]
    fn an_empty_record_counts_the_current_year_with_twelve_zero_months() {
        let now = 1_773_151_509_000_000_000; // 2026-03-10
        let stats = Summary::of(&[], None, now);
        assert_eq!(stats.year, 2026);
        assert_eq!(stats.by_month.len(), 12);
        assert!(stats.by_month.iter().all(|m| m.incidents == 0));
        assert_eq!(stats.by_month[2].month, "2026-03");
        assert!(stats.by_year.is_empty());
    }
}
