//! [`EventStatus`]: Apple's `status` answer, checked and grouped by error number.

use serde::{Deserialize, Serialize};

use crate::ids::EventId;
use crate::wire::{
    AppleError, ErrorNumber, EventAsset, EventState, EventType, ResponseError, StatusResponse,
};

/// Whether `error` is Apple's 9708 (the `eventId` is not known): the request did not
/// take effect as far as Apple can tell; send it again.
pub fn is_event_not_found(error: &AppleError) -> bool {
    error.number == ErrorNumber::EventNotFound
}

/// What Apple said about an asynchronous request at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventStatus {
    /// `PENDING`, `COMPLETE` or `FAILED` (an unknown value is kept).
    pub state: EventState,
    /// What the request did, when Apple said.
    pub event_type: Option<EventType>,
    /// `numRequested`.
    pub requested: u64,
    /// `numCompleted`.
    pub completed: u64,
    /// The failures, one group per error number, in the order Apple first named them.
    pub failures: Vec<FailureGroup>,
}

/// Every failure with one error number, and what it concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FailureGroup {
    /// Apple's error number (e.g. 9709: not enough licenses).
    pub error: ErrorNumber,
    /// Apple's message (the first one given for this number).
    pub message: String,
    /// Device serial numbers concerned.
    pub serial_numbers: Vec<String>,
    /// Client user ids concerned.
    pub client_user_ids: Vec<String>,
    /// Assets concerned.
    pub assets: Vec<EventAsset>,
    /// Each failure of this number as Apple listed it: which assets failed for which
    /// devices and users. (The lists above merge them, which loses who failed for
    /// which asset.)
    #[serde(default)]
    pub parts: Vec<FailurePart>,
}

/// One failure as Apple listed it (its `errorInfo`): the assets named failed for the
/// devices and users named.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FailurePart {
    /// Device serial numbers.
    pub serial_numbers: Vec<String>,
    /// Client user ids.
    pub client_user_ids: Vec<String>,
    /// Assets (empty: every asset of the request).
    pub assets: Vec<EventAsset>,
}

impl FailureGroup {
    /// Each failure as Apple listed it; for a group stored without them, the merged
    /// lists as one.
    pub fn parts(&self) -> Vec<FailurePart> {
        if !self.parts.is_empty() {
            return self.parts.clone();
        }
        vec![FailurePart {
            serial_numbers: self.serial_numbers.clone(),
            client_user_ids: self.client_user_ids.clone(),
            assets: self.assets.clone(),
        }]
    }
}

impl EventStatus {
    /// The domain view of Apple's answer. A missing `eventStatus` is refused
    /// ([`ResponseError::Incomplete`]); missing counts are taken as 0.
    pub fn from_wire(wire: &StatusResponse) -> Result<Self, ResponseError> {
        let state = wire.event_status.clone().ok_or(ResponseError::Incomplete {
            field: "eventStatus",
        })?;
        let mut failures: Vec<FailureGroup> = Vec::new();
        for failure in &wire.failures {
            let index = match failures
                .iter()
                .position(|g| g.error == failure.error_number)
            {
                Some(i) => i,
                None => {
                    failures.push(FailureGroup {
                        error: failure.error_number,
                        message: failure.error_message.clone(),
                        serial_numbers: Vec::new(),
                        client_user_ids: Vec::new(),
                        assets: Vec::new(),
                        parts: Vec::new(),
                    });
                    failures.len() - 1
                }
            };
            let group = &mut failures[index];
            if let Some(info) = &failure.error_info {
                extend_unique(&mut group.serial_numbers, &info.serial_numbers);
                extend_unique(&mut group.client_user_ids, &info.client_user_ids);
                extend_unique(&mut group.assets, &info.assets);
                group.parts.push(FailurePart {
                    serial_numbers: info.serial_numbers.clone(),
                    client_user_ids: info.client_user_ids.clone(),
                    assets: info.assets.clone(),
                });
            } else {
                group.parts.push(FailurePart::default());
            }
        }
        Ok(Self {
            state,
            event_type: wire.event_type.clone(),
            requested: wire.num_requested.unwrap_or(0),
            completed: wire.num_completed.unwrap_or(0),
            failures,
        })
    }

    /// Decodes a `status` answer body (see [`crate::api::GetEventStatus`]) straight into
    /// the domain view.
    pub fn from_response(status: u16, body: &[u8]) -> Result<Self, ResponseError> {
        Self::from_wire(&crate::wire::decode_response(status, body)?)
    }

    /// Whether Apple has finished (`COMPLETE` or `FAILED`).
    pub fn is_finished(&self) -> bool {
        matches!(self.state, EventState::Complete | EventState::Failed)
    }

    /// Whether Apple is still working (`PENDING`, or a state this crate does not know).
    pub fn is_pending(&self) -> bool {
        !self.is_finished()
    }

    /// Whether it failed only in part: `FAILED` with some parts completed.
    pub fn is_partial_failure(&self) -> bool {
        self.state == EventState::Failed && self.completed > 0
    }

    /// The failure group for `error`, if any.
    pub fn failure(&self, error: ErrorNumber) -> Option<&FailureGroup> {
        self.failures.iter().find(|g| g.error == error)
    }

    /// A one-line summary for an admin, e.g.
    /// `event 42 FAILED: 14 of 16 done; 9709 for 2 devices, 0 users, 0 assets`.
    pub fn summary(&self, event_id: &EventId) -> String {
        let mut text = format!(
            "event {event_id} {}: {} of {} done",
            self.state, self.completed, self.requested
        );
        for g in &self.failures {
            text.push_str(&format!(
                "; {} for {} devices, {} users, {} assets",
                g.error,
                g.serial_numbers.len(),
                g.client_user_ids.len(),
                g.assets.len()
            ));
        }
        text
    }
}

fn extend_unique<T: PartialEq + Clone>(into: &mut Vec<T>, from: &[T]) {
    for item in from {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
}
