//! Which storefront to ask: the location's own first, then a fallback set once.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::AdamId;

/// The storefronts asked, in this order, for ids the location's own storefront does not
/// know: the United States, the United Kingdom, Canada, Australia, Germany, France and
/// Japan, the largest App Store storefronts. Each is asked once, only for the ids still
/// missing; an id none of them knows is reported as found nowhere.
pub const DEFAULT_FALLBACK_STOREFRONTS: [&str; 7] = ["us", "gb", "ca", "au", "de", "fr", "jp"];

/// A storefront: an ISO 3166-1 alpha-2 code in lower case (`us`, `de`), as the catalog's
/// paths and the legacy lookup's `cc` take it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Storefront(String);

/// Why a storefront code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorefrontError {
    /// Not two ASCII letters.
    #[error(
        "{code:?} is not a storefront: give an ISO 3166-1 alpha-2 country code such as \"us\" or \"DE\""
    )]
    Invalid {
        /// What was given (at most 16 characters).
        code: String,
    },
}

impl Storefront {
    /// Checks a code: two ASCII letters, in either case.
    pub fn new(code: &str) -> Result<Self, StorefrontError> {
        let code = code.trim();
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(code.to_ascii_lowercase()))
        } else {
            Err(StorefrontError::Invalid {
                code: code.chars().take(16).collect(),
            })
        }
    }

    /// The code, in lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// [`DEFAULT_FALLBACK_STOREFRONTS`] as storefronts.
    pub fn default_fallbacks() -> Vec<Self> {
        DEFAULT_FALLBACK_STOREFRONTS
            .iter()
            .map(|c| Self((*c).to_owned()))
            .collect()
    }
}

impl fmt::Display for Storefront {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Storefront {
    type Err = StorefrontError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for Storefront {
    type Error = StorefrontError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s)
    }
}

impl From<Storefront> for String {
    fn from(s: Storefront) -> Self {
        s.0
    }
}

/// The storefront of a location's country (`countryISO2ACode`, e.g. `DE` → `de`);
/// `None` when the location has no usable country code (then only the fallback set is
/// asked). Apple's storefronts are the ISO 3166-1 alpha-2 codes; the one exception in
/// use, `UK`, maps to `gb`.
pub fn storefront_for_country(country: Option<&str>) -> Option<Storefront> {
    let country = country?.trim();
    if country.eq_ignore_ascii_case("uk") {
        return Some(Storefront("gb".into()));
    }
    Storefront::new(country).ok()
}

/// The search for a batch of ids across storefronts, without I/O: ask
/// [`StorefrontSearch::next_request`] which storefront to ask for which ids, send it (in
/// requests of at most [`super::MAX_IDS_PER_REQUEST`]), [`StorefrontSearch::record`] what
/// came back, and [`StorefrontSearch::finish`] when it says nothing more.
///
/// ```
/// use apple_vpp::AdamId;
/// use apple_vpp::metadata::{Storefront, StorefrontSearch, storefront_for_country};
///
/// let home = storefront_for_country(Some("DE"));
/// let ids = [AdamId::new("1"), AdamId::new("2"), AdamId::new("3")];
/// let mut search = StorefrontSearch::new(home, &Storefront::default_fallbacks(), ids);
/// let (de, ask) = search.next_request().unwrap();
/// assert_eq!((de.as_str(), ask.len()), ("de", 3));
/// search.record(&de, [&AdamId::new("1")]);
/// let (us, ask) = search.next_request().unwrap();
/// assert_eq!((us.as_str(), ask), ("us", vec![AdamId::new("2"), AdamId::new("3")]));
/// search.record(&us, [&AdamId::new("2")]);
/// while let Some((storefront, _)) = search.next_request() {
///     search.record(&storefront, []);
/// }
/// let found = search.finish();
/// assert_eq!(found.storefront_of(&AdamId::new("2")).unwrap().as_str(), "us");
/// assert_eq!(found.not_found, [AdamId::new("3")]);
/// ```
///
/// Cost: linear in the number of ids per storefront asked (each id is hashed once per
/// [`StorefrontSearch::record`] and once per round), so a location with tens of
/// thousands of assets is searched without quadratic work.
#[derive(Debug, Clone)]
pub struct StorefrontSearch {
    order: Vec<Storefront>,
    next: usize,
    /// The ids not yet found, in the order given; ids found since the last round are
    /// still here until [`StorefrontSearch::compact`] drops them.
    pending: Vec<AdamId>,
    /// The same ids, for constant-time membership.
    missing: HashSet<AdamId>,
    found: Vec<(AdamId, Storefront)>,
}

/// Where each id was found, and which were found nowhere (never dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StorefrontResolution {
    /// Each id found, with the storefront that answered for it (the first asked that
    /// knew it).
    pub found: Vec<(AdamId, Storefront)>,
    /// The ids no storefront asked knew, in the order given.
    pub not_found: Vec<AdamId>,
}

impl StorefrontResolution {
    /// The storefront `id` was found in (a linear scan: for many ids, build
    /// [`StorefrontResolution::by_id`] once).
    pub fn storefront_of(&self, id: &AdamId) -> Option<&Storefront> {
        self.found.iter().find(|(i, _)| i == id).map(|(_, s)| s)
    }

    /// Each id found, with its storefront, for constant-time look-ups.
    pub fn by_id(&self) -> HashMap<&AdamId, &Storefront> {
        self.found.iter().map(|(id, s)| (id, s)).collect()
    }
}

impl StorefrontSearch {
    /// A search for `ids` (duplicates asked once): `home` first (the location's
    /// storefront, when known), then each of `fallbacks` not already asked, once.
    pub fn new(
        home: Option<Storefront>,
        fallbacks: &[Storefront],
        ids: impl IntoIterator<Item = AdamId>,
    ) -> Self {
        let mut order: Vec<Storefront> = home.into_iter().collect();
        for f in fallbacks {
            if !order.contains(f) {
                order.push(f.clone());
            }
        }
        let mut missing = HashSet::new();
        let pending = ids
            .into_iter()
            .filter(|id| missing.insert(id.clone()))
            .collect();
        Self {
            order,
            next: 0,
            pending,
            missing,
            found: Vec::new(),
        }
    }

    /// Drops the ids found since the last round from `pending` (one pass).
    fn compact(&mut self) {
        if self.pending.len() != self.missing.len() {
            let missing = &self.missing;
            self.pending.retain(|id| missing.contains(id));
        }
    }

    /// The next storefront to ask and the ids still missing; `None` when every id has
    /// been found or every storefront asked. Never an empty list of ids: a request
    /// without ids is one Apple refuses (HTTP 403, code 40300).
    pub fn next_request(&mut self) -> Option<(Storefront, Vec<AdamId>)> {
        self.compact();
        if self.pending.is_empty() {
            return None;
        }
        let storefront = self.order.get(self.next)?.clone();
        self.next += 1;
        Some((storefront, self.pending.clone()))
    }

    /// Records the ids `storefront` answered for; ids not pending (never asked, or
    /// already found, also when Apple repeats one) are ignored.
    pub fn record<'a>(
        &mut self,
        storefront: &Storefront,
        found: impl IntoIterator<Item = &'a AdamId>,
    ) {
        for id in found {
            if let Some(id) = self.missing.take(id) {
                self.found.push((id, storefront.clone()));
            }
        }
    }

    /// Where each id was found, and the ids found nowhere.
    pub fn finish(mut self) -> StorefrontResolution {
        self.compact();
        StorefrontResolution {
            found: self.found,
            not_found: self.pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<AdamId> {
        list.iter().map(|s| AdamId::new(*s)).collect()
    }

    #[test]
    fn country_codes_map_to_storefronts() {
        assert_eq!(storefront_for_country(Some("DE")).unwrap().as_str(), "de");
        assert_eq!(storefront_for_country(Some(" us ")).unwrap().as_str(), "us");
        assert_eq!(storefront_for_country(Some("UK")).unwrap().as_str(), "gb");
        assert_eq!(storefront_for_country(Some("DEU")), None);
        assert_eq!(storefront_for_country(Some("")), None);
        assert_eq!(storefront_for_country(None), None);
        assert_eq!(
            Storefront::new("u1").unwrap_err().to_string(),
            "\"u1\" is not a storefront: give an ISO 3166-1 alpha-2 country code such as \"us\" or \"DE\""
        );
    }

    #[test]
    fn the_home_storefront_is_asked_first_and_each_fallback_once() {
        let home = storefront_for_country(Some("US"));
        let mut search =
            StorefrontSearch::new(home, &Storefront::default_fallbacks(), ids(&["1", "2"]));
        let mut asked = Vec::new();
        while let Some((storefront, _)) = search.next_request() {
            asked.push(storefront.to_string());
            search.record(&storefront, []);
        }
        assert_eq!(asked, ["us", "gb", "ca", "au", "de", "fr", "jp"]);
        assert_eq!(search.finish().not_found, ids(&["1", "2"]));
    }

    #[test]
    fn the_search_stops_when_everything_is_found_and_never_drops_an_id() {
        let fallbacks = [Storefront::new("us").unwrap()];
        let mut search = StorefrontSearch::new(
            storefront_for_country(Some("fr")),
            &fallbacks,
            ids(&["1", "2", "2", "3"]),
        );
        let (fr, ask) = search.next_request().unwrap();
        assert_eq!(ask, ids(&["1", "2", "3"]));
        search.record(&fr, &ids(&["2", "99"]));
        let (us, ask) = search.next_request().unwrap();
        assert_eq!(ask, ids(&["1", "3"]));
        search.record(&us, &ids(&["1"]));
        assert!(search.next_request().is_none());
        let resolution = search.finish();
        assert_eq!(resolution.storefront_of(&AdamId::new("2")), Some(&fr));
        assert_eq!(resolution.storefront_of(&AdamId::new("1")), Some(&us));
        assert_eq!(resolution.not_found, ids(&["3"]));
    }

    #[test]
    fn an_id_apple_repeats_is_credited_once() {
        let us = Storefront::new("us").unwrap();
        let mut search = StorefrontSearch::new(Some(us.clone()), &[], ids(&["1", "2"]));
        let (asked, _) = search.next_request().unwrap();
        search.record(&asked, &ids(&["1", "1", "2", "1"]));
        assert!(search.next_request().is_none());
        let resolution = search.finish();
        assert_eq!(
            resolution.found,
            vec![(AdamId::new("1"), us.clone()), (AdamId::new("2"), us)]
        );
        assert!(resolution.not_found.is_empty());
    }

    #[test]
    fn no_ids_means_no_request() {
        let mut search = StorefrontSearch::new(None, &Storefront::default_fallbacks(), []);
        assert!(search.next_request().is_none());
        assert!(search.finish().found.is_empty());
    }

    #[test]
    fn without_a_country_only_the_fallbacks_are_asked() {
        let mut search = StorefrontSearch::new(None, &Storefront::default_fallbacks(), ids(&["1"]));
        assert_eq!(search.next_request().unwrap().0.as_str(), "us");
    }
}
