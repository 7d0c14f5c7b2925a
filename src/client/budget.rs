//! The request budget: what a [`super::VppClient`] asks before every request that carries
//! a location token.
//!
//! Apple's limit is per token, whoever sends: one process or a fleet of replicas that
//! manage the same locations. [`RequestBudget`] is the seam: the client asks it for the
//! next slot of a token at the rate in force (Apple's `maxRequestPerSecond`, or the
//! caller's lower ceiling), and waits as long as it says. [`InProcessBudget`], the default, paces the requests of one
//! process (and its clones of the client); `apple_vpp::redis::RedisBudget` (feature
//! `redis`) paces a fleet with the same algorithm on Redis.
//!
//! Only requests to Apple's Apps and Books service (`vpp.itunes.apple.com`) spend it.
//! Apple's metadata services (`api.ent.apple.com`) are another service with limits of
//! their own, not counted against `maxRequestPerSecond`: they do not spend this budget.

use std::fmt;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use super::rate::{Gcra, spacing};
use crate::token::VppToken;

/// A non-reversible id of a location token: the SHA-256 of its credential. What a budget
/// is keyed by; the credential itself never leaves the client for a budget. `Debug` and
/// [`TokenId::to_hex`] show the hash (it reveals nothing of the credential).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenId([u8; 32]);

impl TokenId {
    /// The id of `token`.
    pub fn of(token: &VppToken) -> Self {
        let digest =
            ring::digest::digest(&ring::digest::SHA256, token.expose_credential().as_bytes());
        let mut bytes = [0; 32];
        bytes.copy_from_slice(digest.as_ref());
        Self(bytes)
    }

    /// An id from its 32 bytes (e.g. read back from storage).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hexadecimal, 64 characters (e.g. in a Redis key).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Debug for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenId({})", self.to_hex())
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
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
    /// Reserves the next slot of `token` for a rate of `rate` requests per second (at
    /// most `rate` in any one-second window: [`super::rate::spacing`] apart); returns how
    /// long to wait until that slot.
    fn reserve<'a>(&'a self, token: &'a TokenId, rate: u32) -> BoxFuture<'a, Duration>;

    /// Where the decisions come from now.
    fn status(&self) -> BudgetStatus {
        BudgetStatus::InProcess
    }
}

/// The default budget: the requests of one process (all clones of its client) are paced
/// per token, [`super::rate::spacing`] apart. One replica's limiter: replicas that share
/// a token need a shared budget.
#[derive(Debug, Default)]
pub struct InProcessBudget {
    gcra: Gcra,
}

impl InProcessBudget {
    /// A budget with no slot reserved yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The wait for the next slot of `token` at `rate`, at `now` (the step without the
    /// future).
    pub fn reserve_at(&self, token: &TokenId, rate: u32, now: Instant) -> Duration {
        self.gcra.reserve(token, spacing(rate), now)
    }
}

impl RequestBudget for InProcessBudget {
    fn reserve<'a>(&'a self, token: &'a TokenId, rate: u32) -> BoxFuture<'a, Duration> {
        let wait = self.gcra.reserve(token, spacing(rate), Instant::now());
        Box::pin(std::future::ready(wait))
    }
}
