//! [`NotificationDeduper`]: has this `notificationId` been seen?

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a notification is new or a repeat (see [`NotificationDeduper`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Not seen within the window: process it.
    First,
    /// Seen before: answer 2xx and do nothing else.
    Duplicate,
}

impl Delivery {
    /// Whether it is a repeat.
    pub fn is_duplicate(self) -> bool {
        self == Self::Duplicate
    }
}

/// The answer to marking a notification before handling it (the fleet protocol: mark,
/// then confirm or release; see [`NotificationDeduper::mark_at`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mark {
    /// Nobody handled it or is handling it: handle it, then confirm with this token when
    /// it was handled, or release with it when handling failed.
    First(MarkToken),
    /// Handled before (confirmed): answer 2xx and do nothing else.
    Duplicate,
    /// Being handled right now (by another request or replica), neither confirmed nor
    /// released yet: answer 5xx (e.g. 503) so that Apple sends it again later; by then it
    /// is confirmed (a duplicate) or released (handled again).
    InProgress,
}

/// Proof of a [`Mark::First`]: only its holder confirms or releases the mark. Random, not
/// secret (Apple's `notificationId` is not either).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MarkToken(String);

impl MarkToken {
    /// A new random token.
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        // Only where no generator exists: the time is a unique enough token then.
        if getrandom::fill(&mut bytes).is_err() {
            bytes = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
                .to_le_bytes();
        }
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The token as text (what a shared store keeps).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A token read back from a store.
    pub fn from_stored(value: impl Into<String>) -> Self {
        Self(value.into())
    }
}

/// How long a [`Mark::First`] holds a notification for its handler before it lapses and
/// Apple's next delivery is handled again (60 s): a handler that crashed never confirms
/// nor releases.
pub const DEFAULT_PENDING_FOR: Duration = Duration::from_secs(60);

/// Remembers recent `notificationId`s, bounded by count and by age.
///
/// Apple retries a delivery up to three times within 1 to 5 minutes and sometimes sends a
/// notification twice, so the default keeps ids for one hour, at most 10,000 of them
/// (the oldest are forgotten first). Operations are amortized O(1). The clock is passed
/// in. Serde stores the ids with the time each was first seen.
///
/// Mark an id only once the notification has been handled (stored or acted on): if
/// handling fails, answer 5xx without marking it, and Apple's retry is processed again.
/// [`NotificationDeduper::check_and_insert_at`] does check and mark in one step for
/// handlers that cannot fail.
///
/// # Mark, then confirm or release
///
/// Where handling can fail, or two requests (two replicas) may handle the same
/// notification at once: [`NotificationDeduper::mark_at`] before handling
/// ([`Mark::First`] with a token, [`Mark::Duplicate`], or [`Mark::InProgress`] while
/// someone else handles it), then [`NotificationDeduper::confirm_at`] once handled, or
/// [`NotificationDeduper::release`] when handling failed, so that Apple's next delivery is
/// handled rather than dropped as a duplicate. A mark neither confirmed nor released
/// lapses after [`DEFAULT_PENDING_FOR`]. Marks in progress are not stored by serde.
///
/// The window is at most [`NotificationDeduper::MAX_AGE`] (30 days):
/// [`NotificationDeduper::new`] lowers a longer one, [`NotificationDeduper::try_new`]
/// refuses it, and a stored deduper carrying one is refused when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationDeduper {
    max_entries: usize,
    max_age: Duration,
    /// id → when it was first seen.
    seen: HashMap<String, DateTime<Utc>>,
    /// Ids in insertion order, for eviction.
    order: VecDeque<String>,
    /// id → (token, until): marks being handled.
    pending: HashMap<String, (MarkToken, DateTime<Utc>)>,
}

/// A de-duplication window longer than [`NotificationDeduper::MAX_AGE`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error(
    "the notification de-duplication window of {secs} s is longer than 30 days: Apple retries a notification within minutes, so choose a window of at most 30 days (one hour is the default)"
)]
pub struct MaxAgeTooLong {
    /// The window asked for, in seconds.
    pub secs: u64,
}

impl Default for NotificationDeduper {
    fn default() -> Self {
        Self::new(10_000, Duration::from_secs(3600))
    }
}

impl NotificationDeduper {
    /// The longest window (30 days).
    pub const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

    /// Keeps at most `max_entries` ids (at least 1), each for at most `max_age` (lowered
    /// to [`Self::MAX_AGE`]).
    pub fn new(max_entries: usize, max_age: Duration) -> Self {
        Self {
            max_entries: max_entries.max(1),
            max_age: max_age.min(Self::MAX_AGE),
            seen: HashMap::new(),
            order: VecDeque::new(),
            pending: HashMap::new(),
        }
    }

    /// [`NotificationDeduper::new`], refusing a window longer than [`Self::MAX_AGE`]
    /// instead of lowering it.
    pub fn try_new(max_entries: usize, max_age: Duration) -> Result<Self, MaxAgeTooLong> {
        if max_age > Self::MAX_AGE {
            return Err(MaxAgeTooLong {
                secs: max_age.as_secs(),
            });
        }
        Ok(Self::new(max_entries, max_age))
    }

    /// The window.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// Marks `id` as being handled at `now` for `pending_for` (see the type's docs).
    pub fn mark_at(&mut self, id: &str, now: DateTime<Utc>, pending_for: Duration) -> Mark {
        self.evict(now);
        if self.seen.contains_key(id) {
            return Mark::Duplicate;
        }
        if self.pending.get(id).is_some_and(|(_, until)| *until > now) {
            return Mark::InProgress;
        }
        let token = MarkToken::random();
        let until = now
            .checked_add_signed(
                chrono::TimeDelta::from_std(pending_for).unwrap_or(chrono::TimeDelta::MAX),
            )
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.pending.insert(id.to_owned(), (token.clone(), until));
        Mark::First(token)
    }

    /// `id` was handled: it is a duplicate from now on, for the window. A token that no
    /// longer holds the mark (it lapsed and another took it) still records the id.
    pub fn confirm_at(&mut self, id: &str, token: &MarkToken, now: DateTime<Utc>) {
        if self.pending.get(id).is_some_and(|(t, _)| t == token) {
            self.pending.remove(id);
        }
        self.insert_at(id, now);
    }

    /// Handling `id` failed: forget the mark, so that Apple's next delivery is handled.
    /// Only the holder of the mark releases it.
    pub fn release(&mut self, id: &str, token: &MarkToken) {
        if self.pending.get(id).is_some_and(|(t, _)| t == token) {
            self.pending.remove(id);
        }
    }

    /// Whether `id` was marked within the window, at `now`. Does not mark it.
    pub fn contains_at(&self, id: &str, now: DateTime<Utc>) -> bool {
        self.seen.get(id).is_some_and(|&at| !self.expired(at, now))
    }

    /// Marks `id` as seen at `now` (no effect if it already is).
    pub fn insert_at(&mut self, id: &str, now: DateTime<Utc>) {
        self.evict(now);
        if self.seen.contains_key(id) {
            return;
        }
        self.seen.insert(id.to_owned(), now);
        self.order.push_back(id.to_owned());
        while self.order.len() > self.max_entries {
            self.pop_oldest();
        }
    }

    /// Checks and marks in one step: [`Delivery::Duplicate`] if `id` was seen within the
    /// window, else marks it and gives [`Delivery::First`].
    pub fn check_and_insert_at(&mut self, id: &str, now: DateTime<Utc>) -> Delivery {
        self.evict(now);
        if self.seen.contains_key(id) {
            Delivery::Duplicate
        } else {
            self.insert_at(id, now);
            Delivery::First
        }
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    fn expired(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now.signed_duration_since(at)
            .to_std()
            .is_ok_and(|age| age >= self.max_age)
    }

    /// Forgets ids older than the window. Ids are in insertion order, so this stops at the
    /// first young one (a clock that went back only delays eviction).
    fn evict(&mut self, now: DateTime<Utc>) {
        if self.pending.len() > self.max_entries {
            self.pending.retain(|_, (_, until)| *until > now);
        }
        while let Some(oldest) = self.order.front() {
            let at = self.seen[oldest];
            if !self.expired(at, now) {
                break;
            }
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some(id) = self.order.pop_front() {
            self.seen.remove(&id);
        }
    }
}

/// The stored shape: the bounds and the ids, oldest first. The window is stored in
/// milliseconds (`max_age_ms`); the whole seconds earlier versions wrote
/// (`max_age_secs`) are still read.
#[derive(Serialize, Deserialize)]
struct StoredDeduper {
    max_entries: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_age_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_age_secs: Option<u64>,
    seen: Vec<(String, DateTime<Utc>)>,
}

impl Serialize for NotificationDeduper {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredDeduper {
            max_entries: self.max_entries,
            max_age_ms: Some(u64::try_from(self.max_age.as_millis()).unwrap_or(u64::MAX)),
            max_age_secs: None,
            seen: self
                .order
                .iter()
                .map(|id| (id.clone(), self.seen[id]))
                .collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for NotificationDeduper {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let stored = StoredDeduper::deserialize(d)?;
        let max_age = match (stored.max_age_ms, stored.max_age_secs) {
            (Some(ms), _) => Duration::from_millis(ms),
            (None, Some(secs)) => Duration::from_secs(secs),
            (None, None) => {
                return Err(serde::de::Error::missing_field("max_age_ms"));
            }
        };
        let mut deduper = Self::try_new(stored.max_entries, max_age).map_err(|e| {
            serde::de::Error::custom(format!(
                "{e} (the stored de-duplicator is damaged; fix or drop that value)"
            ))
        })?;
        for (id, at) in stored.seen {
            if !deduper.seen.contains_key(&id) {
                deduper.seen.insert(id.clone(), at);
                deduper.order.push_back(id);
            }
        }
        while deduper.order.len() > deduper.max_entries {
            deduper.pop_oldest();
        }
        Ok(deduper)
    }
}
