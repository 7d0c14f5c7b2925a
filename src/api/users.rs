//! `GET users` (in full or since a `versionId`) and `POST users/create`, `users/update`,
//! `users/retire`.

use super::paged::push;
use super::write::event_write;
use super::{Auth, Endpoint, Method, Paged, Replay};
use crate::batching::user_batches;
use crate::wire::{UsersRequest, UsersResponse};

/// `GET users`, with Apple's optional filters. Set `since_version_id` to the previous
/// sync's [`crate::SyncOutcome::version_id`] for an incremental sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetUsers {
    /// `activeOnly`: only registered or associated users.
    pub active_only: Option<bool>,
    /// `retiredOnly`: only retired users.
    pub retired_only: Option<bool>,
    /// `clientUserId`: only this user (retired entries included).
    pub client_user_id: Option<String>,
    /// `pageIndex` (absent: page 0).
    pub page_index: Option<u32>,
    /// `sinceVersionId`: only what changed since that version (incremental sync).
    pub since_version_id: Option<String>,
}

impl GetUsers {
    /// Every user, no filter (a full sync).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only active (or, with `false`, all) users.
    #[must_use]
    pub fn active_only(mut self, yes: bool) -> Self {
        self.active_only = Some(yes);
        self
    }

    /// Only retired (or, with `false`, all) users.
    #[must_use]
    pub fn retired_only(mut self, yes: bool) -> Self {
        self.retired_only = Some(yes);
        self
    }

    /// Only this user.
    #[must_use]
    pub fn client_user_id(mut self, id: impl Into<String>) -> Self {
        self.client_user_id = Some(id.into());
        self
    }

    /// Only what changed since `version_id` (an incremental sync).
    #[must_use]
    pub fn since_version_id(mut self, version_id: impl Into<String>) -> Self {
        self.since_version_id = Some(version_id.into());
        self
    }
}

impl Endpoint for GetUsers {
    type Response = UsersResponse;
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "users";
    const AUTH: Auth = Auth::Bearer;
    const REPLAY: Replay = Replay::Safe;

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        push(&mut q, "activeOnly", self.active_only);
        push(&mut q, "retiredOnly", self.retired_only);
        push(&mut q, "clientUserId", self.client_user_id.as_ref());
        push(&mut q, "pageIndex", self.page_index);
        push(&mut q, "sinceVersionId", self.since_version_id.as_ref());
        q
    }
}

impl Paged for GetUsers {
    fn at_page(&self, index: u32) -> Self {
        Self {
            page_index: Some(index),
            ..self.clone()
        }
    }

    fn since_version(&self) -> Option<&str> {
        self.since_version_id.as_deref()
    }

    fn full(&self) -> Self {
        Self {
            since_version_id: None,
            ..self.clone()
        }
    }
}

event_write!(
    /// `POST users/create`: creates users (at most `maxUsers` per request; see
    /// [`crate::batching::user_batches`]).
    CreateUsers,
    UsersRequest,
    "users/create",
    user_batches
);
event_write!(
    /// `POST users/update`: updates users' `email` or `managedAppleId`.
    UpdateUsers,
    UsersRequest,
    "users/update",
    user_batches
);
event_write!(
    /// `POST users/retire`: retires users, taking back their licenses.
    RetireUsers,
    UsersRequest,
    "users/retire",
    user_batches
);
