//! The I/O half of a notification run: read the store, plan, log each
//! notice with its ticket while reserving its source-days, send it, and
//! record how it went.
//!
//! The ledger makes re-runs safe. A notice's source-days are reserved in
//! the same transaction that gives it its ticket, before anything is sent;
//! a failed delivery releases them for the next run. A process that dies
//! mid-send leaves the notice "pending" and its source-days reserved: the
//! team may miss them, but never gets them twice.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::Duration;

use hirundo_deliver::{Attached, Mailer, Outgoing, Webhook};
use hirundo_directory::{Directory, Team};
use hirundo_store::{
    DayRange, Finish, NewNotification, NotificationKind, NotificationStatus, Store,
};
use serde::Serialize;

use crate::format::{self, Attachment};
use crate::plan::{self, Batch, Decision, Plan, Settings, Skipped};
use crate::{Notice, NotifyError};

/// How notices leave: mail, webhooks, or both. A team is sent mail when a
/// mailer is set and it has an address; a webhook POST when it has a
/// webhook URL and a secret of its own.
#[derive(Default)]
pub struct Channels {
    pub mailer: Option<Mailer>,
    /// Per team id, the secret its webhook POSTs are signed with. One per
    /// team: a secret shared by several would let any of them sign
    /// messages to the others in our name.
    pub webhook_secrets: HashMap<String, Vec<u8>>,
    pub webhook_timeout: Option<Duration>,
}

/// What happened to one team's notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub team: String,
    /// `None` in a preview.
    pub ticket: Option<String>,
    pub sources: usize,
    pub source_days: usize,
    pub status: NotificationStatus,
    pub channels: String,
    pub recipients: String,
    pub detail: String,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub day: i64,
    pub outcomes: Vec<Outcome>,
    pub skipped: SkippedCounts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SkippedCounts {
    pub spoofed: u64,
    pub research: u64,
    pub unrouted: u64,
    pub already_sent: u64,
}

impl From<Skipped> for SkippedCounts {
    fn from(s: Skipped) -> Self {
        SkippedCounts {
            spoofed: s.spoofed,
            research: s.research,
            unrouted: s.unrouted,
            already_sent: s.already_sent,
        }
    }
}

/// The directory as the store holds it.
pub fn directory(store: &dyn Store) -> Result<Directory, NotifyError> {
    Ok(Directory::new(store.teams()?)?)
}

/// Reads what the run for `day` needs and plans it.
pub fn plan_day(
    store: &dyn Store,
    directory: &Directory,
    day: i64,
    settings: &Settings,
) -> Result<Plan, NotifyError> {
    let (from, to) = plan::days_to_read(directory, day);
    let days = DayRange { from, to };
    let rows = store.source_days(days, None)?;
    let sensor_country: HashMap<_, _> = store
        .sensors()?
        .into_iter()
        .map(|s| (s.id, s.country))
        .collect();
    let mut already: HashMap<String, HashSet<(i64, IpAddr)>> = HashMap::new();
    for team in directory.teams() {
        let sent = store.notified(&team.id, days)?;
        if !sent.is_empty() {
            already.insert(team.id.clone(), sent.into_iter().collect());
        }
    }
    Ok(plan::plan(
        directory,
        &rows,
        &sensor_country,
        &already,
        day,
        settings,
    ))
}

/// The notice a batch would become under `ticket`.
pub fn notice(batch: &Batch, ticket: &str, settings: &Settings, now_ns: i64) -> Notice {
    Notice {
        ticket: ticket.to_owned(),
        team: batch.team.clone(),
        tlp: settings.tlp,
        from_day: batch.from_day,
        to_day: batch.to_day,
        created_ns: now_ns,
        feed: settings.feed.clone(),
        rows: batch.rows.clone(),
        omitted: batch.omitted,
    }
}

/// A dry run: what [`run`] would send for `day`, with placeholder tickets,
/// storing and sending nothing.
pub fn preview(
    store: &dyn Store,
    day: i64,
    settings: &Settings,
    now_ns: i64,
) -> Result<(Plan, Vec<Notice>), NotifyError> {
    let directory = directory(store)?;
    let plan = plan_day(store, &directory, day, settings)?;
    let notices = plan
        .batches
        .iter()
        .filter(|b| b.decision == Decision::Send)
        .map(|b| notice(b, &format!("PREVIEW-{}", b.team.id), settings, now_ns))
        .collect();
    Ok((plan, notices))
}

/// Sends the notices for `day`: one per team with new source-days.
/// Re-running it sends nothing that was sent.
pub fn run(
    store: &dyn Store,
    day: i64,
    settings: &Settings,
    channels: &Channels,
    now_ns: i64,
) -> Result<RunReport, NotifyError> {
    let directory = directory(store)?;
    let plan = plan_day(store, &directory, day, settings)?;
    let mut outcomes = Vec::with_capacity(plan.batches.len());
    for batch in &plan.batches {
        outcomes.push(send_batch(store, batch, settings, channels, now_ns)?);
    }
    Ok(RunReport {
        day,
        outcomes,
        skipped: plan.skipped.into(),
    })
}

fn send_batch(
    store: &dyn Store,
    batch: &Batch,
    settings: &Settings,
    channels: &Channels,
    now_ns: i64,
) -> Result<Outcome, NotifyError> {
    let team = &batch.team;
    let (status, detail) = match &batch.decision {
        Decision::Send => (NotificationStatus::Pending, String::new()),
        Decision::OptedOut => (
            NotificationStatus::OptedOut,
            "the team opted out of notifications".to_owned(),
        ),
        Decision::Withheld { why } => (NotificationStatus::Withheld, why.clone()),
    };
    let mut outcome = Outcome {
        team: team.id.clone(),
        ticket: None,
        sources: batch.rows.len(),
        source_days: batch.source_days.len(),
        status,
        channels: String::new(),
        recipients: String::new(),
        detail: detail.clone(),
    };
    if status != NotificationStatus::Pending {
        // Logged once per team and window, however often the run repeats.
        let logged = store
            .notifications(i64::MIN, i64::MAX, Some(&team.id), 100)?
            .into_iter()
            .find(|n| {
                n.from_day == batch.from_day && n.to_day == batch.to_day && n.status == status
            });
        outcome.ticket = Some(match logged {
            Some(n) => n.ticket,
            None => {
                store
                    .begin_notification(&new_notification(
                        batch, settings, status, detail, false, now_ns,
                    ))?
                    .ticket
            }
        });
        return Ok(outcome);
    }
    let record = store.begin_notification(&new_notification(
        batch, settings, status, detail, true, now_ns,
    ))?;
    outcome.ticket = Some(record.ticket.clone());
    let notice = notice(batch, &record.ticket, settings, now_ns);
    let delivered = deliver(&notice, channels);
    let mut detail = delivered
        .error
        .clone()
        .unwrap_or_else(|| delivered.receipts.join(" "));
    if batch.omitted > 0 {
        detail.push_str(&format!(
            " ({} sources with fewer packets left out: at most {} a message)",
            batch.omitted, settings.max_sources
        ));
    }
    let finish = Finish {
        status: if delivered.error.is_none() {
            NotificationStatus::Sent
        } else {
            NotificationStatus::Failed
        },
        channels: delivered.channels.join(","),
        recipients: delivered.recipients.join(","),
        detail,
        finished_ns: now_ns,
    };
    store.finish_notification(record.id, &finish)?;
    outcome.status = finish.status;
    outcome.channels = finish.channels;
    outcome.recipients = finish.recipients;
    outcome.detail = finish.detail;
    Ok(outcome)
}

fn new_notification(
    batch: &Batch,
    settings: &Settings,
    status: NotificationStatus,
    detail: String,
    reserve: bool,
    now_ns: i64,
) -> NewNotification {
    NewNotification {
        team: batch.team.id.clone(),
        kind: NotificationKind::Daily,
        from_day: batch.from_day,
        to_day: batch.to_day,
        tlp: settings.tlp,
        sources: batch.rows.len() as u64,
        incident: None,
        created_ns: now_ns,
        reserve: if reserve {
            batch.source_days.clone()
        } else {
            Vec::new()
        },
        status,
        detail,
    }
}

/// What delivering one message did.
#[derive(Debug, Default)]
pub(crate) struct Delivered {
    pub channels: Vec<&'static str>,
    pub recipients: Vec<String>,
    /// Message-IDs of the mail sent.
    pub receipts: Vec<String>,
    /// The first failure; any failure fails the notice as a whole, so the
    /// next run tries every channel again.
    pub error: Option<String>,
}

/// The attachments of `notice` in the team's formats.
pub fn attachments(notice: &Notice) -> Vec<Attachment> {
    notice
        .team
        .formats
        .iter()
        .map(|&f| format::render(notice, f))
        .collect()
}

fn deliver(notice: &Notice, channels: &Channels) -> Delivered {
    let outgoing = Outgoing {
        to: notice
            .team
            .notification_addresses()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        subject: format::subject(notice),
        text: format::body_text(notice),
        tlp_label: notice.tlp.label().to_owned(),
        ticket: notice.ticket.clone(),
        // Moved, not copied: a message's attachments run to megabytes.
        attachments: attachments(notice)
            .into_iter()
            .map(|a| Attached {
                filename: a.filename,
                mime: a.mime.to_owned(),
                body: a.body.into_bytes(),
            })
            .collect(),
    };
    let body = webhook_body(notice);
    send(&notice.team, &outgoing, &body, channels)
}

/// Sends `outgoing` by mail and `body` to the team's webhook, as the
/// channels and the team allow.
pub(crate) fn send(
    team: &Team,
    outgoing: &Outgoing,
    body: &[u8],
    channels: &Channels,
) -> Delivered {
    let mut done = Delivered::default();
    if let (Some(mailer), false) = (&channels.mailer, outgoing.to.is_empty()) {
        done.channels.push("mail");
        done.recipients.extend(outgoing.to.iter().cloned());
        match mailer.send_outgoing(outgoing) {
            Ok(id) => done.receipts.push(id),
            Err(e) => done.error = Some(format!("mail: {e:#}")),
        }
    }
    if let (Some(url), Some(secret)) = (&team.webhook, channels.webhook_secrets.get(&team.id)) {
        done.channels.push("webhook");
        done.recipients.push(url.clone());
        let hook = Webhook {
            url: url.clone(),
            secret: secret.clone(),
            timeout: channels.webhook_timeout.unwrap_or(Duration::from_secs(30)),
        };
        if let Err(e) = hook.post_signed(
            body,
            &[
                ("X-Hirundo-Ticket", &outgoing.ticket),
                ("X-Hirundo-TLP", &outgoing.tlp_label),
            ],
        ) {
            done.error.get_or_insert(format!("webhook: {e:#}"));
        }
    }
    if done.channels.is_empty() {
        let mut missing = Vec::new();
        match (&channels.mailer, outgoing.to.is_empty()) {
            (_, true) => missing.push("it has no e-mail address"),
            (None, false) => missing.push("no SMTP relay is configured ([notifications.smtp])"),
            _ => {}
        }
        match (&team.webhook, channels.webhook_secrets.contains_key(&team.id)) {
            (None, _) => missing.push("it has no webhook"),
            (Some(_), false) => missing.push(
                "its webhook has no secret (a file named after the team in [notifications] webhook_secrets_dir)",
            ),
            _ => {}
        }
        done.error = Some(format!(
            "no way to reach {}: {}",
            team.id,
            missing.join("; ")
        ));
    }
    done
}

/// The webhook's JSON: the notice's IntelMQ events under a small envelope.
pub fn webhook_body(notice: &Notice) -> Vec<u8> {
    let events: Vec<serde_json::Value> = format::render(notice, hirundo_directory::Format::Jsonl)
        .body
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "schema": "hirundo.notification/1",
        "ticket": notice.ticket,
        "tlp": notice.tlp.label(),
        "team": notice.team.id,
        "from_day": hirundo_calendar::date(notice.from_day),
        "to_day": hirundo_calendar::date(notice.to_day - 1),
        "events": events,
    }))
    .unwrap_or_default()
}
