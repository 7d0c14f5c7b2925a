//! Every error the crate returns, in one place to look. Each lives with the code that
//! raises it and is re-exported here; each message says what was wrong and what the admin
//! should do, and none contains a secret.

pub use crate::account::{ConfigureError, LocationMismatch, RenewError, RenewRefusal};
pub use crate::api::{BaseUrlError, RequestError};
pub use crate::assets::RecordError;
pub use crate::batching::BatchError;
pub use crate::date::DateProblem;
pub use crate::metadata::StorefrontError;
pub use crate::notification::{ReceiveError, SecretError, SubscribeError};
pub use crate::ownership::IdentityError;
pub use crate::paging::PagingError;
pub use crate::token::{Base64Problem, TokenError};
pub use crate::wire::{AppleError, ErrorKind, ErrorNumber, ResponseError, UpdateError};

/// The client's errors (feature `client`): [`SendError`], the shared envelope (sending one
/// request failed), and one error per flow over it.
#[cfg(feature = "client")]
pub use crate::client::{
    BuildError, FlowError, FlowStop, SendError, SubscribeFailure, SyncError, TransportKind,
    WriteError,
};
/// The shared stores' errors (feature `client`).
#[cfg(feature = "client")]
pub use crate::shared::{DedupError, LeaseError, StoreError};

#[cfg(test)]
mod tests {
    use std::error::Error;

    use super::*;
    use crate::Location;
    use crate::wire::ErrorBody;

    /// Every message in `error`'s `source()` chain, outermost first.
    fn chain(error: &(dyn Error + 'static)) -> Vec<String> {
        std::iter::successors(Some(error), |&e| e.source())
            .map(ToString::to_string)
            .collect()
    }

    /// The chain is at least `depth` long, and no message repeats the text of the error
    /// below it, so a chain printed by `anyhow` or `eyre` says each thing once.
    #[track_caller]
    fn assert_says_each_thing_once(error: &(dyn Error + 'static), depth: usize) {
        let messages = chain(error);
        assert!(messages.len() >= depth, "{messages:#?}");
        for pair in messages.windows(2) {
            assert!(
                !pair[0].contains(&pair[1]),
                "{:?} repeats its source {:?}",
                pair[0],
                pair[1]
            );
        }
    }

    fn apple_error() -> ResponseError {
        ResponseError::Apple(AppleError::new(
            Some(400),
            ErrorBody::new(ErrorNumber::InvalidVersionId, "bad version"),
        ))
    }

    #[test]
    fn token_file_error_does_not_repeat_the_io_error() {
        let error = crate::VppToken::from_path("/definitely/not/here.vpptoken").unwrap_err();
        assert!(matches!(error, TokenError::Io { .. }));
        assert_says_each_thing_once(&error, 2);
    }

    #[test]
    fn page_error_does_not_repeat_apple_error() {
        let mut traversal = crate::paging::PageTraversal::new();
        traversal.next_page();
        let error = traversal.record_error(0, apple_error()).unwrap_err();
        assert!(matches!(error, PagingError::Response { .. }));
        assert_says_each_thing_once(&error, 2);
    }

    #[test]
    fn changed_location_is_the_mismatch_itself() {
        let mismatch = LocationMismatch {
            expected: Box::new(Location::new("1", "Berlin")),
            found: Box::new(Location::new("2", "Paris")),
        };
        let error = ConfigureError::LocationChanged(mismatch.clone());
        assert_eq!(error.to_string(), mismatch.to_string());
        assert_says_each_thing_once(&error, 1);
    }

    #[cfg(feature = "client")]
    mod client {
        use super::*;
        use crate::client::{BuildError, SendError, SyncError, TransportKind, WriteError};
        use crate::ids::EventId;

        fn reqwest_error() -> reqwest::Error {
            reqwest::Client::new().get("not a URL").build().unwrap_err()
        }

        fn transport() -> SendError {
            SendError::Transport {
                kind: TransportKind::Connect,
                attempts: 3,
                source: reqwest_error(),
            }
        }

        #[test]
        fn transport_error_does_not_repeat_reqwest_error() {
            assert_says_each_thing_once(&transport(), 2);
        }

        #[test]
        fn http_client_set_up_error_does_not_repeat_reqwest_error() {
            assert_says_each_thing_once(&BuildError::Http(reqwest_error()), 2);
        }

        #[test]
        fn partly_sent_request_does_not_repeat_the_failed_batch() {
            let error = WriteError::PartlySent {
                sent: vec![EventId::new("event-1")],
                unsent: 1,
                source: transport(),
            };
            assert_says_each_thing_once(&error, 3);
            let error = WriteError::PartlySent {
                sent: vec![EventId::new("event-1")],
                unsent: 1,
                source: SendError::Response(apple_error()),
            };
            assert_says_each_thing_once(&error, 2);
        }

        #[test]
        fn page_error_in_sync_error_does_not_repeat_apple_error() {
            let error: SyncError = SyncError::Paging(PagingError::Response {
                index: 2,
                error: apple_error(),
            });
            assert_says_each_thing_once(&error, 2);
        }
    }
}
