//! `GET client/config` and `POST client/config`: the location behind a token, and the
//! MDM's claim and notification settings on it.

use super::endpoint::{Auth, Endpoint, Method, Replay};
use crate::token::VppToken;
use crate::wire::{ClientConfig, ClientConfigUpdate};

/// `GET client/config`: what Apple knows about the token's location.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetClientConfig;

impl Endpoint for GetClientConfig {
    type Response = ClientConfig;
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "client/config";
    const AUTH: Auth = Auth::Bearer;
    const REPLAY: Replay = Replay::Safe;
}

/// `POST client/config` with an update built by [`ClientConfigUpdate::builder`].
///
/// Never replayed as it is: an update is decided from a read (whose claim it overwrites),
/// so after a failure read the configuration again and decide again.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SetClientConfig<'a>(pub &'a ClientConfigUpdate);

impl<'a> SetClientConfig<'a> {
    /// Writes `update`.
    pub fn new(update: &'a ClientConfigUpdate) -> Self {
        Self(update)
    }
}

impl Endpoint for SetClientConfig<'_> {
    /// Apple answers with the whole client configuration, as `GET client/config` does
    /// ([Client Config](https://developer.apple.com/documentation/devicemanagement/client-config-4szk1),
    /// "Example Request and Response"). The flows still read the configuration back before
    /// deciding anything: the read-back is what counts.
    type Response = ClientConfig;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "client/config";
    const AUTH: Auth = Auth::Bearer;
    const REPLAY: Replay = Replay::Never;

    fn body(&self, _token: Option<&VppToken>) -> Option<Vec<u8>> {
        Some(self.0.to_json())
    }

    fn secrets(&self) -> Vec<&str> {
        self.0
            .notification_auth_token
            .as_ref()
            .map(|s| s.expose_secret())
            .into_iter()
            .collect()
    }
}
