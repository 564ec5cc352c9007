//! Logging in and out, and the gates in front of every page and API call.
//!
//! The login form is protected by a double-submit token: `GET /login`
//! sets a random token in a short-lived cookie (`hirundo_login`) and in a
//! hidden field, and `POST /login` goes on only when both agree. A good
//! password makes a session: 32 random bytes from the OS in the
//! `hirundo_session` cookie, stored as their SHA-256 with a second random
//! token that every later form (log out) must carry. A failed login says
//! the same for an unknown name and a wrong password, costs the same
//! argon2 work for both, waits before answering, and ten failures from one
//! place within 15 minutes shut that place out until the window ends.

use std::collections::HashMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use hirundo_collector::api::{cookie, session, SESSION_COOKIE};
use hirundo_collector::registry::{hash_token, Token};
use hirundo_store::Session;
use serde::Deserialize;

use crate::error::WebError;
use crate::layout::{self, escape, Nav, Page, Viewer};
use crate::params::{encode_query, local_path};
use crate::password::{verify_password, DUMMY_HASH};
use crate::state::{blocking, AppState};

/// The login form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "hirundo_login";
/// How long a session lasts: a working day.
pub const SESSION_SECONDS: i64 = 43_200;
/// How long a failed login waits before it answers.
const FAILURE_DELAY: Duration = Duration::from_millis(700);

pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn new_token() -> Result<String, WebError> {
    Token::generate()
        .map(|t| t.0)
        .map_err(|e| WebError::internal("random token", e))
}

/// Compares without stopping at the first difference, so that timing
/// does not reveal how much of a token was right.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn set_cookie(response: &mut Response, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn session_cookie(token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}")
}

fn login_cookie(token: &str, max_age: u32) -> String {
    format!(
        "{LOGIN_COOKIE}={token}; Secure; HttpOnly; SameSite=Strict; Path=/login; Max-Age={max_age}"
    )
}

/// The client's address when the server passes it on.
pub struct Peer(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

/// The login page, with a fresh double-submit token.
pub async fn login_page(
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let next = local_path(query.get("next").map_or("/", String::as_str)).to_string();
    login_form(StatusCode::OK, &next, None)
}

fn login_form(status: StatusCode, next: &str, problem: Option<&str>) -> Result<Response, WebError> {
    let token = new_token()?;
    let mut body = String::from("<div class=\"login\"><h1>Log in</h1>\n");
    body.push_str("<p class=\"lead\">The hirundo dashboard of this collector. Accounts are made by the operator with <code>hirundo user add</code>.</p>\n");
    if let Some(problem) = problem {
        let _ = writeln!(
            body,
            "<p class=\"error\" id=\"problem\" role=\"alert\">{}</p>",
            escape(problem)
        );
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
         <input type=\"hidden\" name=\"next\" value=\"{}\">\
         <p><label for=\"name\">Account</label><input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"username\" required autofocus></p>\
         <p><label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required></p>\
         <p><button class=\"primary\" type=\"submit\" id=\"login\">Log in</button></p></form>\n\
         <p class=\"muted\">Without an account: the <a href=\"/public\">public page</a> (TLP:CLEAR aggregates).</p></div>\n",
        escape(next)
    );
    let page = Page {
        title: "Log in",
        nav: Nav::Other,
        viewer: None,
        public: true,
        attribution: false,
        tlp: None,
    };
    let mut response = (status, Html(layout::render(&page, &body))).into_response();
    set_cookie(&mut response, login_cookie(&token, 3_600));
    Ok(response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) =
        form.map_err(|e| WebError::BadRequest(format!("the login form: {}", e.body_text())))?;
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same(expected, &form.csrf) {
        return Err(WebError::Forbidden(
            "The login form had expired or did not come from this site. Open the login page again and log in from there.".into(),
        ));
    }
    let next = local_path(&form.next).to_string();
    // Where failures are counted: the client's address when the server
    // passes it on, else the account tried.
    let key = match peer {
        Some(addr) => addr.ip().to_string(),
        None => format!("account {}", form.name),
    };
    let blocked = state
        .0
        .logins
        .lock()
        .map_err(|_| WebError::internal("login limiter", "poisoned"))?
        .blocked(&key, Instant::now());
    if let Some(wait) = blocked {
        return Err(WebError::TooMany(format!(
            "Too many failed logins from here. Try again in {} minutes.",
            wait.as_secs() / 60 + 1
        )));
    }

    let store = state.store();
    let name = form.name.clone();
    let password = form.password;
    let account = blocking(move || {
        let account = store.account(&name)?;
        // Same work whether or not the account exists.
        let hash = account
            .as_ref()
            .map_or(DUMMY_HASH.as_str(), |a| a.password_hash.as_str());
        let good = verify_password(&password, hash);
        Ok(account.filter(|_| good))
    })
    .await?;

    let Some(account) = account else {
        if let Ok(mut logins) = state.0.logins.lock() {
            logins.failed(&key, Instant::now());
        }
        eprintln!(
            "hirundo serve: web: failed login as {:?} from {key}",
            form.name
        );
        tokio::time::sleep(FAILURE_DELAY).await;
        return login_form(
            StatusCode::UNAUTHORIZED,
            &next,
            Some("Wrong account name or password."),
        );
    };
    if let Ok(mut logins) = state.0.logins.lock() {
        logins.succeeded(&key);
    }
    let token = new_token()?;
    let now = now_ns();
    let record = Session {
        account: account.name.clone(),
        csrf: new_token()?,
        created_ns: now,
        expires_ns: now.saturating_add(SESSION_SECONDS * 1_000_000_000),
    };
    let store = state.store();
    let hash = hash_token(&token);
    blocking(move || Ok(store.add_session(&hash, &record)?)).await?;
    let mut response = Redirect::to(&next).into_response();
    set_cookie(&mut response, session_cookie(&token));
    set_cookie(&mut response, login_cookie("", 0));
    Ok(response)
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Result<Response, WebError> {
    let store = state.store();
    let found = blocking(move || Ok(session(store.as_ref(), &headers, now_ns())?)).await?;
    let Some((hash, record)) = found else {
        return Ok(Redirect::to("/login").into_response());
    };
    let sent = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if !same(&sent, &record.csrf) {
        return Err(WebError::Forbidden(
            "This form did not carry this session's token, so it was refused. Use the Log out button on a page of this site.".into(),
        ));
    }
    let store = state.store();
    blocking(move || Ok(store.end_session(&hash, now_ns())?)).await?;
    let mut response = Redirect::to("/login").into_response();
    set_cookie(
        &mut response,
        format!("{SESSION_COOKIE}=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok(response)
}

/// The viewer of a live session, or `None`.
async fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, WebError> {
    let store = state.store();
    let headers = headers.clone();
    let found = blocking(move || Ok(session(store.as_ref(), &headers, now_ns())?)).await?;
    Ok(found.map(|(_, s)| Viewer {
        account: s.account,
        csrf: s.csrf,
    }))
}

/// In front of every page: without a session, to the login page, which
/// comes back here afterwards.
pub async fn page_gate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    match viewer(&state, request.headers()).await {
        Ok(Some(viewer)) => {
            request.extensions_mut().insert(viewer);
            next.run(request).await
        }
        Ok(None) => {
            let back = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
            let target = match local_path(back) {
                "/" => "/login".to_string(),
                path => format!("/login?next={}", encode_query(path)),
            };
            Redirect::to(&target).into_response()
        }
        Err(err) => err.into_response(),
    }
}

/// The header an API call that changes something carries its session's
/// CSRF token in (the token of the pages' forms).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// In front of every API call: without a session, a JSON 401; a call
/// that changes something (anything but GET, HEAD, OPTIONS) without the
/// session's token in `X-CSRF-Token`, a JSON 403, because a browser
/// sends the cookie with any site's request.
pub async fn api_gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match viewer(&state, request.headers()).await {
        Ok(Some(viewer)) => {
            let safe = matches!(
                *request.method(),
                Method::GET | Method::HEAD | Method::OPTIONS
            );
            if !safe {
                let sent = request
                    .headers()
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if let Err(err) = check_csrf(sent, &viewer) {
                    return err.json();
                }
            }
            request.extensions_mut().insert(viewer);
            next.run(request).await
        }
        Ok(None) => (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({"error": {
                "status": 401,
                "reason": "no_session",
                "message": "log in at /login first: the API answers the dashboard's session cookie",
            }})),
        )
            .into_response(),
        Err(err) => err.json(),
    }
}

/// Refuses a form or call whose token is not the viewer's session's.
pub fn check_csrf(sent: &str, viewer: &Viewer) -> Result<(), WebError> {
    if !sent.is_empty() && same(sent, &viewer.csrf) {
        return Ok(());
    }
    Err(WebError::Forbidden(
        "This request did not carry this session's CSRF token, so it was refused: forms send it as the field csrf, API calls in the X-CSRF-Token header (the token is in every page's log-out form).".into(),
    ))
}

/// Headers every answer carries: nothing may run script, load from
/// elsewhere, frame the pages or post forms elsewhere, and nothing that
/// needs a session is cached.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
    }

    #[test]
    fn cookies_carry_every_attribute() {
        let c = session_cookie("t");
        for attribute in [
            "Secure",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Max-Age=43200",
        ] {
            assert!(c.contains(attribute), "{c}");
        }
    }
}
