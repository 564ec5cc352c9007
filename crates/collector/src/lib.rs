//! The collector: the HTTPS service sensors upload segments to, the ingest
//! path that verifies, archives and rolls them up into the store. The
//! dashboard (`hirundo-web`) merges these routes with its pages.
//!
//! - [`tls`]: the collector's self-made certificate, pinned by sensors.
//! - [`collector`]: the ingest path shared by uploads and `hirundo import`.
//! - [`api`]: the `/api/v1` routes, the upload protocol, and the session
//!   cookie check the views share with the dashboard.
//! - [`registry`]: registering sensors and their tokens.
//! - [`server`]: TLS and HTTP/1.1 over a TCP listener.

pub mod api;
pub mod collector;
pub mod registry;
pub mod server;
pub mod tls;

pub use api::{router, routes};
pub use collector::{Accepted, Collector, ImportError, SegmentError};
pub use server::serve_tls;
pub use tls::Identity;
