//! The attachments of a notification. Being written.
