//! Signed JSON webhooks: one POST per alert event.
//!
//! # For receivers
//!
//! The body is `{"schema": "hirundo.alert/1", "event": ..., "tlp": ...,
//! "alert": {...}}`. Each request carries
//!
//! - `X-Hirundo-Timestamp`: the sender's clock, whole seconds since the epoch;
//! - `X-Hirundo-Signature`: `sha256=` and the lowercase hex of
//!   HMAC-SHA256(secret, timestamp + "." + body), over the exact bytes
//!   received.
//!
//! Check the signature with [`verify`] (or the same computation and a
//! constant-time comparison), and **reject timestamps more than five
//! minutes from your clock** ([`is_fresh`]): the signature covers the
//! timestamp, so a captured request cannot be replayed later with a new
//! one. Deduplicate by (alert id, event, timestamp) if the window matters.

use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hirundo_surge::Alert;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::error::DeliverError;
use crate::tlp;

/// The header with the timestamp the signature covers.
pub const TIMESTAMP_HEADER: &str = "X-Hirundo-Timestamp";
/// The header with `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "X-Hirundo-Signature";
/// The body's schema; a receiver can refuse versions it does not know.
pub const SCHEMA: &str = "hirundo.alert/1";
/// How far a receiver should let a timestamp be from its own clock.
pub const REPLAY_WINDOW: Duration = Duration::from_secs(300);
/// How much of a refusing answer's body an error keeps.
pub const ERROR_BODY_LIMIT: usize = 200;

/// The events an alert goes through, as the body's `event` says them.
pub const EVENTS: [&str; 3] = ["opened", "updated", "closed"];

type HmacSha256 = Hmac<Sha256>;

/// A receiver of signed alert POSTs.
#[derive(Clone)]
pub struct Webhook {
    /// http(s) URL to POST to.
    pub url: String,
    /// Shared with the receiver; at least 32 random bytes is sensible.
    pub secret: Vec<u8>,
    /// For the whole request: connect, send and answer.
    pub timeout: Duration,
}

impl std::fmt::Debug for Webhook {
    // The secret must not end up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &redact_url(&self.url))
            .field("secret", &format_args!("<{} bytes>", self.secret.len()))
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[derive(Serialize)]
struct Body<'a> {
    schema: &'static str,
    event: &'a str,
    tlp: &'static str,
    alert: &'a Alert,
}

/// The JSON body for `alert` at `event` ("opened", "updated", "closed").
pub fn webhook_body(alert: &Alert, event: &str) -> Vec<u8> {
    let body = Body {
        schema: SCHEMA,
        event,
        tlp: tlp::label(alert),
        alert,
    };
    // Cannot fail: every field is a string, number, list or struct (no map
    // with non-string keys, no fallible Serialize impl), and serde_json
    // writes non-finite floats as null.
    serde_json::to_vec(&body).expect("an alert always serializes to JSON")
}

/// `sha256=` + hex(HMAC-SHA256(secret, timestamp + "." + body)).
pub fn signature(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let mac = mac(secret, timestamp.to_string().as_bytes(), body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// Whether `signature_header` is the signature of `body` sent at
/// `timestamp` (the header's text, as received). The comparison takes the
/// same time wherever the first difference is. Does not judge the
/// timestamp's age: see [`is_fresh`].
pub fn verify(secret: &[u8], timestamp: &str, body: &[u8], signature_header: &str) -> bool {
    let Some(expected) = signature_header
        .trim()
        .strip_prefix("sha256=")
        .and_then(unhex)
    else {
        return false;
    };
    mac(secret, timestamp.as_bytes(), body)
        .verify_slice(&expected)
        .is_ok()
}

/// Whether a `X-Hirundo-Timestamp` value is within [`REPLAY_WINDOW`] of
/// `now`, either side (clocks drift both ways).
pub fn is_fresh(timestamp: &str, now: SystemTime) -> bool {
    let Ok(sent) = timestamp.trim().parse::<u64>() else {
        return false;
    };
    let now = unix_secs(now);
    now.abs_diff(sent) <= REPLAY_WINDOW.as_secs()
}

fn mac(secret: &[u8], timestamp: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length (long ones are hashed), so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(timestamp);
    mac.update(b".");
    mac.update(body);
    mac
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// Hex digits (either case) to bytes; `None` for an odd length or a
/// non-digit.
fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    s.as_bytes()
        .chunks_exact(2)
        .map(|pair| {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(pair[1]).to_digit(16)?;
            u8::try_from(hi << 4 | lo).ok()
        })
        .collect()
}

/// Fails unless `event` is one of [`EVENTS`], so that a typo in a caller
/// is not delivered to every receiver.
pub(crate) fn check_event(event: &str) -> Result<(), DeliverError> {
    if EVENTS.contains(&event) {
        Ok(())
    } else {
        Err(DeliverError::UnknownEvent {
            event: event.to_owned(),
        })
    }
}

/// `url` without user-info and query, which may hold credentials; the
/// scheme, host, port and path stay, to tell webhooks apart.
pub(crate) fn redact_url(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_owned(),
    }
}

impl Webhook {
    /// Checks what would make every POST fail or be unauthenticated.
    pub fn validate(&self) -> Result<(), DeliverError> {
        let bad = |reason: String| {
            Err(DeliverError::InvalidConfig {
                what: "webhook",
                reason,
            })
        };
        if !(self.url.starts_with("https://") || self.url.starts_with("http://")) {
            return bad(format!(
                "url {:?} is not an http(s) URL",
                redact_url(&self.url)
            ));
        }
        if self.secret.is_empty() {
            return bad("the secret is empty, so anyone could sign alerts".to_owned());
        }
        if self.timeout.is_zero() {
            return bad("the timeout is zero".to_owned());
        }
        Ok(())
    }

    /// POSTs the signed body for `alert` at `event`. Blocking: run it on a
    /// blocking thread. Only a 2xx answer is success.
    pub fn post(&self, alert: &Alert, event: &str) -> Result<(), DeliverError> {
        check_event(event)?;
        let id = alert.id.to_string();
        self.post_signed(
            &webhook_body(alert, event),
            &[("X-Hirundo-Event", event), ("X-Hirundo-Alert-Id", &id)],
        )
    }

    /// POSTs any JSON `body`, signed the same way, with extra `headers`
    /// (names and values the caller controls, never free text from data).
    /// Blocking. Only a 2xx answer is success.
    pub fn post_signed(&self, body: &[u8], headers: &[(&str, &str)]) -> Result<(), DeliverError> {
        self.validate()?;
        let timestamp = unix_secs(SystemTime::now());
        let agent = ureq::AgentBuilder::new()
            .timeout(self.timeout)
            // A redirect would re-send (or drop) a signed body somewhere
            // nobody configured; the operator should fix the URL instead.
            .redirects(0)
            .user_agent(concat!("hirundo/", env!("CARGO_PKG_VERSION")))
            .build();
        let mut request = agent
            .post(&self.url)
            .set("Content-Type", "application/json")
            .set(TIMESTAMP_HEADER, &timestamp.to_string())
            .set(SIGNATURE_HEADER, &signature(&self.secret, timestamp, body));
        for (name, value) in headers {
            request = request.set(name, value);
        }
        match request.send_bytes(body) {
            Ok(response) if (200..300).contains(&response.status()) => Ok(()),
            Ok(response) | Err(ureq::Error::Status(_, response)) => Err(self.refused(response)),
            Err(ureq::Error::Transport(source)) => Err(DeliverError::WebhookTransport {
                url: redact_url(&self.url),
                source: Box::new(source),
            }),
        }
    }

    fn refused(&self, response: ureq::Response) -> DeliverError {
        let status = response.status();
        let mut head = Vec::with_capacity(ERROR_BODY_LIMIT);
        // The body only explains the refusal; failing to read it changes
        // nothing, so a read error leaves it short.
        let _ = response
            .into_reader()
            .take(ERROR_BODY_LIMIT as u64)
            .read_to_end(&mut head);
        DeliverError::WebhookStatus {
            url: redact_url(&self.url),
            status,
            body: String::from_utf8_lossy(&head).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::alert;
    use proptest::prelude::*;

    #[test]
    fn body_has_schema_event_label_and_alert() {
        let a = alert();
        let v: serde_json::Value = serde_json::from_slice(&webhook_body(&a, "closed")).unwrap();
        assert_eq!(v["schema"], "hirundo.alert/1");
        assert_eq!(v["event"], "closed");
        assert_eq!(v["tlp"], "TLP:AMBER");
        assert_eq!(v["alert"]["id"], 42);
        assert_eq!(v["alert"]["tlp"], "TLP:AMBER");
        assert_eq!(v["alert"]["packets"], 51_234);
        assert_eq!(v["alert"]["subject"]["port"], 8728);
        assert_eq!(
            v["alert"]["evidence"]["top_sources"][0]["addr"],
            "203.0.113.7"
        );
        // And it reads back into the same record.
        let back: Alert = serde_json::from_value(v["alert"].clone()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn non_finite_figures_become_null_not_a_panic() {
        let mut a = alert();
        a.score = f64::INFINITY;
        a.baseline = f64::NAN;
        let v: serde_json::Value = serde_json::from_slice(&webhook_body(&a, "updated")).unwrap();
        assert!(v["alert"]["score"].is_null() && v["alert"]["baseline"].is_null());
    }

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        // RFC 4231 test case 2 checks the HMAC and the hex spelling...
        assert_eq!(
            mac_raw(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // ...and the signature is that over "timestamp.body".
        let sig = signature(b"s3cret", 1_700_000_000, b"{}");
        assert_eq!(
            sig,
            format!("sha256={}", mac_raw(b"s3cret", b"1700000000.{}"))
        );
        assert_eq!(sig.len(), 71);
    }

    fn mac_raw(key: &[u8], data: &[u8]) -> String {
        let mut m = HmacSha256::new_from_slice(key).unwrap();
        m.update(data);
        hex(&m.finalize().into_bytes())
    }

    #[test]
    fn verify_accepts_only_the_exact_request() {
        let body = webhook_body(&alert(), "opened");
        let sig = signature(b"k", 1_700_000_000, &body);
        assert!(verify(b"k", "1700000000", &body, &sig));
        assert!(verify(
            b"k",
            "1700000000",
            &body,
            &sig.to_uppercase().replace("SHA256=", "sha256=")
        ));
        assert!(!verify(b"k", "1700000001", &body, &sig));
        assert!(!verify(b"K", "1700000000", &body, &sig));
        let mut tampered = body.clone();
        tampered[10] ^= 1;
        assert!(!verify(b"k", "1700000000", &tampered, &sig));
        assert!(!verify(b"k", "1700000000", &body, &sig[..sig.len() - 2]));
        assert!(!verify(
            b"k",
            "1700000000",
            &body,
            sig.trim_start_matches("sha256=")
        ));
        assert!(!verify(b"k", "1700000000", &body, ""));
    }

    #[test]
    fn freshness_window_is_five_minutes_both_ways() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert!(is_fresh("1700000000", now));
        assert!(is_fresh("1699999700", now));
        assert!(!is_fresh("1699999699", now));
        assert!(is_fresh("1700000300", now));
        assert!(!is_fresh("1700000301", now));
        assert!(!is_fresh("soon", now));
        assert!(!is_fresh("", now));
    }

    #[test]
    fn urls_lose_credentials_but_keep_host_and_path() {
        assert_eq!(
            redact_url("https://user:pw@hooks.example.org:8443/csirt/in?token=abc#x"),
            "https://hooks.example.org:8443/csirt/in"
        );
        assert_eq!(redact_url("http://127.0.0.1:9"), "http://127.0.0.1:9");
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn validate_and_events() {
        let hook = Webhook {
            url: "https://h.example.org/in".to_owned(),
            secret: b"k".to_vec(),
            timeout: Duration::from_secs(5),
        };
        assert!(hook.validate().is_ok());
        let empty = Webhook {
            secret: vec![],
            ..hook.clone()
        };
        assert!(empty
            .validate()
            .unwrap_err()
            .to_string()
            .contains("secret is empty"));
        assert!(!format!("{hook:?}").contains("k\""));
        assert!(check_event("updated").is_ok());
        let err = hook.post(&alert(), "reopened").unwrap_err();
        assert!(matches!(err, DeliverError::UnknownEvent { ref event } if event == "reopened"));
    }

    proptest! {
        #[test]
        fn hex_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(unhex(&hex(&bytes)), Some(bytes));
        }

        #[test]
        fn verify_never_panics_and_rejects_junk(
            header in "(sha256=)?[0-9a-fA-F]{0,70}|.{0,80}",
            ts in "[0-9]{0,12}",
        ) {
            // Junk is refused; a header that verifies would need the key.
            let accepted = verify(b"k", &ts, b"body", &header);
            prop_assert!(!accepted);
        }
    }
}
