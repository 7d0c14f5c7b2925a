//! One tracked request: what it concerns, what has been heard, and how it ended.
//!
//! # What an `ASSET_MANAGEMENT` notification's `assignments` list means
//!
//! The licenses Apple **applied**, whatever the `result`. Apple's WWDC21 session on the
//! v2 API ("Improve MDM assignment of Apps and Books") presents these notifications as
//! telling which assignments were made for which devices and users, and Apple's
//! "Handling error responses" page
//! (<https://developer.apple.com/documentation/devicemanagement/handling-error-responses>)
//! puts the failed items in the `status` answer's `failures[].errorInfo`, not in a
//! notification. So a `FAILURE` notification says "this event is finished and something
//! failed": the licenses it lists are done, and which (asset, device or user) pairs
//! failed is read from `status`, which is due at once. The event then finishes on the
//! status's answer.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::outcome::{
    AssignmentOutcome, AssignmentResult, CompletedBy, Concerns, EventOutcome, Subject,
    SubjectFailure, SupersededFailure, UnattributedError,
};
use super::status::EventStatus;
use crate::ids::EventId;
use crate::notification::{Notification, Payload};
use crate::wire::{ErrorBody, ErrorNumber, EventAsset, EventType, NotificationResult};

/// What one asset or user management notification said, in the tracker's own stored
/// form (a notification that arrives before its event is tracked is held like this).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Report {
    pub(super) event_id: EventId,
    pub(super) success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) error: Option<ErrorBody>,
    /// What it lists as done: (adamId for licenses, the device or user).
    pub(super) items: Vec<(Option<String>, Subject)>,
}

impl Report {
    /// `None` for notifications that report on no event.
    pub(super) fn from_notification(n: &Notification) -> Option<Self> {
        let (event_id, result, error, items): (_, _, _, Vec<(Option<String>, Subject)>) =
            match &n.payload {
                Payload::AssetManagement(p) => {
                    let items = p.assignments.iter().filter_map(|a| {
                        let subject = match (&a.serial_number, &a.client_user_id) {
                            (Some(s), _) => Subject::Serial(s.clone()),
                            (None, Some(u)) => Subject::User(u.clone()),
                            (None, None) => return None,
                        };
                        Some((Some(a.adam_id.to_string()), subject))
                    });
                    (&p.event_id, &p.result, p.error.as_ref(), items.collect())
                }
                Payload::UserManagement(p) => {
                    let items = p.users.iter().filter_map(|u| {
                        let id = u.client_user_id.clone()?;
                        Some((None, Subject::User(id)))
                    });
                    (&p.event_id, &p.result, p.error.as_ref(), items.collect())
                }
                _ => return None,
            };
        Some(Self {
            event_id: event_id.clone(),
            success: *result == NotificationResult::Success,
            error: error.cloned(),
            items,
        })
    }
}

/// What applying a report did.
pub(super) enum Applied {
    /// Every license (or device, or user) is reported done, and no failure was heard.
    Complete,
    /// Recorded; the event goes on (a `FAILURE` makes `status` due at once).
    Progress,
    /// A `FAILURE` about a send that was replaced: recorded, the request follows its
    /// current send.
    Superseded,
}

/// A (license or subject) the `status` answer says failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PairFailure {
    /// adamId, or "" when the event is reported per device or user.
    key: String,
    subject: Subject,
    error: ErrorNumber,
    message: String,
}

/// An error the `status` answer attributes to nobody, and the adamIds it concerns
/// (empty: all of them).
type Unattributed = (UnattributedError, Vec<String>);

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
    /// (adamId or "" when coverage is per subject, subject) pairs reported done so far.
    covered: BTreeSet<(String, Subject)>,
    /// Whole-subject failures (only in trackers stored by earlier versions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    failed: Vec<SubjectFailure>,
    /// Pairs the final `status` named as failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    failed_pairs: Vec<PairFailure>,
    /// When a `FAILURE` notification about the current send arrived: `status` is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) failure_heard_at: Option<DateTime<Utc>>,
    /// The errors `FAILURE` notifications about the current send carried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    notified_errors: Vec<ErrorBody>,
    /// `FAILURE` notifications about sends that were replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    superseded: Vec<SupersededFailure>,
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
            failed_pairs: Vec::new(),
            failure_heard_at: None,
            notified_errors: Vec::new(),
            superseded: Vec::new(),
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
        self.all_keys().len()
    }

    /// How many of the expected licenses (or devices and users) are reported done.
    pub(super) fn covered(&self) -> usize {
        self.all_keys()
            .iter()
            .filter(|k| self.covered.contains(k))
            .count()
    }

    fn key_of(&self, adam_id: Option<&str>) -> String {
        match adam_id {
            Some(id) if self.per_asset() => id.to_owned(),
            _ => String::new(),
        }
    }

    /// Records what a notification said about the send `report.event_id`; `current`
    /// says whether that is the request's last send.
    pub(super) fn apply_report(
        &mut self,
        report: &Report,
        current: bool,
        now: DateTime<Utc>,
    ) -> Applied {
        if !report.success && !current {
            // A late FAILURE about a replaced send: the request follows its last send.
            self.superseded.push(SupersededFailure {
                event_id: report.event_id.clone(),
                error: report.error.as_ref().map(|e| e.error_number),
                message: report
                    .error
                    .as_ref()
                    .map(|e| e.error_message.clone())
                    .unwrap_or_default(),
                received_at: now,
            });
            return Applied::Superseded;
        }
        self.last_heard_at = Some(now);
        if report.items.is_empty() {
            // Naming nobody: a SUCCESS reports on the whole request; a FAILURE says
            // nothing about who got what (the status will).
            if report.success {
                let all = self.all_keys();
                self.covered.extend(all);
            }
        } else {
            let keys: Vec<(String, Subject)> = report
                .items
                .iter()
                .map(|(adam_id, subject)| (self.key_of(adam_id.as_deref()), subject.clone()))
                .collect();
            self.covered.extend(keys);
        }
        if !report.success {
            self.failure_heard_at = Some(now);
            if let Some(error) = &report.error {
                if !self.notified_errors.contains(error) {
                    self.notified_errors.push(error.clone());
                }
            }
        }
        let all_done = self.all_keys().iter().all(|k| self.covered.contains(k));
        if all_done && self.failure_heard_at.is_none() {
            Applied::Complete
        } else {
            Applied::Progress
        }
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

    /// The adamIds `named` selects among the request's assets: all of them when it names
    /// none of them (or the event is not reported per license).
    fn asset_keys(&self, named: &[EventAsset]) -> Vec<String> {
        if !self.per_asset() {
            return vec![String::new()];
        }
        let ours: Vec<String> = self
            .concerns
            .assets
            .iter()
            .map(|a| a.adam_id.to_string())
            .collect();
        let chosen: Vec<String> = named
            .iter()
            .map(|a| a.adam_id.to_string())
            .filter(|id| ours.contains(id))
            .collect();
        if chosen.is_empty() { ours } else { chosen }
    }

    /// Records that `(key, subject)` failed, unless a failure is recorded for it already
    /// (`seen` holds the pairs recorded, so that a status naming everyone stays linear).
    fn fail_pair(
        &mut self,
        seen: &mut HashSet<(String, Subject)>,
        (key, subject): (String, Subject),
        error: ErrorNumber,
        message: &str,
    ) {
        if !seen.insert((key.clone(), subject.clone())) {
            return;
        }
        self.failed_pairs.push(PairFailure {
            key,
            subject,
            error,
            message: message.to_owned(),
        });
    }

    /// Records a finished `status` answer's failures: each failure concerns the assets
    /// its `errorInfo` names (all of the request's when it names none) for the devices
    /// and users it names, and nothing else.
    pub(super) fn apply_final_status(&mut self, status: &EventStatus) -> Vec<Unattributed> {
        let mut unattributed: Vec<Unattributed> = Vec::new();
        let mut seen: HashSet<(String, Subject)> = self
            .failed_pairs
            .iter()
            .map(|f| (f.key.clone(), f.subject.clone()))
            .collect();
        for group in &status.failures {
            for part in group.parts() {
                let subjects: Vec<Subject> = part
                    .serial_numbers
                    .iter()
                    .cloned()
                    .map(Subject::Serial)
                    .chain(part.client_user_ids.iter().cloned().map(Subject::User))
                    .collect();
                if subjects.is_empty() {
                    let scope = if part.assets.is_empty() {
                        Vec::new()
                    } else {
                        self.asset_keys(&part.assets)
                    };
                    let error = UnattributedError {
                        error: group.error,
                        message: group.message.clone(),
                    };
                    if !unattributed.iter().any(|(e, _)| *e == error) {
                        unattributed.push((error, scope));
                    }
                    continue;
                }
                for key in self.asset_keys(&part.assets) {
                    for subject in &subjects {
                        let pair = (key.clone(), subject.clone());
                        self.fail_pair(&mut seen, pair, group.error, &group.message);
                    }
                }
            }
        }
        // Nothing completed and one unattributed error: it concerns everyone.
        if status.completed == 0 && !status.is_pending() && unattributed.len() == 1 {
            let (only, _) = unattributed.remove(0);
            for (key, subject) in self.all_keys() {
                self.fail_pair(&mut seen, (key, subject), only.error, &only.message);
            }
        }
        unattributed
    }

    /// Ends the event, with one result per license (asset × device or user; per device
    /// or user for the other events). A pair the status named failed has failed; one a
    /// notification reported done has succeeded; any other is `unknown` when there is
    /// doubt about it (an unattributed error that may concern it, or giving up), else
    /// succeeded (Apple finished and named no failure for it).
    ///
    /// Linear in the licenses plus the failures recorded: every lookup goes through a
    /// map built once, and the per-subject lists are summed up in one pass.
    pub(super) fn finish(
        &mut self,
        by: CompletedBy,
        unattributed: Vec<Unattributed>,
        now: DateTime<Utc>,
    ) -> EventOutcome {
        let unattributed = self.with_notified_errors(by, unattributed);
        let assignments = self.assignment_outcomes(by, &unattributed);
        let (succeeded, failed, unknown) = self.per_subject(&assignments);
        let outcome = EventOutcome {
            event_id: self.event_id.clone(),
            last_event_id: self.current_id.clone(),
            event_type: self.event_type.clone(),
            request_key: self.request_key.clone(),
            succeeded,
            failed,
            unknown,
            unattributed: unattributed.into_iter().map(|(e, _)| e).collect(),
            assignments,
            superseded_failures: self.superseded.clone(),
            completed_by: by,
            completed: now,
        };
        self.outcome = Some(outcome.clone());
        outcome
    }

    /// On giving up, the errors `FAILURE` notifications carried join the unattributed
    /// ones (once each): nobody knows whom they concern.
    fn with_notified_errors(
        &self,
        by: CompletedBy,
        mut unattributed: Vec<Unattributed>,
    ) -> Vec<Unattributed> {
        if by == CompletedBy::GaveUp {
            for error in &self.notified_errors {
                let error = UnattributedError {
                    error: error.error_number,
                    message: error.error_message.clone(),
                };
                if !unattributed.iter().any(|(e, _)| *e == error) {
                    unattributed.push((error, Vec::new()));
                }
            }
        }
        unattributed
    }

    /// One result per license (or device or user), in [`Entry::all_keys`] order.
    fn assignment_outcomes(
        &self,
        by: CompletedBy,
        unattributed: &[Unattributed],
    ) -> Vec<AssignmentOutcome> {
        // Doubt: giving up, or an unattributed error for all assets or for this one.
        let doubt_all = by == CompletedBy::GaveUp || unattributed.iter().any(|(_, s)| s.is_empty());
        let doubted: HashSet<&str> = unattributed
            .iter()
            .flat_map(|(_, scope)| scope.iter().map(String::as_str))
            .collect();
        // The first of each, as a scan in order would find it.
        let mut assets: HashMap<&str, &EventAsset> = HashMap::new();
        if self.per_asset() {
            for a in &self.concerns.assets {
                assets.entry(a.adam_id.as_str()).or_insert(a);
            }
        }
        let mut named: HashMap<(&str, &Subject), &PairFailure> = HashMap::new();
        for f in &self.failed_pairs {
            named.entry((f.key.as_str(), &f.subject)).or_insert(f);
        }
        let mut legacy: HashMap<&Subject, &SubjectFailure> = HashMap::new();
        for f in &self.failed {
            legacy.entry(&f.subject).or_insert(f);
        }
        let covered: HashSet<&(String, Subject)> = self.covered.iter().collect();
        let keys = self.all_keys();
        let mut assignments = Vec::with_capacity(keys.len());
        for (key, subject) in keys {
            let result = if let Some(f) = named.get(&(key.as_str(), &subject)) {
                AssignmentResult::Failed {
                    error: Some(f.error),
                    message: f.message.clone(),
                }
            } else if let Some(f) = legacy.get(&subject) {
                AssignmentResult::Failed {
                    error: f.error,
                    message: f.message.clone(),
                }
            } else if !(doubt_all || doubted.contains(key.as_str()))
                || covered.contains(&(key.clone(), subject.clone()))
            {
                AssignmentResult::Succeeded
            } else {
                AssignmentResult::Unknown
            };
            assignments.push(AssignmentOutcome {
                asset: assets.get(key.as_str()).map(|a| (*a).clone()),
                subject,
                result,
            });
        }
        assignments
    }

    /// Sums the licenses up per device and user, in [`Concerns::subjects`] order: failed
    /// when one failed (with the first failure's error and every failed asset), unknown
    /// when one is unknown, else succeeded.
    fn per_subject(
        &self,
        assignments: &[AssignmentOutcome],
    ) -> (Vec<Subject>, Vec<SubjectFailure>, Vec<Subject>) {
        #[derive(Default)]
        struct Sum<'a> {
            failures: Vec<&'a AssignmentOutcome>,
            unknown: bool,
        }
        let mut sums: HashMap<&Subject, Sum<'_>> = HashMap::new();
        for a in assignments {
            let sum = sums.entry(&a.subject).or_default();
            match a.result {
                AssignmentResult::Failed { .. } => sum.failures.push(a),
                AssignmentResult::Unknown => sum.unknown = true,
                AssignmentResult::Succeeded => {}
            }
        }
        let mut succeeded = Vec::new();
        let mut failed: Vec<SubjectFailure> = Vec::new();
        let mut unknown = Vec::new();
        for subject in self.concerns.subjects() {
            let Some(sum) = sums.get(&subject) else {
                succeeded.push(subject);
                continue;
            };
            if let Some(first) = sum.failures.first() {
                let AssignmentResult::Failed { error, message } = &first.result else {
                    unreachable!("only failures are gathered")
                };
                failed.push(SubjectFailure {
                    subject,
                    error: *error,
                    message: message.clone(),
                    assets: sum
                        .failures
                        .iter()
                        .filter_map(|a| a.asset.clone())
                        .collect(),
                });
            } else if sum.unknown {
                unknown.push(subject);
            } else {
                succeeded.push(subject);
            }
        }
        (succeeded, failed, unknown)
    }
}
