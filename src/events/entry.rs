//! One tracked request: what it concerns, what has been heard, and how it ended.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::outcome::{
    CompletedBy, Concerns, EventOutcome, Subject, SubjectFailure, UnattributedError,
};
use super::status::EventStatus;
use crate::ids::EventId;
use crate::notification::{Notification, Payload};
use crate::wire::{ErrorBody, EventType, NotificationResult};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Entry {
    pub(super) event_id: EventId,
    pub(super) current_id: EventId,
    pub(super) event_type: EventType,
    pub(super) concerns: Concerns,
    pub(super) request_key: String,
    pub(super) first_sent_at: DateTime<Utc>,
    pub(super) sent_at: DateTime<Utc>,
    pub(super) sends: u32,
    pub(super) last_heard_at: Option<DateTime<Utc>>,
    pub(super) last_poll_at: Option<DateTime<Utc>>,
    pub(super) last_pending_at: Option<DateTime<Utc>>,
    pub(super) not_found: bool,
    /// (adamId or "" when coverage is per subject, subject) pairs reported so far.
    covered: BTreeSet<(String, Subject)>,
    failed: Vec<SubjectFailure>,
    pub(super) outcome: Option<EventOutcome>,
}

impl Entry {
    pub(super) fn new(
        event_id: EventId,
        event_type: EventType,
        concerns: Concerns,
        request_key: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            current_id: event_id.clone(),
            event_id,
            event_type,
            concerns,
            request_key,
            first_sent_at: now,
            sent_at: now,
            sends: 1,
            last_heard_at: None,
            last_poll_at: None,
            last_pending_at: None,
            not_found: false,
            covered: BTreeSet::new(),
            failed: Vec::new(),
            outcome: None,
        }
    }

    /// Associate and disassociate are reported per license (asset × device or user);
    /// the others per device or user.
    fn per_asset(&self) -> bool {
        !self.concerns.assets.is_empty()
            && matches!(
                self.event_type,
                EventType::Associate | EventType::Disassociate
            )
    }

    pub(super) fn expected(&self) -> usize {
        let subjects = self.concerns.subjects().len();
        if self.per_asset() {
            subjects * self.concerns.assets.len()
        } else {
            subjects
        }
    }

    pub(super) fn covered(&self) -> usize {
        self.covered.len()
    }

    /// Records an asset or user management notification; returns whether the event is
    /// now fully reported.
    pub(super) fn apply_notification(&mut self, n: &Notification, now: DateTime<Utc>) -> bool {
        self.last_heard_at = Some(now);
        let (reported, result, error): (Vec<(String, Subject)>, _, _) = match &n.payload {
            Payload::AssetManagement(p) => {
                let per_asset = self.per_asset();
                let items = p.assignments.iter().filter_map(|a| {
                    let subject = match (&a.serial_number, &a.client_user_id) {
                        (Some(s), _) => Subject::Serial(s.clone()),
                        (None, Some(u)) => Subject::User(u.clone()),
                        (None, None) => return None,
                    };
                    let key = if per_asset {
                        a.adam_id.to_string()
                    } else {
                        String::new()
                    };
                    Some((key, subject))
                });
                (items.collect(), &p.result, p.error.as_ref())
            }
            Payload::UserManagement(p) => {
                let items = p.users.iter().filter_map(|u| {
                    let id = u.client_user_id.clone()?;
                    Some((String::new(), Subject::User(id)))
                });
                (items.collect(), &p.result, p.error.as_ref())
            }
            _ => return false,
        };
        let failure = *result != NotificationResult::Success;
        // A notification naming nobody reports on the whole request.
        let whole = reported.is_empty();
        let targets: Vec<(String, Subject)> = if whole { self.all_keys() } else { reported };
        for (key, subject) in targets {
            if failure {
                self.fail(subject.clone(), error);
            }
            self.covered.insert((key, subject));
        }
        whole || self.covered.len() >= self.expected()
    }

    fn all_keys(&self) -> Vec<(String, Subject)> {
        let subjects = self.concerns.subjects();
        if self.per_asset() {
            let assets = &self.concerns.assets;
            assets
                .iter()
                .flat_map(|a| subjects.iter().map(|s| (a.adam_id.to_string(), s.clone())))
                .collect()
        } else {
            subjects.into_iter().map(|s| (String::new(), s)).collect()
        }
    }

    fn fail(&mut self, subject: Subject, error: Option<&ErrorBody>) {
        if self.failed.iter().any(|f| f.subject == subject) {
            return;
        }
        self.failed.push(SubjectFailure {
            subject,
            error: error.map(|e| e.error_number),
            message: error.map(|e| e.error_message.clone()).unwrap_or_default(),
        });
    }

    /// Records a finished `status` answer's failures.
    pub(super) fn apply_final_status(&mut self, status: &EventStatus) -> Vec<UnattributedError> {
        let mut unattributed = Vec::new();
        for group in &status.failures {
            let body = ErrorBody::new(group.error, group.message.clone());
            let subjects: Vec<Subject> = group
                .serial_numbers
                .iter()
                .cloned()
                .map(Subject::Serial)
                .chain(group.client_user_ids.iter().cloned().map(Subject::User))
                .collect();
            if subjects.is_empty() {
                unattributed.push(UnattributedError {
                    error: group.error,
                    message: group.message.clone(),
                });
            }
            for subject in subjects {
                self.fail(subject, Some(&body));
            }
        }
        // Nothing completed and one unattributed error: it concerns everyone.
        if status.completed == 0 && !status.is_pending() && unattributed.len() == 1 {
            let only = unattributed.remove(0);
            let body = ErrorBody::new(only.error, only.message);
            for subject in self.concerns.subjects() {
                self.fail(subject, Some(&body));
            }
        }
        unattributed
    }

    /// Ends the event. Subjects neither failed nor confirmed by a notification are
    /// `unknown` when there is doubt (unattributed errors, giving up), else succeeded.
    pub(super) fn finish(
        &mut self,
        by: CompletedBy,
        unattributed: Vec<UnattributedError>,
        now: DateTime<Utc>,
    ) -> EventOutcome {
        let doubt = by == CompletedBy::GaveUp || !unattributed.is_empty();
        // Confirmed: every license of the subject (or the subject itself) was reported.
        let per_subject = if self.per_asset() {
            self.concerns.assets.len()
        } else {
            1
        };
        let mut counts: std::collections::BTreeMap<&Subject, usize> = Default::default();
        for (_, s) in &self.covered {
            *counts.entry(s).or_default() += 1;
        }
        let confirmed = |s: &Subject| counts.get(s).is_some_and(|&c| c >= per_subject);
        let mut succeeded = Vec::new();
        let mut unknown = Vec::new();
        for subject in self.concerns.subjects() {
            if self.failed.iter().any(|f| f.subject == subject) {
                continue;
            }
            if doubt && !confirmed(&subject) {
                unknown.push(subject);
            } else {
                succeeded.push(subject);
            }
        }
        let outcome = EventOutcome {
            event_id: self.event_id.clone(),
            last_event_id: self.current_id.clone(),
            event_type: self.event_type.clone(),
            request_key: self.request_key.clone(),
            succeeded,
            failed: self.failed.clone(),
            unknown,
            unattributed,
            completed_by: by,
            completed: now,
        };
        self.outcome = Some(outcome.clone());
        outcome
    }
}
