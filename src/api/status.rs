//! `GET status?eventId=`: how far an asynchronous request has got.

use super::endpoint::{Auth, Endpoint, Method, Replay};
use crate::ids::EventId;
use crate::wire::StatusResponse;

/// `GET status?eventId=…`: the state of an asynchronous request (a license or user
/// change). Apple's advice: ask only when no notification came within 5 minutes, and then
/// at most every 30 seconds; [`crate::events::EventTracker`] follows it.
///
/// Error 9708 means Apple does not know the event id (see
/// [`crate::events::is_event_not_found`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct GetEventStatus {
    /// The `eventId` Apple returned for the request.
    pub event_id: EventId,
}

impl GetEventStatus {
    /// Asks about `event_id`.
    pub fn new(event_id: impl Into<EventId>) -> Self {
        Self {
            event_id: event_id.into(),
        }
    }
}

impl Endpoint for GetEventStatus {
    type Response = StatusResponse;
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "status";
    const AUTH: Auth = Auth::Bearer;
    const REPLAY: Replay = Replay::Safe;

    fn query(&self) -> Vec<(&'static str, String)> {
        vec![("eventId", self.event_id.as_str().to_owned())]
    }
}
