//! The simulator's tests, one test binary: its HTTP answers on 127.0.0.1 (authentication,
//! configuration, paging, licenses, users, events, metadata, the legacy v1 endpoints),
//! notifications, rate limits and faults, the request counts, token files, scenarios and
//! the binary's interface. Run it from the repository's root with
//! `cargo test --all-features --test sim` (with `-p apple-vpp-sim`, cargo resolves the
//! dependencies' features for this package alone and builds them again).

#[path = "../common/mod.rs"]
mod common;

mod apple_shapes;
mod auth_config;
mod metadata;
mod notification_assignments;
mod notification_targets;
mod notifications;
mod paging_licenses;
mod random_faults;
mod rate_faults;
mod readme;
mod request_counts;
mod scale_and_control;
mod scenario_cli;
mod token_dir;
mod v1;
