//! The location's users as an MDM sees them: [`VppUser`], built from Apple's
//! [`crate::wire::UserRecord`] and checked (a `clientUserId` always).
//!
//! One `clientUserId` may appear several times in `GET users`: the retired entries of
//! earlier users with that id, plus at most one active entry.

use serde::{Deserialize, Serialize};

use crate::assets::RecordError;
use crate::wire::{self, UserStatus};

/// One user of the location (one entry of `GET users`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VppUser {
    /// The MDM's own id for the user (`clientUserId`).
    pub client_user_id: String,
    /// The user's email, when the MDM gave one (`email`).
    pub email: Option<String>,
    /// `Registered`, `Associated`, `Retired` or `Deleted` (`status`), when Apple says.
    pub status: Option<UserStatus>,
    /// The invitation code to send the user, until associated (`inviteCode`).
    pub invite_code: Option<String>,
    /// A hash of the Apple Account that accepted the invitation (`idHash`).
    pub id_hash: Option<String>,
}

impl VppUser {
    /// Whether the user is registered or associated (not retired or deleted; a user
    /// without a status counts as active).
    pub fn is_active(&self) -> bool {
        self.status.as_ref().is_none_or(UserStatus::is_active)
    }

    /// Which record of its `clientUserId` this is: the `clientUserId` and the record's
    /// `inviteCode`.
    ///
    /// Apple's user record ([`ResponseUser`](https://developer.apple.com/documentation/devicemanagement/responseuser))
    /// has no identifier of its own: `clientUserId`, `email`, `idHash`, `inviteCode` and
    /// `status` only. What tells apart the records of one `clientUserId` (retired or
    /// deleted ones plus at most one active) is the `inviteCode`: Apple creates one with
    /// each user record ("a registered user has an `inviteCode` because the system has
    /// created the user", [Managing users](https://developer.apple.com/documentation/devicemanagement/managing-users)),
    /// and the record keeps it once associated (Apple's `USER_ASSOCIATED` example,
    /// [Subscribing to notifications](https://developer.apple.com/documentation/devicemanagement/subscribing-to-notifications)).
    /// Not the `idHash`: it names the Apple Account, which a `Deleted` record hands on to
    /// the new record of the same `clientUserId`, so two records can share it.
    ///
    /// Apple's own example of a retired record carries no `inviteCode`: such records have
    /// `invite_code: None` and cannot be told apart from each other (keep how many there
    /// are). The active record is also found by `clientUserId` alone.
    pub fn record_key(&self) -> UserRecordKey<'_> {
        UserRecordKey {
            client_user_id: &self.client_user_id,
            invite_code: self.invite_code.as_deref(),
        }
    }
}

/// Which record of a `clientUserId` a [`VppUser`] is: see [`VppUser::record_key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct UserRecordKey<'a> {
    /// `clientUserId`.
    pub client_user_id: &'a str,
    /// `inviteCode`, created with the record; `None` when Apple gave none (Apple's retired
    /// example has none).
    pub invite_code: Option<&'a str>,
}

impl TryFrom<wire::UserRecord> for VppUser {
    type Error = RecordError;

    fn try_from(u: wire::UserRecord) -> Result<Self, RecordError> {
        let client_user_id = u
            .client_user_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| RecordError::missing("a user", None, "clientUserId"))?;
        Ok(Self {
            client_user_id,
            email: u.email,
            status: u.status,
            invite_code: u.invite_code,
            id_hash: u.id_hash,
        })
    }
}
