//! Every error the crate returns, in one place to look. Each lives with the code that
//! raises it and is re-exported here; each message says what was wrong and what the admin
//! should do, and none contains a secret.

pub use crate::account::{ConfigureError, LocationMismatch, RenewError};
pub use crate::api::{BaseUrlError, RequestError};
pub use crate::assets::RecordError;
pub use crate::batching::BatchError;
pub use crate::date::DateProblem;
#[cfg(feature = "client")]
pub use crate::metadata::DeveloperKeyError;
pub use crate::metadata::StorefrontError;
pub use crate::notification::{ReceiveError, SecretError, SubscribeError};
pub use crate::ownership::IdentityError;
pub use crate::paging::PagingError;
pub use crate::token::{Base64Problem, TokenError};
pub use crate::wire::{AppleError, ErrorKind, ErrorNumber, ResponseError, UpdateError};
