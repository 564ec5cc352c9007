//! The incident pages: `/incidents` (list, new, CSV import) and
//! `/incidents/{ticket}` (detail, update, forward). Every POST carries
//! the session's CSRF token; a refused form comes back with what was
//! typed and a sentence naming the field.

pub mod detail;
pub mod form;
pub mod list;

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::FormRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use hirundo_incident::State as IncidentState;

use self::detail::{DetailView, ForwardChoices, Outcome};
use self::form::{ForwardForm, NewForm, UpdateForm};
use self::list::ListView;
use super::Params;
use crate::auth::{check_csrf, now_ns};
use crate::coordination::{self, Imported, LIST_LIMIT};
use crate::error::WebError;
use crate::layout::Viewer;
use crate::params::encode_query;
use crate::state::{blocking, AppState, Shared};

/// The largest CSV file an import takes.
pub const MAX_UPLOAD: usize = 5 << 20;
/// The import route's body limit: the file and the form around it.
pub const MAX_UPLOAD_BODY: usize = MAX_UPLOAD + (64 << 10);

fn form_error(e: FormRejection) -> WebError {
    WebError::BadRequest(format!("the form: {}", e.body_text()))
}

/// The list page, with whatever the last form left to show.
fn list_page(
    shared: &Shared,
    viewer: &Viewer,
    filters: (Option<IncidentState>, Option<String>),
    form: &NewForm,
    problem: Option<&str>,
    imported: Option<&Imported>,
) -> Result<String, WebError> {
    let (state, category) = filters;
    let incidents = coordination::list(shared.store.as_ref(), state, category.clone(), LIST_LIMIT)?;
    Ok(list::render(
        viewer,
        &ListView {
            incidents: &incidents,
            state,
            category: category.as_deref(),
            form,
            problem,
            imported,
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    params: Params,
) -> Result<Html<String>, WebError> {
    let filters = (
        coordination::parse_state(params.get("state"))?,
        coordination::parse_category(params.get("category"))?,
    );
    blocking(move || list_page(&state.0, &viewer, filters, &NewForm::default(), None, None))
        .await
        .map(Html)
}

/// `POST /incidents`: records the incident and goes to its page; a
/// refused form comes back filled in, with the reason.
pub async fn create(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    form: Result<Form<NewForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(form_error)?;
    check_csrf(&form.csrf, &viewer)?;
    blocking(move || {
        let made = form.to_new().and_then(|new| {
            coordination::create_incident(state.0.store.as_ref(), new, &viewer.account, now_ns())
        });
        match made {
            Ok(incident) => Ok(Redirect::to(&format!(
                "/incidents/{}",
                encode_query(&incident.ticket)
            ))
            .into_response()),
            Err(err @ (WebError::BadRequest(_) | WebError::Conflict(_))) => {
                let html = list_page(
                    &state.0,
                    &viewer,
                    (None, None),
                    &form,
                    Some(&err.to_string()),
                    None,
                )?;
                Ok((err.status(), Html(html)).into_response())
            }
            Err(err) => Err(err),
        }
    })
    .await
}

/// What the import form sent.
#[derive(Default)]
struct Upload {
    csrf: String,
    reporter: String,
    file: Option<Vec<u8>>,
}

fn multipart_error(e: MultipartError) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        WebError::BadRequest(format!("the upload: {}", e.body_text()))
    }
}

fn too_large() -> WebError {
    WebError::TooLarge(format!(
        "The file is larger than {} MiB, the most one import takes: split it, or send a feed of that size through the alert pipeline instead.",
        MAX_UPLOAD >> 20
    ))
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, WebError> {
    let mut upload = Upload::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("csrf") => upload.csrf = field.text().await.map_err(multipart_error)?,
            Some("reporter") => upload.reporter = field.text().await.map_err(multipart_error)?,
            Some("file") => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if bytes.len() + chunk.len() > MAX_UPLOAD {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                upload.file = Some(bytes);
            }
            // Other fields are skipped by the next call.
            _ => {}
        }
    }
    Ok(upload)
}

/// `POST /incidents/import`: a reporter's CSV file, one incident per
/// good row; the list comes back with what was made and what was not.
pub async fn import(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let multipart = multipart.map_err(|e| {
        WebError::BadRequest(format!(
            "the import form: {} (it is sent as multipart/form-data)",
            e.body_text()
        ))
    })?;
    let upload = read_upload(multipart).await?;
    check_csrf(&upload.csrf, &viewer)?;
    let reporter = upload.reporter.trim().to_string();
    if reporter.is_empty() {
        return Err(WebError::BadRequest(
            "reporter is empty: say who sent the file (an address, a team)".into(),
        ));
    }
    let bytes = upload
        .file
        .ok_or_else(|| WebError::BadRequest("the upload has no file: choose a CSV file".into()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        WebError::BadRequest(format!(
            "the file is not UTF-8 text (byte {} is not): save it as \"CSV UTF-8\" and import it again",
            e.utf8_error().valid_up_to()
        ))
    })?;
    blocking(move || {
        let result = coordination::import(
            state.0.store.as_ref(),
            &text,
            &reporter,
            &viewer.account,
            now_ns(),
        )?;
        let html = list_page(
            &state.0,
            &viewer,
            (None, None),
            &NewForm::default(),
            None,
            Some(&result),
        )?;
        Ok(Html(html).into_response())
    })
    .await
}

/// The detail page of `ticket`, with what the last form left to show.
fn detail_page(
    shared: &Shared,
    viewer: &Viewer,
    ticket: &str,
    problem: Option<&str>,
    outcome: Option<&Outcome>,
) -> Result<String, WebError> {
    let store = shared.store.as_ref();
    let incident = coordination::incident_by_ticket(store, ticket)?;
    let events = store.incident_events(incident.id)?;
    let locate = |ip| shared.locate(ip);
    let forward = match coordination::directory(store) {
        Ok(directory) => Ok(ForwardChoices::new(&directory, &incident, &locate)),
        Err(WebError::Conflict(why)) => Err(why),
        Err(err) => return Err(err),
    };
    Ok(detail::render(
        viewer,
        &DetailView {
            incident: &incident,
            events: &events,
            forward,
            problem,
            outcome,
        },
    ))
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(ticket): Path<String>,
) -> Result<Html<String>, WebError> {
    blocking(move || detail_page(&state.0, &viewer, &ticket, None, None))
        .await
        .map(Html)
}

/// `POST /incidents/{ticket}`: state, comment, label, sources; back to
/// the page, or the page with the reason it was refused.
pub async fn update(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(ticket): Path<String>,
    form: Result<Form<UpdateForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(form_error)?;
    check_csrf(&form.csrf, &viewer)?;
    blocking(move || {
        let changed = form.to_change().and_then(|change| {
            coordination::change_incident(
                state.0.store.as_ref(),
                &ticket,
                change,
                &viewer.account,
                now_ns(),
            )
        });
        match changed {
            Ok((incident, _)) => Ok(Redirect::to(&format!(
                "/incidents/{}",
                encode_query(&incident.ticket)
            ))
            .into_response()),
            Err(err @ (WebError::BadRequest(_) | WebError::Conflict(_))) => {
                let html = detail_page(&state.0, &viewer, &ticket, Some(&err.to_string()), None)?;
                Ok((err.status(), Html(html)).into_response())
            }
            Err(err) => Err(err),
        }
    })
    .await
}

/// `POST /incidents/{ticket}/forward`: sends it to the chosen (or the
/// routed) team and shows how that went: sent, failed and logged, or
/// refused with the rule that refused it.
pub async fn forward(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(ticket): Path<String>,
    form: Result<Form<ForwardForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(form_error)?;
    check_csrf(&form.csrf, &viewer)?;
    let channels = state.channels();
    blocking(move || {
        let shared = &state.0;
        let locate = |ip| shared.locate(ip);
        let done = coordination::forward_incident(
            shared.store.as_ref(),
            &ticket,
            form.team(),
            &locate,
            &viewer.account,
            &channels,
            now_ns(),
        );
        let (status, outcome) = match done {
            Ok(f) => (StatusCode::OK, Outcome::Done(f)),
            Err(WebError::Conflict(why)) => (StatusCode::CONFLICT, Outcome::Refused(why)),
            Err(err) => return Err(err),
        };
        let html = detail_page(shared, &viewer, &ticket, None, Some(&outcome))?;
        Ok((status, Html(html)).into_response())
    })
    .await
}
