//! The hirundo dashboard: the collector's web pages and JSON API for a
//! CSIRT's analysts, and one public page anyone may read.
//!
//! [`router`] puts together, over one [`Collector`]:
//!
//! - the collector's own routes (sensor uploads with their token auth,
//!   and its `/api/v1` views, which ask for a session);
//! - `auth`: `/login` and `/logout`, sessions in the store keyed by the
//!   SHA-256 of their cookie, CSRF tokens on every form, and the gates
//!   that send a request without a session to the login page (pages) or
//!   answer it 401 (API);
//! - `pages`: server-rendered HTML in one shared `layout`, no JavaScript,
//!   charts as inline SVG from `hirundo-chart`: the overview, a port, a
//!   region, a source, the sensors, alerts (and their Atom feed), reports,
//!   and `/public`, TLP:CLEAR aggregates without logging in;
//! - the coordination pages: the CSIRT directory and routing of an
//!   address, the notification log, incidents (list, new, CSV import,
//!   detail with update and forward) and their yearly statistics, over
//!   the shared logic in `coordination`;
//! - `api`: JSON series (hour to quarter, summed from days by `calendar`),
//!   top lists with the previous period's ranks, a source, alerts; and
//!   `api_coordination`: teams, routes, notifications, incidents;
//! - `tlp`: every answer under `/api/` carries a `TLP` header (its data's
//!   own label, else TLP:AMBER), and API calls that change something need
//!   the session's CSRF token in `X-CSRF-Token`.
//!
//! Passwords are argon2id ([`hash_password`]); `hirundo user add` makes
//! accounts with it.

mod api;
mod api_coordination;
mod auth;
mod calendar;
mod coordination;
mod error;
mod layout;
mod pages;
mod params;
mod password;
mod state;
mod tlp;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};
use hirundo_collector::Collector;

pub use auth::{CSRF_HEADER, LOGIN_COOKIE, SESSION_SECONDS};
pub use hirundo_collector::api::SESSION_COOKIE;
pub use password::{
    hash_password, validate_password, verify_password, PasswordError, MAX_PASSWORD_LEN,
    MIN_PASSWORD_LEN,
};
pub use state::WebConfig;

/// The queries behind the JSON API, for the command line: series at any
/// grain and top lists with the previous period's ranks.
pub mod query {
    pub use crate::api::{series_answer, top_for, SeriesAnswer, SeriesBucket, TopAnswer, TopRow};
    pub use crate::params::{parse_instant, ApiGrain, What};
}

/// Every route the collector serves: uploads, the dashboard, the APIs.
pub fn router(collector: Arc<Collector>, config: WebConfig) -> Router {
    let ingests = config.concurrent_ingests;
    let state = state::AppState::new(collector.store().clone(), config, Some(collector.clone()));
    let pages = Router::new()
        .route("/", get(pages::overview::page))
        .route("/port/{proto}/{port}", get(pages::port::page))
        .route("/country/{cc}", get(pages::country::page))
        .route("/source/{ip}", get(pages::source::page))
        .route("/sensors", get(pages::sensors::page))
        .route("/alerts", get(pages::alerts::list))
        .route("/alerts/{id}", get(pages::alerts::detail))
        .route("/alerts.atom", get(pages::alerts::feed))
        .route("/reports", get(pages::reports::page))
        .route("/reports/view", get(pages::reports::view))
        .route("/reports/download", get(pages::reports::download))
        .route("/directory", get(pages::directory::list))
        .route("/directory/route", get(pages::directory::route))
        .route("/directory/{id}", get(pages::directory::detail))
        .route("/notifications", get(pages::notifications::page))
        .route(
            "/incidents",
            get(pages::incidents::list).post(pages::incidents::create),
        )
        .route(
            "/incidents/import",
            post(pages::incidents::import)
                .layer(DefaultBodyLimit::max(pages::incidents::MAX_UPLOAD_BODY)),
        )
        .route("/incidents/stats", get(pages::incident_stats::page))
        .route(
            "/incidents/{ticket}",
            get(pages::incidents::detail).post(pages::incidents::update),
        )
        .route(
            "/incidents/{ticket}/forward",
            post(pages::incidents::forward),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::page_gate,
        ));
    let api = Router::new()
        .route("/api/v1/series", get(api::series))
        .route("/api/v1/top", get(api::top))
        .route("/api/v1/sources/{ip}", get(api::source))
        .route("/api/v1/alerts", get(api::alerts))
        .route("/api/v1/teams", get(api_coordination::teams))
        .route("/api/v1/teams/{id}", get(api_coordination::team))
        .route("/api/v1/route/{ip}", get(api_coordination::route))
        .route(
            "/api/v1/notifications",
            get(api_coordination::notifications_log),
        )
        .route(
            "/api/v1/incidents",
            get(api_coordination::incidents).post(api_coordination::create),
        )
        .route("/api/v1/incidents/stats", get(api_coordination::stats))
        .route(
            "/api/v1/incidents/{ticket}",
            get(api_coordination::incident).patch(api_coordination::patch),
        )
        .route(
            "/api/v1/incidents/{ticket}/forward",
            post(api_coordination::forward),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::api_gate,
        ));
    let open = Router::new()
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/public", get(pages::public::page));
    Router::new()
        .merge(pages)
        .merge(api)
        .merge(open)
        .with_state(state)
        .merge(hirundo_collector::routes(collector, ingests))
        .fallback(not_found)
        .layer(middleware::from_fn(tlp::label_api))
        .layer(middleware::from_fn(auth::security_headers))
}

/// Unknown paths: JSON under the API, a page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    let err = error::WebError::NotFound(format!("There is no page at {}.", uri.path()));
    if uri.path().starts_with("/api/") {
        err.json()
    } else {
        axum::response::IntoResponse::into_response(err)
    }
}
