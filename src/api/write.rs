//! [`event_write!`]: the license and user writes, which differ only by path and body.

/// Declares a `POST` endpoint whose body is one batch and whose answer is an event:
/// sent again only when Apple did not take it ([`super::Replay::IfRefused`]).
macro_rules! event_write {
    ($(#[$meta:meta])* $name:ident, $body:ty, $path:literal) => {
        $(#[$meta])*
        ///
        /// Sent again only when Apple did not take it ([`crate::api::Replay::IfRefused`]): after a
        /// timeout, follow the event instead.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub $body);

        impl $crate::api::Endpoint for $name {
            type Response = $crate::wire::EventResponse;
            const METHOD: $crate::api::Method = $crate::api::Method::Post;
            const PATH: &'static str = $path;
            const AUTH: $crate::api::Auth = $crate::api::Auth::Bearer;
            const REPLAY: $crate::api::Replay = $crate::api::Replay::IfRefused;

            fn body(&self, _token: Option<&$crate::token::VppToken>) -> Option<Vec<u8>> {
                Some(self.0.to_json())
            }
        }
    };
}
pub(super) use event_write;
