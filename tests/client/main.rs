//! The `client` feature, one test binary: the client against wiremock fakes of Apple and
//! against the simulator (`apple-vpp-sim`), all on 127.0.0.1: request shapes, the
//! configure / verify / renew flows, licenses and users, metadata, notifications, paging
//! quirks, broken answers, safety rules, the request rate, and the load test under random
//! faults. Run this area alone with `cargo test --all-features --test client`. Without the
//! `client` feature the binary is not built (`required-features` in Cargo.toml).
//!
//! `tests/client_proxy.rs` is not here: it sets proxy variables for its whole process.

#[path = "../common/mod.rs"]
mod common;

mod client;
mod client_broken_answers;
mod client_event_glue;
mod client_leases;
mod client_legacy;
mod client_licenses;
mod client_metadata;
mod client_notifications;
mod client_paging_quirks;
mod client_rate;
mod client_safety;
mod client_sync_changes;
mod client_user_create;
mod load_faults;
