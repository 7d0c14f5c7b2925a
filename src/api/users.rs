//! `GET users` (in full or since a `versionId`) and `POST users/create`, `users/update`,
//! `users/retire`.

use super::paged::list_request;
use super::write::event_write;
use crate::batching::user_batches;
use crate::wire::{UsersRequest, UsersResponse};

list_request! {
    /// `GET users`, with Apple's optional filters. Set [`GetUsers::since_version_id`] to
    /// the previous sync's [`crate::SyncOutcome::version_id`] for an incremental sync.
    GetUsers => UsersResponse, "users", since since_version_id;
    /// `activeOnly`: only registered or associated users (or, with `false`, all).
    active_only: bool = "activeOnly" [active_only],
    /// `retiredOnly`: only retired users (or, with `false`, all).
    retired_only: bool = "retiredOnly" [retired_only],
    /// `clientUserId`: only this user (retired entries included).
    client_user_id: String = "clientUserId" [client_user_id],
}

event_write!(
    /// `POST users/create`: creates users (at most `maxUsers` per request; see
    /// [`crate::batching::user_batches`]).
    CreateUsers,
    UsersRequest,
    "users/create",
    user_batches,
    Create
);
event_write!(
    /// `POST users/update`: updates users' `email` or `managedAppleId`.
    UpdateUsers,
    UsersRequest,
    "users/update",
    user_batches,
    Update
);
event_write!(
    /// `POST users/retire`: retires users, taking back their licenses.
    RetireUsers,
    UsersRequest,
    "users/retire",
    user_batches,
    Retire
);
