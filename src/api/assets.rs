//! `GET assets`: the apps and books the location owns licenses for, with their counts.

#[cfg(doc)]
use super::Paged;
use super::paged::list_request;
use crate::ids::AdamId;
use crate::wire::{AssetsResponse, PricingParam, ProductType};

list_request! {
    /// `GET assets`, with Apple's optional filters. Build it with [`GetAssets::new`] and the
    /// setters (or set the public fields); page it with [`Paged`].
    GetAssets => AssetsResponse, "assets";
    /// `adamId`: only this app or book.
    adam_id: AdamId = "adamId" [adam_id],
    /// `productType`: only apps or only books.
    product_type: ProductType = "productType" [product_type],
    /// `pricingParam`: only this price tier.
    pricing_param: PricingParam = "pricingParam" [pricing_param],
    /// `deviceAssignable`: only assets whose licenses can (or cannot) go to devices.
    device_assignable: bool = "deviceAssignable" [device_assignable],
    /// `revocable`: only assets whose licenses can (or cannot) be revoked.
    revocable: bool = "revocable" [revocable],
    /// `minAssignedCount` (set with [`GetAssets::assigned_count`]).
    min_assigned_count: u64 = "minAssignedCount",
    /// `maxAssignedCount` (set with [`GetAssets::assigned_count`]).
    max_assigned_count: u64 = "maxAssignedCount",
    /// `minAvailableCount` (set with [`GetAssets::available_count`]).
    min_available_count: u64 = "minAvailableCount",
    /// `maxAvailableCount` (set with [`GetAssets::available_count`]).
    max_available_count: u64 = "maxAvailableCount",
    /// `unlimited`: only assets with (or without) unlimited licenses.
    unlimited: bool = "unlimited" [unlimited],
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
