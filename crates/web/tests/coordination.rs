//! The coordination pages and API through the router, without a socket:
//! incidents made by form, by JSON and by CSV import, changed under the
//! state machine's rules, forwarded (or refused) under TLP's, the
//! directory and its routing, the notification log, the statistics, and
//! a TLP label on every answer of the API.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use hirundo_collector::{registry, Collector};
use hirundo_incident::{create, rsit, Incident, NewIncident, State};
use hirundo_store::{Session, SqliteStore, Store, Team};
use hirundo_tlp::Tlp;
use hirundo_web::WebConfig;
use serde_json::{json, Value};
use tower::ServiceExt;

const TOKEN: &str = "coordination-test-session";
const CSRF: &str = "coordination-test-csrf";
const NS_PER_SECOND: i64 = 1_000_000_000;

struct Bed {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    router: Router,
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

/// An empty in-memory store, an account with a live session, no geo data
/// (routing goes by prefix and by the incident's country) and no
/// channels to send through.
fn bed() -> Bed {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
    let now = now_ns();
    store
        .set_account("analyst", "not-a-real-hash", now)
        .unwrap();
    store
        .add_session(
            &registry::hash_token(TOKEN),
            &Session {
                account: "analyst".into(),
                csrf: CSRF.into(),
                created_ns: now,
                expires_ns: now + 3_600 * NS_PER_SECOND,
            },
        )
        .unwrap();
    let collector = Collector::new(dir.path(), store.clone(), None);
    let router = hirundo_web::router(Arc::new(collector), WebConfig::default());
    Bed {
        _dir: dir,
        store,
        router,
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn tlp(&self) -> Option<&str> {
        self.headers.get("tlp").and_then(|v| v.to_str().ok())
    }

    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// One request with the session cookie (unless `session` is false).
async fn call(
    bed: &Bed,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    session: bool,
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    if session {
        request = request.header(header::COOKIE, format!("hirundo_session={TOKEN}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = bed
        .router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 32 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(bed: &Bed, path: &str) -> Answer {
    call(bed, Method::GET, path, &[], Vec::new(), true).await
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

async fn post_form(bed: &Bed, path: &str, fields: &[(&str, &str)]) -> Answer {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    call(
        bed,
        Method::POST,
        path,
        &[("content-type", "application/x-www-form-urlencoded")],
        body.into_bytes(),
        true,
    )
    .await
}

/// A JSON call that changes something, with or without the CSRF header.
async fn send_json(bed: &Bed, method: Method, path: &str, body: &Value, csrf: bool) -> Answer {
    let mut headers = vec![("content-type", "application/json")];
    if csrf {
        headers.push(("x-csrf-token", CSRF));
    }
    call(
        bed,
        method,
        path,
        &headers,
        body.to_string().into_bytes(),
        true,
    )
    .await
}

fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "hirundo-test-boundary-7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn incidents(bed: &Bed) -> Vec<Incident> {
    bed.store
        .incidents(&hirundo_store::IncidentQuery::default())
        .unwrap()
}

/// Stores an incident directly, as the CLI would.
fn stored(bed: &Bed, new: NewIncident) -> Incident {
    let (incident, event) = create(new, 0, "HIR-I-pending".into(), "fixture", now_ns()).unwrap();
    bed.store.add_incident(&incident, &[event]).unwrap()
}

fn scan(title: &str, tlp: Tlp, source: &str) -> NewIncident {
    let mut new = NewIncident::new(
        title,
        rsit().classify("information-gathering", "scanner").unwrap(),
        "abuse@example.net",
    );
    new.tlp = tlp;
    new.links = vec![hirundo_incident::Link::Source {
        ip: source.parse().unwrap(),
    }];
    new
}

/// A team answering for 192.0.2.0/24, with unverified contacts.
fn team(id: &str, max_tlp: &str) -> Team {
    serde_json::from_value(json!({
        "id": id,
        "name": format!("Computer Emergency Response Team {id}"),
        "short_name": id.to_uppercase(),
        "country": "XA",
        "kind": "national",
        "emails": [{"address": format!("{id}@example.org"), "usage": ["notifications"]}],
        "pgp_fingerprint": "2A78AD3249202E1D240EAA71354DB7B6C8AFD18A",
        "website": "https://cert.example.org/",
        "max_tlp": max_tlp,
        "constituency": {"countries": ["XA"], "prefixes": ["192.0.2.0/24"]},
        "unverified": ["emails", "pgp_fingerprint"],
        "origin": "test",
    }))
    .unwrap()
}

fn notifications_logged(bed: &Bed) -> Vec<hirundo_store::NotificationRecord> {
    bed.store
        .notifications(i64::MIN, i64::MAX, None, 100)
        .unwrap()
}

#[tokio::test]
async fn the_new_incident_form_needs_its_token_and_goes_to_the_incident() {
    let bed = bed();
    let fields = [
        ("title", "SSH scans from 192.0.2.7"),
        ("classification", "information-gathering/scanner"),
        ("description", "Seen by two sensors.\r\nStill going."),
        ("tlp", "TLP:GREEN"),
        ("reporter", "abuse@example.net"),
        ("country", "br"),
        ("sources", "192.0.2.7\n198.51.100.1"),
        ("occurred", "2025-06-01"),
    ];
    let refused = post_form(&bed, "/incidents", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let mut wrong = fields.to_vec();
    wrong.push(("csrf", "another-sessions-token"));
    assert_eq!(
        post_form(&bed, "/incidents", &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(incidents(&bed).is_empty());

    let mut good = fields.to_vec();
    good.push(("csrf", CSRF));
    let made = post_form(&bed, "/incidents", &good).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let all = incidents(&bed);
    assert_eq!(all.len(), 1);
    let incident = &all[0];
    assert_eq!(made.location(), format!("/incidents/{}", incident.ticket));
    assert_eq!(incident.tlp, Tlp::Green);
    assert_eq!(incident.country.as_deref(), Some("BR"));
    assert_eq!(incident.links.len(), 2);
    assert_eq!(incident.description, "Seen by two sensors.\nStill going.");
    assert_eq!(incident.occurred_ns, Some(1_748_736_000 * NS_PER_SECOND));

    let page = get(&bed, made.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&incident.ticket));
    assert!(page
        .body
        .contains("<span class=\"tlp green\">TLP:GREEN</span>"));
    assert!(page.body.contains("href=\"/source/192.0.2.7\""));
    assert!(page.body.contains("Scanning"), "the RSIT type's name");
    assert!(page.body.contains("analyst recorded the incident."));
    let list = get(&bed, "/incidents").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list
        .body
        .contains(&format!("href=\"/incidents/{}\"", incident.ticket)));
    assert!(list
        .body
        .contains("<optgroup label=\"Information Gathering\">"));
    assert!(list
        .body
        .contains("value=\"information-gathering/scanner\""));
    let filtered = get(&bed, "/incidents?state=closed").await;
    assert!(!filtered.body.contains(&incident.ticket));
    assert!(get(&bed, "/incidents?category=information-gathering")
        .await
        .body
        .contains(&incident.ticket));

    // A bad field comes back named, with what was typed kept.
    let mut bad = good.clone();
    bad[1] = ("classification", "information-gathering/portscan");
    let answer = post_form(&bed, "/incidents", &bad).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body.contains("classification: "), "{}", answer.body);
    assert!(answer.body.contains("value=\"SSH scans from 192.0.2.7\""));
    assert_eq!(incidents(&bed).len(), 1);
}

#[tokio::test]
async fn the_api_creates_only_with_the_csrf_header() {
    let bed = bed();
    let new = json!({
        "title": "Phishing site",
        "classification": {"taxonomy": "fraud", "type": "phishing"},
        "reporter": "cert@example.org",
        "tlp": "TLP:AMBER+STRICT",
    });
    let refused = send_json(&bed, Method::POST, "/api/v1/incidents", &new, false).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["error"]["reason"], "forbidden");
    assert!(incidents(&bed).is_empty());

    let made = send_json(&bed, Method::POST, "/api/v1/incidents", &new, true).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.tlp(), Some("TLP:AMBER+STRICT"));
    let body = made.json();
    assert_eq!(body["tlp"], "TLP:AMBER+STRICT");
    let ticket = body["incident"]["ticket"].as_str().unwrap().to_string();
    assert!(ticket.starts_with("HIR-I-"), "{ticket}");
    assert_eq!(body["timeline"][0]["what"]["kind"], "created");
    assert_eq!(body["timeline"][0]["actor"], "analyst");

    let shown = get(&bed, &format!("/api/v1/incidents/{ticket}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.json()["incident"]["title"], "Phishing site");

    // Bad input names the field.
    let missing = send_json(
        &bed,
        Method::POST,
        "/api/v1/incidents",
        &json!({"classification": {"taxonomy": "fraud", "type": "phishing"}, "reporter": "r"}),
        true,
    )
    .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert!(missing.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("missing field `title`"));
    let empty_title = send_json(
        &bed,
        Method::POST,
        "/api/v1/incidents",
        &json!({"title": " ", "classification": {"taxonomy": "fraud", "type": "phishing"}, "reporter": "r"}),
        true,
    )
    .await;
    assert_eq!(empty_title.status, StatusCode::BAD_REQUEST);
    assert!(empty_title.json()["error"]["message"]
        .as_str()
        .unwrap()
        .ends_with("title is empty"));
    assert_eq!(incidents(&bed).len(), 1);
}

#[tokio::test]
async fn patch_moves_the_state_and_refuses_illegal_moves() {
    let bed = bed();
    let incident = stored(&bed, scan("Scans", Tlp::Amber, "192.0.2.7"));
    let path = format!("/api/v1/incidents/{}", incident.ticket);

    let no_token = send_json(&bed, Method::PATCH, &path, &json!({"state": "open"}), false).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);

    let closed = send_json(
        &bed,
        Method::PATCH,
        &path,
        &json!({"state": "closed", "comment": "false positive", "add_sources": ["198.51.100.9"]}),
        true,
    )
    .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let body = closed.json();
    assert_eq!(body["incident"]["state"], "closed");
    let added: Vec<&str> = body["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(added, ["linked", "state", "comment"]);

    let illegal = send_json(
        &bed,
        Method::PATCH,
        &path,
        &json!({"state": "resolved"}),
        true,
    )
    .await;
    assert_eq!(illegal.status, StatusCode::CONFLICT);
    assert!(illegal.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot move from closed to resolved: from closed it can move to open"));
    let forwarded = send_json(
        &bed,
        Method::PATCH,
        &path,
        &json!({"state": "forwarded"}),
        true,
    )
    .await;
    assert_eq!(forwarded.status, StatusCode::CONFLICT);
    let bad_field = send_json(&bed, Method::PATCH, &path, &json!({"tlp": "orange"}), true).await;
    assert_eq!(bad_field.status, StatusCode::BAD_REQUEST);
    assert!(bad_field.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("tlp: "));
    let unknown = send_json(&bed, Method::PATCH, &path, &json!({"colour": "red"}), true).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("unknown field `colour`"));
    assert_eq!(
        bed.store.incident(incident.id).unwrap().unwrap().state,
        State::Closed
    );

    // The page's form: reopen with a comment, and the illegal move refused.
    let page_path = format!("/incidents/{}", incident.ticket);
    let reopened = post_form(
        &bed,
        &page_path,
        &[
            ("csrf", CSRF),
            ("state", "open"),
            ("comment", "It came back."),
        ],
    )
    .await;
    assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.body);
    let refused = post_form(&bed, &page_path, &[("csrf", CSRF), ("state", "new")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("cannot move from open to new"));
    let page = get(&bed, &page_path).await;
    assert!(page.body.contains("analyst moved it from closed to open."));
    assert!(page.body.contains("It came back."));
    assert_eq!(
        post_form(&bed, &page_path, &[("state", "waiting")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        bed.store.incident(incident.id).unwrap().unwrap().state,
        State::Open
    );
}

#[tokio::test]
async fn csv_import_keeps_good_rows_and_lists_bad_ones() {
    let bed = bed();
    let csv = "title,classification.taxonomy,classification.type,source.ip,time\n\
               SSH scans,information-gathering,scanner,192.0.2.7,2025-01-02\n\
               Port scan,information-gathering,portscan,192.0.2.8,2025-01-03\n";
    let (content_type, body) = multipart(&[("reporter", "abuse@example.net")], csv.as_bytes());
    let refused = call(
        &bed,
        Method::POST,
        "/incidents/import",
        &[("content-type", &content_type)],
        body,
        true,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(incidents(&bed).is_empty());

    let (content_type, body) = multipart(
        &[("csrf", CSRF), ("reporter", "abuse@example.net")],
        csv.as_bytes(),
    );
    let answer = call(
        &bed,
        Method::POST,
        "/incidents/import",
        &[("content-type", &content_type)],
        body,
        true,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("<strong>1 imported</strong>, 1 rejected."),
        "{}",
        answer.body
    );
    let all = incidents(&bed);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].title, "SSH scans");
    assert!(answer
        .body
        .contains(&format!("line 2: <a href=\"/incidents/{}\"", all[0].ticket)));
    let rejected = answer
        .body
        .split("<table id=\"rejected\">")
        .nth(1)
        .expect("a table of rejected rows");
    assert!(
        rejected.contains("<td class=n>3</td><td class=mono>classification.type</td>"),
        "{rejected}"
    );
    assert!(rejected.contains("&quot;portscan&quot; is not a type"));

    // Over 5 MiB: refused whole, saying so.
    let big = vec![b'a'; (5 << 20) + 1];
    let (content_type, body) = multipart(&[("csrf", CSRF), ("reporter", "r")], &big);
    let too_big = call(
        &bed,
        Method::POST,
        "/incidents/import",
        &[("content-type", &content_type)],
        body,
        true,
    )
    .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        too_big.body.contains("larger than 5 MiB"),
        "{}",
        too_big.body
    );
    assert_eq!(incidents(&bed).len(), 1);
}

#[tokio::test]
async fn forwarding_without_channels_logs_a_failure_and_leaves_the_incident() {
    let bed = bed();
    bed.store
        .put_team(&team("cert-xa", "TLP:AMBER"), now_ns())
        .unwrap();
    let incident = stored(&bed, scan("Scans", Tlp::Amber, "192.0.2.7"));
    let page_path = format!("/incidents/{}", incident.ticket);

    let page = get(&bed, &page_path).await;
    assert!(page
        .body
        .contains("<a href=\"/directory/cert-xa\" id=\"routed\">cert-xa</a>"));
    assert!(
        page.body.contains("1. prefix: 192.0.2.0/24 of cert-xa"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<option value=\"cert-xa\" selected>"));
    assert!(!page.body.contains("id=\"forward-button\" disabled"));

    let answer = post_form(
        &bed,
        &format!("{page_path}/forward"),
        &[("csrf", CSRF), ("team", "")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains("Not delivered to cert-xa"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("no way to reach cert-xa"));
    let log = notifications_logged(&bed);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, hirundo_store::NotificationStatus::Failed);
    assert_eq!(log[0].team, "cert-xa");
    assert_eq!(log[0].incident, Some(incident.id));
    let after = bed.store.incident(incident.id).unwrap().unwrap();
    assert_eq!(after.state, State::New);
    assert_eq!(after.team, None);

    // Through the API: the same, logged a second time.
    let api = send_json(
        &bed,
        Method::POST,
        &format!("/api/v1/incidents/{}/forward", incident.ticket),
        &json!({}),
        true,
    )
    .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    assert_eq!(api.json()["forwarded"]["status"], "failed");
    assert_eq!(api.tlp(), Some("TLP:AMBER"));
    assert_eq!(notifications_logged(&bed).len(), 2);

    // The log and the team's page show it.
    let log_page = get(&bed, "/notifications?team=cert-xa").await;
    assert_eq!(log_page.status, StatusCode::OK);
    assert!(log_page.body.contains(&log[0].ticket));
    assert!(log_page
        .body
        .contains("<span class=\"flag bad\">failed</span>"));
    assert!(log_page
        .body
        .contains(&format!("href=\"/incidents/{}\"", incident.ticket)));
    assert!(!get(&bed, "/notifications?team=nobody")
        .await
        .body
        .contains(&log[0].ticket));
    let team_page = get(&bed, "/directory/cert-xa").await;
    assert!(team_page.body.contains(&log[0].ticket));
    let api_log = get(&bed, "/api/v1/notifications?team=cert-xa&limit=1").await;
    assert_eq!(api_log.json()["notifications"].as_array().unwrap().len(), 1);
    assert_eq!(api_log.tlp(), Some("TLP:AMBER"));
}

#[tokio::test]
async fn red_is_refused_and_nothing_is_logged() {
    let bed = bed();
    bed.store
        .put_team(&team("cert-xa", "TLP:RED"), now_ns())
        .unwrap();
    let incident = stored(&bed, scan("Victim list", Tlp::Red, "192.0.2.7"));
    let page_path = format!("/incidents/{}", incident.ticket);
    let page = get(&bed, &page_path).await;
    assert!(
        page.body.contains("id=\"forward-button\" disabled"),
        "{}",
        page.body
    );
    assert!(page.body.contains("never goes into an automated message"));
    assert!(page.body.contains("<span class=\"tlp red\">TLP:RED</span>"));

    let answer = post_form(
        &bed,
        &format!("{page_path}/forward"),
        &[("csrf", CSRF), ("team", "cert-xa")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(answer.body.contains("forward refused: "), "{}", answer.body);
    let api = send_json(
        &bed,
        Method::POST,
        &format!("/api/v1/incidents/{}/forward", incident.ticket),
        &json!({"team": "cert-xa"}),
        true,
    )
    .await;
    assert_eq!(api.status, StatusCode::CONFLICT);
    assert!(api.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("TLP:RED"));
    assert!(notifications_logged(&bed).is_empty());
    assert_eq!(
        bed.store.incident(incident.id).unwrap().unwrap().state,
        State::New
    );
    // A RED incident's answers are labelled RED.
    let shown = get(&bed, &format!("/api/v1/incidents/{}", incident.ticket)).await;
    assert_eq!(shown.tlp(), Some("TLP:RED"));
    assert_eq!(shown.json()["tlp"], "TLP:RED");
    let list = get(&bed, "/api/v1/incidents").await;
    assert_eq!(list.tlp(), Some("TLP:RED"));
}

#[tokio::test]
async fn a_team_with_a_green_ceiling_refuses_amber() {
    let bed = bed();
    bed.store
        .put_team(&team("cert-xa", "TLP:GREEN"), now_ns())
        .unwrap();
    let incident = stored(&bed, scan("Scans", Tlp::Amber, "192.0.2.7"));
    let page_path = format!("/incidents/{}", incident.ticket);
    let page = get(&bed, &page_path).await;
    assert!(
        page.body.contains("accepts at most TLP:GREEN"),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"forward-button\" disabled"));
    let answer = post_form(
        &bed,
        &format!("{page_path}/forward"),
        &[("csrf", CSRF), ("team", "cert-xa")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(answer.body.contains(&format!(
        "{} is TLP:AMBER and cert-xa accepts at most TLP:GREEN",
        incident.ticket
    )));
    assert!(notifications_logged(&bed).is_empty());
}

#[tokio::test]
async fn every_api_route_carries_its_tlp_label() {
    let bed = bed();
    bed.store
        .put_team(&team("cert-xa", "TLP:AMBER"), now_ns())
        .unwrap();
    let green = stored(&bed, scan("Scans", Tlp::Green, "192.0.2.7"));
    let incident_path = format!("/api/v1/incidents/{}", green.ticket);
    let paths = [
        "/api/v1/series",
        "/api/v1/top",
        "/api/v1/sources/192.0.2.1",
        "/api/v1/alerts",
        "/api/v1/sensors",
        "/api/v1/totals",
        "/api/v1/ports",
        "/api/v1/countries",
        "/api/v1/asns",
        "/api/v1/rejections",
        "/api/v1/teams",
        "/api/v1/teams/cert-xa",
        "/api/v1/route/192.0.2.7",
        "/api/v1/notifications",
        "/api/v1/incidents",
        "/api/v1/incidents/stats",
        &incident_path,
        "/api/v1/no-such-route",
    ];
    for path in paths {
        let answer = get(&bed, path).await;
        assert!(
            answer.tlp().is_some(),
            "{path}: {} without a TLP header",
            answer.status
        );
        let logged_out = call(&bed, Method::GET, path, &[], Vec::new(), false).await;
        assert!(logged_out.tlp().is_some(), "{path} without a session");
    }
    assert_eq!(get(&bed, "/api/v1/series").await.tlp(), Some("TLP:AMBER"));
    assert_eq!(get(&bed, &incident_path).await.tlp(), Some("TLP:GREEN"));
    let list = get(&bed, "/api/v1/incidents").await;
    assert_eq!(list.tlp(), Some("TLP:GREEN"));
    assert_eq!(list.json()["tlp"], "TLP:GREEN");
    for (path, label) in [
        ("/api/v1/teams", "TLP:AMBER"),
        ("/api/v1/route/192.0.2.7", "TLP:AMBER"),
        ("/api/v1/incidents/stats", "TLP:AMBER"),
    ] {
        let answer = get(&bed, path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.json()["tlp"], label, "{path}");
    }
    let patched = send_json(
        &bed,
        Method::PATCH,
        &incident_path,
        &json!({"tlp": "amber"}),
        true,
    )
    .await;
    assert_eq!(patched.tlp(), Some("TLP:AMBER"));
    assert_eq!(patched.json()["tlp"], "TLP:AMBER");
}

#[tokio::test]
async fn directory_lists_teams_and_routes_with_the_chain_of_reasons() {
    let bed = bed();
    bed.store
        .put_team(&team("cert-xa", "TLP:AMBER"), now_ns())
        .unwrap();
    let mut other = team("abuse-xb", "TLP:GREEN");
    other.kind = hirundo_directory::TeamKind::IspAbuse;
    other.unverified.clear();
    other.constituency.prefixes = vec!["198.51.100.0/24".parse().unwrap()];
    bed.store.put_team(&other, now_ns()).unwrap();

    let page = get(&bed, "/directory").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("<a href=\"/directory/cert-xa\">cert-xa</a>"));
    assert!(page
        .body
        .contains("<a href=\"/directory/abuse-xb\">abuse-xb</a>"));
    assert!(page.body.contains("unverified: emails, pgp_fingerprint"));
    assert!(page
        .body
        .contains("<span class=\"tlp amber\">TLP:AMBER</span>"));
    assert!(page.body.contains("<h2>Teams (2)</h2>"));

    let routed = get(&bed, "/directory/route?ip=192.0.2.7").await;
    assert_eq!(routed.status, StatusCode::OK);
    assert!(routed.body.contains("1. prefix: 192.0.2.0/24 of cert-xa (the only matching prefix)\n=&gt; cert-xa (CERT-XA)"), "{}", routed.body);
    assert!(routed.body.contains("id=\"chosen\">cert-xa</a>"));
    let unrouted = get(&bed, "/directory/route?ip=203.0.113.1").await;
    assert!(
        unrouted
            .body
            .contains("4. fallback: no team is marked ours"),
        "{}",
        unrouted.body
    );
    assert!(unrouted
        .body
        .contains("<strong id=\"chosen\">no team</strong>"));
    let bad = get(&bed, "/directory/route?ip=192.0.2.999").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("is not an IP address"));

    let full = get(&bed, "/directory/cert-xa").await;
    assert_eq!(full.status, StatusCode::OK);
    assert!(full.body.contains("cert-xa@example.org"));
    assert!(full.body.contains("<a href=\"https://cert.example.org/\""));
    assert!(full
        .body
        .contains("2A78AD3249202E1D240EAA71354DB7B6C8AFD18A"));
    assert_eq!(
        get(&bed, "/directory/nobody").await.status,
        StatusCode::NOT_FOUND
    );

    let api = get(&bed, "/api/v1/route/198.51.100.20").await.json();
    assert_eq!(api["team"]["id"], "abuse-xb");
    assert_eq!(api["level"], "prefix");
    assert_eq!(api["steps"].as_array().unwrap().len(), 1);
    let teams = get(&bed, "/api/v1/teams").await.json();
    assert_eq!(teams["teams"].as_array().unwrap().len(), 2);
    assert_eq!(
        get(&bed, "/api/v1/route/nope").await.status,
        StatusCode::BAD_REQUEST
    );

    // A team that breaks the rules never reaches the store (it would stop
    // every route), so the directory stays whole.
    let mut broken = team("broken", "TLP:AMBER");
    broken.website = Some("javascript:alert(1)".into());
    assert!(bed.store.put_team(&broken, now_ns()).is_err());
    assert!(get(&bed, "/directory")
        .await
        .body
        .contains("<h2>Teams (2)</h2>"));
    assert_eq!(
        get(&bed, "/directory/route?ip=192.0.2.7").await.status,
        StatusCode::OK
    );
}

/// Midnight UTC of a date, in nanoseconds.
fn day_ns(year: i64, month: u32, day: u32) -> i64 {
    hirundo_calendar::days_from_civil(year, month, day) * 86_400 * NS_PER_SECOND
}

#[tokio::test]
async fn stats_count_incidents_per_year_month_and_category() {
    let bed = bed();
    let fixture = [
        ((2023, 3, 1), "information-gathering", "scanner"),
        ((2023, 11, 5), "abusive-content", "spam"),
        ((2024, 1, 9), "information-gathering", "scanner"),
        ((2024, 1, 20), "availability", "ddos"),
        ((2024, 7, 4), "fraud", "phishing"),
        ((2025, 2, 2), "abusive-content", "spam"),
        // Never counted.
        ((2025, 2, 3), "test", "test"),
    ];
    for ((y, m, d), category, kind) in fixture {
        let mut new = NewIncident::new(
            format!("{category}/{kind}"),
            rsit().classify(category, kind).unwrap(),
            "fixture",
        );
        new.occurred_ns = Some(day_ns(y, m, d));
        stored(&bed, new);
    }
    let page = get(&bed, "/incidents/stats?year=2024").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<svg"));
    let by_year = page.body.split("<table id=\"by-year\">").nth(1).unwrap();
    let by_year = by_year.split("</table>").next().unwrap();
    assert!(
        by_year.contains("<tr><td>2023</td><td class=n>2</td></tr>"),
        "{by_year}"
    );
    assert!(by_year.contains("<tr><td>2024</td><td class=n>3</td></tr>"));
    assert!(by_year.contains("<tr><td>2025</td><td class=n>1</td></tr>"));
    let months = page.body.split("<table id=\"by-month\">").nth(1).unwrap();
    assert!(months.contains("<tr><td>Jan 2024</td><td class=n>2</td></tr>"));
    assert!(months.contains("<tr><td>Jul 2024</td><td class=n>1</td></tr>"));
    let spam = page.body.split("<table id=\"spam\">").nth(1).unwrap();
    assert!(spam.contains("<tr><td>2023</td><td class=n>1</td></tr>"));
    assert!(spam.contains("<tr><td>2025</td><td class=n>1</td></tr>"));
    let mapping = page.body.split("<table id=\"mapping\">").nth(1).unwrap();
    let types: usize = rsit().categories().iter().map(|c| c.types.len()).sum();
    assert_eq!(mapping.matches("<tr><td class=mono>").count(), types);
    // CERT.br: 2024 has one scan, one DoS, one fraud; spam is counted apart.
    let certbr = page.body.split("<table id=\"certbr\">").nth(1).unwrap();
    assert!(certbr.contains(
        "<tr><td>2024</td><td class=n>0</td><td class=n>1</td><td class=n>0</td><td class=n>0</td><td class=n>1</td><td class=n>1</td><td class=n>0</td><td class=n>3</td></tr>"
    ), "{certbr}");

    let api = get(&bed, "/api/v1/incidents/stats?year=2024").await.json();
    assert_eq!(
        api["by_year"],
        json!([
            {"year": 2023, "incidents": 2},
            {"year": 2024, "incidents": 3},
            {"year": 2025, "incidents": 1}
        ])
    );
    assert_eq!(api["year"], 2024);
    assert_eq!(api["by_month"][0]["incidents"], 2);
    assert_eq!(
        get(&bed, "/incidents/stats?year=24").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&bed, "/api/v1/incidents/stats?year=x").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_coordination_pages_are_behind_the_login() {
    let bed = bed();
    for path in [
        "/directory",
        "/notifications",
        "/incidents",
        "/incidents/stats",
        "/directory/route?ip=192.0.2.1",
    ] {
        let answer = call(&bed, Method::GET, path, &[], Vec::new(), false).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        assert!(answer.location().starts_with("/login"), "{path}");
        let page = get(&bed, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(
            page.body
                .contains("<span class=\"tlp amber\">TLP:AMBER</span>"),
            "{path}"
        );
        assert!(
            page.body.contains("href=\"/incidents\""),
            "{path}: the nav links"
        );
    }
    let api = call(
        &bed,
        Method::GET,
        "/api/v1/incidents",
        &[],
        Vec::new(),
        false,
    )
    .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    let post = call(
        &bed,
        Method::POST,
        "/api/v1/incidents",
        &[("x-csrf-token", CSRF)],
        b"{}".to_vec(),
        false,
    )
    .await;
    assert_eq!(post.status, StatusCode::UNAUTHORIZED);
}
