//! The coordination half of the JSON API under `/api/v1`: the directory
//! and routing, the notification log, incidents (list, create, show,
//! change, forward) and their statistics.
//!
//! Every answer carries its TLP label twice: in the `TLP` header and in a
//! top-level `"tlp"` field. The directory, routes and statistics are
//! TLP:AMBER; an incident is its own label; a list is the highest label
//! in it (TLP:AMBER when empty; never below AMBER for the notification
//! log, which names contacts). Calls that change something need the
//! session's token in `X-CSRF-Token` (see `auth::api_gate`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use hirundo_directory::Origin;
use hirundo_incident::{Change, Classification, Incident, NewIncident, State as IncidentState};
use hirundo_store::Store;
use hirundo_tlp::Tlp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::now_ns;
use crate::coordination::{self, LIST_LIMIT};
use crate::error::{ApiError, WebError};
use crate::layout::Viewer;
use crate::pages::incident_stats;
use crate::pages::incidents::form::{parse_tlp, parse_year};
use crate::pages::notifications;
use crate::params::parse_ip;
use crate::state::{blocking, AppState};
use crate::tlp;
use hirundo_incident::summary::Summary as Stats;

/// What the directory's answers are marked: contacts are not public.
const DIRECTORY_TLP: Tlp = Tlp::Amber;
/// Notifications listed when `limit` is not given.
const NOTIFICATIONS_DEFAULT: usize = 100;

type Answer = Result<Response, ApiError>;

fn bad(message: String) -> ApiError {
    ApiError(WebError::BadRequest(message))
}

/// The query string, refused in the API's JSON shape.
type ApiQuery = Result<Query<HashMap<String, String>>, QueryRejection>;

fn query(q: ApiQuery) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| bad(format!("the query string: {}", e.body_text())))
}

fn get<'a>(q: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    q.get(key).map(String::as_str)
}

/// A JSON body; an empty one is `T::default()` when `empty` is given.
fn body<T: DeserializeOwned>(bytes: &Bytes, empty: Option<T>) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        if let Some(value) = empty {
            return Ok(value);
        }
        return Err(bad("the body is empty: send a JSON object".into()));
    }
    serde_json::from_slice(bytes).map_err(|e| bad(format!("the JSON body: {e}")))
}

/// `GET /api/v1/teams`.
pub async fn teams(State(state): State<AppState>) -> Answer {
    let store = state.store();
    let teams = blocking(move || Ok(store.teams()?)).await?;
    Ok(tlp::json(
        DIRECTORY_TLP,
        StatusCode::OK,
        &json!({"tlp": DIRECTORY_TLP, "teams": teams}),
    ))
}

/// `GET /api/v1/teams/{id}`: the team and its last notifications.
pub async fn team(State(state): State<AppState>, Path(id): Path<String>) -> Answer {
    let store = state.store();
    let (team, sent) = blocking(move || {
        let team = store.team(&id)?.ok_or_else(|| {
            WebError::NotFound(format!(
                "no team {:?} in the directory",
                coordination::clip(&id)
            ))
        })?;
        let sent = store.notifications(i64::MIN, i64::MAX, Some(&team.id), 50)?;
        Ok((team, sent))
    })
    .await?;
    let label = notifications::label(&sent);
    Ok(tlp::json(
        label,
        StatusCode::OK,
        &json!({"tlp": label, "team": team, "notifications": sent}),
    ))
}

/// `GET /api/v1/route/{ip}`: the team, the level that chose it and every
/// step tried.
pub async fn route(State(state): State<AppState>, Path(ip): Path<String>) -> Answer {
    let ip = parse_ip(&ip).map_err(|e| bad(format!("ip: {e}")))?;
    let answer = blocking(move || {
        let directory = coordination::directory(state.0.store.as_ref())?;
        let (asn, cc) = state.0.locate(ip);
        let route = directory.route(&Origin {
            ip,
            asn,
            cc: cc.as_deref(),
        });
        Ok(json!({
            "tlp": DIRECTORY_TLP,
            "ip": ip,
            "asn": asn,
            "country": cc,
            "team": route.team,
            "level": route.level,
            "steps": route.steps,
            "text": route.to_string(),
        }))
    })
    .await?;
    Ok(tlp::json(DIRECTORY_TLP, StatusCode::OK, &answer))
}

/// `GET /api/v1/notifications?team=&limit=`: newest first.
pub async fn notifications_log(State(state): State<AppState>, q: ApiQuery) -> Answer {
    let q = query(q)?;
    let team = get(&q, "team")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let limit = coordination::parse_limit(get(&q, "limit"), NOTIFICATIONS_DEFAULT)?;
    let store = state.store();
    let records =
        blocking(move || Ok(store.notifications(i64::MIN, i64::MAX, team.as_deref(), limit)?))
            .await?;
    let label = notifications::label(&records);
    Ok(tlp::json(
        label,
        StatusCode::OK,
        &json!({"tlp": label, "notifications": records}),
    ))
}

/// `GET /api/v1/incidents?state=&category=&limit=`: newest first.
pub async fn incidents(State(state): State<AppState>, q: ApiQuery) -> Answer {
    let q = query(q)?;
    let wanted = coordination::parse_state(get(&q, "state"))?;
    let category = coordination::parse_category(get(&q, "category"))?;
    let limit = coordination::parse_limit(get(&q, "limit"), LIST_LIMIT)?;
    let store = state.store();
    let list =
        blocking(move || coordination::list(store.as_ref(), wanted, category, limit)).await?;
    let label = crate::pages::incidents::list::label(&list);
    Ok(tlp::json(
        label,
        StatusCode::OK,
        &json!({"tlp": label, "incidents": list}),
    ))
}

/// An incident and its timeline, under its own label.
fn incident_answer(
    store: &dyn Store,
    incident: Incident,
    status: StatusCode,
    extra: Option<(&str, serde_json::Value)>,
) -> Result<Response, WebError> {
    let timeline = store.incident_events(incident.id)?;
    let label = incident.tlp;
    let mut answer = json!({"tlp": label, "incident": incident, "timeline": timeline});
    if let (Some((key, value)), Some(object)) = (extra, answer.as_object_mut()) {
        object.insert(key.to_string(), value);
    }
    Ok(tlp::json(label, status, &answer))
}

/// `POST /api/v1/incidents` with a JSON `NewIncident`: 201 and the
/// incident as stored.
pub async fn create(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    bytes: Bytes,
) -> Answer {
    let new: NewIncident = body(&bytes, None)?;
    let store = state.store();
    Ok(blocking(move || {
        let incident =
            coordination::create_incident(store.as_ref(), new, &viewer.account, now_ns())?;
        incident_answer(store.as_ref(), incident, StatusCode::CREATED, None)
    })
    .await?)
}

/// `GET /api/v1/incidents/{ticket}`.
pub async fn incident(State(state): State<AppState>, Path(ticket): Path<String>) -> Answer {
    let store = state.store();
    Ok(blocking(move || {
        let incident = coordination::incident_by_ticket(store.as_ref(), &ticket)?;
        incident_answer(store.as_ref(), incident, StatusCode::OK, None)
    })
    .await?)
}

/// What a `PATCH` may change; absent fields stay as they are.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub tlp: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `category/type`.
    #[serde(default)]
    pub classification: Option<String>,
    /// Two letters, or "" to remove it.
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub add_sources: Vec<String>,
}

impl Patch {
    /// The change, or the first field that cannot be one.
    pub fn to_change(&self) -> Result<Change, WebError> {
        let state = self
            .state
            .as_deref()
            .map(|s| {
                s.parse::<IncidentState>()
                    .map_err(|e| WebError::BadRequest(format!("state: {e}")))
            })
            .transpose()?;
        let tlp = self
            .tlp
            .as_deref()
            .map(|t| parse_tlp("tlp", t))
            .transpose()?;
        let classification = self
            .classification
            .as_deref()
            .map(|c| {
                c.parse::<Classification>()
                    .map_err(|e| WebError::BadRequest(format!("classification: {e}")))
            })
            .transpose()?;
        let mut add_links = Vec::new();
        for (i, s) in self.add_sources.iter().enumerate() {
            add_links.extend(coordination::parse_sources(
                &format!("add_sources[{i}]"),
                [s.as_str()],
            )?);
        }
        Ok(Change {
            state,
            title: self.title.clone(),
            description: self.description.clone(),
            classification,
            tlp,
            country: self.country.clone(),
            add_links,
            comment: self.comment.clone(),
        })
    }
}

/// `PATCH /api/v1/incidents/{ticket}`: the incident as changed, its
/// timeline, and the events this change added.
pub async fn patch(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(ticket): Path<String>,
    bytes: Bytes,
) -> Answer {
    let patch: Patch = body(&bytes, None)?;
    let change = patch.to_change()?;
    let store = state.store();
    Ok(blocking(move || {
        let (incident, events) = coordination::change_incident(
            store.as_ref(),
            &ticket,
            change,
            &viewer.account,
            now_ns(),
        )?;
        let added = serde_json::to_value(&events).unwrap_or_default();
        incident_answer(
            store.as_ref(),
            incident,
            StatusCode::OK,
            Some(("added", added)),
        )
    })
    .await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForwardBody {
    /// A directory id; absent: the routed team.
    #[serde(default)]
    team: Option<String>,
}

/// `POST /api/v1/incidents/{ticket}/forward` with `{"team": optional}`:
/// 200 with the notification (`status` sent or failed, logged either
/// way), or 409 with the rule that refused it.
pub async fn forward(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(ticket): Path<String>,
    bytes: Bytes,
) -> Answer {
    let request: ForwardBody = body(&bytes, Some(ForwardBody::default()))?;
    let channels = state.channels();
    Ok(blocking(move || {
        let shared = &state.0;
        let locate = |ip| shared.locate(ip);
        let team = request
            .team
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let forwarded = coordination::forward_incident(
            shared.store.as_ref(),
            &ticket,
            team,
            &locate,
            &viewer.account,
            &channels,
            now_ns(),
        )?;
        let incident = coordination::incident_by_ticket(shared.store.as_ref(), &ticket)?;
        let value = serde_json::to_value(&forwarded).unwrap_or_default();
        incident_answer(
            shared.store.as_ref(),
            incident,
            StatusCode::OK,
            Some(("forwarded", value)),
        )
    })
    .await?)
}

#[derive(Serialize)]
struct StatsAnswer {
    tlp: Tlp,
    #[serde(flatten)]
    stats: Stats,
}

/// `GET /api/v1/incidents/stats?year=`.
pub async fn stats(State(state): State<AppState>, q: ApiQuery) -> Answer {
    let q = query(q)?;
    let year = get(&q, "year")
        .filter(|y| !y.trim().is_empty())
        .map(parse_year)
        .transpose()?;
    let store = state.store();
    let stats = blocking(move || incident_stats::load(store.as_ref(), year, now_ns())).await?;
    Ok(tlp::json(
        incident_stats::TLP,
        StatusCode::OK,
        &StatsAnswer {
            tlp: incident_stats::TLP,
            stats,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_names_its_bad_field() {
        let patch: Patch =
            serde_json::from_str(r#"{"add_sources":["192.0.2.1","x"],"state":"open"}"#).unwrap();
        assert_eq!(
            patch.to_change().unwrap_err().to_string(),
            "add_sources[1]: \"x\" is not an IP address: write one as 192.0.2.1 or 2001:db8::1"
        );
        let patch: Patch = serde_json::from_str(r#"{"tlp":"orange"}"#).unwrap();
        assert!(patch
            .to_change()
            .unwrap_err()
            .to_string()
            .starts_with("tlp: "));
        assert!(serde_json::from_str::<Patch>(r#"{"colour":"red"}"#).is_err());
        let patch: Patch =
            serde_json::from_str(r#"{"state":"resolved","comment":"done","country":""}"#).unwrap();
        let change = patch.to_change().unwrap();
        assert_eq!(change.state, Some(IncidentState::Resolved));
        assert_eq!(change.country.as_deref(), Some(""));
    }

    #[test]
    fn an_empty_forward_body_is_the_routed_team() {
        let b = body(&Bytes::from_static(b" "), Some(ForwardBody::default()));
        assert!(matches!(b, Ok(ForwardBody { team: None })));
        let b: Result<ForwardBody, _> = body(&Bytes::from_static(b"{\"team\":\"cert-br\"}"), None);
        assert!(matches!(b, Ok(ForwardBody { team: Some(t) }) if t == "cert-br"));
        assert!(body::<ForwardBody>(&Bytes::from_static(b"{\"teem\":1}"), None).is_err());
    }
}
