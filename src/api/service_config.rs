//! `GET service/config`: Apple's limits, error texts and URLs (no token needed).

use super::endpoint::{Auth, Endpoint, Method, Replay};
use crate::wire::ServiceConfig;

/// `GET service/config`. Apple changes its limits without notice and asks clients to
/// re-read this about every five minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetServiceConfig;

impl Endpoint for GetServiceConfig {
    type Response = ServiceConfig;
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "service/config";
    const AUTH: Auth = Auth::None;
    const REPLAY: Replay = Replay::Safe;
}
