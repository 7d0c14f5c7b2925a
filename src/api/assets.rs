//! `GET assets`: the apps and books the location owns licenses for, with their counts.

use super::endpoint::{Auth, Endpoint, Method, Replay};
use super::paged::Paged;
use super::paged::{PageQuery, push};
use crate::ids::AdamId;
use crate::wire::{AssetsResponse, PricingParam, ProductType};

/// `GET assets`, with Apple's optional filters. Build it with [`GetAssets::new`] and the
/// setters (or set the public fields); page it with [`Paged`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetAssets {
    /// `adamId`: only this app or book.
    pub adam_id: Option<AdamId>,
    /// `productType`: only apps or only books.
    pub product_type: Option<ProductType>,
    /// `pricingParam`: only this price tier.
    pub pricing_param: Option<PricingParam>,
    /// `deviceAssignable`: only assets whose licenses can (or cannot) go to devices.
    pub device_assignable: Option<bool>,
    /// `revocable`: only assets whose licenses can (or cannot) be revoked.
    pub revocable: Option<bool>,
    /// `minAssignedCount` (set with [`GetAssets::assigned_count`]).
    pub min_assigned_count: Option<u64>,
    /// `maxAssignedCount` (set with [`GetAssets::assigned_count`]).
    pub max_assigned_count: Option<u64>,
    /// `minAvailableCount` (set with [`GetAssets::available_count`]).
    pub min_available_count: Option<u64>,
    /// `maxAvailableCount` (set with [`GetAssets::available_count`]).
    pub max_available_count: Option<u64>,
    /// `unlimited`: only assets with (or without) unlimited licenses.
    pub unlimited: Option<bool>,
    page: PageQuery,
}

impl GetAssets {
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

    /// `productType`: only apps or only books.
    #[must_use]
    pub fn product_type(mut self, value: impl Into<ProductType>) -> Self {
        self.product_type = Some(value.into());
        self
    }

    /// `pricingParam`: only this price tier.
    #[must_use]
    pub fn pricing_param(mut self, value: impl Into<PricingParam>) -> Self {
        self.pricing_param = Some(value.into());
        self
    }

    /// `deviceAssignable`: only assets whose licenses can (or cannot) go to devices.
    #[must_use]
    pub fn device_assignable(mut self, value: impl Into<bool>) -> Self {
        self.device_assignable = Some(value.into());
        self
    }

    /// `revocable`: only assets whose licenses can (or cannot) be revoked.
    #[must_use]
    pub fn revocable(mut self, value: impl Into<bool>) -> Self {
        self.revocable = Some(value.into());
        self
    }

    /// `unlimited`: only assets with (or without) unlimited licenses.
    #[must_use]
    pub fn unlimited(mut self, value: impl Into<bool>) -> Self {
        self.unlimited = Some(value.into());
        self
    }
}

impl Endpoint for GetAssets {
    type Response = AssetsResponse;
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "assets";
    const AUTH: Auth = Auth::Bearer;
    const REPLAY: Replay = Replay::Safe;

    /// The filters in this order, then `pageIndex` and `sinceVersionId`.
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        push(&mut query, "adamId", self.adam_id.as_ref());
        push(&mut query, "productType", self.product_type.as_ref());
        push(&mut query, "pricingParam", self.pricing_param.as_ref());
        push(
            &mut query,
            "deviceAssignable",
            self.device_assignable.as_ref(),
        );
        push(&mut query, "revocable", self.revocable.as_ref());
        push(
            &mut query,
            "minAssignedCount",
            self.min_assigned_count.as_ref(),
        );
        push(
            &mut query,
            "maxAssignedCount",
            self.max_assigned_count.as_ref(),
        );
        push(
            &mut query,
            "minAvailableCount",
            self.min_available_count.as_ref(),
        );
        push(
            &mut query,
            "maxAvailableCount",
            self.max_available_count.as_ref(),
        );
        push(&mut query, "unlimited", self.unlimited.as_ref());
        self.page.push_into(&mut query);
        query
    }
}

impl Paged for GetAssets {
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

impl GetAssets {
    /// Only assets with at least `min` and at most `max` assigned licenses.
    #[must_use]
    pub fn assigned_count(mut self, min: Option<u64>, max: Option<u64>) -> Self {
        self.min_assigned_count = min;
        self.max_assigned_count = max;
        self
    }

    /// Only assets with at least `min` and at most `max` available licenses.
    #[must_use]
    pub fn available_count(mut self, min: Option<u64>, max: Option<u64>) -> Self {
        self.min_available_count = min;
        self.max_available_count = max;
        self
    }
}
