//! Incidents from the CSV files reporters attach to e-mails: one incident
//! per row, good rows kept and bad rows reported by line and column, so
//! that one typo does not throw away a whole report.
//!
//! The first non-empty line is the header. Columns are matched by name,
//! in any case and any order:
//!
//! | column | also accepted | |
//! |---|---|---|
//! | `title` | `subject` | required |
//! | `classification.taxonomy` | `category` | required, an RSIT category |
//! | `classification.type` | `type` | required, an RSIT type of that category |
//! | `time` | `time.source` | RFC 3339, `YYYY-MM-DD HH:MM:SS` (UTC) or `YYYY-MM-DD` |
//! | `source.ip` | | addresses separated by spaces, `;` or `,` |
//! | `description` | | |
//! | `tlp` | | `AMBER`, `TLP:GREEN`...; TLP:AMBER if empty |
//! | `reporter` | | replaces the reporter given to [`import_csv`] |
//! | `country` | `source.geolocation.cc` | two letters, in any case |
//!
//! The `also accepted` names are IntelMQ's, so its CSV output imports
//! as is. Other columns are ignored with a warning. The separator is a
//! comma unless the header has more semicolons or tabs (spreadsheets in
//! many locales write `;`).

use std::fmt;
use std::net::IpAddr;

use csv::StringRecord;

use crate::error::{clip, IncidentError};
use crate::model::{check_not_future, NewIncident, MAX_LINKS};
use crate::taxonomy::rsit;
use crate::time::parse_time;

/// Most data rows read from one file; a larger file is an export of a
/// feed, and the rest of it is refused with one error.
pub const MAX_ROWS: usize = 100_000;

/// Most unknown-column warnings listed one by one.
const MAX_WARNED_COLUMNS: usize = 20;

/// What [`import_csv`] made of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvImport {
    /// The valid rows, each with its line (1-based, where the row
    /// starts), in file order. Each has passed [`NewIncident::validate`].
    pub rows: Vec<(usize, NewIncident)>,
    /// The rows refused, in file order; a header without the required
    /// columns is one error at its line and nothing else is read.
    pub rejected: Vec<RowError>,
    /// Columns ignored: unknown or repeated.
    pub warnings: Vec<String>,
}

/// A row that could not become an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line where the row starts.
    pub line: usize,
    /// The column at fault, as the header names it, if one is.
    pub column: Option<String>,
    pub why: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, column {column:?}: {}", self.line, self.why),
            None => write!(f, "line {}: {}", self.line, self.why),
        }
    }
}

impl std::error::Error for RowError {}

/// The columns hirundo reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Taxonomy,
    Type,
    Time,
    SourceIp,
    Description,
    Tlp,
    Reporter,
    Country,
}

impl Field {
    const COUNT: usize = 9;
    const REQUIRED: [Field; 3] = [Field::Title, Field::Taxonomy, Field::Type];

    fn of(header: &str) -> Option<Field> {
        Some(match header.to_ascii_lowercase().as_str() {
            "title" | "subject" => Field::Title,
            "classification.taxonomy" | "category" => Field::Taxonomy,
            "classification.type" | "type" => Field::Type,
            "time" | "time.source" => Field::Time,
            "source.ip" => Field::SourceIp,
            "description" => Field::Description,
            "tlp" => Field::Tlp,
            "reporter" => Field::Reporter,
            "country" | "source.geolocation.cc" => Field::Country,
            _ => return None,
        })
    }

    /// How a message names a required column that is missing.
    fn wanted(self) -> &'static str {
        match self {
            Field::Title => "title (or subject)",
            Field::Taxonomy => "classification.taxonomy (or category)",
            Field::Type => "classification.type (or type)",
            _ => "",
        }
    }

    /// The column a validation error is about.
    fn of_error(error: &IncidentError) -> Option<Field> {
        use IncidentError::*;
        match error {
            Empty { field } | TooLong { field, .. } | ControlChar { field, .. } => match *field {
                "title" => Some(Field::Title),
                "description" => Some(Field::Description),
                "reporter" => Some(Field::Reporter),
                "classification.taxonomy" => Some(Field::Taxonomy),
                "classification.type" => Some(Field::Type),
                _ => None,
            },
            UnknownCategory { .. } | BadClassification { .. } => Some(Field::Taxonomy),
            UnknownType { .. } => Some(Field::Type),
            BadTime { .. } | OccurredInFuture { .. } => Some(Field::Time),
            BadIp { .. } | TooManyLinks { .. } => Some(Field::SourceIp),
            Tlp(_) => Some(Field::Tlp),
            BadCountry { .. } => Some(Field::Country),
            UnknownState { .. } | IllegalMove { .. } | ForwardByEdit | RedNotForwarded { .. } => {
                None
            }
        }
    }
}

/// Where each field is in the file: its index and its header as written.
struct Columns {
    at: [Option<(usize, String)>; Field::COUNT],
    width: usize,
}

impl Columns {
    fn cell<'r>(&self, field: Field, record: &'r StringRecord) -> &'r str {
        self.at[field as usize]
            .as_ref()
            .and_then(|(i, _)| record.get(*i))
            .unwrap_or("")
    }

    fn name(&self, field: Field) -> Option<String> {
        self.at[field as usize]
            .as_ref()
            .map(|(_, name)| name.clone())
    }

    fn error(&self, line: usize, error: IncidentError) -> RowError {
        RowError {
            line,
            column: Field::of_error(&error).and_then(|f| self.name(f)),
            why: error.to_string(),
        }
    }
}

/// Reads a CSV report into new incidents on behalf of `reporter` (which
/// a `reporter` column overrides). `now_ns` refuses occurrence times in
/// the future. Never panics, whatever the text.
pub fn import_csv(text: &str, reporter: &str, now_ns: i64) -> CsvImport {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(sniff_delimiter(text))
        .from_reader(text.as_bytes());
    let mut out = CsvImport::default();
    let mut lines = Lines::new(text);
    let mut records = reader.records();

    let columns = loop {
        match records.next() {
            None => {
                out.rejected.push(RowError {
                    line: 1,
                    column: None,
                    why: "no header row: the file has no non-empty line".into(),
                });
                return out;
            }
            Some(Err(e)) => {
                out.rejected.push(RowError {
                    line: lines.of_error(&e),
                    column: None,
                    why: format!("the header row is not CSV: {e}"),
                });
                return out;
            }
            Some(Ok(record)) if is_blank(&record) => continue,
            Some(Ok(record)) => {
                let line = lines.of_record(&record);
                match header(&record, line, &mut out.warnings) {
                    Ok(columns) => break columns,
                    Err(e) => {
                        out.rejected.push(e);
                        return out;
                    }
                }
            }
        }
    };

    let mut data_rows = 0usize;
    for result in records {
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                out.rejected.push(RowError {
                    line: lines.of_error(&e),
                    column: None,
                    why: format!("not CSV: {e}"),
                });
                continue;
            }
        };
        let line = lines.of_record(&record);
        if is_blank(&record) {
            continue;
        }
        data_rows += 1;
        if data_rows > MAX_ROWS {
            out.rejected.push(RowError {
                line,
                column: None,
                why: format!(
                    "more than {MAX_ROWS} rows: this row and the rest are not read; split the file"
                ),
            });
            break;
        }
        match row(&columns, &record, line, reporter, now_ns) {
            Ok(new) => out.rows.push((line, new)),
            Err(e) => out.rejected.push(e),
        }
    }
    out
}

/// The columns of a header row, or the error that stops the import.
fn header(
    record: &StringRecord,
    line: usize,
    warnings: &mut Vec<String>,
) -> Result<Columns, RowError> {
    let mut columns = Columns {
        at: Default::default(),
        width: record.len(),
    };
    let mut unknown = 0usize;
    for (i, name) in record.iter().enumerate() {
        match Field::of(name) {
            Some(field) => match &columns.at[field as usize] {
                Some((first, first_name)) => warnings.push(format!(
                    "column {} {:?} repeats column {} {:?}: ignored",
                    i + 1,
                    clip(name),
                    first + 1,
                    first_name
                )),
                None => columns.at[field as usize] = Some((i, clip(name))),
            },
            None => {
                unknown += 1;
                if unknown <= MAX_WARNED_COLUMNS {
                    warnings.push(format!(
                        "column {} {:?} is not a column hirundo reads: ignored",
                        i + 1,
                        clip(name)
                    ));
                }
            }
        }
    }
    if unknown > MAX_WARNED_COLUMNS {
        warnings.push(format!(
            "{} more columns hirundo does not read: ignored",
            unknown - MAX_WARNED_COLUMNS
        ));
    }
    let missing: Vec<&str> = Field::REQUIRED
        .into_iter()
        .filter(|f| columns.at[*f as usize].is_none())
        .map(Field::wanted)
        .collect();
    if missing.is_empty() {
        return Ok(columns);
    }
    let found: Vec<String> = record
        .iter()
        .take(12)
        .map(|n| format!("{:?}", clip(n)))
        .collect();
    let more = if record.len() > 12 { ", ..." } else { "" };
    Err(RowError {
        line,
        column: None,
        why: format!(
            "the header lacks the required column{} {}; it has {}{more}",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            found.join(", "),
        ),
    })
}

/// One data row as a validated new incident.
fn row(
    columns: &Columns,
    record: &StringRecord,
    line: usize,
    reporter: &str,
    now_ns: i64,
) -> Result<NewIncident, RowError> {
    if record.len() != columns.width {
        return Err(RowError {
            line,
            column: None,
            why: format!(
                "the row has {} fields where the header has {}: quote fields that contain the separator",
                record.len(),
                columns.width
            ),
        });
    }
    let fail = |error: IncidentError| columns.error(line, error);
    let cell = |field: Field| columns.cell(field, record);

    for (field, name) in [
        (Field::Taxonomy, "classification.taxonomy"),
        (Field::Type, "classification.type"),
    ] {
        if cell(field).is_empty() {
            return Err(fail(IncidentError::Empty { field: name }));
        }
    }
    let classification = rsit()
        .classify(cell(Field::Taxonomy), cell(Field::Type))
        .map_err(fail)?;
    let occurred_ns = match cell(Field::Time) {
        "" => None,
        time => {
            let ns = parse_time(time).map_err(fail)?;
            check_not_future(ns, now_ns).map_err(fail)?;
            Some(ns)
        }
    };
    let mut links = Vec::new();
    for token in cell(Field::SourceIp)
        .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .filter(|t| !t.is_empty())
    {
        let ip: IpAddr = token
            .parse()
            .map_err(|_| fail(IncidentError::BadIp { given: clip(token) }))?;
        let link = crate::model::Link::Source { ip };
        if !links.contains(&link) {
            links.push(link);
        }
        if links.len() > MAX_LINKS {
            return Err(fail(IncidentError::TooManyLinks {
                count: links.len(),
                max: MAX_LINKS,
            }));
        }
    }
    let tlp = match cell(Field::Tlp) {
        "" => hirundo_tlp::Tlp::Amber,
        label => label.parse().map_err(|e| fail(IncidentError::Tlp(e)))?,
    };
    let country = match cell(Field::Country) {
        "" => None,
        cc => Some(cc.to_ascii_uppercase()),
    };
    let reporter = match cell(Field::Reporter) {
        "" => reporter.trim(),
        r => r,
    };
    let new = NewIncident {
        title: cell(Field::Title).to_owned(),
        description: cell(Field::Description).to_owned(),
        classification,
        tlp,
        reporter: reporter.to_owned(),
        country,
        links,
        occurred_ns,
    };
    new.validate().map_err(fail)?;
    Ok(new)
}

/// `,` unless the first line has more `;` or tabs.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let count = |c: char| first.chars().filter(|x| *x == c).count();
    let (commas, semicolons, tabs) = (count(','), count(';'), count('\t'));
    if semicolons > commas && semicolons >= tabs {
        b';'
    } else if tabs > commas && tabs > semicolons {
        b'\t'
    } else {
        b','
    }
}

fn is_blank(record: &StringRecord) -> bool {
    record.iter().all(str::is_empty)
}

/// Line numbers of records from their byte offsets. The csv reader's
/// own count puts a row that follows blank lines on the first of them, so
/// lines are counted here, blank lines skipped, forwards only.
struct Lines<'t> {
    text: &'t [u8],
    at: usize,
    line: usize,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    fn of_record(&mut self, record: &StringRecord) -> usize {
        match record.position() {
            Some(p) => self.of_byte(p.byte()),
            None => self.line,
        }
    }

    fn of_error(&mut self, error: &csv::Error) -> usize {
        match error.position() {
            Some(p) => self.of_byte(p.byte()),
            None => self.line,
        }
    }

    /// The line of a record whose read started at `byte`.
    fn of_byte(&mut self, byte: u64) -> usize {
        let mut to = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // Terminators at the start of a read are blank lines it skipped.
        while self
            .text
            .get(to)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            to += 1;
        }
        while self.at < to {
            // A line ends at \n, or at a \r not followed by \n (old Mac
            // files); the reader accepts both.
            match self.text[self.at] {
                b'\n' => self.line += 1,
                b'\r' if self.text.get(self.at + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.at += 1;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::NOW;
    use crate::model::Link;
    use hirundo_tlp::Tlp;
    use proptest::prelude::*;

    const SAMPLE: &str = "\
Time,Source.IP,Classification.Taxonomy,Classification.Type,Title,Description,TLP,Country,feed.name
2026-03-01T10:00:00Z,192.0.2.7;198.51.100.9,information-gathering,scanner,SSH scanning,\"Seen on ports 22 and 2222,
from two sources\",GREEN,br,darknet
2026-03-02 11:30:00,203.0.113.5,intrusion-attempts,brute-force,SMTP login attempts,,,,darknet
2026-03-03,192.0.2.300,fraud,phishing,Phishing site,,AMBER,JP,darknet

2026-03-04T09:00:00+09:00,,fraud,scam,Fake bank,,,,darknet
,2001:db8::5,Malicious-Code,Infected-System,Mirai bot,,RED,US,darknet
";

    #[test]
    fn realistic_report_keeps_good_rows_and_points_at_bad_cells() {
        let out = import_csv(SAMPLE, "abuse@example.net", NOW);
        assert_eq!(
            out.warnings,
            vec!["column 9 \"feed.name\" is not a column hirundo reads: ignored".to_string()]
        );
        let lines: Vec<usize> = out.rows.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, vec![2, 4, 8]);
        assert_eq!(
            out.rejected,
            vec![
                RowError {
                    line: 5,
                    column: Some("Source.IP".into()),
                    why: "\"192.0.2.300\" is not an IP address".into(),
                },
                RowError {
                    line: 7,
                    column: Some("Classification.Type".into()),
                    why: "\"scam\" is not a type of the RSIT category fraud: use one of unauthorised-use-of-resources, copyright, masquerade, phishing".into(),
                },
            ]
        );

        let (_, scan) = &out.rows[0];
        assert_eq!(scan.title, "SSH scanning");
        assert_eq!(
            scan.description,
            "Seen on ports 22 and 2222,\nfrom two sources"
        );
        assert_eq!(
            scan.classification.to_string(),
            "information-gathering/scanner"
        );
        assert_eq!(scan.tlp, Tlp::Green);
        assert_eq!(scan.country.as_deref(), Some("BR"));
        assert_eq!(scan.reporter, "abuse@example.net");
        assert_eq!(scan.occurred_ns, Some(1_772_359_200 * 1_000_000_000));
        assert_eq!(
            scan.links,
            vec![
                Link::Source {
                    ip: "192.0.2.7".parse().unwrap()
                },
                Link::Source {
                    ip: "198.51.100.9".parse().unwrap()
                },
            ]
        );
        let (_, brute) = &out.rows[1];
        assert_eq!(brute.tlp, Tlp::Amber);
        assert_eq!(brute.country, None);
        assert_eq!(
            brute.occurred_ns,
            Some((1_772_359_200 + 86_400 + 5_400) * 1_000_000_000)
        );
        let (_, bot) = &out.rows[2];
        assert_eq!(
            bot.classification.to_string(),
            "malicious-code/infected-system"
        );
        assert_eq!(bot.occurred_ns, None);
        assert_eq!(bot.tlp, Tlp::Red);
    }

    #[test]
    fn intelmq_names_semicolons_and_reporter_column() {
        let text = "subject;category;type;time.source;source.geolocation.cc;reporter\n\
                    DDoS on a bank;availability;ddos;2026-02-01;pt;cert.pt\n";
        let out = import_csv(text, "fallback", NOW);
        assert_eq!(out.rejected, vec![]);
        assert_eq!(out.warnings, Vec::<String>::new());
        let (line, new) = &out.rows[0];
        assert_eq!(*line, 2);
        assert_eq!(new.reporter, "cert.pt");
        assert_eq!(new.country.as_deref(), Some("PT"));
        assert_eq!(new.classification.to_string(), "availability/ddos");
    }

    #[test]
    fn missing_header_is_one_error_at_line_one() {
        let out = import_csv("", "r", NOW);
        assert_eq!(out.rows.len(), 0);
        assert_eq!(
            out.rejected,
            vec![RowError {
                line: 1,
                column: None,
                why: "no header row: the file has no non-empty line".into()
            }]
        );
        let out = import_csv("title,type\nA,scanner\nB,scanner\n", "r", NOW);
        assert_eq!(out.rows.len(), 0);
        assert_eq!(
            out.rejected,
            vec![RowError {
                line: 1,
                column: None,
                why: "the header lacks the required column classification.taxonomy (or category); it has \"title\", \"type\"".into(),
            }]
        );
        // A data row where the header should be.
        let out = import_csv("SSH scan,information-gathering,scanner\n", "r", NOW);
        assert_eq!(out.rejected.len(), 1);
        assert_eq!(out.rejected[0].line, 1);
        assert!(out.rejected[0]
            .why
            .contains("lacks the required columns title (or subject), classification.taxonomy"));
    }

    #[test]
    fn row_level_problems() {
        let text = "title,category,type,time,reporter,tlp\n\
                    a,fraud,phishing,2099-01-01,,\n\
                    b,fraud,phishing,,,purple\n\
                    c,fraud,\n\
                    ,fraud,phishing,,,\n\
                    e,,phishing,,,\n\
                    f,fraud,phishing,,,\n";
        let out = import_csv(text, "", NOW);
        let got: Vec<(usize, Option<&str>)> = out
            .rejected
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, Some("time")),
                (3, Some("tlp")),
                (4, None),
                (5, Some("title")),
                (6, Some("category")),
                (7, Some("reporter")),
            ]
        );
        assert_eq!(out.rejected[3].why, "title is empty");
        assert_eq!(out.rejected[5].why, "reporter is empty");
        assert!(out.rejected[2]
            .why
            .starts_with("the row has 3 fields where the header has 6"));
    }

    #[test]
    fn repeated_and_many_unknown_columns_are_warned_once_each() {
        let mut header = String::from("title,subject,category,type");
        for i in 0..25 {
            header.push_str(&format!(",x{i}"));
        }
        let out = import_csv(&format!("{header}\n"), "r", NOW);
        assert_eq!(out.warnings.len(), 1 + 20 + 1);
        assert_eq!(
            out.warnings[0],
            "column 2 \"subject\" repeats column 1 \"title\": ignored"
        );
        assert_eq!(
            out.warnings[21],
            "5 more columns hirundo does not read: ignored"
        );
        assert_eq!((out.rows.len(), out.rejected.len()), (0, 0));
    }

    #[test]
    fn bom_and_blank_rows_are_skipped() {
        let text = "\u{feff}title,category,type\n,,\nA,test,test\n";
        let out = import_csv(text, "r", NOW);
        assert_eq!(out.rejected, vec![]);
        assert_eq!(out.rows.len(), 1);
        assert_eq!(out.rows[0].0, 3);
    }

    #[test]
    fn line_numbers_survive_crlf_lone_cr_blank_lines_and_quoted_breaks() {
        let crlf = "title,category,type,description\r\n\r\n\r\n\
                    A,test,test,\r\nB,test,test,\"x\r\ny\"\r\nC,test,nope,\r\n";
        let out = import_csv(crlf, "r", NOW);
        let lines: Vec<usize> = out.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![4, 5]);
        assert_eq!(out.rows[1].1.description, "x\r\ny");
        assert_eq!(out.rejected[0].line, 7);
        let old_mac = "\rtitle,category,type\r\rA,test,test\rB,test,nope\r";
        let out = import_csv(old_mac, "r", NOW);
        assert_eq!(out.rows[0].0, 4);
        assert_eq!(out.rejected[0].line, 5);
        assert_eq!(out.rejected[0].column.as_deref(), Some("type"));
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(text in ".{0,300}") {
            let _ = import_csv(&text, "r", NOW);
        }

        #[test]
        fn never_panics_on_csv_like_text(
            rows in proptest::collection::vec(
                "[a-z0-9 .:;/\"\n,-]{0,40}", 0..8),
        ) {
            let text = format!("title,category,type,time,source.ip,country,tlp\n{}", rows.join("\n"));
            let out = import_csv(&text, "r", NOW);
            for (line, new) in &out.rows {
                prop_assert!(*line >= 2);
                prop_assert_eq!(new.validate(), Ok(()));
            }
            for e in &out.rejected {
                prop_assert!(e.line >= 1);
            }
        }

        #[test]
        fn good_rows_all_come_back(titles in proptest::collection::vec("[A-Za-z][A-Za-z ]{0,30}", 1..20)) {
            let mut text = String::from("title,classification.taxonomy,classification.type\n");
            for t in &titles {
                text.push_str(&format!("\"{t}\",information-gathering,scanner\n"));
            }
            let out = import_csv(&text, "r", NOW);
            prop_assert_eq!(out.rejected.len(), 0);
            let got: Vec<&str> = out.rows.iter().map(|(_, n)| n.title.as_str()).collect();
            let want: Vec<&str> = titles.iter().map(|t| t.trim()).collect();
            prop_assert_eq!(got, want);
            let lines: Vec<usize> = out.rows.iter().map(|(l, _)| *l).collect();
            prop_assert_eq!(lines, (2..2 + titles.len()).collect::<Vec<_>>());
        }
    }
}
