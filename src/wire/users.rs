//! `GET users` response (Apps and Books v2): the location's users, as the MDM created
//! them (`clientUserId`) and as Apple knows them (status, invitation).
//!
//! Apple: [Get Users](https://developer.apple.com/documentation/devicemanagement/get-users-4mwln), [`GetUsersResponse`](https://developer.apple.com/documentation/devicemanagement/getusersresponse).

use serde::{Deserialize, Serialize};

use super::open_enum::open_enum;
use super::paging::{PageInfo, impl_page};

/// The response of `GET users`: one page of users and the paging fields.
///
/// Apple: [`GetUsersResponse`](https://developer.apple.com/documentation/devicemanagement/getusersresponse).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UsersResponse {
    /// `users`: this page's users (empty when absent). One `clientUserId` may appear
    /// several times: retired entries plus at most one active.
    #[serde(default)]
    pub users: Vec<UserRecord>,
    /// The paging fields (`currentPageIndex`, `nextPageIndex`, `versionId`, …).
    #[serde(flatten)]
    pub paging: PageInfo,
}

impl_page!(UsersResponse, users, UserRecord);

/// One entry of `users`. Every field is optional on the wire;
/// [`crate::VppUser::try_from`] decides which are required.
///
/// Apple: [`ResponseUser`](https://developer.apple.com/documentation/devicemanagement/responseuser).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserRecord {
    /// `clientUserId`: the MDM's own id for the user.
    #[serde(default)]
    pub client_user_id: Option<String>,
    /// `email`, when the MDM gave one.
    #[serde(default)]
    pub email: Option<String>,
    /// `idHash`: a hash of the Apple Account that accepted the invitation (once
    /// associated).
    #[serde(default)]
    pub id_hash: Option<String>,
    /// `inviteCode`: the code of the invitation to send the user (until associated).
    #[serde(default)]
    pub invite_code: Option<String>,
    /// `status`: `Registered`, `Associated`, `Retired` or `Deleted`.
    #[serde(default)]
    pub status: Option<UserStatus>,
}

open_enum! {
    /// A user's `status`.
    pub enum UserStatus {
        /// `Registered`: created, the invitation not yet accepted.
        Registered = "Registered",
        /// `Associated`: the user accepted the invitation with an Apple Account.
        Associated = "Associated",
        /// `Retired`: retired by the MDM; its licenses were taken back.
        Retired = "Retired",
        /// `Deleted`: deleted.
        Deleted = "Deleted",
    }
}

impl UserStatus {
    /// Whether the user is active (registered or associated), not retired or deleted.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Registered | Self::Associated)
    }
}
