//! Alert mail through a real SMTP server on loopback: aiosmtpd, run by
//! hirundo-testbed's `SmtpSink`, which saves each message for the test to
//! read. Without python3 and aiosmtpd these tests skip loudly, except
//! under CI=true, where they fail.

use hirundo_deliver::{DeliverError, Mailer, SmtpConfig, SmtpTls};
use hirundo_testbed::smtp::{free_port, SmtpSink};

use crate::alert;

trait Config {
    fn config(&self) -> SmtpConfig;
}

impl Config for SmtpSink {
    fn config(&self) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".to_owned(),
            port: self.port(),
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "hirundo <alerts@csirt.example.org>".to_owned(),
            to: vec![
                "soc@csirt.example.org".to_owned(),
                "CERT partner <cert@partner.example.net>".to_owned(),
            ],
            timeout_secs: 10,
        }
    }
}

#[test]
fn mail_arrives_labelled_with_both_parts() {
    let Some(sink) = SmtpSink::start("mail_arrives_labelled_with_both_parts", None) else {
        return;
    };
    let mailer = Mailer::new(&sink.config(), "https://collector.example.org:8443").unwrap();
    mailer
        .send(&alert(), "opened")
        .expect("aiosmtpd accepts it");
    let (m, raw) = sink.message(1);

    assert_eq!(m["mail_from"], "alerts@csirt.example.org");
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["soc@csirt.example.org", "cert@partner.example.net"])
    );
    assert_eq!(
        m["subject"],
        "[TLP:AMBER] hirundo alert: Surge of scans to 8728/tcp from BR, 37 sources"
    );
    let headers = &m["headers"];
    assert_eq!(headers["X-Hirundo-Alert-Id"], "42");
    assert_eq!(headers["X-Hirundo-Event"], "opened");
    assert_eq!(headers["Auto-Submitted"], "auto-generated");
    let message_id = headers["Message-ID"].as_str().unwrap();
    assert!(
        message_id.starts_with("<hirundo.alert.42.opened.")
            && message_id.ends_with("@csirt.example.org>"),
        "{message_id}"
    );
    assert_eq!(m["content_type"], "multipart/alternative");

    let parts = m["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert_eq!(parts[0]["content_type"], "text/plain");
    assert_eq!(parts[1]["content_type"], "text/html");
    let plain = parts[0]["text"].as_str().unwrap();
    assert_eq!(plain.lines().next(), Some("TLP:AMBER"));
    assert!(
        plain.contains("hirundo alert 42 opened: Surge of scans to 8728/tcp"),
        "{plain}"
    );
    assert!(
        plain.contains("Peak:        51234 packets from 37 sources per hour"),
        "{plain}"
    );
    assert!(plain.contains("Countries:   BR, AR"), "{plain}");
    assert!(
        plain.contains("  203.0.113.7    BR  28573    40000  mirai"),
        "{plain}"
    );
    assert!(plain.contains("Fingerprints: mirai 30, none 7"), "{plain}");
    assert!(
        plain.contains("https://collector.example.org:8443/alerts/42"),
        "{plain}"
    );
    let html = parts[1]["text"].as_str().unwrap();
    assert!(html.contains("<p><strong>TLP:AMBER</strong>"), "{html}");
    assert!(html.contains("<td>203.0.113.7</td>"), "{html}");
    assert!(
        html.contains("<a href=\"https://collector.example.org:8443/alerts/42\">"),
        "{html}"
    );
    // The label is also in the raw subject line, not only after decoding.
    assert!(raw.contains("Subject: [TLP:AMBER] hirundo alert:"), "{raw}");
}

#[test]
fn auth_succeeds_with_the_right_password_and_fails_naming_the_server() {
    let Some(sink) = SmtpSink::start(
        "auth_succeeds_with_the_right_password",
        Some("hirundo:correct horse"),
    ) else {
        return;
    };
    let mut config = sink.config();
    config.username = Some("hirundo".to_owned());
    config.password = Some("correct horse".to_owned());
    Mailer::new(&config, "https://c.example.org")
        .unwrap()
        .send(&alert(), "updated")
        .expect("right credentials");
    let (m, _) = sink.message(1);
    assert_eq!(m["login"], "hirundo");
    assert_eq!(m["headers"]["X-Hirundo-Event"], "updated");

    config.password = Some("wrong".to_owned());
    let err = Mailer::new(&config, "https://c.example.org")
        .unwrap()
        .send(&alert(), "closed")
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "SMTP 127.0.0.1:{}: the server refused (permanent",
            sink.port()
        )),
        "{text}"
    );
    // aiosmtpd answers 535 to bad credentials; the code is in the cause.
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert!(cause.contains("535"), "{cause}");
    assert!(!sink.has(2));
}

#[test]
fn nothing_listening_names_host_and_port() {
    let port = free_port();
    let config = SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port,
        tls: SmtpTls::None,
        username: None,
        password: None,
        from: "alerts@csirt.example.org".to_owned(),
        to: vec!["soc@csirt.example.org".to_owned()],
        timeout_secs: 5,
    };
    let err = Mailer::new(&config, "https://c.example.org")
        .unwrap()
        .send(&alert(), "opened")
        .unwrap_err();
    assert!(
        matches!(err, DeliverError::Smtp { port: p, .. } if p == port),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("SMTP 127.0.0.1:{port}: could not connect, or the connection broke")
    );
}
