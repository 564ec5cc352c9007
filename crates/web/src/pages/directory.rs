//! `/directory`, `/directory/route` and `/directory/{id}`: the CSIRTs
//! hirundo knows, which one an address routes to and why, and one team
//! in full with what it was last sent. Contacts are not public: every
//! page is TLP:AMBER.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use hirundo_directory::{Origin, Team};
use hirundo_store::{NotificationRecord, Store};

use super::Params;
use crate::coordination;
use crate::error::WebError;
use crate::layout::{self, escape, tlp_badge, Nav, Page, Viewer};
use crate::pages::notifications::notifications_table;
use crate::params::parse_ip;
use crate::state::{blocking, AppState, Shared};

/// What the directory's pages are marked.
const TLP: &str = "TLP:AMBER";
/// Notifications shown on a team's page.
const TEAM_NOTIFICATIONS: usize = 50;

pub async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Html<String>, WebError> {
    let store = state.store();
    blocking(move || {
        let teams = store.teams()?;
        Ok(render_list(&viewer, &teams, None, None))
    })
    .await
    .map(Html)
}

/// `/directory/route?ip=`: the list with the chain of reasons for one
/// address.
pub async fn route(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    params: Params,
) -> Result<Response, WebError> {
    let typed = params.get("ip").unwrap_or("").trim().to_string();
    blocking(move || {
        let teams = state.store().teams()?;
        let (status, shown, problem) = match parse_ip(&typed) {
            Err(problem) if !typed.is_empty() => (StatusCode::BAD_REQUEST, None, Some(problem)),
            Err(_) => (StatusCode::OK, None, None),
            Ok(ip) => (StatusCode::OK, Some(route_of(&state.0, ip)?), None),
        };
        let html = render_list(&viewer, &teams, shown.as_ref(), problem.as_deref());
        Ok((status, Html(html)).into_response())
    })
    .await
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let store = state.store();
    blocking(move || {
        let team = store.team(&id)?.ok_or_else(|| {
            WebError::NotFound(format!(
                "There is no team {:?} in the directory.",
                coordination::clip(&id)
            ))
        })?;
        let sent = store.notifications(i64::MIN, i64::MAX, Some(&team.id), TEAM_NOTIFICATIONS)?;
        let tickets = super::notifications::incident_tickets(store.as_ref(), &sent)?;
        Ok(render_detail(&viewer, &team, &sent, &tickets))
    })
    .await
    .map(Html)
}

/// One address routed: where it is and the chain of reasons.
#[derive(Debug, Clone)]
pub struct Routed {
    pub ip: std::net::IpAddr,
    pub asn: Option<u32>,
    pub cc: Option<String>,
    /// The route's own text: one numbered step per line, then the team.
    pub text: String,
    pub team: Option<(String, String)>,
}

pub fn route_of(shared: &Shared, ip: std::net::IpAddr) -> Result<Routed, WebError> {
    let directory = coordination::directory(shared.store.as_ref())?;
    let (asn, cc) = shared.locate(ip);
    let route = directory.route(&Origin {
        ip,
        asn,
        cc: cc.as_deref(),
    });
    Ok(Routed {
        ip,
        asn,
        cc: cc.clone(),
        text: route.to_string(),
        team: route.team.map(|t| (t.id.clone(), t.short_name.clone())),
    })
}

/// "unverified: emails, pgp_fingerprint", or nothing.
fn unverified(team: &Team) -> String {
    if team.unverified.is_empty() {
        return String::new();
    }
    format!(
        "<span class=\"flag warn\" title=\"not checked against a public source of the team's own\">unverified: {}</span>",
        escape(&team.unverified.join(", "))
    )
}

fn yes(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "–"
    }
}

pub fn render_list(
    viewer: &Viewer,
    teams: &[Team],
    routed: Option<&Routed>,
    problem: Option<&str>,
) -> String {
    let mut body = String::from("<h1>Directory</h1>\n<p class=\"lead\">The CSIRTs and abuse desks notifications and forwarded incidents go to: who answers for which prefixes, AS numbers and countries, what each accepts, and how it wants to be told. Contact details are not public.</p>\n");
    body.push_str("<h2>Route an address</h2>\n<form class=\"inline\" method=\"get\" action=\"/directory/route\"><p><label for=\"ip\">Address</label>");
    let _ = writeln!(
        body,
        "<input type=\"text\" id=\"ip\" name=\"ip\" value=\"{}\" placeholder=\"192.0.2.1 or 2001:db8::1\" required></p>\
         <p><button class=\"primary\" type=\"submit\">Route</button></p></form>",
        escape(&routed.map(|r| r.ip.to_string()).unwrap_or_default())
    );
    if let Some(problem) = problem {
        let _ = writeln!(
            body,
            "<p class=\"error\" id=\"problem\">{}</p>",
            escape(problem)
        );
    }
    if let Some(r) = routed {
        let _ = write!(
            body,
            "<div class=\"panel\" id=\"route\"><p><span class=\"mono\">{}</span>: AS {}, country {}</p>\n<pre class=\"route\">{}</pre>\n<p>Chosen: {}</p></div>\n",
            r.ip,
            r.asn.map_or("unknown".to_string(), |a| a.to_string()),
            escape(r.cc.as_deref().unwrap_or("unknown")),
            escape(&r.text),
            match &r.team {
                Some((id, short)) => format!(
                    "<a href=\"/directory/{}\" id=\"chosen\">{}</a> ({})",
                    escape(id),
                    escape(id),
                    escape(short)
                ),
                None => "<strong id=\"chosen\">no team</strong>: the address is unrouted".into(),
            }
        );
    }
    let _ = writeln!(body, "<h2>Teams ({})</h2>", teams.len());
    body.push_str("<table id=\"teams\"><tr><th>id</th><th>short name</th><th>official name</th><th>country</th><th>kind</th><th>TLP ceiling</th><th>formats</th><th>cadence</th><th>opted out</th><th>ours</th><th class=n>prefixes</th><th class=n>ASNs</th><th>checked</th></tr>\n");
    for t in teams {
        let formats: Vec<&str> = t.formats.iter().map(|f| f.as_str()).collect();
        let _ = writeln!(
            body,
            "<tr><td class=\"mono nw\"><a href=\"/directory/{id}\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td></tr>",
            escape(&t.short_name),
            escape(&t.name),
            escape(t.country.as_deref().unwrap_or("–")),
            t.kind.as_str(),
            tlp_badge(t.max_tlp.label()),
            formats.join(", "),
            cadence(t),
            yes(t.opt_out),
            yes(t.ours),
            t.constituency.prefixes.len(),
            t.constituency.asns.len(),
            unverified(t),
            id = escape(&t.id),
        );
    }
    if teams.is_empty() {
        body.push_str("<tr><td colspan=13 class=muted>No teams yet: load some with <code>hirundo directory import</code>.</td></tr>\n");
    }
    body.push_str("</table>\n");
    let page = Page {
        title: "Directory",
        nav: Nav::Directory,
        viewer: Some(viewer),
        public: false,
        attribution: routed.is_some(),
        tlp: Some(TLP),
    };
    layout::render(&page, &body)
}

fn cadence(team: &Team) -> &'static str {
    match team.cadence {
        hirundo_directory::Cadence::Daily => "daily",
        hirundo_directory::Cadence::Weekly => "weekly",
    }
}

/// A URL people may follow: only http(s), so that a directory entry
/// cannot put a `javascript:` link on the page.
fn web_link(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        format!(
            "<a href=\"{u}\" rel=\"noreferrer noopener\">{u}</a>",
            u = escape(url)
        )
    } else {
        escape(url).into_owned()
    }
}

fn list_or_dash(items: Vec<String>) -> String {
    if items.is_empty() {
        "–".into()
    } else {
        escape(&items.join(", ")).into_owned()
    }
}

pub fn render_detail(
    viewer: &Viewer,
    team: &Team,
    sent: &[NotificationRecord],
    tickets: &std::collections::HashMap<i64, String>,
) -> String {
    let title = format!("{} ({})", team.short_name, team.id);
    let mut body = String::with_capacity(8 << 10);
    let _ = writeln!(
        body,
        "<h1>{}</h1>\n<p class=\"lead\">{} {}</p>",
        escape(&title),
        escape(&team.name),
        unverified(team)
    );
    body.push_str("<dl class=\"facts\" id=\"team\">");
    let mut fact = |k: &str, v: String| {
        let _ = write!(body, "<dt>{}</dt><dd>{v}</dd>", escape(k));
    };
    let mark = |field: &str| {
        if team.unverified.iter().any(|f| f == field) {
            " <span class=\"flag warn\">unverified</span>"
        } else {
            ""
        }
    };
    fact(
        "id",
        format!("<span class=mono>{}</span>", escape(&team.id)),
    );
    fact("kind", team.kind.as_str().into());
    fact(
        "country",
        escape(team.country.as_deref().unwrap_or("–")).into_owned(),
    );
    fact("TLP ceiling", tlp_badge(team.max_tlp.label()));
    fact(
        "formats",
        team.formats
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    fact("cadence", cadence(team).into());
    fact("language", escape(&team.language).into_owned());
    fact("opted out", yes(team.opt_out).into());
    fact("ours", yes(team.ours).into());
    fact(
        "PGP fingerprint",
        format!(
            "<span class=mono>{}</span>{}",
            escape(team.pgp_fingerprint.as_deref().unwrap_or("–")),
            mark("pgp_fingerprint")
        ),
    );
    fact(
        "website",
        format!(
            "{}{}",
            team.website.as_deref().map_or("–".into(), web_link),
            mark("website")
        ),
    );
    fact(
        "webhook",
        escape(team.webhook.as_deref().unwrap_or("–")).into_owned(),
    );
    fact("origin", escape(&team.origin).into_owned());
    if !team.notes.is_empty() {
        fact("notes", escape(&team.notes).into_owned());
    }
    body.push_str("</dl>\n");

    let _ = writeln!(body, "<h2>E-mail{}</h2>", mark("emails"));
    body.push_str("<table id=\"emails\"><tr><th>address</th><th>for</th></tr>\n");
    for e in &team.emails {
        let usage: Vec<String> = e
            .usage
            .iter()
            .map(|u| format!("{u:?}").to_ascii_lowercase())
            .collect();
        let _ = writeln!(
            body,
            "<tr><td class=mono>{}</td><td>{}</td></tr>",
            escape(&e.address),
            list_or_dash(usage)
        );
    }
    if team.emails.is_empty() {
        body.push_str(
            "<tr><td colspan=2 class=muted>No address: only a webhook can reach it.</td></tr>\n",
        );
    }
    body.push_str("</table>\n<h2>Constituency</h2>\n<dl class=\"facts\" id=\"constituency\">");
    let c = &team.constituency;
    for (k, v) in [
        ("countries", list_or_dash(c.countries.clone())),
        (
            "AS numbers",
            list_or_dash(c.asns.iter().map(|a| format!("AS{a}")).collect()),
        ),
        (
            "prefixes",
            list_or_dash(c.prefixes.iter().map(|p| p.to_string()).collect()),
        ),
        ("domains", list_or_dash(c.domains.clone())),
    ] {
        let _ = write!(body, "<dt>{k}</dt><dd class=mono>{v}</dd>");
    }
    body.push_str("</dl>\n");
    let _ = writeln!(
        body,
        "<h2>Last notifications</h2>\n<p class=\"muted\">The {TEAM_NOTIFICATIONS} newest; the whole log is under <a href=\"/notifications?team={}\">Notifications</a>.</p>",
        crate::params::encode_query(&team.id)
    );
    body.push_str(&notifications_table(sent, tickets));
    let page = Page {
        title: &title,
        nav: Nav::Directory,
        viewer: Some(viewer),
        public: false,
        attribution: false,
        tlp: Some(TLP),
    };
    layout::render(&page, &body)
}

/// The teams, for the pages' selects: (id, short name).
pub fn team_choices(store: &dyn Store) -> Result<Vec<(String, String)>, WebError> {
    Ok(store
        .teams()?
        .into_iter()
        .map(|t| (t.id, t.short_name))
        .collect())
}
