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
