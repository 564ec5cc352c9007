//! The dashboard through its router, without a socket (axum's `oneshot`):
//! who may see what, logging in and out, CSRF, every page drawn from a
//! store holding two simulated sensors, bad input, and the JSON API.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use hirundo_analyze::Enrichment;
use hirundo_collector::{registry, Collector};
use hirundo_simulate::{simulate, SimConfig};
use hirundo_store::{DayRange, Filter, NetworkType, SeriesOf, SourceQuery, Store};
use hirundo_surge::{
    Alert, AlertKind, AlertStatus, Evidence, EvidencePoint, EvidenceSource, Grain, Subject,
};
use hirundo_web::WebConfig;
use tower::ServiceExt;

const PASSWORD: &str = "a long enough passphrase";
/// Where `alpha` listens: never on any page.
const ALPHA_DARKNET: &str = "192.0.2.128/25";
const DAY_NS: i64 = 86_400_000_000_000;

struct Bed {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    router: Router,
    /// Packets each sensor delivered.
    packets: [u64; 2],
    alert_id: i64,
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

/// Two sensors, each with two days of simulated traffic ending at today's
/// midnight (so inside every period a page shows), an account and an
/// alert. Built once: the simulation and the roll-up take seconds.
fn bed() -> &'static Bed {
    static BED: OnceLock<Bed> = OnceLock::new();
    BED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let collector = Collector::open(dir.path(), Some(Enrichment::builtin().unwrap())).unwrap();
        let store = collector.store().clone();
        let now = now_ns();
        let midnight = now - now.rem_euclid(DAY_NS);
        let mut packets = [0; 2];
        for (i, (name, cc, kind, prefix)) in [
            ("alpha", "JP", NetworkType::Xdsl, ALPHA_DARKNET),
            ("beta", "BR", NetworkType::Datacenter, "198.51.100.0/24"),
        ]
        .into_iter()
        .enumerate()
        {
            let (sensor, _) =
                registry::add_sensor(store.as_ref(), name, cc, kind, &[prefix.to_string()])
                    .unwrap();
            let file = dir.path().join(format!("{name}.pcap"));
            let config = SimConfig {
                packets: 20_000,
                days: 2,
                seed: 10 + i as u64,
                start_ns: midnight - 2 * DAY_NS,
                ..SimConfig::default()
            };
            let sim = simulate(&config, name, std::fs::File::create(&file).unwrap()).unwrap();
            packets[i] = sim.summary.packets;
            collector.import(&sensor, &file).unwrap();
        }
        store
            .set_account(
                "analyst",
                &hirundo_web::hash_password(PASSWORD).unwrap(),
                now_ns(),
            )
            .unwrap();
        let alert_id = store.save_alert(&alert(midnight - DAY_NS)).unwrap();
        let router = hirundo_web::router(Arc::new(collector), WebConfig::default());
        Bed {
            _dir: dir,
            store,
            router,
            packets,
            alert_id,
        }
    })
}

fn alert(started_ns: i64) -> Alert {
    Alert {
        id: 0,
        subject: Subject::Port {
            proto: "tcp".into(),
            port: 23,
        },
        kind: AlertKind::Surge,
        grain: Grain::Hour,
        status: AlertStatus::Ongoing,
        title: "Surge of scans to 23/tcp from BR, 37 sources".into(),
        started_ns,
        last_ns: started_ns + 3 * 3_600_000_000_000,
        closed_ns: None,
        packets: 4_321,
        sources: 37,
        baseline: 120.0,
        score: 9.5,
        countries: vec!["BR".into()],
        evidence: Evidence {
            series: (0..6)
                .map(|i| EvidencePoint {
                    at_ns: started_ns + (i - 3) * 3_600_000_000_000,
                    packets: if i >= 3 { 4_000 + i as u64 } else { 120 },
                    sources: if i >= 3 { 37 } else { 4 },
                })
                .collect(),
            top_sources: vec![EvidenceSource {
                addr: "203.0.113.99".into(),
                cc: "BR".into(),
                asn: 64_500,
                packets: 999,
                tags: vec!["mirai".into()],
            }],
            fingerprints: vec![("mirai".into(), 30), ("none".into(), 7)],
        },
        tlp: "TLP:AMBER".into(),
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value a `Set-Cookie` gives cookie `name`.
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .find_map(|v| {
                let v = v.to_str().ok()?;
                let value = v.strip_prefix(&format!("{name}="))?;
                Some(value.split(';').next().unwrap_or("").to_string())
            })
    }

    fn set_cookie_line(&self, name: &str) -> String {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .unwrap_or("")
            .to_string()
    }
}

struct Call<'a> {
    method: Method,
    path: &'a str,
    cookies: Vec<String>,
    form: Option<String>,
    peer: Option<SocketAddr>,
}

impl<'a> Call<'a> {
    fn get(path: &'a str) -> Self {
        Call {
            method: Method::GET,
            path,
            cookies: Vec::new(),
            form: None,
            peer: None,
        }
    }

    fn post(path: &'a str, form: &[(&str, &str)]) -> Self {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        Call {
            method: Method::POST,
            form: Some(body),
            ..Call::get(path)
        }
    }

    fn cookie(mut self, name: &str, value: &str) -> Self {
        self.cookies.push(format!("{name}={value}"));
        self
    }

    fn session(self, token: &str) -> Self {
        self.cookie("hirundo_session", token)
    }

    async fn send(self, router: &Router) -> Answer {
        let mut request = Request::builder().method(self.method).uri(self.path);
        if !self.cookies.is_empty() {
            request = request.header(header::COOKIE, self.cookies.join("; "));
        }
        let body = match self.form {
            Some(form) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(form)
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).unwrap();
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
            .await
            .unwrap();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The login form's double-submit token, from its cookie and its field.
async fn login_form(router: &Router) -> (String, String) {
    let page = Call::get("/login").send(router).await;
    assert_eq!(page.status, StatusCode::OK);
    let cookie = page
        .cookie("hirundo_login")
        .expect("the login page sets its cookie");
    let field = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the login form has a csrf field")
        .to_string();
    (cookie, field)
}

async fn try_login(
    router: &Router,
    name: &str,
    password: &str,
    next: &str,
    peer: Option<SocketAddr>,
) -> Answer {
    let (cookie, csrf) = login_form(router).await;
    let mut call = Call::post(
        "/login",
        &[
            ("name", name),
            ("password", password),
            ("csrf", &csrf),
            ("next", next),
        ],
    )
    .cookie("hirundo_login", &cookie);
    call.peer = peer;
    call.send(router).await
}

/// A session cookie and its CSRF token (from the log-out form).
async fn login(router: &Router) -> (String, String) {
    let answer = try_login(router, "analyst", PASSWORD, "/", None).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let token = answer.cookie("hirundo_session").expect("a session cookie");
    let page = Call::get("/sensors").session(&token).send(router).await;
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("pages carry the log-out form")
        .to_string();
    (token, csrf)
}

const PAGES: [&str; 13] = [
    "/",
    "/?days=1",
    "/?days=30&research=exclude",
    "/port/tcp/23",
    "/country/BR",
    "/sensors",
    "/alerts",
    "/alerts/1",
    "/alerts.atom",
    "/reports",
    "/reports?period=2026Q1",
    "/reports/view?period=2026-01",
    "/source/192.0.2.1",
];

#[tokio::test]
async fn every_page_sends_a_visitor_without_a_session_to_the_login() {
    let bed = bed();
    for path in PAGES {
        let answer = Call::get(path).send(&bed.router).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        let location = answer.location();
        if path == "/" {
            assert_eq!(location, "/login");
        } else {
            assert!(
                location.starts_with("/login?next=%2F") || location.starts_with("/login?next=/"),
                "{path} -> {location}"
            );
        }
        assert!(
            !answer.body.contains("alpha"),
            "{path} leaks into the redirect"
        );
    }
    // A stale or forged cookie is no session.
    let answer = Call::get("/sensors")
        .session(&"0".repeat(64))
        .send(&bed.router)
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    // The API answers 401 in JSON, the collector's views too.
    for path in [
        "/api/v1/series",
        "/api/v1/top",
        "/api/v1/sources/192.0.2.1",
        "/api/v1/alerts",
        "/api/v1/sensors",
        "/api/v1/totals",
        "/api/v1/ports",
        "/api/v1/rejections",
    ] {
        let answer = Call::get(path).send(&bed.router).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(json["error"]["reason"], "no_session", "{path}");
    }
    // Open to all: the login and the public page.
    for path in ["/login", "/public"] {
        let answer = Call::get(path).send(&bed.router).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
    }
    let login = Call::get("/login").send(&bed.router).await;
    assert!(
        login.body.contains("href=\"/public\""),
        "the login page links to the public page"
    );
}

#[tokio::test]
async fn a_right_password_opens_a_session_with_a_strict_cookie_and_goes_back() {
    let bed = bed();
    let answer = try_login(
        &bed.router,
        "analyst",
        PASSWORD,
        "/port/tcp/23?days=1",
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), "/port/tcp/23?days=1");
    let line = answer.set_cookie_line("hirundo_session");
    for attribute in [
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=43200",
    ] {
        assert!(line.contains(attribute), "{line}");
    }
    let token = answer.cookie("hirundo_session").unwrap();
    assert_eq!(token.len(), 64, "32 random bytes in hex");
    // Only its hash is stored.
    let stored = bed
        .store
        .session(&registry::hash_token(&token), now_ns())
        .unwrap()
        .expect("the session is stored under the cookie's hash");
    assert_eq!(stored.account, "analyst");
    assert_eq!(
        stored.expires_ns - stored.created_ns,
        43_200 * 1_000_000_000
    );
    // The login cookie is spent.
    assert!(answer
        .set_cookie_line("hirundo_login")
        .contains("Max-Age=0"));

    // Somewhere else entirely is not a place to go back to.
    for evil in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let answer = try_login(&bed.router, "analyst", PASSWORD, evil, None).await;
        assert_eq!(answer.location(), "/", "{evil}");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let bed = bed();
    let wrong = try_login(&bed.router, "analyst", "not the passphrase", "/", None).await;
    let unknown = try_login(&bed.router, "nobody", PASSWORD, "/", None).await;
    for answer in [&wrong, &unknown] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert!(answer.body.contains("Wrong account name or password."));
        assert_eq!(answer.cookie("hirundo_session"), None);
        // A fresh form to try again.
        assert!(answer.cookie("hirundo_login").is_some());
    }
    let strip = |body: &str| body.split("name=\"csrf\"").next().unwrap().to_string();
    assert_eq!(strip(&wrong.body), strip(&unknown.body));
}

#[tokio::test]
async fn ten_failures_from_one_address_shut_it_out_but_not_others() {
    let bed = bed();
    let attacker: SocketAddr = "198.18.0.1:5000".parse().unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let router = bed.router.clone();
            tokio::spawn(async move {
                try_login(&router, "analyst", "guess guess guess", "/", Some(attacker))
                    .await
                    .status
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused from there now.
    let answer = try_login(&bed.router, "analyst", PASSWORD, "/", Some(attacker)).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    assert!(answer.body.contains("Too many failed logins"));
    let elsewhere: SocketAddr = "198.18.0.2:5000".parse().unwrap();
    let answer = try_login(&bed.router, "analyst", PASSWORD, "/", Some(elsewhere)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let bed = bed();
    let (cookie, csrf) = login_form(&bed.router).await;
    let form = |csrf: &str| {
        vec![
            ("name".to_string(), "analyst".to_string()),
            ("password".to_string(), PASSWORD.to_string()),
            ("csrf".to_string(), csrf.to_string()),
        ]
    };
    let post = |fields: Vec<(String, String)>| {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Call::post("/login", &pairs)
    };
    // No cookie; a cookie that differs from the field; no field.
    let answers = [
        post(form(&csrf)).send(&bed.router).await,
        post(form(&"f".repeat(64)))
            .cookie("hirundo_login", &cookie)
            .send(&bed.router)
            .await,
        post(form(""))
            .cookie("hirundo_login", &cookie)
            .send(&bed.router)
            .await,
    ];
    for answer in answers {
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
        assert_eq!(answer.cookie("hirundo_session"), None);
    }

    // Log out needs the session's own token.
    let (token, csrf) = login(&bed.router).await;
    for sent in ["", "0123"] {
        let answer = Call::post("/logout", &[("csrf", sent)])
            .session(&token)
            .send(&bed.router)
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
    }
    let still = Call::get("/sensors")
        .session(&token)
        .send(&bed.router)
        .await;
    assert_eq!(
        still.status,
        StatusCode::OK,
        "a refused log-out leaves the session open"
    );
    let answer = Call::post("/logout", &[("csrf", &csrf)])
        .session(&token)
        .send(&bed.router)
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/login");
    assert!(answer
        .set_cookie_line("hirundo_session")
        .contains("Max-Age=0"));
    let after = Call::get("/sensors")
        .session(&token)
        .send(&bed.router)
        .await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the session has ended");
    assert!(bed
        .store
        .session(&registry::hash_token(&token), now_ns())
        .unwrap()
        .is_none());
}

/// `>60,000<`-style: a number as a page prints it.
fn grouped(n: u64) -> String {
    hirundo_summary::group(n)
}

#[tokio::test]
async fn pages_draw_the_stores_numbers_with_charts_and_credits() {
    let bed = bed();
    let (token, _) = login(&bed.router).await;
    let get = |path: &'static str| {
        let token = token.clone();
        async move {
            let answer = Call::get(path).session(&token).send(&bed.router).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
            assert!(answer.headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("default-src 'none'"));
            answer.body
        }
    };
    let total = bed.packets[0] + bed.packets[1];
    let overview = get("/").await;
    assert!(
        overview.contains(&format!("<div class=\"v\">{}</div>", grouped(total))),
        "packets card"
    );
    assert!(overview.contains("<svg"), "a chart");
    assert!(overview.contains("https://db-ip.com"), "DB-IP attribution");
    assert!(
        overview.contains("alpha") && overview.contains("beta"),
        "sensor health"
    );
    assert!(
        overview.contains("href=\"/port/tcp/23?days=7\""),
        "ports link to their page"
    );
    assert!(
        !overview.contains("192.0.2.128"),
        "never a sensor's address"
    );
    assert!(!overview.contains("<script"), "no JavaScript");

    // The port page's packets are the store's.
    let telnet: u64 = {
        let store = bed.store.clone();
        let now = now_ns();
        let day = now.div_euclid(DAY_NS);
        let filter = Filter::days(DayRange {
            from: day - 6,
            to: day + 1,
        });
        store
            .series(
                &filter,
                &SeriesOf::Port(hirundo_store::PortKey::new(
                    hirundo_summary::PortProto::Tcp,
                    23,
                )),
                hirundo_store::Grain::Hour,
            )
            .unwrap()
            .iter()
            .map(|b| b.packets)
            .sum()
    };
    assert!(telnet > 0);
    let port = get("/port/tcp/23").await;
    assert!(port.contains("telnet"));
    // Distinct sources since yesterday: the regions' sources add up to
    // the store's exact count.
    let day = now_ns().div_euclid(DAY_NS);
    let exact = bed
        .store
        .port_sources(
            DayRange {
                from: day - 1,
                to: day + 1,
            },
            &[hirundo_store::PortKey::new(
                hirundo_summary::PortProto::Tcp,
                23,
            )],
            false,
        )
        .unwrap()[0];
    assert!(exact > 10);
    assert!(
        port.contains(&format!(
            "Distinct sources</div><div class=\"v\">{}</div>",
            grouped(exact)
        )),
        "distinct sources {exact}"
    );
    assert!(
        port.contains(&format!("<div class=\"v\">{}</div>", grouped(telnet))),
        "port packets"
    );
    assert!(port.contains("<svg") && port.contains("https://db-ip.com"));
    assert!(
        port.contains("Surge of scans to 23/tcp"),
        "the port's alert"
    );
    // Its top source links to a profile that opens.
    let first_source = port
        .split("<a href=\"/source/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a source on the port page")
        .to_string();
    let profile = Call::get(&format!("/source/{first_source}"))
        .session(&token)
        .send(&bed.router)
        .await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(profile.body.contains("first seen") && profile.body.contains("<svg"));
    assert!(profile.body.contains("https://db-ip.com"));

    let country = get("/country/BR").await;
    assert!(
        country.contains("Region BR")
            && country.contains("<svg")
            && country.contains("https://db-ip.com")
    );

    let sensors = get("/sensors").await;
    assert!(sensors.contains(&format!("<td class=n>{}</td>", grouped(bed.packets[0]))));
    assert!(sensors.contains("xdsl") && sensors.contains("datacenter") && sensors.contains("<svg"));
    assert!(
        !sensors.contains("192.0.2.128") && !sensors.contains("198.51.100."),
        "no sensor addresses"
    );

    let alerts = get("/alerts").await;
    assert!(alerts.contains(&format!("href=\"/alerts/{}\"", bed.alert_id)));
    let detail = Call::get(&format!("/alerts/{}", bed.alert_id))
        .session(&token)
        .send(&bed.router)
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("4,321 packets from 37 sources"));
    assert!(detail.body.contains("/source/203.0.113.99"));
    assert!(
        detail.body.matches("<svg").count() >= 3,
        "packets, sources and fingerprints"
    );
    let feed = get("/alerts.atom").await;
    assert!(feed.contains("<feed") && feed.contains("Surge of scans to 23/tcp"));

    let reports = get("/reports?period=2026Q1").await;
    assert!(
        reports.contains("2026-01-01 to 2026-03-31 (90 days)"),
        "{reports}"
    );
    assert!(reports.contains("/reports/download?period=2026Q1&amp;format=md"));
}

#[tokio::test]
async fn reports_open_and_download_in_three_formats() {
    let bed = bed();
    let (token, _) = login(&bed.router).await;
    let today = now_ns().div_euclid(DAY_NS);
    let days = hirundo_web_dates(today - 3, today);
    let view = Call::get(&format!("/reports/view?period={days}"))
        .session(&token)
        .send(&bed.router)
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    assert!(view.body.contains("<svg"));
    for (format, ext, starts) in [
        ("html", "html", "<!"),
        ("md", "md", "#"),
        ("json", "json", "{"),
    ] {
        let answer = Call::get(&format!("/reports/download?period={days}&format={format}"))
            .session(&token)
            .send(&bed.router)
            .await;
        assert_eq!(answer.status, StatusCode::OK);
        let disposition = answer.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"hirundo-report-"),
            "{disposition}"
        );
        assert!(disposition.ends_with(&format!(".{ext}\"")), "{disposition}");
        assert!(answer.body.trim_start().starts_with(starts), "{format}");
    }
    let json = Call::get(&format!("/reports/download?period={days}&format=json"))
        .session(&token)
        .send(&bed.router)
        .await;
    let report: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(report["schema"], "hirundo.report/1");
    assert_eq!(
        report["overview"]["packets"],
        bed.packets[0] + bed.packets[1]
    );
}

/// "2026-03-07..2026-03-10" for days `from..=to`.
fn hirundo_web_dates(from: i64, to: i64) -> String {
    let date = |day: i64| {
        let t = hirundo_summary::Timestamp::from_nanos(day * DAY_NS).to_string();
        t[..10].to_string()
    };
    format!("{}..{}", date(from), date(to))
}

#[tokio::test]
async fn bad_input_gets_a_page_that_says_what_was_wrong() {
    let bed = bed();
    let (token, _) = login(&bed.router).await;
    let cases: [(&str, StatusCode, &str); 11] = [
        (
            "/port/sctp/23",
            StatusCode::BAD_REQUEST,
            "ports are tcp or udp",
        ),
        ("/port/tcp/65536", StatusCode::BAD_REQUEST, "0 to 65535"),
        (
            "/port/tcp/telnet",
            StatusCode::BAD_REQUEST,
            "a port is a number",
        ),
        (
            "/source/not-an-ip",
            StatusCode::BAD_REQUEST,
            "is not an IP address",
        ),
        (
            "/source/192.0.2.77",
            StatusCode::NOT_FOUND,
            "No packet from 192.0.2.77",
        ),
        (
            "/alerts/999999",
            StatusCode::NOT_FOUND,
            "no alert number 999999",
        ),
        (
            "/alerts/one",
            StatusCode::BAD_REQUEST,
            "not an alert number",
        ),
        (
            "/country/BRA",
            StatusCode::BAD_REQUEST,
            "not a country code",
        ),
        ("/?days=5", StatusCode::BAD_REQUEST, "1, 7 or 30 days"),
        (
            "/reports?period=2026Q5",
            StatusCode::BAD_REQUEST,
            "quarter must be 1 to 4",
        ),
        (
            "/nowhere",
            StatusCode::NOT_FOUND,
            "There is no page at /nowhere",
        ),
    ];
    for (path, status, says) in cases {
        let answer = Call::get(path).session(&token).send(&bed.router).await;
        assert_eq!(answer.status, status, "{path}");
        assert!(answer.body.contains(says), "{path}: {}", answer.body);
        assert!(answer.body.starts_with("<!doctype html>"), "{path}");
    }
    let answer = Call::get("/reports/download?period=2026-13&format=md")
        .session(&token)
        .send(&bed.router)
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let answer = Call::get("/reports/download?period=2026-01&format=pdf")
        .session(&token)
        .send(&bed.router)
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body.contains("html, md or json"));
}

/// Every dotted quad in `text`.
fn ipv4s(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.'))
        {
            let end = (i..bytes.len())
                .find(|&j| !(bytes[j].is_ascii_digit() || bytes[j] == b'.'))
                .unwrap_or(bytes.len());
            let candidate = &text[i..end];
            if candidate
                .trim_end_matches('.')
                .parse::<std::net::Ipv4Addr>()
                .is_ok()
            {
                found.push(candidate.to_string());
            }
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

#[tokio::test]
async fn the_public_page_shows_aggregates_only() {
    let bed = bed();
    let answer = Call::get("/public").send(&bed.router).await;
    assert_eq!(answer.status, StatusCode::OK);
    let page = answer.body;
    assert!(page.contains("TLP:CLEAR"));
    assert!(
        page.matches("<svg").count() >= 3,
        "ports, regions and per-sensor charts"
    );
    assert!(page.contains("https://db-ip.com"));
    assert!(page.contains(&format!(
        "<div class=\"v\">{}</div>",
        grouped(bed.packets[0] + bed.packets[1])
    )));
    assert_eq!(ipv4s(&page), Vec::<String>::new(), "no IPv4 address at all");
    let sources = bed
        .store
        .top_sources(DayRange::ALL, &SourceQuery::default(), 100_000)
        .unwrap();
    assert!(sources.len() > 100);
    for s in &sources {
        let ip = s.source.to_string();
        assert!(
            !page.contains(&format!(">{ip}<")) && !page.contains(&format!("/{ip}\"")),
            "{ip} on the public page"
        );
    }
    for name in ["alpha", "beta", "192.0.2.128", "198.51.100"] {
        assert!(!page.contains(name), "{name} on the public page");
    }
    assert!(!page.contains("/logout"), "no session's form");
}

async fn api(router: &Router, token: &str, path: &str) -> (StatusCode, serde_json::Value) {
    let answer = Call::get(path).session(token).send(router).await;
    (
        answer.status,
        serde_json::from_str(&answer.body).unwrap_or_default(),
    )
}

#[tokio::test]
async fn the_api_sums_grains_ranks_against_the_previous_period_and_profiles_sources() {
    let bed = bed();
    let (token, _) = login(&bed.router).await;
    let today = now_ns().div_euclid(DAY_NS);
    let from = (today - 10) * 86_400;
    let to = (today + 1) * 86_400;
    let total = bed.packets[0] + bed.packets[1];
    let mut sums = Vec::new();
    for grain in ["hour", "day", "week", "month", "quarter"] {
        let (status, json) = api(
            &bed.router,
            &token,
            &format!("/api/v1/series?what=total&from={from}&to={to}&grain={grain}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{grain}: {json}");
        assert_eq!(json["grain"], grain);
        let buckets = json["buckets"].as_array().unwrap();
        sums.push(
            buckets
                .iter()
                .map(|b| b["packets"].as_u64().unwrap())
                .sum::<u64>(),
        );
        if grain == "day" {
            assert_eq!(buckets.len(), 11, "zeros filled in");
        }
        if grain == "week" {
            assert!(buckets
                .iter()
                .all(|b| b["label"].as_str().unwrap().contains("-W")));
        }
    }
    assert_eq!(sums, vec![total; 5], "every grain holds every packet once");
    let (status, port) = api(
        &bed.router,
        &token,
        &format!("/api/v1/series?what=port:tcp/23&from={from}&to={to}&grain=week&research=exclude"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(port["what"], "port:tcp/23");
    assert_eq!(port["exclude_research"], true);
    for bad in [
        "what=port:tcp/99999",
        "grain=fortnight",
        "from=2026-02-30",
        "from=2&to=1",
        "research=maybe",
    ] {
        let (status, json) = api(&bed.router, &token, &format!("/api/v1/series?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(json["error"]["reason"], "bad_request", "{bad}");
    }

    let (status, top) = api(&bed.router, &token, "/api/v1/top?dim=sensor&days=7").await;
    assert_eq!(status, StatusCode::OK, "{top}");
    let rows = top["rows"].as_array().unwrap();
    let by_name = |name: &str| {
        rows.iter().find(|r| r["key"] == name).unwrap()["packets"]
            .as_u64()
            .unwrap()
    };
    assert_eq!([by_name("alpha"), by_name("beta")], bed.packets);
    // The week before held nothing: no previous ranks.
    assert!(rows.iter().all(|r| r["previous_rank"].is_null()));
    let (_, top) = api(&bed.router, &token, "/api/v1/top?dim=port&days=1&limit=5").await;
    let rows = top["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 0, "today holds nothing yet");
    // Yesterday and today against the two days before: both hold traffic.
    let (_, top) = api(
        &bed.router,
        &token,
        "/api/v1/top?dim=country&days=2&limit=5",
    )
    .await;
    assert_eq!(top["rows"].as_array().unwrap().len(), 5);
    assert_eq!(top["rows"][0]["rank"], 1);
    assert!(top["rows"][0]["previous_rank"].as_u64().is_some(), "{top}");
    assert!(
        top["rows"][0]["previous_packets"].as_u64().unwrap() > 0,
        "{top}"
    );
    let (status, _) = api(&bed.router, &token, "/api/v1/top?dim=colour").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let source = bed
        .store
        .top_sources(DayRange::ALL, &SourceQuery::default(), 1)
        .unwrap()[0]
        .clone();
    let (status, profile) = api(
        &bed.router,
        &token,
        &format!("/api/v1/sources/{}", source.source),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(profile["packets"], source.packets);
    assert_eq!(profile["cc"], source.cc);
    let (status, _) = api(&bed.router, &token, "/api/v1/sources/192.0.2.77").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api(&bed.router, &token, "/api/v1/sources/nope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, alerts) = api(&bed.router, &token, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alerts[0]["packets"], 4_321);
    // The collector's own views answer a session.
    let (status, totals) = api(&bed.router, &token, "/api/v1/totals").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(totals["packets"], total);
}
