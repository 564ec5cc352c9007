//! `hirundo user add|list|passwd`: the dashboard's accounts. Passwords
//! are read from standard input (one line) or, on a terminal, asked for
//! twice without echo; they are stored only as argon2id hashes.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::{Command as Process, ExitCode, Stdio};

use anyhow::{bail, Context};
use hirundo_store::Store;
use hirundo_summary::Timestamp;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Create a dashboard account (password: at least 12 characters, from
    /// standard input or asked for on the terminal).
    Add(PasswordArgs),
    /// List the dashboard's accounts.
    List(DataArgs),
    /// Give an account a new password; its open sessions end.
    Passwd(PasswordArgs),
}

#[derive(clap::Args)]
struct DataArgs {
    /// The collector's folder.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
}

#[derive(clap::Args)]
struct PasswordArgs {
    /// The account's name: letters, digits, '.', '_', '-' or '@'.
    name: String,
    #[command(flatten)]
    data: DataArgs,
    /// Read the password as one line of standard input even on a terminal.
    #[arg(long)]
    password_stdin: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add(a) => {
            let store = crate::sensor::open(&a.data.data)?;
            if store.account(&a.name)?.is_some() {
                bail!(
                    "an account named {:?} exists; `hirundo user passwd {}` sets a new password",
                    a.name,
                    a.name
                );
            }
            let hash = hirundo_web::hash_password(&read_password(a.password_stdin)?)?;
            store.set_account(&a.name, &hash, crate::report::now_ns())?;
            println!("Account {} created.", a.name);
        }
        Command::Passwd(a) => {
            let store = crate::sensor::open(&a.data.data)?;
            if store.account(&a.name)?.is_none() {
                bail!(
                    "no account named {:?}; `hirundo user add` makes one",
                    a.name
                );
            }
            let hash = hirundo_web::hash_password(&read_password(a.password_stdin)?)?;
            store.set_account(&a.name, &hash, crate::report::now_ns())?;
            println!("Password of {} changed; its sessions have ended.", a.name);
        }
        Command::List(a) => {
            let accounts = crate::sensor::open(&a.data)?.accounts()?;
            if accounts.is_empty() {
                println!("No accounts: `hirundo user add NAME --data DIR` makes one.");
            }
            for account in accounts {
                let created = Timestamp::from_nanos(account.created_ns).to_string();
                println!(
                    "{}  created {}",
                    account.name,
                    &created[..19.min(created.len())]
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The new password: asked for twice without echo on a terminal, else
/// the first line of standard input.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let stdin = io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        hirundo_web::validate_password(&password)?;
        return Ok(password);
    }
    let first = prompt("Password (at least 12 characters): ")?;
    hirundo_web::validate_password(&first)?;
    let again = prompt("The same again: ")?;
    if first != again {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}

/// Reads one line from the terminal with echo off (`stty`, so that no
/// terminal library is needed), turning echo back on whatever happens.
fn prompt(text: &str) -> anyhow::Result<String> {
    let stty = |arg: &str| {
        Process::new("stty")
            .arg(arg)
            .stdin(Stdio::inherit())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    eprint!("{text}");
    io::stderr().flush().ok();
    if !stty("-echo") {
        bail!("cannot turn off the terminal's echo; pipe the password in with --password-stdin");
    }
    let mut line = String::new();
    let read = io::stdin().lock().read_line(&mut line);
    stty("echo");
    eprintln!();
    read.context("reading the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
