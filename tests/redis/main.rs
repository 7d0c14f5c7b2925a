//! Several replicas through Redis, one test binary of its own: every test starts a real
//! `redis-server` and holds one lock for its whole run (`common::redis_server::serial`),
//! so these timing-sensitive tests never share the two cores with another area's tests.
//! Run it with `cargo test --features redis --test redis`.

#[path = "../common/mod.rs"]
mod common;

mod events_fleet;
mod redis;
mod redis_faults;
