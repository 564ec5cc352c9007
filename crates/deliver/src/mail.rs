//! Alert e-mail over SMTP: a plain-text part and an HTML alternative,
//! TLP-labelled in the subject and on the first line of each part.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hirundo_surge::Alert;
use lettre::message::header::ContentType;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};

use crate::error::DeliverError;
use crate::render::{self, alert_link, one_line};
use crate::tlp;
use crate::webhook::check_event;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same host or a trusted segment.
    #[serde(rename = "none")]
    None,
    /// Plain connect, then STARTTLS, which is required (usually port 587).
    #[serde(rename = "starttls")]
    StartTls,
    /// TLS from the first byte ("implicit TLS", usually port 465).
    #[serde(rename = "tls")]
    Tls,
}

fn default_timeout_secs() -> u64 {
    30
}

/// Where and how alert mail is sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The relay's host name; with TLS, the name its certificate must carry.
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Both or neither; sent only over TLS unless the relay is on loopback.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// "hirundo <alerts@csirt.example.org>" or a bare address; its domain
    /// also names the Message-IDs.
    pub from: String,
    /// Every recipient gets the same message.
    pub to: Vec<String>,
    /// For each network step (connect, each command), in seconds.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

impl std::fmt::Debug for SmtpConfig {
    // The password must not end up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("from", &self.from)
            .field("to", &self.to)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl SmtpConfig {
    /// Checks what would make every message fail, or leak a password, and
    /// says which field to fix.
    pub fn validate(&self) -> Result<(), DeliverError> {
        self.addresses().map(|_| ())
    }

    /// The parsed sender and recipients, after [`SmtpConfig::validate`]'s checks.
    fn addresses(&self) -> Result<(Mailbox, Vec<Mailbox>), DeliverError> {
        let bad = |reason: String| DeliverError::InvalidConfig {
            what: "SMTP",
            reason,
        };
        if self.host.trim().is_empty() {
            return Err(bad("host is empty".to_owned()));
        }
        if self.port == 0 {
            return Err(bad("port is 0".to_owned()));
        }
        if self.timeout_secs == 0 {
            return Err(bad("timeout_secs is 0".to_owned()));
        }
        match (&self.username, &self.password) {
            (Some(_), None) | (None, Some(_)) => {
                return Err(bad(
                    "username and password go together: set both or neither".to_owned(),
                ))
            }
            (Some(_), Some(_)) if self.tls == SmtpTls::None && !is_loopback(&self.host) => {
                return Err(bad(format!(
                    "a password would cross the network in clear text to {}: use tls = \"starttls\" or \"tls\"",
                    self.host
                )))
            }
            _ => {}
        }
        let from: Mailbox = self
            .from
            .parse()
            .map_err(|e| bad(format!("from {:?} is not an address: {e}", self.from)))?;
        if self.to.is_empty() {
            return Err(bad("to is empty: name at least one recipient".to_owned()));
        }
        let to = self
            .to
            .iter()
            .map(|t| {
                t.parse::<Mailbox>()
                    .map_err(|e| bad(format!("to {t:?} is not an address: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((from, to))
    }
}

/// Sends alert mail through one SMTP relay. Blocking: a connection per
/// [`Mailer::send`], which suits a few alerts an hour.
pub struct Mailer {
    transport: SmtpTransport,
    host: String,
    port: u16,
    from: Mailbox,
    to: Vec<Mailbox>,
    base_url: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from.to_string())
            .field("to", &self.to.len())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `config`; links in the mail point to
    /// `{base_url}/alerts/{id}`. Connects to nothing yet.
    pub fn new(config: &SmtpConfig, base_url: &str) -> Result<Mailer, DeliverError> {
        let (from, to) = config.addresses()?;
        let tls_failed = |source| DeliverError::Smtp {
            host: config.host.clone(),
            port: config.port,
            what: "could not set up TLS",
            source,
        };
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => {
                Tls::Required(TlsParameters::new(config.host.clone()).map_err(tls_failed)?)
            }
            SmtpTls::Tls => {
                Tls::Wrapper(TlsParameters::new(config.host.clone()).map_err(tls_failed)?)
            }
        };
        // `builder_dangerous` only means "no TLS unless set": `tls` is set
        // just above from the operator's choice.
        let mut builder = SmtpTransport::builder_dangerous(config.host.clone())
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(config.timeout_secs)));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            host: config.host.clone(),
            port: config.port,
            from,
            to,
            base_url: base_url.to_owned(),
        })
    }

    /// Sends the mail for `alert` at `event` ("opened", "updated",
    /// "closed") to every recipient.
    pub fn send(&self, alert: &Alert, event: &str) -> Result<(), DeliverError> {
        let message = self.message(alert, event)?;
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|source| DeliverError::Smtp {
                host: self.host.clone(),
                port: self.port,
                what: smtp_step(&source),
                source,
            })
    }

    /// The message [`Mailer::send`] would send, as RFC 5322 bytes: for a
    /// dry run or a preview.
    pub fn formatted(&self, alert: &Alert, event: &str) -> Result<Vec<u8>, DeliverError> {
        Ok(self.message(alert, event)?.formatted())
    }

    fn message(&self, alert: &Alert, event: &str) -> Result<Message, DeliverError> {
        check_event(event)?;
        let link = alert_link(&self.base_url, alert.id);
        let domain = self.from.email.domain().to_owned();
        let now_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject(alert))
            // Unique per mail; the shared reference below threads the
            // opened, updated and closed mails of one alert together.
            .message_id(Some(format!(
                "<hirundo.alert.{}.{event}.{now_ns}@{domain}>",
                alert.id
            )))
            .references(format!("<hirundo.alert.{}@{domain}>", alert.id))
            .user_agent(concat!("hirundo/", env!("CARGO_PKG_VERSION")).to_owned())
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Hirundo-Alert-Id"),
                alert.id.to_string(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Hirundo-Event"),
                event.to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Hirundo-TLP"),
                tlp::label(alert).to_owned(),
            ))
            // RFC 3834: no vacation auto-replies to an alert robot.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ));
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                render::plain(alert, event, &link),
                render::html_document(alert, event, &link),
            ))
            .map_err(|source| DeliverError::MailBuild {
                host: self.host.clone(),
                port: self.port,
                source,
            })
    }
}

/// A file attached to an [`Outgoing`] message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// Plain ASCII, no path: "hirundo-darknet-2026-11-22-HIR-N-2026-000001.csv".
    pub filename: String,
    /// "text/csv", "application/stix+json;version=2.1"...
    pub mime: String,
    pub body: Vec<u8>,
}

/// A message to another team (a notification, a forwarded incident): a
/// plain-text body and attachments, labelled and numbered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The team's addresses.
    pub to: Vec<String>,
    /// Carries the TLP label first, as TLP 2.0 requires.
    pub subject: String,
    /// Starts with the TLP label.
    pub text: String,
    /// "TLP:AMBER", repeated in a header for filters.
    pub tlp_label: String,
    /// The log's ticket, in a header and the Message-ID, so a reply can
    /// be matched.
    pub ticket: String,
    pub attachments: Vec<Attached>,
}

impl Mailer {
    /// Sends `message` to its recipients, with a blind copy to the
    /// configured `to` (the operator's own archive). Returns the
    /// Message-ID.
    pub fn send_outgoing(&self, message: &Outgoing) -> Result<String, DeliverError> {
        let (mail, id) = self.outgoing(message)?;
        self.transport
            .send(&mail)
            .map(|_| id)
            .map_err(|source| DeliverError::Smtp {
                host: self.host.clone(),
                port: self.port,
                what: smtp_step(&source),
                source,
            })
    }

    /// The RFC 5322 bytes [`Mailer::send_outgoing`] would send: for previews.
    pub fn outgoing_formatted(&self, message: &Outgoing) -> Result<Vec<u8>, DeliverError> {
        Ok(self.outgoing(message)?.0.formatted())
    }

    fn outgoing(&self, message: &Outgoing) -> Result<(Message, String), DeliverError> {
        let bad = |reason: String| DeliverError::InvalidConfig {
            what: "outgoing mail",
            reason,
        };
        if message.to.is_empty() {
            return Err(bad(format!("{}: no recipient", message.ticket)));
        }
        let domain = self.from.email.domain().to_owned();
        let id = format!("<{}@{domain}>", one_line(&message.ticket));
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(one_line(&message.subject))
            .message_id(Some(id.clone()))
            .user_agent(concat!("hirundo/", env!("CARGO_PKG_VERSION")).to_owned())
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Hirundo-Ticket"),
                one_line(&message.ticket),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Hirundo-TLP"),
                one_line(&message.tlp_label),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ));
        for to in &message.to {
            let mailbox: Mailbox = to
                .parse()
                .map_err(|e| bad(format!("{}: recipient {to:?}: {e}", message.ticket)))?;
            builder = builder.to(mailbox);
        }
        for copy in &self.to {
            builder = builder.bcc(copy.clone());
        }
        let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(message.text.clone()));
        for file in &message.attachments {
            let kind = ContentType::parse(&file.mime)
                .map_err(|e| bad(format!("{}: type {:?}: {e}", file.filename, file.mime)))?;
            parts = parts.singlepart(
                Attachment::new(one_line(&file.filename)).body(file.body.clone(), kind),
            );
        }
        let mail = builder
            .multipart(parts)
            .map_err(|source| DeliverError::MailBuild {
                host: self.host.clone(),
                port: self.port,
                source,
            })?;
        Ok((mail, id))
    }
}

/// "[TLP:AMBER] hirundo alert: {title}", on one line whatever the title holds.
pub fn subject(alert: &Alert) -> String {
    format!(
        "[{}] hirundo alert: {}",
        tlp::label(alert),
        one_line(&alert.title)
    )
}

/// Which step of the exchange failed, as far as lettre's error tells.
fn smtp_step(e: &lettre::transport::smtp::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_tls() {
        "TLS failed (handshake or certificate)"
    } else if e.is_permanent() {
        "the server refused (permanent: fix the address, credentials or message)"
    } else if e.is_transient() {
        "the server refused for now (transient: try again later)"
    } else if e.is_response() {
        "the server's answer made no sense"
    } else {
        "could not connect, or the connection broke"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::alert;

    fn config() -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".to_owned(),
            port: 2525,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "hirundo <alerts@csirt.example.org>".to_owned(),
            to: vec![
                "soc@csirt.example.org".to_owned(),
                "b@partner.example.net".to_owned(),
            ],
            timeout_secs: 5,
        }
    }

    #[test]
    fn validate_explains_what_to_fix() {
        assert!(config().validate().is_ok());
        let err = |c: SmtpConfig| c.validate().unwrap_err().to_string();
        let mut c = config();
        c.to.clear();
        assert!(err(c).contains("to is empty"));
        let mut c = config();
        c.to.push("not an address".to_owned());
        assert!(err(c).contains("\"not an address\" is not an address"));
        let mut c = config();
        c.username = Some("u".to_owned());
        assert!(err(c).contains("set both or neither"));
        let mut c = config();
        c.host = "smtp.example.org".to_owned();
        c.username = Some("u".to_owned());
        c.password = Some("p".to_owned());
        assert!(err(c.clone()).contains("clear text to smtp.example.org"));
        c.tls = SmtpTls::StartTls;
        assert!(c.validate().is_ok());
        assert!(!format!("{c:?}").contains("\"p\""));
    }

    #[test]
    fn config_reads_from_json_and_refuses_unknown_fields() {
        let c: SmtpConfig = serde_json::from_str(
            r#"{"host":"smtp.example.org","port":587,"tls":"starttls","from":"a@example.org","to":["b@example.org"]}"#,
        )
        .unwrap();
        assert_eq!(c.tls, SmtpTls::StartTls);
        assert_eq!(c.timeout_secs, 30);
        assert!(serde_json::from_str::<SmtpConfig>(
            r#"{"host":"h","port":1,"tls":"none","from":"a@example.org","to":[],"starttls":true}"#
        )
        .is_err());
    }

    #[test]
    fn hostile_title_cannot_add_headers() {
        let mut a = alert();
        a.title = "x\r\nBcc: evil@example.org".to_owned();
        assert_eq!(
            subject(&a),
            "[TLP:AMBER] hirundo alert: x  Bcc: evil@example.org"
        );
        let mailer = Mailer::new(&config(), "https://c.example.org").unwrap();
        let raw = String::from_utf8(mailer.formatted(&a, "opened").unwrap()).unwrap();
        assert!(!raw.lines().any(|l| l.starts_with("Bcc:")), "{raw}");
    }

    #[test]
    fn message_has_headers_and_both_parts() {
        let mailer = Mailer::new(&config(), "https://c.example.org/").unwrap();
        let raw = String::from_utf8(mailer.formatted(&alert(), "updated").unwrap()).unwrap();
        let head = &raw[..raw.find("\r\n\r\n").unwrap()];
        assert!(
            head.contains(
                "Subject: [TLP:AMBER] hirundo alert: Surge of scans to 8728/tcp from BR,"
            ),
            "{head}"
        );
        assert!(head.contains("X-Hirundo-Alert-Id: 42\r\n"), "{head}");
        assert!(head.contains("X-Hirundo-Event: updated\r\n"), "{head}");
        assert!(
            head.contains("Message-ID: <hirundo.alert.42.updated."),
            "{head}"
        );
        assert!(head.contains("@csirt.example.org>"), "{head}");
        assert!(
            head.contains("References: <hirundo.alert.42@csirt.example.org>"),
            "{head}"
        );
        assert!(head.contains("multipart/alternative"), "{head}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(
            raw.contains("Content-Type: text/html; charset=utf-8"),
            "{raw}"
        );
        assert!(raw.contains("https://c.example.org/alerts/42"), "{raw}");
        assert!(matches!(
            mailer.formatted(&alert(), "deleted"),
            Err(DeliverError::UnknownEvent { .. })
        ));
    }
}
