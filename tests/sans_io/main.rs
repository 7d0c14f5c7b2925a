//! The sans-IO core, one test binary: tokens, Apple's JSON and its malformed forms, paging,
//! batching, events and notifications, accounts and ownership, secret hygiene, and the
//! property tests. Nothing here sends a request. Run this area alone with
//! `cargo test --all-features --test sans_io` (add a module name to filter, e.g.
//! `-- token::`).
//!
//! Proptest keeps its regression seeds for `tests/sans_io/<module>.rs` in
//! `tests/proptest-regressions/<module>.txt` (its default `SourceParallel` location, found
//! from this `main.rs`).

#[path = "../common/mod.rs"]
mod common;

mod account_configure;
mod account_flows;
mod account_legacy;
mod account_ownership;
mod account_renew;
mod account_reupload;
mod account_snapshot;
mod account_stored;
mod account_verify;
mod apple_corpus;
mod autotrait;
mod batching;
mod event_outcomes;
mod events;
mod licenses_wire;
mod malformed;
mod malformed_responses;
mod metadata_wire;
mod notification_secrets;
mod notifications;
mod paging;
mod proptest_api;
mod proptest_responses;
mod proptest_token;
mod secrets;
mod subscription_url;
mod token;
mod wire;
