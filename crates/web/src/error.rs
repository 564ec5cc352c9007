//! One error type for every page and API answer: bad input is a 4xx that
//! says what was wrong; a failure inside is a 500 whose cause goes to the
//! log, never to the browser.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use hirundo_store::StoreError;

use crate::layout::{self, escape, Nav, Page};

#[derive(Debug)]
pub enum WebError {
    /// Input that cannot be understood: a malformed port, address, period.
    BadRequest(String),
    /// Input understood, but nothing is there (an unknown alert id).
    NotFound(String),
    /// A form without its CSRF token, or with another session's.
    Forbidden(String),
    /// Understood, but the record's rules refuse it now: an illegal state
    /// move, a forward that TLP or the team's ceiling forbids.
    Conflict(String),
    /// An upload over its limit.
    TooLarge(String),
    /// Too many failed logins from one place.
    TooMany(String),
    /// Logged when made; the user sees only that it failed.
    Internal,
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for WebError {}

impl WebError {
    /// Logs the cause and hides it.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> WebError {
        eprintln!("hirundo serve: web: {context}: {err}");
        WebError::Internal
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> &str {
        match self {
            WebError::BadRequest(m)
            | WebError::NotFound(m)
            | WebError::Forbidden(m)
            | WebError::Conflict(m)
            | WebError::TooLarge(m)
            | WebError::TooMany(m) => m,
            WebError::Internal => {
                "The dashboard failed to answer; the cause is in the collector's log. Try again later."
            }
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            WebError::BadRequest(_) => "bad_request",
            WebError::NotFound(_) => "not_found",
            WebError::Forbidden(_) => "forbidden",
            WebError::Conflict(_) => "conflict",
            WebError::TooLarge(_) => "too_large",
            WebError::TooMany(_) => "too_many",
            WebError::Internal => "internal",
        }
    }

    /// The same error in the API's JSON shape.
    pub fn json(self) -> Response {
        let body = serde_json::json!({"error": {
            "status": self.status().as_u16(),
            "reason": self.reason(),
            "message": self.message(),
        }});
        (self.status(), Json(body)).into_response()
    }
}

impl From<StoreError> for WebError {
    fn from(err: StoreError) -> Self {
        match err {
            // What the person asking can act on is theirs to see; the
            // rest is the operator's, logged and not shown.
            StoreError::Stale(_) | StoreError::AlreadyNotified { .. } => {
                WebError::Conflict(err.to_string())
            }
            StoreError::Invalid(_) => WebError::BadRequest(err.to_string()),
            StoreError::NoSuchTeam(_) | StoreError::NoSuchIncident(_) => {
                WebError::NotFound(err.to_string())
            }
            _ => WebError::internal("store", err),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        let title = match status.canonical_reason() {
            Some(reason) => format!("{} {reason}", status.as_u16()),
            None => status.as_u16().to_string(),
        };
        let body = format!(
            "<h1>{}</h1>\n<p class=\"error\" id=\"problem\">{}</p>\n<p><a href=\"/\">Back to the overview</a></p>\n",
            escape(&title),
            escape(self.message())
        );
        let page = Page {
            title: &title,
            nav: Nav::Other,
            viewer: None,
            public: false,
            attribution: false,
            tlp: None,
        };
        (status, Html(layout::render(&page, &body))).into_response()
    }
}

/// An API handler's error: the same causes, in JSON.
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(err: WebError) -> Self {
        ApiError(err)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.json()
    }
}
