//! `GET assignments`: which licenses are assigned to which devices and users, in full or
//! since a `versionId`.

use super::endpoint::{Auth, Endpoint, Method, Replay};
use super::paged::Paged;
use super::paged::{PageQuery, push};
use crate::ids::AdamId;
use crate::wire::{AssignmentsResponse, PricingParam};

/// `GET assignments`, with Apple's optional filters. Set
/// [`GetAssignments::since_version_id`] to the previous sync's
/// [`crate::SyncOutcome::version_id`] for an incremental sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetAssignments {
    /// `adamId`: only this app or book.
    pub adam_id: Option<AdamId>,
    /// `clientUserId`: only this user's.
    pub client_user_id: Option<String>,
    /// `serialNumber`: only this device's.
    pub serial_number: Option<String>,
    /// `pricingParam`: only this price tier.
    pub pricing_param: Option<PricingParam>,
    /// `excludeInactiveUsers`: leave out (or keep) users that are not active.
    pub exclude_inactive_users: Option<bool>,
    /// `includeUserState`: include each user's state.
    pub include_user_state: Option<bool>,
    page: PageQuery,
}

impl GetAssignments {
    /// Every record, no filter (page 0; a full sync).
    pub fn new() -> Self {
        Self::default()
    }

    /// `adamId`: only this app or book.
    #[must_use]
    pub fn adam_id(mut self, value: impl Into<AdamId>) -> Self {
        self.adam_id = Some(value.into());
        self
    }

    /// `clientUserId`: only this user's.
    #[must_use]
    pub fn client_user_id(mut self, value: impl Into<String>) -> Self {
        self.client_user_id = Some(value.into());
        self
    }

    /// `serialNumber`: only this device's.
    #[must_use]
    pub fn serial_number(mut self, value: impl Into<String>) -> Self {
        self.serial_number = Some(value.into());
        self
    }

    /// `pricingParam`: only this price tier.
    #[must_use]
    pub fn pricing_param(mut self, value: impl Into<PricingParam>) -> Self {
        self.pricing_param = Some(value.into());
        self
    }

    /// `excludeInactiveUsers`: leave out (or keep) users that are not active.
    #[must_use]
    pub fn exclude_inactive_users(mut self, value: impl Into<bool>) -> Self {
        self.exclude_inactive_users = Some(value.into());
        self
    }

    /// `includeUserState`: include each user's state.
    #[must_use]
    pub fn include_user_state(mut self, value: impl Into<bool>) -> Self {
        self.include_user_state = Some(value.into());
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

impl Endpoint for GetAssignments {
    type Response = AssignmentsResponse;
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "assignments";
    const AUTH: Auth = Auth::Bearer;
    const REPLAY: Replay = Replay::Safe;

    /// The filters in this order, then `pageIndex` and `sinceVersionId`.
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        push(&mut query, "adamId", self.adam_id.as_ref());
        push(&mut query, "clientUserId", self.client_user_id.as_ref());
        push(&mut query, "serialNumber", self.serial_number.as_ref());
        push(&mut query, "pricingParam", self.pricing_param.as_ref());
        push(
            &mut query,
            "excludeInactiveUsers",
            self.exclude_inactive_users.as_ref(),
        );
        push(
            &mut query,
            "includeUserState",
            self.include_user_state.as_ref(),
        );
        self.page.push_into(&mut query);
        query
    }
}

impl Paged for GetAssignments {
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
