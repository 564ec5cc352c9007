//! Forwarding an incident across a border: the incident goes, as a
//! labelled message with its ticket, to the team its source routes to,
//! and its timeline records which message went where.

use std::net::{IpAddr, Ipv4Addr};

use hirundo_deliver::{Attached, Outgoing};
use hirundo_directory::{Directory, Origin, Route, Team};
use hirundo_incident::Incident;
use hirundo_store::{Finish, NewNotification, NotificationKind, NotificationStatus, Store};
use serde::Serialize;

use crate::run::{send, Channels};
use crate::NotifyError;

/// Where an address is: its AS and country, as the operator's geo
/// sources say. The caller supplies it so that this crate need not load
/// them.
pub type Locate<'a> = &'a dyn Fn(IpAddr) -> (Option<u32>, Option<String>);

/// What a forward did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Forwarded {
    pub incident: String,
    pub team: String,
    /// The notification's ticket.
    pub ticket: String,
    pub status: NotificationStatus,
    pub recipients: String,
    pub detail: String,
}

/// Where routing sends an incident: the route of its first source
/// address (located by `locate`, its own country when the sources say
/// none), else of its country alone (0.0.0.0 is in no constituency's
/// prefixes), with the chain of reasons.
pub fn route_incident<'d>(
    directory: &'d Directory,
    incident: &Incident,
    locate: Locate<'_>,
) -> Route<'d> {
    let (ip, asn, cc) = match incident.sources().first() {
        Some(&ip) => {
            let (asn, cc) = locate(ip);
            (ip, asn, cc.or_else(|| incident.country.clone()))
        }
        None => (
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            None,
            incident.country.clone(),
        ),
    };
    directory.route(&Origin {
        ip,
        asn,
        cc: cc.as_deref(),
    })
}

/// The team an incident goes to: `team` if given, else its route
/// ([`route_incident`]).
pub fn team_for<'d>(
    directory: &'d Directory,
    incident: &Incident,
    team: Option<&str>,
    locate: Locate<'_>,
) -> Result<&'d Team, NotifyError> {
    if let Some(id) = team {
        return directory
            .team(id)
            .ok_or_else(|| NotifyError::Refused(format!("no team {id:?} in the directory")));
    }
    route_incident(directory, incident, locate)
        .team
        .ok_or_else(|| {
            NotifyError::Refused(format!(
                "{}: no team answers for it and the directory has no team of ours: name one with --team",
                incident.ticket
            ))
        })
}

/// Why `incident` may not go to `team` automatically, if it may not.
pub fn refusal(incident: &Incident, team: &Team) -> Option<String> {
    if !incident.tlp.automatable() {
        Some(format!(
            "{} is {}: it never goes into an automated message; tell {} in person",
            incident.ticket, incident.tlp, team.short_name
        ))
    } else if let Err(e) = hirundo_incident::check_forward(incident) {
        Some(e.to_string())
    } else if !incident.tlp.fits(team.max_tlp) {
        Some(format!(
            "{} is {} and {} accepts at most {}",
            incident.ticket, incident.tlp, team.id, team.max_tlp
        ))
    } else if team.opt_out {
        Some(format!("{} opted out of notifications", team.id))
    } else {
        None
    }
}

/// Forwards incident `id` to its team and records it on the incident.
/// A delivery that fails is logged and leaves the incident as it was.
pub fn forward(
    store: &dyn Store,
    id: i64,
    team: Option<&str>,
    locate: Locate<'_>,
    actor: &str,
    channels: &Channels,
    now_ns: i64,
) -> Result<Forwarded, NotifyError> {
    let mut incident = store
        .incident(id)?
        .ok_or_else(|| hirundo_store::StoreError::NoSuchIncident(id.to_string()))?;
    let directory = Directory::new(store.teams()?)?;
    let team = team_for(&directory, &incident, team, locate)?.clone();
    if let Some(why) = refusal(&incident, &team) {
        return Err(NotifyError::Refused(why));
    }
    let day = now_ns.div_euclid(86_400_000_000_000);
    let record = store.begin_notification(&NewNotification {
        team: team.id.clone(),
        kind: NotificationKind::Incident,
        from_day: day,
        to_day: day + 1,
        tlp: incident.tlp,
        sources: incident.sources().len() as u64,
        incident: Some(incident.id),
        created_ns: now_ns,
        reserve: Vec::new(),
        status: NotificationStatus::Pending,
        detail: String::new(),
    })?;
    let body = incident_json(&incident, &record.ticket);
    let outgoing = Outgoing {
        to: team
            .notification_addresses()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        subject: subject(&incident, &record.ticket),
        text: text(&incident, &team, &record.ticket),
        tlp_label: incident.tlp.label().to_owned(),
        ticket: record.ticket.clone(),
        attachments: vec![Attached {
            filename: format!("{}.json", incident.ticket),
            mime: "application/json".to_owned(),
            body: body.clone(),
        }],
    };
    let delivered = send(&team, &outgoing, &body, channels);
    let status = if delivered.error.is_none() {
        NotificationStatus::Sent
    } else {
        NotificationStatus::Failed
    };
    let detail = delivered
        .error
        .clone()
        .unwrap_or_else(|| delivered.receipts.join(" "));
    let finish = Finish {
        status,
        channels: delivered.channels.join(","),
        recipients: delivered.recipients.join(","),
        detail: detail.clone(),
        finished_ns: now_ns,
    };
    store.finish_notification(record.id, &finish)?;
    if status == NotificationStatus::Sent {
        let read_at = incident.updated_ns;
        let events =
            hirundo_incident::forwarded(&mut incident, &team.id, &record.ticket, actor, now_ns)
                .map_err(|e| NotifyError::Refused(e.to_string()))?;
        // Read before the message went: if someone changed it meanwhile,
        // the message is logged and the forward is reported as stale.
        store.update_incident(&incident, read_at, &events)?;
    }
    Ok(Forwarded {
        incident: incident.ticket,
        team: team.id,
        ticket: record.ticket,
        status,
        recipients: finish.recipients,
        detail,
    })
}

fn subject(incident: &Incident, ticket: &str) -> String {
    format!(
        "[{}] Incident {} ({}): {} [{ticket}]",
        incident.tlp.label(),
        incident.ticket,
        incident.classification,
        incident.title
    )
}

fn text(incident: &Incident, team: &Team, ticket: &str) -> String {
    let mut out = format!(
        "{}\n{}\n\nDear {},\n\nwe forward to you an incident that concerns your constituency.\n\n",
        incident.tlp.label(),
        incident.tlp.meaning(),
        team.short_name
    );
    out.push_str(&format!("Incident:       {}\n", incident.ticket));
    out.push_str(&format!(
        "Classification: {} (RSIT)\n",
        incident.classification
    ));
    out.push_str(&format!("Title:          {}\n", incident.title));
    if let Some(ns) = incident.occurred_ns {
        out.push_str(&format!(
            "Occurred:       {}\n",
            hirundo_calendar::rfc3339_seconds(ns.div_euclid(1_000_000_000))
        ));
    }
    let ips = incident.sources();
    if !ips.is_empty() {
        out.push_str("Sources:\n");
        for ip in &ips {
            out.push_str(&format!("  {ip}\n"));
        }
    }
    if !incident.description.is_empty() {
        out.push_str(&format!("\n{}\n", incident.description));
    }
    out.push_str(&format!(
        "\nThe attached JSON holds the same. Please quote {ticket} in any reply.\n"
    ));
    out
}

/// The incident as JSON, with IntelMQ's names for what IntelMQ has names for.
fn incident_json(incident: &Incident, ticket: &str) -> Vec<u8> {
    let events: Vec<serde_json::Value> = incident
        .sources()
        .into_iter()
        .map(|ip| {
            serde_json::json!({
                "classification.taxonomy": incident.classification.taxonomy,
                "classification.type": incident.classification.kind,
                "source.ip": ip.to_string(),
                "tlp": incident.tlp.level(),
                "extra.incident": incident.ticket,
            })
        })
        .collect();
    serde_json::to_vec_pretty(&serde_json::json!({
        "schema": "hirundo.incident/1",
        "ticket": ticket,
        "tlp": incident.tlp.label(),
        "incident": {
            "ticket": incident.ticket,
            "title": incident.title,
            "description": incident.description,
            "classification": incident.classification,
            "state": incident.state,
            "country": incident.country,
            "occurred": incident.occurred_ns.map(|ns| hirundo_calendar::rfc3339_seconds(ns.div_euclid(1_000_000_000))),
        },
        "events": events,
    }))
    .unwrap_or_default()
}
