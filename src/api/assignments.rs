//! `GET assignments`: which licenses are assigned to which devices and users, in full or
//! since a `versionId`.

use super::paged::push;
use super::{Auth, Endpoint, Method, Paged, Replay};
use crate::ids::AdamId;
use crate::wire::{AssignmentsResponse, PricingParam};

/// `GET assignments`, with Apple's optional filters. Set `since_version_id` to the
/// previous sync's [`crate::SyncOutcome::version_id`] for an incremental sync.
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
    /// `excludeInactiveUsers`.
    pub exclude_inactive_users: Option<bool>,
    /// `includeUserState`.
    pub include_user_state: Option<bool>,
    /// `pageIndex` (absent: page 0).
    pub page_index: Option<u32>,
    /// `sinceVersionId`: only what changed since that version (incremental sync).
    pub since_version_id: Option<String>,
}

impl GetAssignments {
    /// Every assignment, no filter (a full sync).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only `adam_id`.
    #[must_use]
    pub fn adam_id(mut self, adam_id: impl Into<AdamId>) -> Self {
        self.adam_id = Some(adam_id.into());
        self
    }

    /// Only this user's.
    #[must_use]
    pub fn client_user_id(mut self, id: impl Into<String>) -> Self {
        self.client_user_id = Some(id.into());
        self
    }

    /// Only this device's.
    #[must_use]
    pub fn serial_number(mut self, serial: impl Into<String>) -> Self {
        self.serial_number = Some(serial.into());
        self
    }

    /// Only this price tier.
    #[must_use]
    pub fn pricing_param(mut self, pricing: PricingParam) -> Self {
        self.pricing_param = Some(pricing);
        self
    }

    /// Leave out (or keep) users that are not active.
    #[must_use]
    pub fn exclude_inactive_users(mut self, yes: bool) -> Self {
        self.exclude_inactive_users = Some(yes);
        self
    }

    /// Include each user's state.
    #[must_use]
    pub fn include_user_state(mut self, yes: bool) -> Self {
        self.include_user_state = Some(yes);
        self
    }

    /// Only what changed since `version_id` (an incremental sync).
    #[must_use]
    pub fn since_version_id(mut self, version_id: impl Into<String>) -> Self {
        self.since_version_id = Some(version_id.into());
        self
    }
}

impl Endpoint for GetAssignments {
    type Response = AssignmentsResponse;
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "assignments";
    const AUTH: Auth = Auth::Bearer;
    const REPLAY: Replay = Replay::Safe;

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        push(&mut q, "adamId", self.adam_id.as_ref());
        push(&mut q, "clientUserId", self.client_user_id.as_ref());
        push(&mut q, "serialNumber", self.serial_number.as_ref());
        push(&mut q, "pricingParam", self.pricing_param.as_ref());
        push(&mut q, "excludeInactiveUsers", self.exclude_inactive_users);
        push(&mut q, "includeUserState", self.include_user_state);
        push(&mut q, "pageIndex", self.page_index);
        push(&mut q, "sinceVersionId", self.since_version_id.as_ref());
        q
    }
}

impl Paged for GetAssignments {
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
