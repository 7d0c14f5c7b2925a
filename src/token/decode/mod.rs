//! The one decoder behind every [`VppToken`](crate::VppToken) constructor: size and emptiness checks, the
//! Base64 layer ([`base64`]), the JSON layer ([`json`], with the serde [`visitor`] as its
//! fallback), the fields ([`fields`]) and the expiry date.

// the Base64 layer and the fields
mod base64;
mod fields;

// the JSON layer, with the serde visitor as its fallback
mod json;
mod visitor;

// the whole file
mod decoder;

pub use decoder::MAX_TOKEN_FILE_BYTES;
pub(super) use decoder::{Decoded, decode};
