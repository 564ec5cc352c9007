use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use hirundo_analyze::{Analysis, Analyzer, Enrichment};

use crate::config::Config;
use crate::progress::Progress;

#[derive(clap::Args)]
pub struct Args {
    /// Capture files: pcap or pcapng, plain, gzip or zstd (recognised by
    /// content). `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output: a table for people, or the hirundo.summary/1 JSON object.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// How many destination ports to list. Text lists 10 by default; JSON
    /// lists every port unless this is given.
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    no_progress: bool,
    /// Leave out countries, ASNs and research organisations (fingerprints
    /// are still counted).
    #[arg(long)]
    no_enrich: bool,
    /// Configuration file: which IP-to-country/ASN sources, which
    /// research-scanner list (see README).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

const DEFAULT_TEXT_TOP: usize = 10;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let enrichment = if args.no_enrich {
        None
    } else {
        Some(Config::load(args.config.as_deref())?.enrichment()?)
    };
    let analysis = analyze(&args.files, !args.no_progress, enrichment.as_ref());
    for diagnostic in &analysis.diagnostics {
        eprintln!("hirundo: {diagnostic}");
    }
    let mut summary = analysis.summary.clone();
    let mut out = io::stdout().lock();
    match args.format {
        Format::Json => {
            if let Some(top) = args.top {
                summary.ports.truncate(top);
            }
            // Serialised first, so that a closed pipe surfaces as the
            // io::Error that `main` recognises, not wrapped in a JSON error.
            let json = serde_json::to_string_pretty(&summary).context("serialising the summary")?;
            writeln!(out, "{json}")?;
        }
        Format::Text => {
            let text = hirundo_summary::render_text(&summary, args.top.unwrap_or(DEFAULT_TEXT_TOP));
            out.write_all(text.as_bytes())?;
            if let Some(enrichment) = &enrichment {
                // The data's licences ask for credit wherever it is shown.
                writeln!(
                    out,
                    "\nCountry and AS data: {}",
                    enrichment.geo.attribution().join("; ")
                )?;
            }
            let problems = analysis.diagnostics.len();
            if problems > 0 {
                writeln!(
                    out,
                    "\nRead problems: {problems} (listed on standard error)"
                )?;
            }
        }
    }
    out.flush()?;
    Ok(exit_code(&analysis))
}

/// Runs the analysis with a progress bar sized by the files on disk.
pub fn analyze(files: &[PathBuf], progress: bool, enrichment: Option<&Enrichment>) -> Analysis {
    let sizes: Vec<u64> = files
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .collect();
    let mut bar = Progress::new(sizes.iter().sum(), progress);
    let mut analyzer = Analyzer::new();
    for (path, &size) in files.iter().zip(&sizes) {
        analyzer.add_path(path, &mut |offset| bar.update(offset, size));
        bar.file_done(size);
    }
    bar.finish();
    analyzer.finish_with(enrichment)
}

/// 0: all read; 1: something could not be read but something was; 2: nothing was.
fn exit_code(analysis: &Analysis) -> ExitCode {
    if !analysis.had_fatal_errors() {
        ExitCode::SUCCESS
    } else if analysis.summary.packets == 0 {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}
