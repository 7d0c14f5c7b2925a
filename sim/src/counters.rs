//! Request counters kept apart from the (bounded) request details, so that totals stay
//! exact when details are dropped: requests, refusals (429) and the most requests in any
//! one-second window, in total and per token. A token is known here only by its
//! [`TokenId`], a hash: the credential itself is never stored or shown.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

/// An identifier of a token (a 64-bit hash of the credential), safe to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokenId(u64);

impl TokenId {
    /// The identifier of a credential (the `.vpptoken` content; surrounding whitespace is
    /// ignored, as when it is checked).
    pub fn of(credential: &str) -> TokenId {
        // FNV-1a: stable across runs and platforms (the standard hasher's is not promised).
        let h = credential
            .trim()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        TokenId(h)
    }
}

impl std::fmt::Display for TokenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "token-{:016x}", self.0)
    }
}

/// Counts of requests, exact however many request details were kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    /// Requests that arrived.
    pub requests: u64,
    /// Requests answered 429 (in total: the rate limit's and injected ones; per token: the
    /// rate limit's refusals of that token).
    pub refused: u64,
    /// The most requests that arrived within any one-second window.
    pub max_in_any_second: u64,
}

/// Every counter of a running simulator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Every request that arrived, whatever its path or credential.
    pub total: RequestCounts,
    /// Per token, the requests that presented it and reached authentication (a request
    /// answered by an injected fault before authentication counts only in `total`).
    pub per_token: BTreeMap<TokenId, RequestCounts>,
}

#[derive(Debug, Default)]
struct Tally {
    counts: RequestCounts,
    window: VecDeque<Instant>,
}

impl Tally {
    fn arrive(&mut self, now: Instant) {
        while self
            .window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.window.pop_front();
        }
        self.window.push_back(now);
        self.counts.requests += 1;
        self.counts.max_in_any_second = self.counts.max_in_any_second.max(self.window.len() as u64);
    }
}

#[derive(Debug, Default)]
struct Inner {
    total: Tally,
    per_token: BTreeMap<TokenId, Tally>,
}

/// The counters, shared by the middleware, the authentication and the handle. Per-token
/// entries exist only for credentials the simulator knows (one per location and renewal),
/// so their number is bounded.
#[derive(Debug, Default)]
pub(crate) struct RequestCounters {
    inner: Mutex<Inner>,
}

impl RequestCounters {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A request arrived (any path, any credential).
    pub fn arrive(&self) {
        self.lock().total.arrive(Instant::now());
    }

    /// A request was answered 429.
    pub fn refuse(&self) {
        self.lock().total.counts.refused += 1;
    }

    /// A request presented this known token.
    pub fn arrive_token(&self, id: TokenId) {
        self.lock()
            .per_token
            .entry(id)
            .or_default()
            .arrive(Instant::now());
    }

    /// The rate limit refused a request with this token.
    pub fn refuse_token(&self, id: TokenId) {
        self.lock().per_token.entry(id).or_default().counts.refused += 1;
    }

    pub fn snapshot(&self) -> Counters {
        let inner = self.lock();
        Counters {
            total: inner.total.counts,
            per_token: inner
                .per_token
                .iter()
                .map(|(id, t)| (*id, t.counts))
                .collect(),
        }
    }

    pub fn for_token(&self, id: TokenId) -> RequestCounts {
        self.lock()
            .per_token
            .get(&id)
            .map(|t| t.counts)
            .unwrap_or_default()
    }

    /// Starts every count again from zero.
    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }
}
