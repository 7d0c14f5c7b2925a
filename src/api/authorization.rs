//! The `Authorization` header of a request authenticated by a location's content token.

use crate::secret::SecretString;
use crate::token::VppToken;

/// The `Authorization` header value: `Bearer <the whole .vpptoken content>`.
///
/// **Security:** the result is the secret credential; it stays wrapped.
pub fn authorization(token: &VppToken) -> SecretString {
    SecretString::new(format!("Bearer {}", token.expose_credential()))
}
