//! Webhooks POSTed to a real HTTP server on loopback: one thread, one
//! request, the answer the test chooses.

use std::time::{Duration, SystemTime};

use hirundo_deliver::{is_fresh, verify, DeliverError, Webhook};
use hirundo_testbed::http::serve_once;
use hirundo_testbed::smtp::free_port;

use crate::alert;

fn hook(url: String) -> Webhook {
    Webhook {
        url,
        secret: b"a shared secret of 32 bytes, ok?".to_vec(),
        timeout: Duration::from_secs(10),
    }
}

#[test]
fn signed_post_verifies_at_the_receiver() {
    let (url, received) = serve_once("204 No Content", Vec::new());
    let hook = hook(format!("{url}/hooks/hirundo"));
    hook.post(&alert(), "opened").expect("a 204 is success");
    let req = received.recv_timeout(Duration::from_secs(10)).unwrap();

    assert_eq!(req.request_line, "POST /hooks/hirundo HTTP/1.1");
    assert_eq!(req.header("content-type"), "application/json");
    assert_eq!(req.header("x-hirundo-event"), "opened");
    assert_eq!(req.header("x-hirundo-alert-id"), "42");
    let timestamp = req.header("x-hirundo-timestamp");
    let signature = req.header("x-hirundo-signature");
    assert!(
        signature.starts_with("sha256=") && signature.len() == 71,
        "{signature}"
    );
    assert!(is_fresh(timestamp, SystemTime::now()), "{timestamp}");
    assert!(verify(&hook.secret, timestamp, &req.body, signature));
    assert!(!verify(b"another secret", timestamp, &req.body, signature));

    let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(v["schema"], "hirundo.alert/1");
    assert_eq!(v["event"], "opened");
    assert_eq!(v["tlp"], "TLP:AMBER");
    assert_eq!(v["alert"]["id"], 42);
    assert_eq!(v["alert"]["countries"], serde_json::json!(["BR", "AR"]));
}

#[test]
fn a_500_is_an_error_with_status_and_the_start_of_the_body() {
    let answer: Vec<u8> = std::iter::repeat_n(b'x', 300).collect();
    let (url, received) = serve_once("500 Internal Server Error", answer);
    let err = hook(format!("{url}/in?token=abc"))
        .post(&alert(), "updated")
        .unwrap_err();
    received.recv_timeout(Duration::from_secs(10)).unwrap();
    match &err {
        DeliverError::WebhookStatus {
            url: u,
            status,
            body,
        } => {
            assert_eq!(*status, 500);
            assert_eq!(body.len(), 200);
            assert!(body.bytes().all(|b| b == b'x'));
            assert_eq!(u, &format!("{url}/in"));
        }
        other => panic!("expected WebhookStatus, got {other:?}"),
    }
    assert!(err.to_string().contains("answered HTTP 500"), "{err}");
}

#[test]
fn a_redirect_is_not_followed_but_reported() {
    let (url, received) = serve_once("302 Found", Vec::new());
    let err = hook(url).post(&alert(), "closed").unwrap_err();
    received.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        matches!(err, DeliverError::WebhookStatus { status: 302, .. }),
        "{err:?}"
    );
}

#[test]
fn connection_refused_names_the_url() {
    // Nothing listens on a port that was just free.
    let url = format!("http://127.0.0.1:{}/in", free_port());
    let err = hook(url.clone()).post(&alert(), "opened").unwrap_err();
    assert!(
        matches!(err, DeliverError::WebhookTransport { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("webhook {url} could not be reached")
    );
    let cause = std::error::Error::source(&err).expect("the transport error is kept");
    assert!(!cause.to_string().is_empty());
}
