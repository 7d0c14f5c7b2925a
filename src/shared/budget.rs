//! The request budget: what a [`VppClient`](crate::client::VppClient) asks before every
//! request that carries a location token.
//!
//! Whose rate is it? Apple's "Service Config" page gives `maxRequestPerSecond` among
//! the request limits without naming its unit
//! (<https://developer.apple.com/documentation/devicemanagement/service-config>), and its
//! refusal names the organization, not the token: 9646, "There are too many requests
//! for the current Organization" ("Handling Error Responses",
//! <https://developer.apple.com/documentation/devicemanagement/handling-error-responses>).
//! A location is reached through one token at a time except during a renewal, when the
//! old and the new token are both in use: a budget per token would let each spend the
//! whole rate. The budget is therefore kept per location, whoever sends (one process or
//! a fleet of replicas) and whichever of its tokens they send: [`BudgetKey`] names the
//! location by the SHA-256 of its `uId` (as lease keys do) once the client has seen it in
//! one of Apple's answers, and by the token's credential hash only until then; a request
//! whose token's location is known spends both, so the two never run side by side.
//!
//! [`RequestBudget`] is the seam: the client asks it for the next slot of a key at the
//! rate in force (Apple's `maxRequestPerSecond`, or the caller's lower ceiling), and
//! waits as long as it says. [`InProcessBudget`], the default, paces the requests of one
//! process (and its clones of the client); `apple_vpp::redis::RedisBudget` (feature
//! `redis`) paces a fleet with the same algorithm on Redis.
//!
//! Only requests to Apple's Apps and Books service (`vpp.itunes.apple.com`) spend it.
//! Apple's metadata services (`api.ent.apple.com`) are another service with limits of
//! their own, not counted against `maxRequestPerSecond`: they do not spend this budget.

use std::fmt;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use super::keys::{LocationKey, TokenId};
use super::rate::{Gcra, spacing};

/// What a request spends: its location's budget, named by the SHA-256 of the location's
/// `uId` once known, and its token's (the SHA-256 of the credential). Before the
/// location is known, only the token's.
///
/// A slot is taken for every cell of the key at once ([`BudgetKey::cells`]): a request
/// sent with a token whose location was just learnt still follows the slots that token
/// took before, and the old and the new token of a location share the location's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct BudgetKey {
    token: TokenId,
    location: Option<LocationKey>,
}

/// One budget a [`BudgetKey`] spends: a location's or a token's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum BudgetCell {
    /// A location's budget (the SHA-256 of its `uId`).
    Location(LocationKey),
    /// A token's budget (the SHA-256 of its credential), used until its location is
    /// known.
    Token(TokenId),
}

impl BudgetCell {
    /// `loc:<hex>` or `tok:<hex>` (e.g. the end of a Redis key).
    pub fn name(&self) -> String {
        match self {
            Self::Location(location) => format!("loc:{}", location.to_hex()),
            Self::Token(token) => format!("tok:{}", token.to_hex()),
        }
    }
}

impl BudgetKey {
    /// The key of a token whose location is not known yet.
    pub fn of_token(token: TokenId) -> Self {
        Self {
            token,
            location: None,
        }
    }

    /// The key of a token of a known location.
    pub fn of_location(token: TokenId, location: LocationKey) -> Self {
        Self {
            token,
            location: Some(location),
        }
    }

    /// The token's id.
    pub fn token(&self) -> &TokenId {
        &self.token
    }

    /// The location's key, once known.
    pub fn location(&self) -> Option<&LocationKey> {
        self.location.as_ref()
    }

    /// The budgets a request spends, the location's first: one slot is taken in all of
    /// them.
    pub fn cells(&self) -> Vec<BudgetCell> {
        let mut cells = Vec::with_capacity(2);
        if let Some(location) = self.location {
            cells.push(BudgetCell::Location(location));
        }
        cells.push(BudgetCell::Token(self.token));
        cells
    }
}

impl From<TokenId> for BudgetKey {
    fn from(token: TokenId) -> Self {
        Self::of_token(token)
    }
}

/// Where a budget's decisions come from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BudgetStatus {
    /// This process paces its own requests ([`InProcessBudget`]).
    InProcess,
    /// The fleet's shared budget answers (e.g. Redis).
    Shared,
    /// The shared budget did not answer in time: this process paces itself at its share
    /// of the rate (the rate divided by the expected number of replicas) until it answers
    /// again.
    Degraded,
}

/// What a client asks before every request that carries a token: when may the next
/// request of this token go?
///
/// An implementation reserves a slot (first come, first served, so no caller starves)
/// and returns how long to wait for it; the client then waits that long and sends. It
/// never fails: a budget whose backing store does not answer decides locally (and says
/// so in [`RequestBudget::status`]), and it answers within a bound far below any
/// request's timeout.
pub trait RequestBudget: Send + Sync + fmt::Debug + 'static {
    /// Reserves the next slot of `key` (one slot in each of its
    /// [`cells`](BudgetKey::cells)) for a rate of `rate` requests per second (at most
    /// `rate` in any one-second window: [`spacing`] apart); returns how long
    /// to wait, from when the future completes, until that slot.
    ///
    /// The client sends the request at that slot; a request that could not leave within
    /// a little of its slot (the caller did not poll it, the machine was busy) asks for
    /// a new slot instead of leaving late.
    fn reserve<'a>(&'a self, key: &'a BudgetKey, rate: u32) -> BoxFuture<'a, Duration>;

    /// Where the decisions come from now.
    fn status(&self) -> BudgetStatus {
        BudgetStatus::InProcess
    }
}

/// The default budget: the requests of one process (all clones of its client) are paced
/// per location (see [`BudgetKey`]), [`spacing`] apart. One replica's
/// limiter: replicas that manage a location together need a shared budget.
#[derive(Debug, Default)]
pub struct InProcessBudget {
    gcra: Gcra<BudgetCell>,
}

impl InProcessBudget {
    /// A budget with no slot reserved yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The wait for the next slot of `key` at `rate`, at `now` (the step without the
    /// future).
    pub fn reserve_at(&self, key: &BudgetKey, rate: u32, now: Instant) -> Duration {
        self.gcra.reserve_all(&key.cells(), spacing(rate), now) - now
    }
}

impl RequestBudget for InProcessBudget {
    fn reserve<'a>(&'a self, key: &'a BudgetKey, rate: u32) -> BoxFuture<'a, Duration> {
        let wait = self.reserve_at(key, rate, Instant::now());
        Box::pin(std::future::ready(wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location() -> LocationKey {
        LocationKey::of_uid("981060278089131045")
    }

    #[test]
    fn the_old_and_the_new_token_of_a_location_share_one_budget() {
        let budget = InProcessBudget::new();
        let (old, new) = (TokenId::from_bytes([1; 32]), TokenId::from_bytes([2; 32]));
        let t0 = Instant::now();
        let step = spacing(10);
        let old_key = BudgetKey::of_location(old, location());
        let new_key = BudgetKey::of_location(new, location());
        assert_eq!(budget.reserve_at(&old_key, 10, t0), Duration::ZERO);
        assert_eq!(budget.reserve_at(&new_key, 10, t0), step);
        assert_eq!(budget.reserve_at(&old_key, 10, t0), step * 2);
        // Another location (with its own token) has a budget of its own.
        let elsewhere = BudgetKey::of_location(
            TokenId::from_bytes([3; 32]),
            LocationKey::of_uid("2049025000431439"),
        );
        assert_eq!(budget.reserve_at(&elsewhere, 10, t0), Duration::ZERO);
    }

    #[test]
    fn a_token_whose_location_is_learnt_keeps_its_earlier_slots() {
        let budget = InProcessBudget::new();
        let token = TokenId::from_bytes([1; 32]);
        let t0 = Instant::now();
        let step = spacing(10);
        // Before the location is known: the token's own budget.
        assert_eq!(budget.reserve_at(&token.into(), 10, t0), Duration::ZERO);
        assert_eq!(budget.reserve_at(&token.into(), 10, t0), step);
        // Once known, the location's budget starts after the token's last slot.
        let known = BudgetKey::of_location(token, location());
        assert_eq!(budget.reserve_at(&known, 10, t0), step * 2);
    }

    #[test]
    fn cells_name_the_location_and_the_token_by_hashes() {
        let token = TokenId::from_bytes([0xab; 32]);
        let key = BudgetKey::of_location(token, location());
        let names: Vec<_> = key.cells().iter().map(BudgetCell::name).collect();
        assert_eq!(names[0], format!("loc:{}", location().to_hex()));
        assert_eq!(names[1], format!("tok:{}", "ab".repeat(32)));
        assert_eq!(BudgetKey::of_token(token).cells().len(), 1);
    }
}
