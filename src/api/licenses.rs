//! `POST assets/associate`, `assets/disassociate` and `assets/revoke`: give licenses to
//! devices and users, and take them back. Each answers an event; the work happens later.

use super::{Auth, Endpoint, Method, Replay};
use crate::token::VppToken;
use crate::wire::{EventResponse, LicensesRequest, RevokeRequest};

macro_rules! license_write {
    ($(#[$meta:meta])* $name:ident, $body:ty, $path:literal) => {
        $(#[$meta])*
        ///
        /// Sent again only when Apple did not take it ([`Replay::IfRefused`]): after a
        /// timeout, follow the event instead.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub $body);

        impl Endpoint for $name {
            type Response = EventResponse;
            const METHOD: Method = Method::Post;
            const PATH: &'static str = $path;
            const AUTH: Auth = Auth::Bearer;
            const REPLAY: Replay = Replay::IfRefused;

            fn body(&self, _token: Option<&VppToken>) -> Option<Vec<u8>> {
                Some(self.0.to_json())
            }
        }
    };
}

license_write!(
    /// `POST assets/associate`: assigns licenses of the assets to the devices and users
    /// (one batch of [`crate::batching::license_batches`]).
    Associate,
    LicensesRequest,
    "assets/associate"
);
license_write!(
    /// `POST assets/disassociate`: takes licenses of the assets back from the devices and
    /// users (one batch of [`crate::batching::license_batches`]).
    Disassociate,
    LicensesRequest,
    "assets/disassociate"
);
license_write!(
    /// `POST assets/revoke`: takes back every revocable license of the devices and users
    /// (one batch of [`crate::batching::revoke_batches`]).
    Revoke,
    RevokeRequest,
    "assets/revoke"
);
