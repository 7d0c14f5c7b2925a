//! `GET assets` response (Apps and Books v2): the apps and books the location bought.
//!
//! Apple: [Get Assets](https://developer.apple.com/documentation/devicemanagement/get-assets-4ski1), [Managing assets](https://developer.apple.com/documentation/devicemanagement/managing-assets).

use serde::{Deserialize, Serialize};

use super::common::{PricingParam, ProductType};
use super::paging::{PageInfo, impl_page};
use crate::ids::AdamId;

/// Apple's `totalCount` for an asset with unlimited licenses (free apps), `i32::MAX`
/// (2,147,483,647).
pub const UNLIMITED_COUNT: i64 = 2_147_483_647;

/// The response of `GET assets`: one page of assets and the paging fields.
///
/// Apple: [Get Assets](https://developer.apple.com/documentation/devicemanagement/get-assets-4ski1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetsResponse {
    /// `assets`: this page's assets (empty when absent).
    #[serde(default)]
    pub assets: Vec<AssetRecord>,
    /// The paging fields (`currentPageIndex`, `nextPageIndex`, `totalPages`, …).
    #[serde(flatten)]
    pub paging: PageInfo,
}

impl_page!(AssetsResponse, assets, AssetRecord);

/// One entry of `assets`. Every field is optional on the wire;
/// [`crate::Asset::try_from`] decides which are required.
///
/// Apple: [Get Assets](https://developer.apple.com/documentation/devicemanagement/get-assets-4ski1) (the entries of `assets`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetRecord {
    /// `adamId`: the App Store identifier (a string; a number is accepted).
    #[serde(default)]
    pub adam_id: Option<AdamId>,
    /// `assignedCount`: licenses assigned to users or devices.
    #[serde(default)]
    pub assigned_count: Option<i64>,
    /// `availableCount`: licenses still free to assign.
    #[serde(default)]
    pub available_count: Option<i64>,
    /// `deviceAssignable`: whether licenses can be assigned to a device serial number.
    #[serde(default)]
    pub device_assignable: Option<bool>,
    /// `pricingParam`: `STDQ` or `PLUS`.
    #[serde(default)]
    pub pricing_param: Option<PricingParam>,
    /// `productType`: `App` or `Book`.
    #[serde(default)]
    pub product_type: Option<ProductType>,
    /// `retiredCount`: licenses retired (e.g. refunded).
    #[serde(default)]
    pub retired_count: Option<i64>,
    /// `revocable`: whether assigned licenses can be taken back.
    #[serde(default)]
    pub revocable: Option<bool>,
    /// `supportedPlatforms`: the platforms the asset runs on, as Apple names them
    /// (e.g. `iOS`, `macOS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supported_platforms: Vec<String>,
    /// `totalCount`: licenses owned; [`UNLIMITED_COUNT`] (2147483647) for unlimited
    /// free assets.
    #[serde(default)]
    pub total_count: Option<i64>,
}
