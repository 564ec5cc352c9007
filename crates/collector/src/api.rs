//! The HTTP API, versioned under `/api/v1`: the upload protocol and the
//! collector's own views.
//!
//! Sensors upload as `hirundo-wire` describes (a `PUT` of the segment with
//! its token, digest and health) and get `201` (stored now) or `200` (stored before; not counted again),
//! both only after the segment is durably committed, so a sensor may
//! delete its copy on either. Every refusal is a 4xx with a JSON body
//! `{"error": {"status", "reason", "message"}}`, counted by reason:
//! `401` without a valid token, `403` for a disabled sensor or a token
//! used under another sensor's name, `400` for bad headers, `413` for a
//! body over the limit, `409` for a sequence number already used by other
//! content, `422` for a body that is not a whole capture or does not match
//! its digest. A `5xx` means try again later (`507`: the collector's disk is
//! full).
//!
//! The views (`/api/v1/sensors`, `totals`, ...) are for the dashboard's
//! users: they answer only a request with a live session cookie
//! ([`SESSION_COOKIE`], made by `hirundo-web`'s login) and refuse anything
//! else with `401 no_session`. The upload route has its own token auth and
//! no cookie is ever looked at there.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use hirundo_store::{
    Filter, Rejection, SensorHealth, SensorOverview, Session, Store, StoreError, TokenHash,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::collector::{now_ns, Accepted, Collector, SegmentError};

/// The dashboard's session cookie. The store keeps only its SHA-256
/// ([`crate::registry::hash_token`]), so a copy of the database opens no
/// session.
pub const SESSION_COOKIE: &str = "hirundo_session";

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    collector: Arc<Collector>,
    /// Bounds the segments rolled up at once, and so the memory they hold.
    ingest_slots: Arc<Semaphore>,
}

/// The collector's routes, answering anything else with a JSON 404.
pub fn router(collector: Arc<Collector>, concurrent_ingests: usize) -> Router {
    routes(collector, concurrent_ingests).fallback(not_found)
}

/// The collector's routes without a fallback, for a server that merges
/// them with its own (the dashboard).
pub fn routes(collector: Arc<Collector>, concurrent_ingests: usize) -> Router {
    let state = AppState {
        collector,
        ingest_slots: Arc::new(Semaphore::new(concurrent_ingests.max(1))),
    };
    let views = Router::new()
        .route("/api/v1/sensors", get(sensors))
        .route("/api/v1/totals", get(totals))
        .route("/api/v1/ports", get(ports))
        .route("/api/v1/countries", get(countries))
        .route("/api/v1/asns", get(asns))
        .route("/api/v1/rejections", get(rejections))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_session,
        ));
    Router::new()
        .route(hirundo_wire::UPLOAD_ROUTE, put(put_segment))
        .merge(views)
        .with_state(state)
}

/// The value of cookie `name` among a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name && !value.is_empty()).then_some(value)
        })
}

/// The live session whose cookie the request carries, with the hash it is
/// stored under.
pub fn session(
    store: &dyn Store,
    headers: &HeaderMap,
    now_ns: i64,
) -> Result<Option<(TokenHash, Session)>, StoreError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = crate::registry::hash_token(token);
    Ok(store.session(&hash, now_ns)?.map(|s| (hash, s)))
}

/// Lets a view run only for a request with a live session.
async fn require_session(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let store = state.collector.store().clone();
    let headers = request.headers().clone();
    match blocking(move || session(store.as_ref(), &headers, now_ns())).await {
        Ok(Ok(Some(_))) => next.run(request).await,
        Ok(Ok(None)) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no_session",
            "log in at /login first: the API answers the dashboard's session cookie",
        )
        .into_response(),
        Ok(Err(err)) => ApiError::from(err).into_response(),
        Err(err) => err.into_response(),
    }
}

/// An error in the API's own JSON shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    reason: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            reason,
            message: message.into(),
        }
    }

    /// Logged in full, answered without detail: internals never leak.
    fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        eprintln!("hirundo serve: {context}: {err}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the collector failed; the upload was not stored, try again later",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::internal("store", err)
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorFields<'a>,
}

#[derive(Serialize)]
struct ErrorFields<'a> {
    status: u16,
    reason: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorFields {
                status: self.status.as_u16(),
                reason: self.reason,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
}

/// Runs a blocking store or ingest call off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal("blocking task", e))
}

#[derive(Serialize)]
struct Stored {
    status: &'static str,
    sensor: String,
    seq: u64,
    /// Packets counted by this upload (0 for a duplicate).
    packets: u64,
}

async fn put_segment(
    State(state): State<AppState>,
    Path((name, seq)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Stored>), ApiError> {
    let store = state.collector.store().clone();
    let result = upload(&state, &name, &seq, &headers, body).await;
    if let Err(err) = &result {
        let rejection = Rejection {
            at_ns: now_ns(),
            status: err.status.as_u16(),
            reason: err.reason,
        };
        let _ = blocking(move || store.record_rejection(&rejection)).await;
    }
    result
}

async fn upload(
    state: &AppState,
    name: &str,
    seq: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Stored>), ApiError> {
    // Who is it? Decided before a byte of the body is read.
    let token = bearer(headers).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no_token",
            "send the sensor's token as 'Authorization: Bearer <token>'",
        )
    })?;
    let hash = crate::registry::hash_token(token);
    let store = state.collector.store().clone();
    let sensor = blocking(move || store.sensor_by_token(&hash))
        .await??
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong_token",
                "the token is not any sensor's current token",
            )
        })?;
    if sensor.name != name {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_sensor",
            format!("this token belongs to another sensor, not to {name:?}"),
        ));
    }
    if !sensor.enabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "sensor_disabled",
            format!("sensor {name:?} is disabled; ask the collector's operator"),
        ));
    }
    let seq: u64 = seq.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_sequence",
            format!("segment number {seq:?} is not a whole number from 0 to 2^64-1"),
        )
    })?;
    let declared = digest_header(headers)?;
    if let Some(health) = health_header(headers)? {
        let store = state.collector.store().clone();
        let id = sensor.id;
        blocking(move || store.record_health(id, &health)).await??;
    }

    let limit = state.collector.max_segment_bytes;
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("a segment may be at most {limit} bytes; rotate segments sooner"),
        )
    })?;
    let _slot = state
        .ingest_slots
        .acquire()
        .await
        .map_err(|e| ApiError::internal("ingest slots", e))?;
    let collector = state.collector.clone();
    let who = sensor.clone();
    let accepted = blocking(move || collector.ingest_upload(&who, seq, declared, body))
        .await?
        .map_err(segment_error)?;
    let (status, label, packets) = match accepted {
        Accepted::New { packets } => (StatusCode::CREATED, "stored", packets),
        Accepted::Duplicate => (StatusCode::OK, "duplicate", 0),
    };
    Ok((
        status,
        Json(Stored {
            status: label,
            sensor: sensor.name,
            seq,
            packets,
        }),
    ))
}

fn segment_error(err: SegmentError) -> ApiError {
    let status = match &err {
        SegmentError::NotACapture {
            source: hirundo_rollup::IngestError::TooManyRecords { .. },
            ..
        } => StatusCode::PAYLOAD_TOO_LARGE,
        SegmentError::DigestMismatch { .. } | SegmentError::NotACapture { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        SegmentError::Conflict { .. } => StatusCode::CONFLICT,
        SegmentError::Archive { source, .. }
            if source.kind() == std::io::ErrorKind::StorageFull =>
        {
            return disk_full(&err)
        }
        SegmentError::Store(StoreError::DiskFull(_)) => return disk_full(&err),
        SegmentError::Archive { .. } | SegmentError::Store(_) => {
            return ApiError {
                reason: err.reason(),
                ..ApiError::internal("ingest", &err)
            }
        }
    };
    ApiError::new(status, err.reason(), err.to_string())
}

/// 507: the sensor keeps the segment and retries later; the operator
/// reads the log.
fn disk_full(err: &SegmentError) -> ApiError {
    eprintln!("hirundo serve: {err}");
    ApiError::new(
        StatusCode::INSUFFICIENT_STORAGE,
        "disk_full",
        "the collector's disk is full; keep the segment and try again later",
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then_some(token)
}

fn digest_header(headers: &HeaderMap) -> Result<[u8; 32], ApiError> {
    let bad = |why: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_digest_header",
            format!("Hirundo-Sha256: {why}; send the body's SHA-256 as 64 hex digits"),
        )
    };
    let value = headers
        .get(hirundo_wire::SHA256_HEADER)
        .ok_or_else(|| bad("missing"))?
        .to_str()
        .map_err(|_| bad("not text"))?;
    hirundo_wire::parse_sha256(value).ok_or_else(|| bad("not 64 hex digits"))
}

fn health_header(headers: &HeaderMap) -> Result<Option<SensorHealth>, ApiError> {
    let Some(value) = headers.get(hirundo_wire::HEALTH_HEADER) else {
        return Ok(None);
    };
    let bad = |why: String| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_health_header",
            format!("Hirundo-Health: {why}"),
        )
    };
    let text = value.to_str().map_err(|_| bad("not text".into()))?;
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| bad(e.to_string()))
}

/// Which hours and sensor a view covers: `?sensor=NAME&from=H&to=H`, hours
/// since the epoch, half-open.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewQuery {
    sensor: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    limit: Option<usize>,
}

impl ViewQuery {
    fn filter(&self, store: &dyn Store) -> Result<Filter, ApiError> {
        let mut filter = Filter::ALL;
        if let Some(from) = self.from {
            filter.hours.from = from;
        }
        if let Some(to) = self.to {
            filter.hours.to = to;
        }
        if let Some(name) = &self.sensor {
            let sensor = store.sensor(name)?.ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "no_such_sensor",
                    format!("no sensor named {name:?}"),
                )
            })?;
            filter.sensor = Some(sensor.id);
        }
        Ok(filter)
    }
}

/// The query string of a view, refused in the API's own error shape when
/// it has an unknown or malformed parameter.
struct ViewParams(ViewQuery);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ViewParams {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        Query::<ViewQuery>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ViewParams(q))
            .map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_query",
                    format!(
                        "{}; views take sensor, from, to (hours since the epoch) and limit",
                        e.body_text()
                    ),
                )
            })
    }
}

/// Runs a view against the store with the query's filter.
async fn view<T: Serialize + Send + 'static>(
    state: &AppState,
    query: ViewQuery,
    f: impl FnOnce(&dyn Store, &Filter, Option<usize>) -> Result<T, StoreError> + Send + 'static,
) -> Result<Json<T>, ApiError> {
    let store = state.collector.store().clone();
    blocking(move || {
        let filter = query.filter(store.as_ref())?;
        f(store.as_ref(), &filter, query.limit).map_err(ApiError::from)
    })
    .await?
    .map(Json)
}

async fn sensors(State(state): State<AppState>) -> Result<Json<Vec<SensorOverview>>, ApiError> {
    view(&state, ViewQuery::default(), |store, _, _| {
        store.sensor_overview()
    })
    .await
}

async fn totals(
    State(state): State<AppState>,
    ViewParams(query): ViewParams,
) -> Result<impl IntoResponse, ApiError> {
    view(&state, query, |store, filter, _| store.totals(filter)).await
}

async fn ports(
    State(state): State<AppState>,
    ViewParams(query): ViewParams,
) -> Result<impl IntoResponse, ApiError> {
    view(&state, query, |store, filter, limit| {
        store.ports(filter, limit)
    })
    .await
}

async fn countries(
    State(state): State<AppState>,
    ViewParams(query): ViewParams,
) -> Result<impl IntoResponse, ApiError> {
    view(&state, query, |store, filter, limit| {
        store.countries(filter, limit)
    })
    .await
}

async fn asns(
    State(state): State<AppState>,
    ViewParams(query): ViewParams,
) -> Result<impl IntoResponse, ApiError> {
    view(&state, query, |store, filter, limit| {
        store.asns(filter, limit)
    })
    .await
}

async fn rejections(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    view(&state, ViewQuery::default(), |store, _, _| {
        store.rejections()
    })
    .await
}
