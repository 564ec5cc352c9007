//! TLP on everything that leaves by the API: every answer under `/api/`
//! carries a `TLP` header. Handlers that know their data's label set it
//! (an incident's own, a list's highest); everything else is the
//! darknet's default, TLP:AMBER, because it names sources.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hirundo_tlp::Tlp;
use serde::Serialize;

/// The response header carrying the label, `TLP: TLP:AMBER`.
pub const TLP_HEADER: HeaderName = HeaderName::from_static("tlp");

/// What the API's darknet views and anything without its own label are.
pub const DEFAULT: Tlp = Tlp::Amber;

/// The most restricted label of `labels`, or `empty` when there are none.
pub fn highest(labels: impl IntoIterator<Item = Tlp>, empty: Tlp) -> Tlp {
    labels.into_iter().max().unwrap_or(empty)
}

/// A JSON answer with its label in the header; the body should carry
/// the same label in its `tlp` field.
pub fn json<T: Serialize>(tlp: Tlp, status: axum::http::StatusCode, body: &T) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(TLP_HEADER, HeaderValue::from_static(tlp.label()));
    response
}

/// Around the whole router: an answer under `/api/` without a label gets
/// the default one. Errors are labelled too, which costs nothing and
/// means a client never has to guess.
pub async fn label_api(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if api && !response.headers().contains_key(TLP_HEADER) {
        response
            .headers_mut()
            .insert(TLP_HEADER, HeaderValue::from_static(DEFAULT.label()));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_is_the_most_restricted_or_the_fallback() {
        assert_eq!(
            highest([Tlp::Green, Tlp::Red, Tlp::Amber], Tlp::Clear),
            Tlp::Red
        );
        assert_eq!(highest([Tlp::Green, Tlp::Clear], Tlp::Amber), Tlp::Green);
        assert_eq!(highest([], Tlp::Amber), Tlp::Amber);
    }
}
