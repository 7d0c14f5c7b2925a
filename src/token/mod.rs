//! [`VppToken`]: a decoded `.vpptoken` content token file.
//!
//! The file is standard Base64 of a JSON object `{"token": ..., "expDate": ...,
//! "orgName": ...}`. The location name is not in the file: ask Apple (client config) for it.

// the file's format, and what can be wrong with it
mod decode;
mod error;

// the token
mod vpp_token;

pub use decode::MAX_TOKEN_FILE_BYTES;
pub use error::{Base64Problem, TokenError};
pub use vpp_token::{VppToken, VppTokenBuilder};
