//! `/incidents/{ticket}`: one incident under its own label: its facts,
//! classification, links, timeline, the update form, and the forward
//! form with the routed team, its reasons and any refusal.

use std::fmt::Write;

use hirundo_directory::Directory;
use hirundo_incident::{rsit, Event, EventKind, Incident, Link, State};
use hirundo_notify::forward::{refusal, Forwarded, Locate};
use hirundo_store::NotificationStatus;

use super::list::{state_flag, tlp_options};
use crate::calendar::{date, date_time};
use crate::coordination::route_incident;
use crate::layout::{self, escape, tlp_badge, Nav, Page, Viewer};

/// One team the forward form offers, and why it may not be chosen.
pub struct Choice {
    pub id: String,
    pub short_name: String,
    pub refused: Option<String>,
}

/// What the forward form offers: the routed team with the chain of
/// reasons, and every team with its refusal.
pub struct ForwardChoices {
    pub routed: Option<String>,
    pub reasons: String,
    pub choices: Vec<Choice>,
}

impl ForwardChoices {
    pub fn new(directory: &Directory, incident: &Incident, locate: Locate<'_>) -> ForwardChoices {
        let (team, reasons) = route_incident(directory, incident, locate);
        ForwardChoices {
            routed: team.map(|t| t.id.clone()),
            reasons,
            choices: directory
                .teams()
                .iter()
                .map(|t| Choice {
                    id: t.id.clone(),
                    short_name: t.short_name.clone(),
                    refused: refusal(incident, t),
                })
                .collect(),
        }
    }

    /// The team selected at first: the routed one if it may be chosen,
    /// else the first that may.
    fn default_choice(&self) -> Option<&Choice> {
        let allowed = |c: &&Choice| c.refused.is_none();
        self.routed
            .as_deref()
            .and_then(|id| self.choices.iter().find(|c| c.id == id))
            .filter(allowed)
            .or_else(|| self.choices.iter().find(allowed))
    }
}

/// How the last forward ended.
pub enum Outcome {
    Done(Forwarded),
    Refused(String),
}

/// What the page shows besides the incident.
pub struct DetailView<'a> {
    pub incident: &'a Incident,
    pub events: &'a [Event],
    /// The forward form's choices, or why the directory cannot offer any.
    pub forward: Result<ForwardChoices, String>,
    pub problem: Option<&'a str>,
    pub outcome: Option<&'a Outcome>,
}

fn link_html(link: &Link) -> String {
    match link {
        Link::Source { ip } => format!("source <a href=\"/source/{ip}\" class=ip>{ip}</a>"),
        Link::SourceDay { ip, day } => format!(
            "source <a href=\"/source/{ip}\" class=ip>{ip}</a> on {}",
            date(*day)
        ),
        Link::Alert { id } => format!("alert <a href=\"/alerts/{id}\">#{id}</a>"),
        Link::Notification { ticket } => {
            format!("notification <span class=mono>{}</span>", escape(ticket))
        }
    }
}

/// "the title, the TLP and the country".
fn fields_words(fields: &[String]) -> String {
    let words: Vec<String> = fields
        .iter()
        .map(|f| match f.as_str() {
            "tlp" => "the TLP".to_string(),
            other => format!("the {}", escape(other)),
        })
        .collect();
    match words.as_slice() {
        [] => "nothing".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// An event as a sentence.
pub fn sentence(event: &Event) -> String {
    let who = escape(&event.actor);
    let what = match &event.what {
        EventKind::Created => "recorded the incident.".to_string(),
        EventKind::State { from, to } => format!("moved it from {from} to {to}."),
        EventKind::Comment { text } => {
            format!("commented:<pre class=\"text\">{}</pre>", escape(text))
        }
        EventKind::Forwarded { team, notification } => format!(
            "forwarded it to <a href=\"/directory/{t}\">{t}</a> in notification <span class=mono>{}</span>.",
            escape(notification),
            t = escape(team)
        ),
        EventKind::Linked { link } => format!("linked {}.", link_html(link)),
        EventKind::Edited { fields } => format!("changed {}.", fields_words(fields)),
    };
    format!("{} · {who} {what}", date_time(event.at_ns))
}

fn classification(incident: &Incident) -> String {
    let c = &incident.classification;
    let Some(category) = rsit().category(&c.taxonomy) else {
        return format!("<span class=mono>{}</span>", escape(&c.to_string()));
    };
    let kind = category
        .types
        .iter()
        .find(|t| t.value.eq_ignore_ascii_case(&c.kind));
    format!(
        "<span class=mono>{}</span>: <strong>{}</strong> / <strong>{}</strong><br><span class=muted>{}</span>",
        escape(&c.to_string()),
        escape(&category.expanded),
        escape(kind.map_or(c.kind.as_str(), |t| t.expanded.as_str())),
        escape(kind.map_or(category.description.as_str(), |t| t.description.as_str())),
    )
}

fn update_form(viewer: &Viewer, incident: &Incident) -> String {
    let mut states = format!("<option value=\"\">keep {}</option>", incident.state.name());
    for s in incident.state.next() {
        if *s != State::Forwarded {
            let _ = write!(states, "<option value=\"{n}\">{n}</option>", n = s.name());
        }
    }
    format!(
        "<form class=\"stack panel\" id=\"update\" method=\"post\" action=\"/incidents/{ticket}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label for=\"u-state\">State</label><select id=\"u-state\" name=\"state\">{states}</select></p>\
         <p><label for=\"u-comment\">Comment</label><textarea id=\"u-comment\" name=\"comment\"></textarea></p>\
         <p><label for=\"u-tlp\">TLP</label><select id=\"u-tlp\" name=\"tlp\">{tlps}</select></p>\
         <p><label for=\"u-sources\">Add source addresses</label><textarea id=\"u-sources\" name=\"sources\"></textarea></p>\
         <p><button class=\"primary\" type=\"submit\" id=\"save\">Save</button></p></form>\n",
        ticket = escape(&incident.ticket),
        csrf = escape(&viewer.csrf),
        tlps = tlp_options(Some(incident.tlp)),
    )
}

fn forward_form(
    viewer: &Viewer,
    incident: &Incident,
    forward: &Result<ForwardChoices, String>,
) -> String {
    let f = match forward {
        Err(problem) => {
            return format!(
                "<p class=\"error\" id=\"forward-problem\">{}</p>\n",
                escape(problem)
            )
        }
        Ok(f) => f,
    };
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<div class=\"panel\" id=\"routing\"><p>Routing chose: {}</p><pre class=\"route\">{}</pre></div>",
        match &f.routed {
            Some(id) => format!("<a href=\"/directory/{id}\" id=\"routed\">{id}</a>", id = escape(id)),
            None => "<strong id=\"routed\">no team</strong>".into(),
        },
        escape(&f.reasons)
    );
    let default = f.default_choice();
    // Why the routed team (or, when nothing was routed, every team) is refused.
    let mut refusals: Vec<&str> = f
        .choices
        .iter()
        .filter(|c| f.routed.as_deref().is_none_or(|r| r == c.id))
        .filter_map(|c| c.refused.as_deref())
        .collect();
    refusals.dedup();
    if default.is_none() && f.choices.is_empty() {
        refusals.push("the directory has no teams: add some with hirundo directory import");
    }
    let mut options = String::new();
    for c in &f.choices {
        let selected = if default.is_some_and(|d| d.id == c.id) {
            " selected"
        } else {
            ""
        };
        let (disabled, note) = match &c.refused {
            Some(why) => (" disabled", format!(" (refused: {})", escape(why))),
            None => ("", String::new()),
        };
        let _ = write!(
            options,
            "<option value=\"{id}\"{selected}{disabled}>{id} ({}){note}</option>",
            escape(&c.short_name),
            id = escape(&c.id)
        );
    }
    let _ = write!(
        html,
        "<form class=\"stack panel\" id=\"forward\" method=\"post\" action=\"/incidents/{ticket}/forward\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label for=\"f-team\">Team</label><select id=\"f-team\" name=\"team\">{options}</select></p>",
        ticket = escape(&incident.ticket),
        csrf = escape(&viewer.csrf),
    );
    for why in &refusals {
        let _ = write!(html, "<p class=\"error refusal\">{}</p>", escape(why));
    }
    let _ = writeln!(
        html,
        "<p><button class=\"primary\" type=\"submit\" id=\"forward-button\"{}>Forward as {}</button></p></form>",
        if default.is_none() { " disabled" } else { "" },
        incident.tlp.label()
    );
    html
}

fn outcome(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Refused(why) => format!(
            "<p class=\"error\" id=\"forwarded\" role=\"alert\">{}</p>\n",
            escape(why)
        ),
        Outcome::Done(f) if f.status == NotificationStatus::Sent => format!(
            "<p class=\"notice\" id=\"forwarded\">Sent to {} as notification <span class=mono>{}</span>: {}</p>\n",
            escape(&f.team),
            escape(&f.ticket),
            escape(&f.recipients)
        ),
        Outcome::Done(f) => format!(
            "<p class=\"error\" id=\"forwarded\" role=\"alert\">Not delivered to {} (notification <span class=mono>{}</span> logged as {}): {}. The incident stays as it was.</p>\n",
            escape(&f.team),
            escape(&f.ticket),
            f.status.as_str(),
            escape(&f.detail),
        ),
    }
}

pub fn render(viewer: &Viewer, view: &DetailView<'_>) -> String {
    let i = view.incident;
    let title = format!("{}: {}", i.ticket, i.title);
    let mut body = String::with_capacity(16 << 10);
    let _ = writeln!(body, "<h1>{}</h1>", escape(&title));
    if let Some(problem) = view.problem {
        let _ = writeln!(
            body,
            "<p class=\"error\" id=\"problem\" role=\"alert\">{}</p>",
            escape(problem)
        );
    }
    if let Some(o) = view.outcome {
        body.push_str(&outcome(o));
    }
    body.push_str("<dl class=\"facts\" id=\"incident\">");
    let mut fact = |k: &str, v: String| {
        let _ = write!(body, "<dt>{}</dt><dd>{v}</dd>", escape(k));
    };
    fact(
        "ticket",
        format!("<span class=mono>{}</span>", escape(&i.ticket)),
    );
    fact("state", state_flag(i.state));
    fact("TLP", tlp_badge(i.tlp.label()));
    fact("classification", classification(i));
    fact("reporter", escape(&i.reporter).into_owned());
    fact(
        "country",
        escape(i.country.as_deref().unwrap_or("–")).into_owned(),
    );
    fact(
        "forwarded to",
        match &i.team {
            Some(t) => format!("<a href=\"/directory/{t}\">{t}</a>", t = escape(t)),
            None => "–".into(),
        },
    );
    fact("occurred", i.occurred_ns.map_or("–".into(), date_time));
    fact("recorded", date_time(i.created_ns));
    fact("updated", date_time(i.updated_ns));
    body.push_str("</dl>\n");
    if !i.description.is_empty() {
        let _ = writeln!(
            body,
            "<h2>Description</h2>\n<pre class=\"text\" id=\"description\">{}</pre>",
            escape(&i.description)
        );
    }
    body.push_str("<h2>Links</h2>\n<ul id=\"links\">");
    for link in &i.links {
        let _ = write!(body, "<li>{}</li>", link_html(link));
    }
    if i.links.is_empty() {
        body.push_str("<li class=muted>None.</li>");
    }
    body.push_str("</ul>\n<h2>Timeline</h2>\n<ol class=\"timeline\" id=\"timeline\">");
    for e in view.events {
        let _ = write!(body, "<li>{}</li>", sentence(e));
    }
    body.push_str("</ol>\n<div class=\"grid\"><div><h2>Update</h2>\n");
    body.push_str(&update_form(viewer, i));
    body.push_str("</div><div><h2>Forward</h2>\n");
    body.push_str(&forward_form(viewer, i, &view.forward));
    body.push_str("</div></div>\n");
    let page = Page {
        title: &title,
        nav: Nav::Incidents,
        viewer: Some(viewer),
        public: false,
        attribution: false,
        tlp: Some(i.tlp.label()),
    };
    layout::render(&page, &body)
}
