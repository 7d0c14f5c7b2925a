//! `apple-vpp-sim`: a local simulator of Apple's Apps and Books (VPP) service — the v2
//! management API under `/mdm/v2` and the legacy v1 `VPPServiceConfigSrv` /
//! `VPPClientConfigSrv` under `/mdm/` — for testing MDM servers without Apple Business
//! Manager, real tokens or real licenses.
//!
//! **A test tool**: it listens on loopback only unless told otherwise, its tokens are
//! deterministic (derived from the scenario, not random), and it speaks plain HTTP.
//!
//! ```no_run
//! use apple_vpp_sim::{Scenario, SimOptions, Simulator};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::start(Scenario::default(), SimOptions::default()).await?;
//! let token = sim.token("981060278089131045").expect("default location");
//! let config: serde_json::Value = reqwest::Client::new()
//!     .get(format!("{}/client/config", sim.base_url()))
//!     .bearer_auth(&token)
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(config["locationName"], "Berlin Office");
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod apple;
mod assignments;
mod catalog;
mod config;
mod counters;
mod defaults;
mod devkey;
mod dump;
mod events;
mod faults;
mod licenses;
mod lists;
mod metadata;
mod model;
mod notify;
mod paging;
mod ratelimit;
mod request;
mod routes;
mod scenario;
mod server;
mod shared;
mod token_files;
mod v1;

pub use apple::code;
pub use counters::{Counters, RequestCounts, TokenId};
pub use dump::{AssetDump, AssignmentDump, LocationDump, StateDump, UserDump};
pub use notify::NotificationRecord;
pub use ratelimit::RateStats;
pub use scenario::{
    AssetMetadataSpec, AssetSpec, AssignmentSpec, FaultKind, FaultSpec, LocationSpec, MdmInfo,
    RandomFaults, Scenario, ScenarioError, UserSpec,
};
pub use server::{RunningSimulator, SimError, SimOptions, Simulator};
pub use shared::{MAX_RECORDED_PATH, MAX_RECORDED_REQUESTS, RecordedRequest};
