//! `GET assets`: the apps and books the location owns licenses for, with their counts.

use super::paged::push;
use super::{Auth, Endpoint, Method, Paged, Replay};
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
    /// `deviceAssignable`.
    pub device_assignable: Option<bool>,
    /// `revocable`.
    pub revocable: Option<bool>,
    /// `minAssignedCount`.
    pub min_assigned_count: Option<u64>,
    /// `maxAssignedCount`.
    pub max_assigned_count: Option<u64>,
    /// `minAvailableCount`.
    pub min_available_count: Option<u64>,
    /// `maxAvailableCount`.
    pub max_available_count: Option<u64>,
    /// `unlimited`: only assets with (or without) unlimited licenses.
    pub unlimited: Option<bool>,
    /// `pageIndex` (absent: page 0).
    pub page_index: Option<u32>,
}

impl GetAssets {
    /// Every asset, no filter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only `adam_id`.
    #[must_use]
    pub fn adam_id(mut self, adam_id: impl Into<AdamId>) -> Self {
        self.adam_id = Some(adam_id.into());
        self
    }

    /// Only apps or only books.
    #[must_use]
    pub fn product_type(mut self, product_type: ProductType) -> Self {
        self.product_type = Some(product_type);
        self
    }

    /// Only this price tier.
    #[must_use]
    pub fn pricing_param(mut self, pricing: PricingParam) -> Self {
        self.pricing_param = Some(pricing);
        self
    }

    /// Only assets whose licenses can (or cannot) go to devices.
    #[must_use]
    pub fn device_assignable(mut self, yes: bool) -> Self {
        self.device_assignable = Some(yes);
        self
    }

    /// Only assets whose licenses can (or cannot) be revoked.
    #[must_use]
    pub fn revocable(mut self, yes: bool) -> Self {
        self.revocable = Some(yes);
        self
    }

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

    /// Only assets with (or without) unlimited licenses.
    #[must_use]
    pub fn unlimited(mut self, yes: bool) -> Self {
        self.unlimited = Some(yes);
        self
    }
}

impl Endpoint for GetAssets {
    type Response = AssetsResponse;
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "assets";
    const AUTH: Auth = Auth::Bearer;
    const REPLAY: Replay = Replay::Safe;

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        push(&mut q, "adamId", self.adam_id.as_ref());
        push(&mut q, "productType", self.product_type.as_ref());
        push(&mut q, "pricingParam", self.pricing_param.as_ref());
        push(&mut q, "deviceAssignable", self.device_assignable);
        push(&mut q, "revocable", self.revocable);
        push(&mut q, "minAssignedCount", self.min_assigned_count);
        push(&mut q, "maxAssignedCount", self.max_assigned_count);
        push(&mut q, "minAvailableCount", self.min_available_count);
        push(&mut q, "maxAvailableCount", self.max_available_count);
        push(&mut q, "unlimited", self.unlimited);
        push(&mut q, "pageIndex", self.page_index);
        q
    }
}

impl Paged for GetAssets {
    fn at_page(&self, index: u32) -> Self {
        Self {
            page_index: Some(index),
            ..self.clone()
        }
    }

    /// `GET assets` has no incremental form.
    fn since_version(&self) -> Option<&str> {
        None
    }

    fn full(&self) -> Self {
        self.clone()
    }
}
