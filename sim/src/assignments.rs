//! A location's assignments, stored in the order they were made and indexed, so that a page
//! is served in time proportional to the page and not to the location.
//!
//! - A full page (with or without `sinceVersionId`) finds its first record by rank in a
//!   Fenwick tree of the live slots (`O(log n)`), then reads the page's records.
//!   `sinceVersionId` is a binary search: assignments are stored in the order they were
//!   made, so their versions never decrease.
//! - A page filtered by `clientUserId` / `serialNumber` or `adamId` reads only that
//!   target's or asset's records (an index each), in the same order.
//! - Removing an assignment leaves a hole that later pages skip, so the records after it
//!   shift one place towards the front, as in a list that closes up. Holes are compacted
//!   away once they outnumber the live records.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

/// Who holds a license.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    Serial(String),
    User(String),
}

/// One license held by a device or a user.
#[derive(Debug, Clone)]
pub(crate) struct Assignment {
    pub adam_id: String,
    pub pricing_param: String,
    pub target: Target,
    pub version: u64,
}

impl Assignment {
    pub fn json(&self) -> Value {
        let mut v = json!({"adamId": self.adam_id, "pricingParam": self.pricing_param});
        match &self.target {
            Target::Serial(s) => v["serialNumber"] = json!(s),
            Target::User(u) => v["clientUserId"] = json!(u),
        }
        v
    }
}

/// The filters of an `assignments` request.
#[derive(Debug, Default)]
pub(crate) struct Filter<'a> {
    pub since: Option<u64>,
    pub adam_id: Option<&'a str>,
    pub pricing_param: Option<&'a str>,
    pub client_user_id: Option<&'a str>,
    pub serial_number: Option<&'a str>,
}

impl Filter<'_> {
    fn matches(&self, a: &Assignment) -> bool {
        let (user, serial) = match &a.target {
            Target::User(u) => (Some(u.as_str()), None),
            Target::Serial(s) => (None, Some(s.as_str())),
        };
        self.since.is_none_or(|v| a.version > v)
            && self.adam_id.is_none_or(|x| x == a.adam_id)
            && self.pricing_param.is_none_or(|x| x == a.pricing_param)
            && self.client_user_id.is_none_or(|x| Some(x) == user)
            && self.serial_number.is_none_or(|x| Some(x) == serial)
    }

    /// Only `sinceVersionId` (or nothing): the fast path by rank.
    fn is_full(&self) -> bool {
        self.adam_id.is_none()
            && self.pricing_param.is_none()
            && self.client_user_id.is_none()
            && self.serial_number.is_none()
    }
}

/// One page of records, how many records match in all, and how many stored records were
/// read to find them.
#[derive(Debug)]
pub(crate) struct Page {
    pub records: Vec<Value>,
    pub total: usize,
    pub examined: u64,
}

/// Counts of live slots, summed by prefix (a Fenwick tree, 1-based; `tree[0]` unused).
#[derive(Debug, Clone)]
struct Fenwick {
    tree: Vec<i64>,
}

impl Fenwick {
    fn new() -> Self {
        Fenwick { tree: vec![0] }
    }

    fn lowbit(i: usize) -> usize {
        i & i.wrapping_neg()
    }

    /// Live slots among the first `n`.
    fn prefix(&self, n: usize) -> i64 {
        let (mut i, mut sum) = (n, 0);
        while i > 0 {
            sum += self.tree[i];
            i -= Self::lowbit(i);
        }
        sum
    }

    /// Appends a slot holding `v`.
    fn push(&mut self, v: i64) {
        let i = self.tree.len();
        let node = v + self.prefix(i - 1) - self.prefix(i - Self::lowbit(i));
        self.tree.push(node);
    }

    /// Adds `v` to slot `slot` (0-based).
    fn add(&mut self, slot: usize, v: i64) {
        let mut i = slot + 1;
        while i < self.tree.len() {
            self.tree[i] += v;
            i += Self::lowbit(i);
        }
    }

    /// The slot (0-based) of the live record of rank `k` (0-based), if there is one.
    fn kth(&self, k: usize) -> Option<usize> {
        let n = self.tree.len() - 1;
        let mut step = if n == 0 { 0 } else { 1 << n.ilog2() };
        let (mut pos, mut rem) = (0, k as i64 + 1);
        while step > 0 {
            if pos + step <= n && self.tree[pos + step] < rem {
                pos += step;
                rem -= self.tree[pos];
            }
            step >>= 1;
        }
        (pos < n).then_some(pos)
    }
}

type Key = (String, String, Target);

/// Holes below this many are never compacted away.
const MIN_COMPACT: usize = 1024;

/// The assignments of one location (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct Assignments {
    slots: Vec<Option<Assignment>>,
    versions: Vec<u64>,
    live: Fenwick,
    live_count: usize,
    by_key: HashMap<Key, usize>,
    by_target: HashMap<Target, BTreeSet<usize>>,
    by_adam: HashMap<String, BTreeSet<usize>>,
}

impl Default for Assignments {
    fn default() -> Self {
        Assignments {
            slots: Vec::new(),
            versions: Vec::new(),
            live: Fenwick::new(),
            live_count: 0,
            by_key: HashMap::new(),
            by_target: HashMap::new(),
            by_adam: HashMap::new(),
        }
    }
}

fn key(adam_id: &str, pricing_param: &str, target: &Target) -> Key {
    (adam_id.to_owned(), pricing_param.to_owned(), target.clone())
}

impl Assignments {
    /// Adds an assignment after every other one. Its version must not be below the last
    /// one's (a location's version only grows); a lower one is raised to it.
    pub fn push(&mut self, mut a: Assignment) {
        let slot = self.slots.len();
        if let Some(&last) = self.versions.last() {
            a.version = a.version.max(last);
        }
        self.by_key
            .insert(key(&a.adam_id, &a.pricing_param, &a.target), slot);
        self.by_target
            .entry(a.target.clone())
            .or_default()
            .insert(slot);
        self.by_adam
            .entry(a.adam_id.clone())
            .or_default()
            .insert(slot);
        self.versions.push(a.version);
        self.slots.push(Some(a));
        self.live.push(1);
        self.live_count += 1;
    }

    /// The live assignments, in the order they were made.
    pub fn iter(&self) -> impl Iterator<Item = &Assignment> {
        self.slots.iter().flatten()
    }

    /// Whether this asset is assigned to this target.
    pub fn contains(&self, adam_id: &str, pricing_param: &str, target: &Target) -> bool {
        self.by_key
            .contains_key(&key(adam_id, pricing_param, target))
    }

    /// Removes the assignment of this asset to this target, if there is one.
    pub fn remove(
        &mut self,
        adam_id: &str,
        pricing_param: &str,
        target: &Target,
    ) -> Option<Assignment> {
        let slot = *self.by_key.get(&key(adam_id, pricing_param, target))?;
        self.remove_slot(slot)
    }

    /// The assignments a target holds, in the order they were made.
    pub fn of_target(&self, target: &Target) -> Vec<Assignment> {
        self.by_target
            .get(target)
            .into_iter()
            .flatten()
            .filter_map(|&s| self.slots[s].clone())
            .collect()
    }

    fn remove_slot(&mut self, slot: usize) -> Option<Assignment> {
        let a = self.slots.get_mut(slot)?.take()?;
        self.by_key
            .remove(&key(&a.adam_id, &a.pricing_param, &a.target));
        if let Some(set) = self.by_target.get_mut(&a.target) {
            set.remove(&slot);
            if set.is_empty() {
                self.by_target.remove(&a.target);
            }
        }
        if let Some(set) = self.by_adam.get_mut(&a.adam_id) {
            set.remove(&slot);
            if set.is_empty() {
                self.by_adam.remove(&a.adam_id);
            }
        }
        self.live.add(slot, -1);
        self.live_count -= 1;
        let holes = self.slots.len() - self.live_count;
        if holes > MIN_COMPACT && holes > self.live_count {
            self.compact();
        }
        Some(a)
    }

    /// Rebuilds without holes, keeping the order.
    fn compact(&mut self) {
        let live: Vec<Assignment> = std::mem::take(&mut self.slots)
            .into_iter()
            .flatten()
            .collect();
        *self = Assignments::default();
        for a in live {
            self.push(a);
        }
    }

    /// Page `index` of `size` records matching `filter`, in the stored order.
    pub fn page(&self, filter: &Filter<'_>, index: usize, size: usize) -> Page {
        if filter.is_full() {
            return self.full_page(filter.since, index, size);
        }
        let candidates: Box<dyn Iterator<Item = usize> + '_> =
            match (filter.client_user_id, filter.serial_number, filter.adam_id) {
                (Some(u), _, _) => self.indexed(&self.by_target, &Target::User(u.to_owned())),
                (None, Some(s), _) => self.indexed(&self.by_target, &Target::Serial(s.to_owned())),
                (None, None, Some(a)) => self.indexed(&self.by_adam, &a.to_owned()),
                (None, None, None) => Box::new(0..self.slots.len()),
            };
        let mut page = Page {
            records: Vec::new(),
            total: 0,
            examined: 0,
        };
        let skip = index.saturating_mul(size);
        for slot in candidates {
            page.examined += 1;
            let Some(a) = &self.slots[slot] else {
                continue;
            };
            if filter.matches(a) {
                if page.total >= skip && page.records.len() < size {
                    page.records.push(a.json());
                }
                page.total += 1;
            }
        }
        page
    }

    fn indexed<'s, K: std::hash::Hash + Eq>(
        &'s self,
        index: &'s HashMap<K, BTreeSet<usize>>,
        k: &K,
    ) -> Box<dyn Iterator<Item = usize> + 's> {
        match index.get(k) {
            Some(set) => Box::new(set.iter().copied()),
            None => Box::new(std::iter::empty()),
        }
    }

    /// Every record (after `since`): found by rank, reading only the page.
    fn full_page(&self, since: Option<u64>, index: usize, size: usize) -> Page {
        let first_slot = since.map_or(0, |v| self.versions.partition_point(|&x| x <= v));
        let before = self.live.prefix(first_slot) as usize;
        let total = self.live_count - before;
        let mut page = Page {
            records: Vec::new(),
            total,
            examined: 0,
        };
        let rank = before.saturating_add(index.saturating_mul(size));
        let Some(start) = (rank < self.live_count)
            .then(|| self.live.kth(rank))
            .flatten()
        else {
            return page;
        };
        for slot in &self.slots[start..] {
            if page.records.len() >= size {
                break;
            }
            page.examined += 1;
            if let Some(a) = slot {
                page.records.push(a.json());
            }
        }
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(n: usize, version: u64) -> Assignment {
        Assignment {
            adam_id: "1".into(),
            pricing_param: "STDQ".into(),
            target: Target::Serial(format!("S{n}")),
            version,
        }
    }

    fn serials(p: &Page) -> Vec<String> {
        p.records
            .iter()
            .map(|r| r["serialNumber"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn pages_by_rank_match_a_plain_list_through_removals_and_compaction() {
        let mut all = Assignments::default();
        let mut plain: Vec<Assignment> = Vec::new();
        for n in 0..5000 {
            let x = a(n, 1 + n as u64 / 100);
            all.push(x.clone());
            plain.push(x);
        }
        for n in (0..5000).step_by(2).chain((1..5000).step_by(7)) {
            let t = Target::Serial(format!("S{n}"));
            let got = all.remove("1", "STDQ", &t).is_some();
            let before = plain.len();
            plain.retain(|x| x.target != t);
            assert_eq!(got, before != plain.len());
        }
        for since in [None, Some(3), Some(49), Some(50)] {
            let expect: Vec<String> = plain
                .iter()
                .filter(|x| since.is_none_or(|v| x.version > v))
                .map(|x| x.json()["serialNumber"].as_str().unwrap().to_owned())
                .collect();
            let f = Filter {
                since,
                ..Filter::default()
            };
            for index in 0..=expect.len() / 100 {
                let p = all.page(&f, index, 100);
                assert_eq!(p.total, expect.len());
                let want: Vec<String> =
                    expect.iter().skip(index * 100).take(100).cloned().collect();
                assert_eq!(serials(&p), want, "since {since:?} page {index}");
            }
        }
    }
}
