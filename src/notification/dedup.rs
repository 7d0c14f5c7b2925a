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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationDeduper {
    max_entries: usize,
    max_age: Duration,
    /// id → when it was first seen.
    seen: HashMap<String, DateTime<Utc>>,
    /// Ids in insertion order, for eviction.
    order: VecDeque<String>,
}

impl Default for NotificationDeduper {
    fn default() -> Self {
        Self::new(10_000, Duration::from_secs(3600))
    }
}

impl NotificationDeduper {
    /// Keeps at most `max_entries` ids (at least 1), each for at most `max_age`.
    pub fn new(max_entries: usize, max_age: Duration) -> Self {
        Self {
            max_entries: max_entries.max(1),
            max_age,
            seen: HashMap::new(),
            order: VecDeque::new(),
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
        let mut deduper = Self::new(stored.max_entries, max_age);
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
