//! [`FlowError`]: what a configuration flow of [`super::LocationHandle`] (configure,
//! verify, renew, subscribe) can fail with: sending, the location's lease, or the flow's
//! own verdict `E`, each flow naming its own.
//!
//! | flow | `E` |
//! |------|-----|
//! | [`super::LocationHandle::configure`], [`super::LocationHandle::configure_again`] | [`ConfigureError`] |
//! | [`super::LocationHandle::verify`] | [`LocationMismatch`] |
//! | [`super::LocationHandle::renew`] | [`RenewRefusal`] |
//! | [`super::LocationHandle::subscribe`], [`super::LocationHandle::subscribe_shared`] | [`SubscribeFailure`] |

use super::error::SendError;
use crate::account::{ConfigureError, LocationMismatch, RenewError, RenewRefusal};
use crate::notification::SubscribeError;
use crate::shared::LeaseError;
use crate::shared::StoreError;
use crate::wire::{AppleError, ErrorKind};

/// A configuration flow failed: a request failed ([`FlowError::Send`]), the location's
/// lease could not be had or was lost ([`FlowError::Lease`]), or the flow's own verdict
/// stopped it ([`FlowError::Flow`]). Never contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError<E: FlowStop> {
    /// A request of the flow failed (after the retries that were safe).
    #[error(transparent)]
    Send(#[from] SendError),

    /// The location's lease could not be had (held by another replica, or the lease
    /// store did not answer), or was lost while held: nothing more was done.
    #[error(transparent)]
    Lease(#[from] LeaseError),

    /// The flow's own verdict: the claim was not made or did not hold, the renewal was
    /// refused, Apple described another location, the subscription did not stick.
    #[error(transparent)]
    Flow(E),
}

/// The verdicts a configuration flow ends with, as [`FlowError::Flow`] holds them; sealed.
pub trait FlowStop: std::error::Error + private::Sealed {
    /// Whether another MDM manages the location (it won a claim made at the same time, or
    /// holds the location a renewal found).
    fn is_managed_elsewhere(&self) -> bool {
        false
    }

    /// Whether the location's token is a legacy (account-based) one and Apple's v1 API
    /// does not offer what was asked (notifications).
    fn is_legacy_unsupported(&self) -> bool {
        false
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::ConfigureError {}
    impl Sealed for super::LocationMismatch {}
    impl Sealed for super::RenewRefusal {}
    impl Sealed for super::SubscribeFailure {}
}

impl FlowStop for ConfigureError {
    fn is_managed_elsewhere(&self) -> bool {
        matches!(self, Self::LostRace { .. })
    }

    fn is_legacy_unsupported(&self) -> bool {
        matches!(self, Self::NotificationsUnsupported { .. })
    }
}

impl FlowStop for LocationMismatch {}

impl FlowStop for RenewRefusal {
    fn is_managed_elsewhere(&self) -> bool {
        match self {
            Self::Renew(e) => matches!(e, RenewError::ManagedElsewhere { .. }),
            Self::Reclaim(e) => e.is_managed_elsewhere(),
        }
    }
}

/// Why subscribing stopped, beyond sending and the lease.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubscribeFailure {
    /// The claim the subscription is written with was not made or did not hold.
    #[error(transparent)]
    Claim(ConfigureError),

    /// Apple could not deliver its test notification (9728, with the URL), or did not
    /// record the settings. Never holds the secret.
    #[error(transparent)]
    Subscribe(SubscribeError),

    /// The location's token is a legacy (account-based) one, served by Apple's v1 API,
    /// which has no notifications.
    #[error(
        "this location's token is a legacy (account-based) token, served by Apple's v1 API, which has no notifications: download a location token from Apple Business Manager > Settings > Apps and Books to use them"
    )]
    LegacyToken,

    /// The notification secret could not be stored in the shared store: nothing was
    /// subscribed.
    #[error(transparent)]
    Store(StoreError),
}

impl FlowStop for SubscribeFailure {
    fn is_managed_elsewhere(&self) -> bool {
        matches!(self, Self::Claim(e) if e.is_managed_elsewhere())
    }

    fn is_legacy_unsupported(&self) -> bool {
        match self {
            Self::LegacyToken => true,
            Self::Claim(e) => e.is_legacy_unsupported(),
            _ => false,
        }
    }
}

impl<E: FlowStop> FlowError<E> {
    /// The class of the error: the failed request's ([`SendError::kind`]);
    /// [`ErrorKind::Retryable`] when the lease could not be had or a shared store failed
    /// (try again later); [`ErrorKind::Other`] for the flow's verdicts, which need a
    /// person rather than a retry.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Send(e) => e.kind(),
            Self::Lease(_) => ErrorKind::Retryable,
            Self::Flow(_) => ErrorKind::Other,
        }
    }

    /// Apple's error, when Apple answered with one.
    pub fn apple(&self) -> Option<&AppleError> {
        self.send_error().and_then(SendError::apple)
    }

    /// The failed request's error.
    pub fn send_error(&self) -> Option<&SendError> {
        match self {
            Self::Send(e) => Some(e),
            _ => None,
        }
    }

    /// The flow's own verdict.
    pub fn verdict(&self) -> Option<&E> {
        match self {
            Self::Flow(e) => Some(e),
            _ => None,
        }
    }

    /// The lease error, when the location's lease could not be had or was lost.
    pub fn lease(&self) -> Option<&LeaseError> {
        match self {
            Self::Lease(e) => Some(e),
            _ => None,
        }
    }

    /// Whether another replica holds the location's lease ([`LeaseError::Held`]): nothing
    /// was done; wait and try again (or let that replica finish the work).
    pub fn is_lease_held(&self) -> bool {
        self.lease().is_some_and(LeaseError::is_held)
    }

    /// Whether another MDM manages the location now ([`FlowStop::is_managed_elsewhere`]):
    /// stop using the location until an admin consents to take it over again.
    pub fn is_managed_elsewhere(&self) -> bool {
        self.verdict().is_some_and(E::is_managed_elsewhere)
    }

    /// Whether the location's token is a legacy one and Apple's v1 API does not offer
    /// what was asked.
    pub fn is_legacy_unsupported(&self) -> bool {
        self.verdict().is_some_and(E::is_legacy_unsupported)
    }

    /// Whether Apple is limiting requests (9646 or HTTP 429): back off and retry later.
    pub fn is_rate_limited(&self) -> bool {
        self.kind().is_rate_limited()
    }

    /// Whether a retry after a delay may succeed (see [`FlowError::kind`]).
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }

    /// Whether Apple refused the location's token: the admin must download a new one.
    pub fn needs_new_token(&self) -> bool {
        self.kind().needs_new_token()
    }
}
