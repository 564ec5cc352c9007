//! `/incidents`: the list with its filters, the "New incident" form and
//! the CSV import, with what an import made of a file.

use std::fmt::Write;

use hirundo_incident::{rsit, Incident, State};
use hirundo_tlp::Tlp;

use super::form::NewForm;
use crate::calendar::{date, date_time};
use crate::coordination::Imported;
use crate::layout::{self, escape, tlp_badge, Nav, Page, Viewer};

/// What the list page shows besides the list.
pub struct ListView<'a> {
    pub incidents: &'a [Incident],
    pub state: Option<State>,
    pub category: Option<&'a str>,
    /// The new-incident form as last sent (kept when it was refused).
    pub form: &'a NewForm,
    /// Why the last form or upload was refused.
    pub problem: Option<&'a str>,
    pub imported: Option<&'a Imported>,
}

/// The label a list is marked: its most restricted incident's, TLP:AMBER
/// when it is empty (a filter's empty answer still says something).
pub fn label(incidents: &[Incident]) -> Tlp {
    crate::tlp::highest(incidents.iter().map(|i| i.tlp), Tlp::Amber)
}

pub fn state_flag(state: State) -> String {
    let class = match state {
        State::New | State::Waiting => "warn",
        State::Open | State::Forwarded => "bad",
        State::Resolved | State::Closed => "ok",
    };
    format!("<span class=\"flag {class}\">{}</span>", state.name())
}

/// `<option>`s of every label, `selected` chosen.
pub fn tlp_options(selected: Option<Tlp>) -> String {
    let mut html = String::new();
    for t in Tlp::ALL {
        let mark = if Some(t) == selected { " selected" } else { "" };
        let _ = write!(
            html,
            "<option value=\"{}\"{mark}>{}</option>",
            t.label(),
            t.label()
        );
    }
    html
}

/// Every RSIT type as `category/type`, grouped by category.
fn classification_options(selected: &str) -> String {
    let mut html = String::new();
    for c in rsit().categories() {
        let _ = write!(html, "<optgroup label=\"{}\">", escape(&c.expanded));
        for t in &c.types {
            let value = format!("{}/{}", c.value, t.value);
            let mark = if value.eq_ignore_ascii_case(selected.trim()) {
                " selected"
            } else {
                ""
            };
            let _ = write!(
                html,
                "<option value=\"{}\"{mark}>{}</option>",
                escape(&value),
                escape(&t.expanded)
            );
        }
        html.push_str("</optgroup>");
    }
    html
}

pub fn incidents_table(incidents: &[Incident]) -> String {
    let mut html = String::from("<table id=\"incidents\"><tr><th>ticket</th><th>title</th><th>state</th><th>classification</th><th>TLP</th><th>reporter</th><th>country</th><th>team</th><th>occurred</th><th>updated</th></tr>\n");
    for i in incidents {
        let team = match &i.team {
            Some(t) => format!("<a href=\"/directory/{t}\">{t}</a>", t = escape(t)),
            None => "–".into(),
        };
        let _ = writeln!(
            html,
            "<tr><td class=\"mono nw\"><a href=\"/incidents/{t}\">{t}</a></td><td><a href=\"/incidents/{t}\">{}</a></td><td>{}</td><td class=mono>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{team}</td><td class=nw>{}</td><td class=nw>{}</td></tr>",
            escape(&i.title),
            state_flag(i.state),
            escape(&i.classification.to_string()),
            tlp_badge(i.tlp.label()),
            escape(&i.reporter),
            escape(i.country.as_deref().unwrap_or("–")),
            i.occurred_ns.map_or("–".into(), |ns| date(ns.div_euclid(86_400_000_000_000))),
            date_time(i.updated_ns),
            t = escape(&i.ticket),
        );
    }
    if incidents.is_empty() {
        html.push_str("<tr><td colspan=10 class=muted>No incidents.</td></tr>\n");
    }
    html.push_str("</table>\n");
    html
}

fn filters(state: Option<State>, category: Option<&str>) -> String {
    let mut html = String::from("<form class=\"inline\" method=\"get\" action=\"/incidents\"><p><label for=\"f-state\">State</label><select id=\"f-state\" name=\"state\"><option value=\"\">any</option>");
    for s in State::ALL {
        let mark = if Some(s) == state { " selected" } else { "" };
        let _ = write!(
            html,
            "<option value=\"{n}\"{mark}>{n}</option>",
            n = s.name()
        );
    }
    html.push_str("</select></p><p><label for=\"f-category\">Category</label><select id=\"f-category\" name=\"category\"><option value=\"\">any</option>");
    for c in rsit().categories() {
        let mark = if Some(c.value.as_str()) == category {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            html,
            "<option value=\"{}\"{mark}>{}</option>",
            escape(&c.value),
            escape(&c.expanded)
        );
    }
    html.push_str(
        "</select></p><p><button class=\"primary\" type=\"submit\">Filter</button></p></form>\n",
    );
    html
}

fn new_form(viewer: &Viewer, form: &NewForm) -> String {
    let tlp = form.tlp.parse::<Tlp>().ok().or(Some(Tlp::Amber));
    let reporter = if form.reporter.is_empty() {
        viewer.account.as_str()
    } else {
        form.reporter.as_str()
    };
    format!(
        "<form class=\"stack panel\" id=\"new-incident\" method=\"post\" action=\"/incidents\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label for=\"n-title\">Title</label><input type=\"text\" id=\"n-title\" name=\"title\" value=\"{title}\" maxlength=\"200\" required></p>\
         <p><label for=\"n-class\">Classification (RSIT)</label><select id=\"n-class\" name=\"classification\" required>{classes}</select></p>\
         <p><label for=\"n-desc\">Description</label><textarea id=\"n-desc\" name=\"description\">{desc}</textarea></p>\
         <p><label for=\"n-tlp\">TLP</label><select id=\"n-tlp\" name=\"tlp\">{tlps}</select></p>\
         <p><label for=\"n-reporter\">Reporter</label><input type=\"text\" id=\"n-reporter\" name=\"reporter\" value=\"{reporter}\" required></p>\
         <p><label for=\"n-country\">Country (two letters)</label><input type=\"text\" id=\"n-country\" name=\"country\" value=\"{country}\" maxlength=\"2\"></p>\
         <p><label for=\"n-sources\">Source addresses (spaces or one per line)</label><textarea id=\"n-sources\" name=\"sources\">{sources}</textarea></p>\
         <p><label for=\"n-occurred\">Occurred on (UTC)</label><input type=\"date\" id=\"n-occurred\" name=\"occurred\" value=\"{occurred}\"></p>\
         <p><button class=\"primary\" type=\"submit\" id=\"create\">Record the incident</button></p></form>\n",
        csrf = escape(&viewer.csrf),
        title = escape(&form.title),
        classes = classification_options(&form.classification),
        desc = escape(&form.description),
        tlps = tlp_options(tlp),
        reporter = escape(reporter),
        country = escape(&form.country),
        sources = escape(&form.sources),
        occurred = escape(&form.occurred),
    )
}

fn import_form(viewer: &Viewer) -> String {
    format!(
        "<form class=\"stack panel\" id=\"import\" method=\"post\" action=\"/incidents/import\" enctype=\"multipart/form-data\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p class=\"muted\">One incident per row. Columns by name: title, classification.taxonomy, classification.type (required), time, source.ip, description, tlp, reporter, country; IntelMQ's CSV output imports as is. At most {max} MiB.</p>\
         <p><label for=\"i-reporter\">Reporter (unless the file has a reporter column)</label><input type=\"text\" id=\"i-reporter\" name=\"reporter\" value=\"{reporter}\" required></p>\
         <p><label for=\"i-file\">CSV file</label><input type=\"file\" id=\"i-file\" name=\"file\" accept=\".csv,text/csv\" required></p>\
         <p><button class=\"primary\" type=\"submit\">Import</button></p></form>\n",
        csrf = escape(&viewer.csrf),
        reporter = escape(&viewer.account),
        max = super::MAX_UPLOAD >> 20,
    )
}

fn imported(result: &Imported) -> String {
    let mut html = format!(
        "<div class=\"notice\" id=\"imported\"><p><strong>{} imported</strong>, {} rejected.</p>",
        result.created.len(),
        result.rejected.len()
    );
    if !result.created.is_empty() {
        html.push_str("<p>");
        for (i, (line, ticket)) in result.created.iter().enumerate() {
            if i > 0 {
                html.push_str(" · ");
            }
            let _ = write!(
                html,
                "line {line}: <a href=\"/incidents/{t}\" class=mono>{t}</a>",
                t = escape(ticket)
            );
        }
        html.push_str("</p>");
    }
    html.push_str("</div>\n");
    if !result.rejected.is_empty() {
        html.push_str(
            "<table id=\"rejected\"><tr><th class=n>line</th><th>column</th><th>reason</th></tr>\n",
        );
        for r in &result.rejected {
            let _ = writeln!(
                html,
                "<tr class=bad><td class=n>{}</td><td class=mono>{}</td><td>{}</td></tr>",
                r.line,
                escape(r.column.as_deref().unwrap_or("–")),
                escape(&r.why)
            );
        }
        html.push_str("</table>\n");
    }
    for w in &result.warnings {
        let _ = writeln!(html, "<p class=\"muted warning\">{}</p>", escape(w));
    }
    html
}

pub fn render(viewer: &Viewer, view: &ListView<'_>) -> String {
    let mut body = String::from("<h1>Incidents</h1>\n<p class=\"lead\">Incident records, classified with RSIT and marked with TLP: reported to this team, handled here or forwarded to the team responsible. <a href=\"/incidents/stats\">Statistics</a>.</p>\n");
    if let Some(problem) = view.problem {
        let _ = writeln!(
            body,
            "<p class=\"error\" id=\"problem\" role=\"alert\">{}</p>",
            escape(problem)
        );
    }
    if let Some(result) = view.imported {
        body.push_str(&imported(result));
    }
    body.push_str(&filters(view.state, view.category));
    let _ = writeln!(
        body,
        "<p class=\"muted\">{} shown, newest first, at most {}.</p>",
        view.incidents.len(),
        crate::coordination::LIST_LIMIT
    );
    body.push_str(&incidents_table(view.incidents));
    body.push_str("<div class=\"grid\"><div><h2>New incident</h2>\n");
    body.push_str(&new_form(viewer, view.form));
    body.push_str("</div><div><h2>Import CSV</h2>\n");
    body.push_str(&import_form(viewer));
    body.push_str("</div></div>\n");
    let tlp = label(view.incidents);
    let page = Page {
        title: "Incidents",
        nav: Nav::Incidents,
        viewer: Some(viewer),
        public: false,
        attribution: false,
        tlp: Some(tlp.label()),
    };
    layout::render(&page, &body)
}
