//! Integration tests of hirundo-capture: real captures checked against
//! Wireshark's numbers, hand-made broken files, and property tests of writer
//! and reader round trips and of mutated files.

mod bad_input;
mod common;
mod formats;
mod mutation;
mod real_captures;
mod round_trip;
mod stdin;
