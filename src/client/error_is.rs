//! Questions an MDM asks of an error, answered without a chain of `match` arms or
//! downcasts: was the lease held by another replica, does another MDM manage the
//! location, is Apple limiting requests, may a retry succeed, does the location need a
//! new token.
//!
//! Every question sees through a request sent in part ([`ClientError::PartlySent`]
//! answers as the batch that failed) and through a sync's [`SyncError::Client`].
//! Apple's error numbers and their classes are those of Apple's "Handling error
//! responses" page
//! (<https://developer.apple.com/documentation/devicemanagement/handling-error-responses>).

use super::error::ClientError;
use super::pages::SyncError;
use crate::account::{ConfigureError, RenewError};
use crate::shared::LeaseError;
use crate::wire::ErrorKind;

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

impl ClientError {
    /// The error of the request that failed: the failing batch's for a request sent in
    /// part, else this one.
    fn cause(&self) -> &Self {
        match self {
            Self::PartlySent { source, .. } => source.cause(),
            other => other,
        }
    }

    /// The lease error, when the location's lease could not be had or was lost.
    pub fn lease(&self) -> Option<&LeaseError> {
        match self.cause() {
            Self::Lease(e) => Some(e),
            _ => None,
        }
    }

    /// Whether another replica holds the location's lease ([`LeaseError::Held`]): nothing
    /// was done; wait and try again (or let that replica finish the work).
    pub fn is_lease_held(&self) -> bool {
        self.lease().is_some_and(LeaseError::is_held)
    }

    /// Whether another MDM manages the location now: a sync's pages showed it
    /// ([`ClientError::ManagedElsewhere`]), it won a claim made at the same time
    /// ([`ConfigureError::LostRace`]), or a renewal found it
    /// ([`RenewError::ManagedElsewhere`]). Stop using the location until an admin
    /// consents to take it over again.
    pub fn is_managed_elsewhere(&self) -> bool {
        matches!(
            self.cause(),
            Self::ManagedElsewhere(_)
                | Self::Configure(ConfigureError::LostRace { .. })
                | Self::Renew(RenewError::ManagedElsewhere { .. })
        )
    }

    /// Whether Apple is limiting requests (9646 or HTTP 429): back off and retry later.
    pub fn is_rate_limited(&self) -> bool {
        self.kind() == ErrorKind::RateLimited
    }

    /// Whether a retry after a delay may succeed: Apple's trouble or rate limit, Apple
    /// not reached, the lease held or the lease store or a shared store not answering
    /// (see [`ClientError::kind`]).
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }

    /// Whether Apple refused the location's token (expired, not recognised or revoked):
    /// the admin must download a new one from Apple Business Manager > Settings > Apps
    /// and Books; retrying never helps.
    pub fn needs_new_token(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::TokenExpired | ErrorKind::TokenInvalid | ErrorKind::TokenRevoked
        )
    }

    /// Whether the location's token is a legacy (account-based) one and Apple's v1 API
    /// does not offer what was asked.
    pub fn is_legacy_unsupported(&self) -> bool {
        matches!(self.cause(), Self::LegacyUnsupported(_))
    }
}

impl<X> SyncError<X> {
    /// The client's error, when Apple, the network, a record or a shared store stopped
    /// the sync (not the page handler).
    pub fn client_error(&self) -> Option<&ClientError> {
        match self {
            Self::Client(e) => Some(e),
            Self::Handler { .. } => None,
        }
    }

    /// [`ClientError::is_lease_held`]; `false` when the page handler stopped the sync.
    pub fn is_lease_held(&self) -> bool {
        self.client_error().is_some_and(ClientError::is_lease_held)
    }

    /// [`ClientError::is_managed_elsewhere`]; `false` when the page handler stopped the
    /// sync.
    pub fn is_managed_elsewhere(&self) -> bool {
        self.client_error()
            .is_some_and(ClientError::is_managed_elsewhere)
    }

    /// [`ClientError::is_rate_limited`]; `false` when the page handler stopped the sync.
    pub fn is_rate_limited(&self) -> bool {
        self.client_error()
            .is_some_and(ClientError::is_rate_limited)
    }

    /// [`ClientError::is_retryable`]; `false` when the page handler stopped the sync
    /// (whether its error is worth a retry is the handler's to say).
    pub fn is_retryable(&self) -> bool {
        self.client_error().is_some_and(ClientError::is_retryable)
    }

    /// [`ClientError::needs_new_token`]; `false` when the page handler stopped the sync.
    pub fn needs_new_token(&self) -> bool {
        self.client_error()
            .is_some_and(ClientError::needs_new_token)
    }
}
