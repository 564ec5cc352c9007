//! `/notifications`: the log of every notification and forwarded
//! incident, newest first, with where it went and how it ended.

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::State;
use axum::response::Html;
use axum::Extension;
use hirundo_store::{NotificationKind, NotificationRecord, NotificationStatus, Store};
use hirundo_tlp::Tlp;

use super::Params;
use crate::calendar::{date, date_time};
use crate::error::WebError;
use crate::layout::{self, escape, tlp_badge, Nav, Page, Viewer};
use crate::state::{blocking, AppState};

/// Most notifications the log shows.
const LIST: usize = 200;

pub async fn page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    params: Params,
) -> Result<Html<String>, WebError> {
    let team = params
        .get("team")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let store = state.store();
    blocking(move || {
        let records = store.notifications(i64::MIN, i64::MAX, team.as_deref(), LIST)?;
        let tickets = incident_tickets(store.as_ref(), &records)?;
        let teams = super::directory::team_choices(store.as_ref())?;
        Ok(render(&viewer, &records, &tickets, &teams, team.as_deref()))
    })
    .await
    .map(Html)
}

/// The tickets of the incidents the records forwarded, by incident id.
pub fn incident_tickets(
    store: &dyn Store,
    records: &[NotificationRecord],
) -> Result<HashMap<i64, String>, WebError> {
    let mut tickets = HashMap::new();
    for id in records.iter().filter_map(|r| r.incident) {
        if let std::collections::hash_map::Entry::Vacant(slot) = tickets.entry(id) {
            if let Some(incident) = store.incident(id)? {
                slot.insert(incident.ticket);
            }
        }
    }
    Ok(tickets)
}

/// The status as a word in the colour it deserves.
pub fn status_flag(status: NotificationStatus) -> String {
    let class = match status {
        NotificationStatus::Sent => "ok",
        NotificationStatus::Failed => "bad",
        NotificationStatus::Pending
        | NotificationStatus::Withheld
        | NotificationStatus::OptedOut => "warn",
    };
    format!("<span class=\"flag {class}\">{}</span>", status.as_str())
}

/// The label the log and a team's page are marked: the highest in it,
/// and never below TLP:AMBER, because it names the teams' contacts.
pub fn label(records: &[NotificationRecord]) -> Tlp {
    crate::tlp::highest(records.iter().map(|r| r.tlp), Tlp::Amber).max(Tlp::Amber)
}

pub fn notifications_table(
    records: &[NotificationRecord],
    tickets: &HashMap<i64, String>,
) -> String {
    let mut html = String::from("<table id=\"notifications\"><tr><th>ticket</th><th>time</th><th>team</th><th>kind</th><th>status</th><th>TLP</th><th class=n>sources</th><th>window</th><th>recipients</th><th>detail</th></tr>\n");
    for r in records {
        let kind = match (r.kind, r.incident.and_then(|id| tickets.get(&id))) {
            (NotificationKind::Incident, Some(t)) => format!(
                "incident <a href=\"/incidents/{t}\" class=mono>{t}</a>",
                t = escape(t)
            ),
            (NotificationKind::Incident, None) => "incident".into(),
            (NotificationKind::Daily, _) => "daily".into(),
        };
        let window = if r.to_day - r.from_day <= 1 {
            date(r.from_day)
        } else {
            format!("{} to {}", date(r.from_day), date(r.to_day - 1))
        };
        let _ = writeln!(
            html,
            "<tr><td class=\"mono nw\">{}</td><td class=nw>{}</td><td class=nw><a href=\"/directory/{team}\">{team}</a></td><td class=nw>{kind}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=nw>{window}</td><td class=mono>{}</td><td>{}</td></tr>",
            escape(&r.ticket),
            date_time(r.created_ns),
            status_flag(r.status),
            tlp_badge(r.tlp.label()),
            r.sources,
            escape(&r.recipients.replace(',', ", ")),
            escape(&r.detail),
            team = escape(&r.team),
        );
    }
    if records.is_empty() {
        html.push_str("<tr><td colspan=10 class=muted>Nothing sent yet.</td></tr>\n");
    }
    html.push_str("</table>\n");
    html
}

pub fn render(
    viewer: &Viewer,
    records: &[NotificationRecord],
    tickets: &HashMap<i64, String>,
    teams: &[(String, String)],
    team: Option<&str>,
) -> String {
    let mut body = String::from("<h1>Notifications</h1>\n<p class=\"lead\">Every notice hirundo sent, withheld or failed to send, and every incident forwarded, newest first: the record of who was told what, under which label.</p>\n");
    body.push_str("<form class=\"inline\" method=\"get\" action=\"/notifications\"><p><label for=\"team\">Team</label><select id=\"team\" name=\"team\"><option value=\"\">every team</option>");
    for (id, short) in teams {
        let selected = if Some(id.as_str()) == team {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<option value=\"{id}\"{selected}>{id} ({})</option>",
            escape(short),
            id = escape(id)
        );
    }
    body.push_str(
        "</select></p><p><button class=\"primary\" type=\"submit\">Show</button></p></form>\n",
    );
    let _ = writeln!(
        body,
        "<p class=\"muted\">{} shown{}, at most {LIST}.</p>",
        records.len(),
        team.map(|t| format!(" for {}", escape(t)))
            .unwrap_or_default()
    );
    body.push_str(&notifications_table(records, tickets));
    let tlp = label(records);
    let page = Page {
        title: "Notifications",
        nav: Nav::Notifications,
        viewer: Some(viewer),
        public: false,
        attribution: false,
        tlp: Some(tlp.label()),
    };
    layout::render(&page, &body)
}
