//! `POST assets/associate`, `assets/disassociate` and `assets/revoke`: give licenses to
//! devices and users, and take them back. Each answers an event; the work happens later.

use super::endpoint::{Auth, Endpoint, Method, Replay};
use super::write::BatchedWrite;
use crate::token::VppToken;
use crate::wire::{EventResponse, EventType, LicensesRequest, RevokeRequest};

/// `POST assets/associate`: assigns licenses of the assets to the devices and users
/// (one batch of [`crate::batching::license_batches`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Associate(pub LicensesRequest);

impl Endpoint for Associate {
    type Response = EventResponse;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "assets/associate";
    const AUTH: Auth = Auth::Bearer;
    // A replay assigns what is already assigned: no second license. Sent again only when
    // Apple refused it (429, 5xx); after a timeout, follow the event instead.
    const REPLAY: Replay = Replay::IfRefused;

    fn body(&self, _token: Option<&VppToken>) -> Option<Vec<u8>> {
        Some(self.0.to_json())
    }
}

impl BatchedWrite for Associate {
    type Request = LicensesRequest;

    fn with_batch(batch: LicensesRequest) -> Self {
        Self(batch)
    }

    fn event_type() -> EventType {
        EventType::Associate
    }
}

/// `POST assets/disassociate`: takes licenses of the assets back from the devices and
/// users (one batch of [`crate::batching::license_batches`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disassociate(pub LicensesRequest);

impl Endpoint for Disassociate {
    type Response = EventResponse;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "assets/disassociate";
    const AUTH: Auth = Auth::Bearer;
    // A replay takes back what is already back: nothing more happens.
    const REPLAY: Replay = Replay::IfRefused;

    fn body(&self, _token: Option<&VppToken>) -> Option<Vec<u8>> {
        Some(self.0.to_json())
    }
}

impl BatchedWrite for Disassociate {
    type Request = LicensesRequest;

    fn with_batch(batch: LicensesRequest) -> Self {
        Self(batch)
    }

    fn event_type() -> EventType {
        EventType::Disassociate
    }
}

/// `POST assets/revoke`: takes back every revocable license of the devices and users
/// (one batch of [`crate::batching::revoke_batches`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoke(pub RevokeRequest);

impl Endpoint for Revoke {
    type Response = EventResponse;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "assets/revoke";
    const AUTH: Auth = Auth::Bearer;
    // A replay revokes what is already revoked: nothing more happens.
    const REPLAY: Replay = Replay::IfRefused;

    fn body(&self, _token: Option<&VppToken>) -> Option<Vec<u8>> {
        Some(self.0.to_json())
    }
}

impl BatchedWrite for Revoke {
    type Request = RevokeRequest;

    fn with_batch(batch: RevokeRequest) -> Self {
        Self(batch)
    }

    fn event_type() -> EventType {
        EventType::Revoke
    }
}
