//! What can go wrong while delivering, one enum for the three channels:
//! callers log it, count it and retry on their own schedule.

/// A delivery that did not happen. Every variant names where it was going
/// (the webhook's URL, the SMTP host and port) so that an operator can
/// tell which of several destinations is failing.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// The event was none of "opened", "updated" or "closed".
    #[error("unknown alert event {event:?}: expected \"opened\", \"updated\" or \"closed\"")]
    UnknownEvent { event: String },

    /// A feed, webhook or mail configuration that cannot work; `reason` is
    /// a sentence the operator can act on.
    #[error("invalid {what} configuration: {reason}")]
    InvalidConfig { what: &'static str, reason: String },

    /// The webhook answered, but not with 2xx (redirects are not followed:
    /// a signed POST should not wander). `body` is its first
    /// [`crate::ERROR_BODY_LIMIT`] bytes, lossily decoded.
    #[error("webhook {url} answered HTTP {status}: {body:?}")]
    WebhookStatus {
        url: String,
        status: u16,
        body: String,
    },

    /// The webhook could not be reached: bad URL, DNS, refused connection,
    /// TLS or timeout. `url` has any user-info and query removed.
    #[error("webhook {url} could not be reached")]
    WebhookTransport {
        url: String,
        #[source]
        source: Box<ureq::Transport>,
    },

    /// The message could not be put together (an address that the mail
    /// builder refuses, for instance).
    #[error("could not build the alert e-mail for SMTP {host}:{port}")]
    MailBuild {
        host: String,
        port: u16,
        #[source]
        source: lettre::error::Error,
    },

    /// The SMTP exchange failed; `what` says at which step as far as the
    /// error tells (connect, TLS, refused by the server, timeout).
    #[error("SMTP {host}:{port}: {what}")]
    Smtp {
        host: String,
        port: u16,
        what: &'static str,
        #[source]
        source: lettre::transport::smtp::Error,
    },
}
