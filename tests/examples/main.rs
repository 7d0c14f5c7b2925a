//! The examples' contracts, one test binary: their exact output (JSON shapes, lines),
//! exit codes and that no credential is printed, partly in-process (the `licenses`
//! example's own modules) and partly on the built example binaries (located and built by
//! `common::example_bin`). Run this area alone with `cargo test --all-features --test
//! examples`.

#[path = "../common/mod.rs"]
mod common;

mod example_licenses;
mod example_mdm;
mod example_notifications;
mod example_notifications_limits;
mod examples;
