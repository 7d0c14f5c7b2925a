//! A lease per location: only one holder at a time runs a sync, or the claim, verify,
//! renew and subscribe flows, for a location.
//!
//! A [`LeaseStore`] grants a [`Lease`] for a location (keyed by [`LocationKey`], the
//! SHA-256 of the location's `uId`, which survives a token renewal) and a
//! [`LeaseKind`], for a time to live that the holder extends while it works. Each lease
//! carries a fencing number that grows with every grant of that location and kind, also
//! across a restart of the store that lost its data and a failover to an empty one: each
//! number is at least the store's clock in microseconds since the Unix epoch at the
//! grant. Store it with what the work writes, and refuse a write whose number is lower
//! than the one stored, so a holder whose lease expired (a paused process, a partition)
//! cannot overwrite a newer holder's work.
//!
//! [`InProcessLeases`] serves one process; `apple_vpp::redis::RedisLeases` (feature
//! `redis`) a fleet. A client given a store
//! ([`VppClientBuilder::leases`](crate::client::VppClientBuilder::leases)) takes the lease
//! around its syncs and flows; without one (the default) it takes none.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use super::keys::{LocationKey, hex};

/// How long a lease lives unless renewed: 30 s (the client renews it every third of
/// that while it works).
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

/// The longest lease time to live a client accepts (one hour): a lease lives that long
/// after its holder died, so anything longer stops the location's work for hours.
/// [`VppClientBuilder::build`](crate::client::VppClientBuilder::build) refuses a longer
/// one; a [`LeaseStore`] given one anyway uses this.
pub const MAX_LEASE_TTL: Duration = Duration::from_secs(3600);

/// The shortest lease time to live, 30 ms: a shorter one is raised to this.
pub const MIN_LEASE_TTL: Duration = Duration::from_millis(30);

/// `ttl` within [`MIN_LEASE_TTL`] and [`MAX_LEASE_TTL`].
pub(crate) fn clamp_lease_ttl(ttl: Duration) -> Duration {
    ttl.clamp(MIN_LEASE_TTL, MAX_LEASE_TTL)
}

/// The fencing floor: this machine's clock in microseconds since the Unix epoch (0 for a
/// clock set before 1970).
pub(crate) fn clock_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// What a lease is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LeaseKind {
    /// A sync of the location's assets, assignments or users.
    Sync,
    /// The claim (configure), verify, renew and subscribe flows.
    Config,
}

impl LeaseKind {
    /// `sync` or `config` (part of the Redis key).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Config => "config",
        }
    }
}

/// A lease held: for one location and kind, until it expires or is released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    kind: LeaseKind,
    location: LocationKey,
    holder: String,
    fence: u64,
    ttl: Duration,
}

impl Lease {
    /// A lease (for [`LeaseStore`] implementations): `holder` is the random value that
    /// proves this holder's claim, `fence` the grant's fencing number.
    pub fn new(
        kind: LeaseKind,
        location: LocationKey,
        holder: String,
        fence: u64,
        ttl: Duration,
    ) -> Self {
        Self {
            kind,
            location,
            holder,
            fence,
            ttl,
        }
    }

    /// What the lease is for.
    pub fn kind(&self) -> LeaseKind {
        self.kind
    }

    /// Which location.
    pub fn location(&self) -> &LocationKey {
        &self.location
    }

    /// The random value that identifies this holder.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The fencing number: larger for every later grant of this location and kind (also
    /// after the store restarted empty or failed over: it is never below the store's
    /// clock in microseconds at the grant). Store it with what the work writes; refuse
    /// writes that carry a smaller one.
    pub fn fence(&self) -> u64 {
        self.fence
    }

    /// The time to live (from the grant or the last renewal).
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// Why a lease could not be had or kept. Leases fail closed: without one, the work is
/// not done.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LeaseError {
    /// Another holder (another replica, or another task) has the lease.
    #[error(
        "another replica holds the {kind} lease of this location; try again after it finishes ({wait})",
        kind = kind.as_str(),
        wait = held_wait(*retry_after)
    )]
    Held {
        /// What the lease is for.
        kind: LeaseKind,
        /// How long the lease lives on unless its holder renews it, as the store said
        /// (`None` when the store does not say): a holder that stopped (crashed, paused)
        /// leaves it free by then, a live one renews it or releases it earlier. What to
        /// wait before trying again (e.g. an HTTP `Retry-After`), or at most between two
        /// tries.
        retry_after: Option<Duration>,
    },
    /// The lease expired or was taken over while held: the work stopped.
    #[error(
        "the {kind} lease of this location expired or was taken over while held; the work stopped: run it again",
        kind = kind.as_str()
    )]
    Lost {
        /// What the lease is for.
        kind: LeaseKind,
    },
    /// The lease store did not answer: without a lease nothing is done.
    #[error(
        "the lease store did not answer ({reason}); nothing was done: try again when it is back"
    )]
    Unavailable {
        /// What happened (no secret).
        reason: String,
    },
}

impl LeaseError {
    /// Whether another holder (another replica or task) has the lease: wait and try
    /// again; nothing was done.
    pub fn is_held(&self) -> bool {
        matches!(self, Self::Held { .. })
    }

    /// Whether the lease expired or was taken over while held: the work stopped part-way.
    pub fn is_lost(&self) -> bool {
        matches!(self, Self::Lost { .. })
    }

    /// Whether the lease store did not answer.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

/// Grants, renews and releases leases. Implementations must be atomic across every
/// process that shares them.
pub trait LeaseStore: Send + Sync + fmt::Debug + 'static {
    /// Grants the lease of `location` for `kind` for `ttl`, with a fencing number larger
    /// than every earlier grant's; [`LeaseError::Held`] while someone else holds it.
    ///
    /// The number must grow even when the store lost its state (a restart without
    /// persistence, a failover to a replica that missed the last grant): the stores of
    /// this crate take the larger of the stored counter plus one and the store's clock in
    /// microseconds since the Unix epoch, in the same atomic step.
    fn acquire<'a>(
        &'a self,
        kind: LeaseKind,
        location: &'a LocationKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Lease, LeaseError>>;

    /// Extends `lease` by its time to live; [`LeaseError::Lost`] when it is no longer
    /// this holder's.
    fn renew<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), LeaseError>>;

    /// Gives `lease` up (only if it is still this holder's).
    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), LeaseError>>;
}

/// The wait [`LeaseError::Held`] names.
fn held_wait(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(left) => format!("its lease lapses in {} ms unless renewed", left.as_millis()),
        None => "at most the lease's time to live".to_owned(),
    }
}

/// A random holder value: 128 bits from the operating system, hex.
pub(crate) fn random_holder() -> String {
    let mut bytes = [0u8; 16];
    // The operating system's generator fails only where none exists; the time is then a
    // unique enough holder within one process.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
            .to_le_bytes();
    }
    hex(&bytes)
}

/// Leases within one process. Fencing numbers are at least this machine's clock in
/// microseconds, so a restarted process still grants larger numbers than before.
#[derive(Debug, Default)]
pub struct InProcessLeases {
    state: Mutex<HashMap<(LeaseKind, LocationKey), Entry>>,
}

#[derive(Debug, Default)]
struct Entry {
    fence: u64,
    held: Option<(String, Instant)>,
}

impl InProcessLeases {
    /// No lease granted yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(LeaseKind, LocationKey), Entry>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl LeaseStore for InProcessLeases {
    fn acquire<'a>(
        &'a self,
        kind: LeaseKind,
        location: &'a LocationKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Lease, LeaseError>> {
        let now = Instant::now();
        let ttl = clamp_lease_ttl(ttl);
        let mut state = self.lock();
        let entry = state.entry((kind, *location)).or_default();
        let answer = if let Some((_, until)) = entry.held.as_ref().filter(|(_, u)| *u > now) {
            Err(LeaseError::Held {
                kind,
                retry_after: Some(*until - now),
            })
        } else {
            let holder = random_holder();
            entry.fence = entry.fence.saturating_add(1).max(clock_micros());
            entry.held = Some((holder.clone(), now + ttl));
            Ok(Lease::new(kind, *location, holder, entry.fence, ttl))
        };
        Box::pin(std::future::ready(answer))
    }

    fn renew<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), LeaseError>> {
        let now = Instant::now();
        let mut state = self.lock();
        let answer = match state.get_mut(&(lease.kind, lease.location)) {
            Some(Entry {
                held: Some((holder, until)),
                ..
            }) if *holder == lease.holder && *until > now => {
                *until = now + clamp_lease_ttl(lease.ttl);
                Ok(())
            }
            _ => Err(LeaseError::Lost { kind: lease.kind }),
        };
        Box::pin(std::future::ready(answer))
    }

    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), LeaseError>> {
        let mut state = self.lock();
        if let Some(entry) = state.get_mut(&(lease.kind, lease.location)) {
            if entry
                .held
                .as_ref()
                .is_some_and(|(holder, _)| *holder == lease.holder)
            {
                entry.held = None;
            }
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<T>(f: BoxFuture<'_, T>) -> T {
        // The in-process store answers at once: a ready future.
        futures_util::FutureExt::now_or_never(f).expect("ready")
    }

    #[test]
    fn in_process_leases_exclude_expire_and_number_each_grant() {
        let store = InProcessLeases::new();
        let here = LocationKey::of_uid("1");
        let ttl = Duration::from_millis(50);
        let first = block_on(store.acquire(LeaseKind::Sync, &here, ttl)).unwrap();
        match block_on(store.acquire(LeaseKind::Sync, &here, ttl)) {
            Err(
                e @ LeaseError::Held {
                    retry_after: Some(left),
                    ..
                },
            ) => {
                assert!(left > Duration::ZERO && left <= ttl, "{left:?}");
                assert!(e.to_string().contains(" ms unless renewed"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        // Another kind, another location: other leases.
        block_on(store.acquire(LeaseKind::Config, &here, ttl)).unwrap();
        block_on(store.acquire(LeaseKind::Sync, &LocationKey::of_uid("2"), ttl)).unwrap();
        block_on(store.renew(&first)).unwrap();
        std::thread::sleep(Duration::from_millis(80));
        assert!(matches!(
            block_on(store.renew(&first)),
            Err(LeaseError::Lost { .. })
        ));
        let second = block_on(store.acquire(LeaseKind::Sync, &here, ttl)).unwrap();
        assert!(second.fence() > first.fence());
        assert_ne!(first.holder(), second.holder());
        // The expired holder's release leaves the new holder's lease alone.
        block_on(store.release(&first)).unwrap();
        assert!(block_on(store.acquire(LeaseKind::Sync, &here, ttl)).is_err());
        block_on(store.release(&second)).unwrap();
        assert!(block_on(store.acquire(LeaseKind::Sync, &here, ttl)).is_ok());
    }

    #[test]
    fn in_process_fences_start_at_the_clock_so_a_new_process_grants_larger_numbers() {
        let here = LocationKey::of_uid("1");
        let ttl = Duration::from_millis(50);
        let before = clock_micros();
        let old = InProcessLeases::new();
        let first = block_on(old.acquire(LeaseKind::Sync, &here, ttl)).unwrap();
        assert!(first.fence() >= before, "{} < {before}", first.fence());
        // A restarted process: a new store with nothing in it.
        std::thread::sleep(Duration::from_millis(2));
        let new = InProcessLeases::new();
        let second = block_on(new.acquire(LeaseKind::Sync, &here, ttl)).unwrap();
        assert!(second.fence() > first.fence());
    }

    #[test]
    fn an_endless_ttl_is_clamped_not_a_panic() {
        let store = InProcessLeases::new();
        let here = LocationKey::of_uid("1");
        let lease = block_on(store.acquire(LeaseKind::Sync, &here, Duration::MAX)).unwrap();
        assert_eq!(lease.ttl(), MAX_LEASE_TTL);
        block_on(store.renew(&lease)).unwrap();
        assert!(matches!(
            block_on(store.acquire(LeaseKind::Sync, &here, Duration::MAX)),
            Err(LeaseError::Held { .. })
        ));
    }
}
