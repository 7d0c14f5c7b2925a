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
    CreateUsers,
    UsersRequest,
    "users/create",
    user_batches,
    Create,
    Never
);
event_write!(
    /// `POST users/update`: updates users' `email` or `managedAppleId`.
    UpdateUsers,
    UsersRequest,
    "users/update",
    user_batches,
    Update,
    // A replay writes the same email or Managed Apple ID again: no change. Sent again
    // only when Apple refused it.
    IfRefused
);
event_write!(
    /// `POST users/retire`: retires users, taking back their licenses.
    RetireUsers,
    UsersRequest,
    "users/retire",
    user_batches,
    Retire,
    // A replay retires users already retired: no new record.
    IfRefused
);
