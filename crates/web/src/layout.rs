//! The one layout every page shares: the head with the inline style sheet,
//! the navigation bar (with the log-out form), and the footer with the
//! data credits that pages showing countries or ASNs must carry.

use std::fmt::Write;

pub use hirundo_chart::escape;

/// Which navigation entry is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Sensors,
    Alerts,
    Reports,
    Incidents,
    Directory,
    Notifications,
    Public,
    Other,
}

const NAV: [(Nav, &str, &str); 8] = [
    (Nav::Overview, "/", "Overview"),
    (Nav::Sensors, "/sensors", "Sensors"),
    (Nav::Alerts, "/alerts", "Alerts"),
    (Nav::Reports, "/reports", "Reports"),
    (Nav::Incidents, "/incidents", "Incidents"),
    (Nav::Directory, "/directory", "Directory"),
    (Nav::Notifications, "/notifications", "Notifications"),
    (Nav::Public, "/public", "Public page"),
];

/// Who is looking: the account and the token its forms must send back.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub account: String,
    pub csrf: String,
}

/// What the layout needs to know about a page.
pub struct Page<'a> {
    pub title: &'a str,
    pub nav: Nav,
    /// `None` on pages seen without logging in.
    pub viewer: Option<&'a Viewer>,
    /// Meant for visitors without a session (login, public page): the
    /// bar offers only the public page and the login. Other pages without
    /// a viewer (errors) show the whole bar and no account.
    pub public: bool,
    /// Whether the page shows countries or ASNs from the shipped data.
    pub attribution: bool,
    /// A TLP 2.0 label, shown at the top and bottom.
    pub tlp: Option<&'a str>,
}

/// Print-safe, readable at 1280 px, no external resources. Colours only
/// ever repeat what a word or a symbol also says.
const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2327;background:#f4f5f7}\
a{color:#0b5cad}\
header.top{background:#13294b;color:#fff}\
header.top .bar{max-width:1240px;margin:0 auto;padding:.55em 1.25em;display:flex;align-items:center;gap:1.4em;flex-wrap:wrap}\
header.top .brand{font-weight:700;letter-spacing:.02em;color:#fff;text-decoration:none;font-size:1.1em}\
header.top nav{display:flex;gap:.3em;flex-wrap:wrap;flex:1}\
header.top nav a{color:#dfe7f3;text-decoration:none;padding:.3em .7em;border-radius:4px}\
header.top nav a:hover{background:#24426f}\
header.top nav a[aria-current]{background:#fff;color:#13294b;font-weight:600}\
header.top form{margin:0;display:flex;align-items:center;gap:.6em;color:#dfe7f3;font-size:.9em}\
header.top button{font:inherit;background:transparent;color:#fff;border:1px solid #8ea3c2;border-radius:4px;padding:.2em .7em;cursor:pointer}\
main{max-width:1240px;margin:0 auto;padding:1em 1.25em 2em}\
h1{font-size:1.55em;margin:.4em 0 .2em}\
h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #d5d9de;padding-bottom:.2em}\
p.lead{color:#50575e;margin:.1em 0 1em}\
.controls{display:flex;gap:1.2em;flex-wrap:wrap;align-items:center;margin:.6em 0 1em}\
.seg{display:inline-flex;border:1px solid #b5bcc4;border-radius:5px;overflow:hidden;background:#fff}\
.seg a{padding:.25em .8em;text-decoration:none;color:#1d2327;border-right:1px solid #b5bcc4}\
.seg a:last-child{border-right:0}\
.seg a[aria-current]{background:#13294b;color:#fff}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:.8em;margin:.5em 0 1em}\
.card{background:#fff;border:1px solid #d5d9de;border-radius:6px;padding:.7em 1em}\
.card .k{color:#50575e;font-size:.85em}\
.card .v{font-size:1.6em;font-weight:650;font-variant-numeric:tabular-nums}\
.card .s{color:#50575e;font-size:.8em}\
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:0 1.5em}\
.panel{background:#fff;border:1px solid #d5d9de;border-radius:6px;padding:.4em 1em 1em;margin:0 0 1em}\
figure{margin:0 0 1em;background:#fff;border:1px solid #d5d9de;border-radius:6px;padding:.5em}\
svg.hirundo-chart{display:block;width:100%;height:auto}\
table{border-collapse:collapse;width:100%;background:#fff;margin:0 0 1em}\
th,td{padding:.3em .6em;border-bottom:1px solid #e3e6e9;text-align:left;vertical-align:top}\
th{font-size:.85em;color:#50575e;font-weight:600;background:#f8f9fa}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
td.mono,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}\
tr.warn td{background:#fff4d6}\
tr.bad td{background:#fde2e1}\
.flag{display:inline-block;font-size:.8em;font-weight:600;padding:0 .45em;border-radius:3px;border:1px solid currentColor;margin-right:.3em}\
.flag.warn{color:#8a5a00}\
.flag.bad{color:#a4161a}\
.flag.ok{color:#1e6b34}\
.up{color:#1e6b34}.down{color:#a4161a}.muted{color:#6b737b}\
.tlp{display:inline-block;font-weight:700;background:#000;color:#fff;padding:.1em .6em;border-radius:3px;font-size:.85em;letter-spacing:.03em}\
.tlp.amber{color:#ffc000}.tlp.clear{color:#fff}.tlp.green{color:#33ff00}.tlp.red{color:#ff2b2b}\
form.inline{display:flex;gap:.6em;align-items:end;flex-wrap:wrap;margin:.5em 0 1em}\
label{display:block;font-size:.85em;color:#50575e}\
input[type=text],input[type=password]{font:inherit;padding:.35em .5em;border:1px solid #98a1aa;border-radius:4px;min-width:16em}\
input[type=date],input[type=file],select,textarea{font:inherit;padding:.3em .45em;border:1px solid #98a1aa;border-radius:4px;background:#fff}\
textarea{width:100%;min-height:5em}\
select{max-width:100%}\
form.stack p{margin:.2em 0 .8em}\
form.stack input[type=text]{width:100%}\
button.primary[disabled]{background:#8a929a;cursor:not-allowed}\
pre.route,pre.text{background:#fff;border:1px solid #d5d9de;border-radius:6px;padding:.6em .9em;white-space:pre-wrap;overflow-wrap:anywhere;margin:0 0 1em}\
ol.timeline{background:#fff;border:1px solid #d5d9de;border-radius:6px;padding:.6em 1em .6em 2.4em}\
ol.timeline li{margin:.2em 0}\
.login input[type=text],.login input[type=password]{width:100%}\
td.nw{white-space:nowrap}\
.ip{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\
button.primary{font:inherit;background:#13294b;color:#fff;border:0;border-radius:4px;padding:.4em 1.1em;cursor:pointer}\
.login{max-width:400px;margin:3em auto;background:#fff;border:1px solid #d5d9de;border-radius:8px;padding:1.2em 1.6em}\
.login p{margin:.2em 0 .9em}\
.error{background:#fde2e1;border:1px solid #e8a5a3;border-radius:4px;padding:.5em .8em}\
.notice{background:#eef4fb;border:1px solid #c2d5ea;border-radius:4px;padding:.5em .8em}\
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25em 1.2em;background:#fff;border:1px solid #d5d9de;border-radius:6px;padding:.8em 1em}\
dl.facts dt{color:#50575e}dl.facts dd{margin:0}\
footer{max-width:1240px;margin:0 auto;padding:1em 1.25em 2em;color:#50575e;font-size:.85em;border-top:1px solid #d5d9de}\
@media print{body{background:#fff;font-size:11pt}header.top nav,header.top form,.controls,form.inline{display:none}\
header.top{background:#fff;color:#000;border-bottom:2px solid #000}header.top .brand{color:#000}\
main{max-width:none;padding:0}figure,table,.panel,.card{break-inside:avoid;border-color:#999}\
a{color:#000;text-decoration:none}tr.warn td,tr.bad td{background:#fff}h2{break-after:avoid}}";

/// The whole document around `body`.
pub fn render(page: &Page<'_>, body: &str) -> String {
    let mut html = String::with_capacity(body.len() + STYLE.len() + 2048);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\">\
         <title>{} · hirundo</title><style>{STYLE}</style></head><body>\n",
        escape(page.title)
    );
    html.push_str("<header class=\"top\"><div class=\"bar\"><a class=\"brand\" href=\"/\">hirundo</a><nav aria-label=\"main\">");
    for (nav, href, label) in NAV {
        // A visitor's bar has only the public page and the login.
        if page.public && nav != Nav::Public {
            continue;
        }
        let current = if nav == page.nav {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(html, "<a href=\"{href}\"{current}>{label}</a>");
    }
    html.push_str("</nav>");
    match page.viewer {
        Some(viewer) => {
            let _ = write!(
                html,
                "<form method=\"post\" action=\"/logout\"><span>{}</span>\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <button type=\"submit\">Log out</button></form>",
                escape(&viewer.account),
                escape(&viewer.csrf)
            );
        }
        None if page.public => {
            html.push_str("<form><a href=\"/login\" style=\"color:#fff\">Log in</a></form>")
        }
        None => {}
    }
    html.push_str("</div></header>\n<main>\n");
    if let Some(tlp) = page.tlp {
        let _ = writeln!(html, "<p>{}</p>", tlp_badge(tlp));
    }
    html.push_str(body);
    html.push_str("</main>\n<footer>");
    if let Some(tlp) = page.tlp {
        let _ = write!(html, "<p>{}</p>", tlp_badge(tlp));
    }
    if page.attribution {
        let _ = write!(
            html,
            "<p class=\"attribution\">Countries and autonomous systems: {}</p>",
            hirundo_geo::ATTRIBUTION_HTML
        );
    }
    html.push_str("<p>hirundo: open darknet monitoring for national CSIRTs. Times are UTC.</p></footer>\n</body></html>\n");
    html
}

/// A TLP label as a black badge in the label's own colour.
pub fn tlp_badge(tlp: &str) -> String {
    let class = tlp
        .strip_prefix("TLP:")
        .unwrap_or(tlp)
        .split(['+', ' '])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let class: String = class.chars().filter(char::is_ascii_alphabetic).collect();
    format!("<span class=\"tlp {class}\">{}</span>", escape(tlp))
}

/// A segmented control: one link per choice, the current one marked.
pub fn choices(label: &str, items: &[(String, &str, bool)]) -> String {
    let mut out = format!("<span>{}</span> <span class=\"seg\">", escape(label));
    for (href, text, current) in items {
        let mark = if *current {
            " aria-current=\"true\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<a href=\"{}\"{mark}>{}</a>",
            escape(href),
            escape(text)
        );
    }
    out.push_str("</span>");
    out
}

/// A figure around a chart's SVG.
pub fn figure(svg: &str) -> String {
    format!("<figure>{svg}</figure>\n")
}

/// A number with thousands separators.
pub fn n(value: u64) -> String {
    hirundo_summary::group(value)
}

/// `part` as a percentage of `whole`, one decimal.
pub fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}
