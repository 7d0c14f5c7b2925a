//! Polling the events an [`EventTracker`] says to poll. The tracker decides; the client
//! only asks Apple and hands the answers back.

use chrono::{DateTime, Utc};

use super::error::SendError;
use super::vpp_client::VppClient;
use crate::api::GetEventStatus;
use crate::events::{EventOutcome, EventStatus, EventTracker, Next, Resend, Update};
use crate::ids::EventId;
use crate::shared::{StoreError, TrackerStore, update_tracker};
use crate::token::VppToken;

/// How long [`super::LocationHandle::poll_shared_at`] claims a due poll or resend for this replica
/// (2 minutes): long enough for a poll with its retries; a replica that died while
/// holding a claim delays that event by at most this.
pub const DEFAULT_CLAIM_HOLD: std::time::Duration = std::time::Duration::from_secs(120);

/// What one round of [`super::LocationHandle::poll_due_at`] did, and what is left for the caller.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct PollRound {
    /// What each `status` answer changed, in the order the polls were sent. An
    /// [`Update::Completed`] is reported here once, and then by
    /// [`EventTracker::next_at`] as [`Next::Done`].
    pub updates: Vec<Update>,
    /// Requests the tracker says to send again now (still `PENDING` too long, or unknown
    /// to Apple: 9708). Send each, then [`EventTracker::resent_at`] with the new id.
    pub resend: Vec<Resend>,
    /// Events still pending after every send the policy allows: decide, e.g. with
    /// [`EventTracker::give_up_at`].
    pub give_up: Vec<EventId>,
    /// Polls that got no usable answer, with the error. Apple's errors were also given
    /// to the tracker ([`EventTracker::on_status_error_at`], which counts them as a poll
    /// and turns 9708 into a resend); the others (Apple unreachable, an unreadable
    /// answer) leave the event due, to be polled on the next round.
    pub failed: Vec<(EventId, SendError)>,
    /// When to call again (`None` when no event is open).
    pub next_wake: Option<DateTime<Utc>>,
}

impl PollRound {
    /// The events that finished in this round.
    pub fn completed(&self) -> impl Iterator<Item = &EventOutcome> {
        self.updates.iter().filter_map(|u| match u {
            Update::Completed(outcome) => Some(outcome),
            _ => None,
        })
    }
}

impl VppClient {
    /// [`super::LocationHandle::poll_due_at`] with the location's `token` (documented there).
    pub(crate) async fn poll_due_at(
        &self,
        token: &VppToken,
        tracker: &mut EventTracker,
        now: DateTime<Utc>,
    ) -> PollRound {
        let mut round = PollRound::default();
        for next in tracker.due_at(now) {
            let Next::Poll(event_id) = next else {
                continue;
            };
            let answer = self
                .send_with(&GetEventStatus::new(event_id.clone()), Some(token))
                .await
                .and_then(|wire| Ok(EventStatus::from_wire(&wire)?));
            match answer {
                Ok(status) => round
                    .updates
                    .push(tracker.on_status_at(&event_id, &status, now)),
                Err(error) => {
                    if let Some(apple) = error.apple() {
                        let update = tracker.on_status_error_at(&event_id, apple, now);
                        round.updates.push(update);
                    }
                    round.failed.push((event_id, error));
                }
            }
        }
        for next in tracker.due_at(now) {
            match next {
                Next::Resend(resend) => round.resend.push(resend),
                Next::GiveUp(event_id) => round.give_up.push(event_id),
                _ => {}
            }
        }
        round.next_wake = tracker.next_wake_at(now);
        round
    }

    /// [`super::LocationHandle::poll_shared_at`] with the location's `token` (documented there).
    pub(crate) async fn poll_shared_at(
        &self,
        token: &VppToken,
        store: &dyn TrackerStore,
        now: DateTime<Utc>,
    ) -> Result<PollRound, StoreError> {
        let claimed = update_tracker(store, |t| t.claim_due_at(now, DEFAULT_CLAIM_HOLD)).await?;
        let mut round = PollRound::default();
        let mut answers = Vec::new();
        for next in claimed {
            match next {
                Next::Poll(event_id) => {
                    let answer = self
                        .send_with(&GetEventStatus::new(event_id.clone()), Some(token))
                        .await
                        .and_then(|wire| Ok(EventStatus::from_wire(&wire)?));
                    answers.push((event_id, answer));
                }
                Next::Resend(resend) => round.resend.push(resend),
                Next::GiveUp(event_id) => round.give_up.push(event_id),
                _ => {}
            }
        }
        let (updates, next_wake) = update_tracker(store, |t| {
            let mut updates = Vec::new();
            for (event_id, answer) in &answers {
                match answer {
                    Ok(status) => updates.push(t.on_status_at(event_id, status, now)),
                    Err(error) => match error.apple() {
                        Some(apple) => updates.push(t.on_status_error_at(event_id, apple, now)),
                        None => {
                            t.release_claim(event_id);
                        }
                    },
                }
            }
            (updates, t.next_wake_at(now))
        })
        .await?;
        round.updates = updates;
        round.failed = answers
            .into_iter()
            .filter_map(|(event_id, answer)| answer.err().map(|e| (event_id, e)))
            .collect();
        round.next_wake = next_wake;
        Ok(round)
    }
}
