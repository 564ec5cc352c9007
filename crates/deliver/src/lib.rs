//! Delivers alerts (`hirundo_surge::Alert`) to people and systems outside
//! the collector, in three ways:
//!
//! - [`atom_feed`]: an Atom 1.0 document of alerts for readers that poll,
//!   described by a [`FeedInfo`];
//! - [`Webhook::post`]: a JSON body ([`webhook_body`]) POSTed with an
//!   HMAC-SHA256 [`signature`] over a timestamp and the body, which
//!   receivers check with [`verify`] and [`is_fresh`];
//! - [`Mailer::send`]: a multipart plain-text and HTML e-mail over SMTP,
//!   configured by an [`SmtpConfig`].
//!
//! Alerts name sources, so every delivery carries the alert's TLP label
//! where a person or a parser sees it first ([`tlp::label`]). Everything is
//! blocking and knows nothing of the store: callers fetch the alerts, run
//! these on a blocking thread, and decide about retries on a
//! [`DeliverError`].

mod error;
mod feed;
mod mail;
mod markup;
mod render;
mod time;
pub mod tlp;
mod webhook;

#[cfg(test)]
mod testdata;

pub use error::DeliverError;
pub use feed::{atom_feed, FeedInfo, TLP_SCHEME};
pub use mail::{subject, Attached, Mailer, Outgoing, SmtpConfig, SmtpTls};
pub use markup::escape;
pub use render::alert_link;
pub use time::rfc3339;
pub use webhook::{
    is_fresh, signature, verify, webhook_body, Webhook, ERROR_BODY_LIMIT, EVENTS, REPLAY_WINDOW,
    SCHEMA, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
