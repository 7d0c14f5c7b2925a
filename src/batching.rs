//! Splits a license or user request into the requests Apple accepts, before anything is
//! sent: at most the service configuration's limits per request, duplicates removed
//! (Apple refuses them: 9703–9705), an empty request refused (9718, 9719).
//!
//! Batches follow the caller's order. 2,500 serial numbers with `maxSerialNumbers` 1000
//! become three requests of 1000, 1000 and 500.
//!
//! **Serial numbers and users in one request.** Apple's body takes both lists, so a
//! batch may carry both: batch *i* holds the *i*-th slice of the serial numbers (at most
//! `maxSerialNumbers`) and the *i*-th slice of the users (at most `maxClientUserIds`);
//! the number of requests is the larger of the two counts, and each list keeps its order.
//! With more assets than `maxAssets`, each slice of assets is sent with every slice of
//! targets (assets outermost).
//!
//! ```
//! use apple_vpp::batching::{license_batches, BatchLimits};
//! use apple_vpp::wire::{AssetRef, LicensesRequest, PricingParam};
//!
//! let serials: Vec<String> = (0..2500).map(|i| format!("C02X{i:06}")).collect();
//! let request = LicensesRequest::new([AssetRef::new("408709785", PricingParam::Stdq)], serials, Vec::<String>::new());
//! let batches = license_batches(request, &BatchLimits::default())?;
//! let sizes: Vec<usize> = batches.iter().map(|b| b.serial_numbers.len()).collect();
//! assert_eq!(sizes, [1000, 1000, 500]);
//! # Ok::<(), apple_vpp::BatchError>(())
//! ```

use std::collections::HashSet;
use std::hash::Hash;

use crate::wire::{LicensesRequest, Limits, RevokeRequest, UsersRequest};

/// Apple's per-request limits, from the service configuration ([`Limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct BatchLimits {
    /// `maxAssets`: assets per associate or disassociate request (default 25).
    pub max_assets: usize,
    /// `maxSerialNumbers`: serial numbers per associate or disassociate request
    /// (default 1000).
    pub max_serial_numbers: usize,
    /// `maxClientUserIds`: users per associate or disassociate request (default 1000).
    pub max_client_user_ids: usize,
    /// `maxRevokeSerialNumbers`: serial numbers per revoke request (default 100).
    pub max_revoke_serial_numbers: usize,
    /// `maxRevokeClientUserIds`: users per revoke request (default 100).
    pub max_revoke_client_user_ids: usize,
    /// `maxUsers`: users per `users/create`, `update` or `retire` request (default 100).
    pub max_users: usize,
}

impl Default for BatchLimits {
    /// The values of Apple's documented service configuration, for when Apple gives none.
    fn default() -> Self {
        Self {
            max_assets: 25,
            max_serial_numbers: 1000,
            max_client_user_ids: 1000,
            max_revoke_serial_numbers: 100,
            max_revoke_client_user_ids: 100,
            max_users: 100,
        }
    }
}

impl BatchLimits {
    /// Sets [`BatchLimits::max_assets`].
    pub fn with_max_assets(mut self, max_assets: usize) -> Self {
        self.max_assets = max_assets;
        self
    }

    /// Sets [`BatchLimits::max_serial_numbers`].
    pub fn with_max_serial_numbers(mut self, max_serial_numbers: usize) -> Self {
        self.max_serial_numbers = max_serial_numbers;
        self
    }

    /// Sets [`BatchLimits::max_client_user_ids`].
    pub fn with_max_client_user_ids(mut self, max_client_user_ids: usize) -> Self {
        self.max_client_user_ids = max_client_user_ids;
        self
    }

    /// Sets [`BatchLimits::max_revoke_serial_numbers`].
    pub fn with_max_revoke_serial_numbers(mut self, max_revoke_serial_numbers: usize) -> Self {
        self.max_revoke_serial_numbers = max_revoke_serial_numbers;
        self
    }

    /// Sets [`BatchLimits::max_revoke_client_user_ids`].
    pub fn with_max_revoke_client_user_ids(mut self, max_revoke_client_user_ids: usize) -> Self {
        self.max_revoke_client_user_ids = max_revoke_client_user_ids;
        self
    }

    /// Sets [`BatchLimits::max_users`].
    pub fn with_max_users(mut self, max_users: usize) -> Self {
        self.max_users = max_users;
        self
    }
}

impl From<&Limits> for BatchLimits {
    /// Apple's limits; an absent or zero limit takes its default.
    fn from(limits: &Limits) -> Self {
        let d = Self::default();
        let pick = |value: Option<u64>, default: usize| {
            value
                .filter(|&v| v > 0)
                .map_or(default, |v| usize::try_from(v).unwrap_or(usize::MAX))
        };
        Self {
            max_assets: pick(limits.max_assets, d.max_assets),
            max_serial_numbers: pick(limits.max_serial_numbers, d.max_serial_numbers),
            max_client_user_ids: pick(limits.max_client_user_ids, d.max_client_user_ids),
            max_revoke_serial_numbers: pick(
                limits.max_revoke_serial_numbers,
                d.max_revoke_serial_numbers,
            ),
            max_revoke_client_user_ids: pick(
                limits.max_revoke_client_user_ids,
                d.max_revoke_client_user_ids,
            ),
            max_users: pick(limits.max_users, d.max_users),
        }
    }
}

/// Why a request was refused before sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// An associate or disassociate request without assets (Apple: 9718).
    #[error("the request names no app or book: choose at least one")]
    NoAssets,
    /// A license request without serial numbers or users (Apple: 9719).
    #[error("the request names no device or user: give at least one serial number or user")]
    NoTargets,
    /// A users request without users.
    #[error("the request names no user: give at least one")]
    NoUsers,
    /// An empty (or blank) identifier.
    #[error("the request holds an empty {field}: remove it or fill it in")]
    Blank {
        /// Apple's field name: `adamId`, `serialNumbers` or `clientUserIds`.
        field: &'static str,
    },
}

/// Splits an associate or disassociate request by `maxAssets`, `maxSerialNumbers` and
/// `maxClientUserIds`, after removing duplicates (see the [module docs](self)).
pub fn license_batches(
    request: LicensesRequest,
    limits: &BatchLimits,
) -> Result<Vec<LicensesRequest>, BatchError> {
    if request.assets.iter().any(|a| is_blank(a.adam_id.as_str())) {
        return Err(BatchError::Blank { field: "adamId" });
    }
    let assets = dedup(request.assets, |a| a.clone());
    if assets.is_empty() {
        return Err(BatchError::NoAssets);
    }
    let targets = targets(request.serial_numbers, request.client_user_ids)?;
    let pairs = zip_chunks(
        &targets.0,
        limits.max_serial_numbers,
        &targets.1,
        limits.max_client_user_ids,
    );
    let mut batches = Vec::new();
    for assets in assets.chunks(limits.max_assets.max(1)) {
        for (serials, users) in &pairs {
            batches.push(LicensesRequest::new(
                assets.iter().cloned(),
                serials.iter().cloned(),
                users.iter().cloned(),
            ));
        }
    }
    Ok(batches)
}

/// Splits a revoke request by `maxRevokeSerialNumbers` and `maxRevokeClientUserIds`,
/// after removing duplicates.
pub fn revoke_batches(
    request: RevokeRequest,
    limits: &BatchLimits,
) -> Result<Vec<RevokeRequest>, BatchError> {
    let (serials, users) = targets(request.serial_numbers, request.client_user_ids)?;
    Ok(zip_chunks(
        &serials,
        limits.max_revoke_serial_numbers,
        &users,
        limits.max_revoke_client_user_ids,
    )
    .into_iter()
    .map(|(serials, users)| RevokeRequest::new(serials.iter().cloned(), users.iter().cloned()))
    .collect())
}

/// Splits a `users/create`, `update` or `retire` request by `maxUsers`, keeping the
/// first entry of each `clientUserId`.
pub fn user_batches(
    request: UsersRequest,
    limits: &BatchLimits,
) -> Result<Vec<UsersRequest>, BatchError> {
    if request.users.iter().any(|u| is_blank(&u.client_user_id)) {
        return Err(BatchError::Blank {
            field: "clientUserId",
        });
    }
    let users = dedup(request.users, |u| u.client_user_id.clone());
    if users.is_empty() {
        return Err(BatchError::NoUsers);
    }
    Ok(users
        .chunks(limits.max_users.max(1))
        .map(|chunk| UsersRequest::new(chunk.iter().cloned()))
        .collect())
}

/// The serial numbers and users, checked and without duplicates.
fn targets(
    serials: Vec<String>,
    users: Vec<String>,
) -> Result<(Vec<String>, Vec<String>), BatchError> {
    if serials.iter().any(|s| is_blank(s)) {
        return Err(BatchError::Blank {
            field: "serialNumbers",
        });
    }
    if users.iter().any(|u| is_blank(u)) {
        return Err(BatchError::Blank {
            field: "clientUserIds",
        });
    }
    let serials = dedup(serials, String::clone);
    let users = dedup(users, String::clone);
    if serials.is_empty() && users.is_empty() {
        return Err(BatchError::NoTargets);
    }
    Ok((serials, users))
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// Keeps the first item of each key, in order.
fn dedup<T, K: Eq + Hash>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut seen = HashSet::with_capacity(items.len());
    items.into_iter().filter(|i| seen.insert(key(i))).collect()
}

/// Batch `i` = the `i`-th slice of each list (either may be empty).
fn zip_chunks<'a>(
    serials: &'a [String],
    max_serials: usize,
    users: &'a [String],
    max_users: usize,
) -> Vec<(&'a [String], &'a [String])> {
    let serials: Vec<&[String]> = serials.chunks(max_serials.max(1)).collect();
    let users: Vec<&[String]> = users.chunks(max_users.max(1)).collect();
    (0..serials.len().max(users.len()))
        .map(|i| {
            (
                serials.get(i).copied().unwrap_or_default(),
                users.get(i).copied().unwrap_or_default(),
            )
        })
        .collect()
}
