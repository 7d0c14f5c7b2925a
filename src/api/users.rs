//! `GET users` (in full or since a `versionId`) and `POST users/create`, `users/update`,
//! `users/retire`.

use super::endpoint::{Auth, Endpoint, Method, Replay};
use super::paged::Paged;
use super::paged::{PageQuery, push};
use super::write::BatchedWrite;
use crate::token::VppToken;
use crate::wire::{EventResponse, EventType, UsersRequest, UsersResponse};

/// `GET users`, with Apple's optional filters. Set [`GetUsers::since_version_id`] to
/// the previous sync's [`crate::SyncOutcome::version_id`] for an incremental sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetUsers {
    /// `activeOnly`: only registered or associated users (or, with `false`, all).
    pub active_only: Option<bool>,
    /// `retiredOnly`: only retired users (or, with `false`, all).
    pub retired_only: Option<bool>,
    /// `clientUserId`: only this user (retired entries included).
    pub client_user_id: Option<String>,
    page: PageQuery,
}

impl GetUsers {
    /// Every record, no filter (page 0; a full sync).
    pub fn new() -> Self {
        Self::default()
    }

    /// `activeOnly`: only registered or associated users (or, with `false`, all).
    #[must_use]
    pub fn active_only(mut self, value: impl Into<bool>) -> Self {
        self.active_only = Some(value.into());
        self
    }

    /// `retiredOnly`: only retired users (or, with `false`, all).
    #[must_use]
    pub fn retired_only(mut self, value: impl Into<bool>) -> Self {
        self.retired_only = Some(value.into());
        self
    }

    /// `clientUserId`: only this user (retired entries included).
    #[must_use]
    pub fn client_user_id(mut self, value: impl Into<String>) -> Self {
        self.client_user_id = Some(value.into());
        self
    }

    /// Only what changed since `version_id` (the previous sync's
    /// [`crate::SyncOutcome::version_id`]): an incremental sync.
    #[must_use]
    pub fn since_version_id(mut self, version_id: impl Into<String>) -> Self {
        self.page.since_version_id = Some(version_id.into());
        self
    }
}

impl Endpoint for GetUsers {
    type Response = UsersResponse;
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "users";
    const AUTH: Auth = Auth::Bearer;
    const REPLAY: Replay = Replay::Safe;

    /// The filters in this order, then `pageIndex` and `sinceVersionId`.
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        push(&mut query, "activeOnly", self.active_only.as_ref());
        push(&mut query, "retiredOnly", self.retired_only.as_ref());
        push(&mut query, "clientUserId", self.client_user_id.as_ref());
        self.page.push_into(&mut query);
        query
    }
}

impl Paged for GetUsers {
    fn at_page(&self, index: u32) -> Self {
        let mut request = self.clone();
        request.page.index = Some(index);
        request
    }

    fn since_version(&self) -> Option<&str> {
        self.page.since_version_id.as_deref()
    }

    fn full(&self) -> Self {
        let mut request = self.clone();
        request.page.since_version_id = None;
        request
    }
}

/// `POST users/create`: creates users (at most `maxUsers` per request; see
/// [`crate::batching::user_batches`]).
///
/// **Never sent again blind** ([`crate::api::Replay::Never`]). Apple keeps at most one
/// active record per `clientUserId` and refuses a create for an existing one with
/// 9716 (Apple, "Managing users",
/// <https://developer.apple.com/documentation/devicemanagement/managing-users>), so a
/// replay makes no duplicate user; but Apple applies a create after answering, so a
/// replay sent while the first is pending gets an event that fails with 9716 for the
/// users the first created, and the first event's id is lost.
/// [`LocationHandle::create_users`](crate::client::LocationHandle::create_users) decides from
/// the event model instead ([`crate::events::UserCreation`]): after a lost answer it
/// waits, reads, sends only the missing users and follows that event to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateUsers(pub UsersRequest);

impl Endpoint for CreateUsers {
    type Response = EventResponse;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "users/create";
    const AUTH: Auth = Auth::Bearer;
    const REPLAY: Replay = Replay::Never;

    fn body(&self, _token: Option<&VppToken>) -> Option<Vec<u8>> {
        Some(self.0.to_json())
    }
}

impl BatchedWrite for CreateUsers {
    type Request = UsersRequest;

    fn with_batch(batch: UsersRequest) -> Self {
        Self(batch)
    }

    fn event_type() -> EventType {
        EventType::Create
    }
}

/// `POST users/update`: updates users' `email` or `managedAppleId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateUsers(pub UsersRequest);

impl Endpoint for UpdateUsers {
    type Response = EventResponse;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "users/update";
    const AUTH: Auth = Auth::Bearer;
    // A replay writes the same email or Managed Apple ID again: no change. Sent again
    // only when Apple refused it.
    const REPLAY: Replay = Replay::IfRefused;

    fn body(&self, _token: Option<&VppToken>) -> Option<Vec<u8>> {
        Some(self.0.to_json())
    }
}

impl BatchedWrite for UpdateUsers {
    type Request = UsersRequest;

    fn with_batch(batch: UsersRequest) -> Self {
        Self(batch)
    }

    fn event_type() -> EventType {
        EventType::Update
    }
}

/// `POST users/retire`: retires users, taking back their licenses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetireUsers(pub UsersRequest);

impl Endpoint for RetireUsers {
    type Response = EventResponse;
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "users/retire";
    const AUTH: Auth = Auth::Bearer;
    // A replay retires users already retired: no new record.
    const REPLAY: Replay = Replay::IfRefused;

    fn body(&self, _token: Option<&VppToken>) -> Option<Vec<u8>> {
        Some(self.0.to_json())
    }
}

impl BatchedWrite for RetireUsers {
    type Request = UsersRequest;

    fn with_batch(batch: UsersRequest) -> Self {
        Self(batch)
    }

    fn event_type() -> EventType {
        EventType::Retire
    }
}
