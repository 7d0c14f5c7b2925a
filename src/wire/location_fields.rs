//! The location fields Apple repeats in its v2 answers, declared once: `uId` and
//! `tokenExpirationDate` in every answer about a location, and `mdmInfo` in those that
//! carry the claiming MDM ([`MdmInfo`], defined here).
//!
//! | answer | `uId` | `tokenExpirationDate` | `mdmInfo` |
//! |--------|-------|-----------------------|-----------|
//! | [`super::ClientConfig`] (`GET`/`POST client/config`) | ✓ | ✓ | ✓ |
//! | [`super::PageInfo`] (`GET assets`, `assignments`, `users`) | ✓ | ✓ | ✓ |
//! | [`super::EventResponse`] (every asynchronous write) | ✓ | ✓ | ✓ |
//! | [`super::StatusResponse`] (`GET status`) | ✓ | ✓ | |
//!
//! [`location_fields!`] appends them to a struct's own fields, as plain fields of that
//! struct, not as a `#[serde(flatten)]` struct of their own. Serde decodes a struct with a
//! flattened member through a map that first buffers every key the outer struct does not
//! know, then decodes the member from that buffer. Measured with criterion on a loaded
//! 2-core machine (2026-12-07, release build; the client-config body of `benches/token.rs`,
//! a 1,000-record page like `benches/licenses.rs`'s, both decoded into copies of the wire
//! types with and without the flatten): the client-config answer decoded in 885 ns with plain
//! fields and 1,235 ns with the location fields flattened (+40 %, past the 1.3 × bound of
//! `client_config/parse` against the plain decode); a 1,000-record assignments page showed
//! no difference (238 and 235 µs: only the few location keys are buffered). Plain fields
//! decode exactly as before, and the JSON is the same either way.
//!
//! Apple: [`ClientConfigResponse`](https://developer.apple.com/documentation/devicemanagement/clientconfigresponse),
//! [Get Assets](https://developer.apple.com/documentation/devicemanagement/get-assets-4ski1),
//! [`EventResponse`](https://developer.apple.com/documentation/devicemanagement/eventresponse)
//! (which lists [`MdmInfo`](https://developer.apple.com/documentation/devicemanagement/mdminfo)
//! among its types), [Event Status](https://developer.apple.com/documentation/devicemanagement/events-status).

use serde::{Deserialize, Serialize};

/// `mdmInfo`: the MDM that claimed a location (v2). Apple requires all three fields when it
/// is written.
///
/// Apple: [`MdmInfo`](https://developer.apple.com/documentation/devicemanagement/mdminfo).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MdmInfo {
    /// The claiming MDM's stable id (at most 100 characters).
    #[serde(default)]
    pub id: Option<String>,
    /// The claiming MDM's name, shown to admins (at most 100 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// Free-form metadata, e.g. the server's host name (at most 255 characters).
    #[serde(default)]
    pub metadata: Option<String>,
}

impl MdmInfo {
    /// Sets `id`, the claiming MDM's stable id. Chain it from [`MdmInfo::default`]:
    ///
    /// ```
    /// use apple_vpp::wire::MdmInfo;
    ///
    /// let info = MdmInfo::default()
    ///     .with_id("29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11")
    ///     .with_name("Example MDM")
    ///     .with_metadata("mdm.example.com");
    /// assert_eq!(info.name.as_deref(), Some("Example MDM"));
    /// ```
    ///
    /// Our own `mdmInfo` comes from the validated identity instead:
    /// `MdmInfo::from(&identity)` ([`crate::MdmIdentity`]).
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets `name`, the claiming MDM's name shown to admins.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `metadata`, e.g. the server's host name.
    pub fn with_metadata(mut self, metadata: impl Into<String>) -> Self {
        self.metadata = Some(metadata.into());
        self
    }
}

/// Declares a wire struct with the location fields after its own: `mdm_info`,
/// `token_expiration_date` and `u_id`; with `without mdm_info;` first, only the last two.
///
/// The struct's own fields must end with a comma. Its attributes (derives,
/// `#[serde(rename_all = "camelCase")]`, `#[serde_with::skip_serializing_none]`) apply to
/// the location fields too.
macro_rules! location_fields {
    (
        without mdm_info;
        $(#[$meta:meta])*
        pub struct $name:ident { $($field:tt)* }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($field)*
            /// `tokenExpirationDate`: when the location's content token expires, kept as
            /// Apple wrote it (`2030-11-08T22:33:22+0000`); [`crate::parse_apple_date`]
            /// reads it.
            #[serde(default)]
            pub token_expiration_date: Option<String>,
            /// `uId`: the location's identity (a string; a number is accepted, and kept
            /// exactly).
            #[serde(
                rename = "uId",
                default,
                deserialize_with = "crate::wire::string_or_number::deserialize"
            )]
            pub u_id: Option<String>,
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($field:tt)* }
    ) => {
        $crate::wire::location_fields::location_fields! {
            without mdm_info;
            $(#[$meta])*
            pub struct $name {
                $($field)*
                /// `mdmInfo`: the MDM that claimed the location, present once one has.
                /// Apple: inspect it in every answer to make sure no other MDM took the
                /// location over.
                #[serde(default)]
                pub mdm_info: Option<$crate::wire::location_fields::MdmInfo>,
            }
        }
    };
}
pub(crate) use location_fields;
