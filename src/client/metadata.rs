//! App and book metadata for the MDM's catalog screen: [`super::LocationHandle::metadata`] for a set
//! of adamIds, [`super::LocationHandle::describe_assets`] for the location's assets joined with
//! their metadata, batch by batch.
//!
//! With a developer key ([`super::VppClientBuilder::developer_key`]) the answers come
//! from Apps and Books Metadata for Organizations; without one, from the legacy lookup
//! of the service configuration. Either way the location's own storefront is asked
//! first and the ids it does not know once in the fallback set
//! ([`crate::metadata::StorefrontSearch`]).

use std::collections::{HashMap, HashSet};

use url::Url;

use super::error::SendError;
use super::sync_error::SyncError;
use super::vpp_client::VppClient;
use crate::api::{
    GetAppsMetadata, GetAssets, GetBooksMetadata, GetStorefronts, LookupContentMetadata,
    LookupPlatform, Paged, RequestError,
};
use crate::assets::Asset;
use crate::ids::AdamId;
use crate::metadata::{
    AppMetadata, BookMetadata, MAX_IDS_PER_REQUEST, Metadata, Storefront, StorefrontSearch,
    storefront_for_country,
};
use crate::paging::PageTraversal;
use crate::token::VppToken;
use crate::wire::{Page, ProductType, ResponseError, StorefrontResource};

/// The most pages [`VppClient::storefronts`] reads, 64 (Apple has about 175 storefronts:
/// 8 pages of 25); a service that keeps answering full pages is not followed further.
pub const MAX_STOREFRONT_PAGES: u32 = 64;

/// How [`super::LocationHandle::metadata`] and [`super::LocationHandle::describe_assets`] search.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetadataOptions {
    /// Asked, in order and once each, for the ids the location's storefront does not
    /// know (default [`crate::metadata::DEFAULT_FALLBACK_STOREFRONTS`]).
    pub fallbacks: Vec<Storefront>,
    /// A language tag (`l`), default none: each storefront's own language.
    pub language: Option<String>,
    /// The legacy lookup's store (default the business store; [`LookupPlatform::MacAppStore`]
    /// for Mac apps' own metadata).
    pub lookup_platform: LookupPlatform,
}

impl Default for MetadataOptions {
    fn default() -> Self {
        Self {
            fallbacks: Storefront::default_fallbacks(),
            language: None,
            lookup_platform: LookupPlatform::EnterpriseStore,
        }
    }
}

impl MetadataOptions {
    /// Sets [`MetadataOptions::fallbacks`].
    pub fn with_fallbacks(mut self, fallbacks: impl IntoIterator<Item = Storefront>) -> Self {
        self.fallbacks = fallbacks.into_iter().collect();
        self
    }

    /// Sets [`MetadataOptions::language`].
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Sets [`MetadataOptions::lookup_platform`].
    pub fn with_lookup_platform(mut self, lookup_platform: LookupPlatform) -> Self {
        self.lookup_platform = lookup_platform;
        self
    }
}

/// Which kind of content to ask the catalog about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentKind {
    /// Apps (`stoken-authenticated-apps`).
    Apps,
    /// Books (`stoken-authenticated-books`).
    Books,
}

/// The metadata found for a set of ids: each with the storefront that answered, and the
/// ids found nowhere (never dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetadataAnswer {
    /// The metadata found, with its storefront, in the order found.
    pub found: Vec<(Metadata, Storefront)>,
    /// The ids no storefront asked knew.
    pub not_found: Vec<AdamId>,
}

/// One of the location's assets with its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DescribedAsset {
    /// The asset (licenses, platforms, device-assignability).
    pub asset: Asset,
    /// Its metadata; `None` when no storefront asked knew it.
    pub metadata: Option<Metadata>,
    /// The storefront the metadata came from.
    pub storefront: Option<Storefront>,
}

/// What [`super::LocationHandle::describe_assets`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DescribeOutcome {
    /// Pages of `GET assets` read (one batch each).
    pub pages: u32,
    /// Assets handed over.
    pub assets: usize,
    /// Assets found in no storefront (handed over with `metadata: None`).
    pub found_nowhere: usize,
}

impl VppClient {
    /// [`super::LocationHandle::metadata`] with the location's `token` (documented there).
    pub(crate) async fn metadata(
        &self,
        token: &VppToken,
        home: Option<Storefront>,
        kind: ContentKind,
        ids: &[AdamId],
        options: &MetadataOptions,
    ) -> Result<MetadataAnswer, SendError> {
        let lookup = match self.inner.developer {
            Some(_) => None,
            None => Some(self.lookup_url().await?),
        };
        let mut search = StorefrontSearch::new(home, &options.fallbacks, ids.iter().cloned());
        let mut found = Vec::new();
        while let Some((storefront, missing)) = search.next_request() {
            let mut answered = Vec::new();
            for chunk in missing.chunks(MAX_IDS_PER_REQUEST) {
                let batch = match self
                    .metadata_batch(token, &storefront, kind, chunk, lookup.as_ref(), options)
                    .await
                {
                    // A storefront Apple does not have (404) knows none of the ids.
                    Err(SendError::Response(ResponseError::Catalog { status: 404, .. })) => {
                        Vec::new()
                    }
                    other => other?,
                };
                // Only what was asked counts (an answer may hold more).
                answered.extend(batch.into_iter().filter(|m| chunk.contains(m.adam_id())));
            }
            search.record(&storefront, answered.iter().map(Metadata::adam_id));
            found.extend(answered.into_iter().map(|m| (m, storefront.clone())));
        }
        let resolution = search.finish();
        // One entry per id, from the storefront the search credited: Apple may repeat an
        // id in one answer, and a later storefront is never asked for a found id.
        let credited = resolution.by_id();
        let mut seen = HashSet::new();
        found.retain(|(m, s)| {
            credited.get(m.adam_id()) == Some(&s) && seen.insert(m.adam_id().clone())
        });
        Ok(MetadataAnswer {
            found,
            not_found: resolution.not_found,
        })
    }

    async fn metadata_batch(
        &self,
        token: &VppToken,
        storefront: &Storefront,
        kind: ContentKind,
        ids: &[AdamId],
        lookup: Option<&Url>,
        options: &MetadataOptions,
    ) -> Result<Vec<Metadata>, SendError> {
        if let Some(url) = lookup {
            let mut request =
                LookupContentMetadata::new(url.clone(), storefront.clone(), ids.to_vec());
            request.platform = options.lookup_platform;
            request.language = options.language.clone();
            let answer = self.send_with(&request, Some(token)).await?;
            return Ok(answer
                .results
                .into_iter()
                .map(|(id, result)| Metadata::from_lookup(&id, result))
                .collect());
        }
        Ok(match kind {
            ContentKind::Apps => {
                let mut request = GetAppsMetadata::new(storefront.clone(), ids.to_vec());
                request.language = options.language.clone();
                self.send_with(&request, Some(token))
                    .await?
                    .data
                    .into_iter()
                    .filter_map(AppMetadata::from_wire)
                    .map(Metadata::App)
                    .collect()
            }
            ContentKind::Books => {
                let mut request = GetBooksMetadata::new(storefront.clone(), ids.to_vec());
                request.language = options.language.clone();
                self.send_with(&request, Some(token))
                    .await?
                    .data
                    .into_iter()
                    .filter_map(BookMetadata::from_wire)
                    .map(Metadata::Book)
                    .collect()
            }
        })
    }

    /// Every storefront of Apps and Books Metadata for Organizations ("Get All
    /// Storefronts"), for `platform` (`iphone` when `None`): page after page of
    /// [`crate::api::STOREFRONTS_PAGE_LIMIT`] with `limit` and `offset`, until a page is
    /// empty, or shorter than the limit without a `next`, or [`MAX_STOREFRONT_PAGES`]
    /// were read. Needs the developer key.
    pub async fn storefronts(
        &self,
        platform: Option<&str>,
    ) -> Result<Vec<StorefrontResource>, SendError> {
        let mut request = GetStorefronts::new();
        if let Some(p) = platform {
            request.platform = p.to_owned();
        }
        let mut all = Vec::new();
        let mut seen = HashSet::new();
        let mut offset: u32 = 0;
        for _ in 0..MAX_STOREFRONT_PAGES {
            let page = self.send(&request.at_offset(offset)).await?;
            let read = page.data.len();
            let before = all.len();
            for storefront in page.data {
                if seen.insert(storefront.id.clone()) {
                    all.push(storefront);
                }
            }
            offset = offset.saturating_add(u32::try_from(read).unwrap_or(u32::MAX));
            // An empty page, or one of only repeats, ends the walk (it would not move).
            if read == 0 || all.len() == before {
                break;
            }
            if page.next.is_none() && read < request.limit as usize {
                break;
            }
        }
        Ok(all)
    }

    /// The service configuration's `contentMetadataLookup`, parsed (checked when the
    /// request is built).
    async fn lookup_url(&self) -> Result<Url, SendError> {
        let config = self.service_config().await?;
        config
            .urls
            .content_metadata_lookup
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .ok_or(SendError::Request(RequestError::MissingLookupUrl))
    }

    /// [`super::LocationHandle::describe_assets`] with the location's `token` (documented there).
    pub(crate) async fn describe_assets<X>(
        &self,
        token: &VppToken,
        options: &MetadataOptions,
        mut on_batch: impl FnMut(Vec<DescribedAsset>) -> Result<(), X>,
    ) -> Result<DescribeOutcome, SyncError<X>> {
        let config = self.client_config(token).await?;
        let home = storefront_for_country(config.country_iso2a_code.as_deref());
        self.service_config().await?;
        let request = GetAssets::new();
        let mut traversal = PageTraversal::new().with_max_in_flight(1);
        let mut outcome = DescribeOutcome::default();
        while let Some(index) = traversal.next_page() {
            let page = match self
                .send_with(&request.page(index, true), Some(token))
                .await
            {
                Ok(page) => page,
                Err(SendError::Response(error)) => {
                    traversal
                        .record_error(index, error)
                        .map_err(SyncError::Paging)?;
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            traversal
                .record(index, page.page_info())
                .map_err(SyncError::Paging)?;
            let assets = page
                .into_items()
                .into_iter()
                .map(Asset::try_from)
                .collect::<Result<Vec<_>, _>>()
                .map_err(SyncError::Record)?;
            let described = self.describe(token, home.clone(), assets, options).await?;
            outcome.pages += 1;
            outcome.assets += described.len();
            outcome.found_nowhere += described.iter().filter(|d| d.metadata.is_none()).count();
            on_batch(described).map_err(|error| SyncError::Handler { index, error })?;
        }
        Ok(outcome)
    }

    async fn describe(
        &self,
        token: &VppToken,
        home: Option<Storefront>,
        assets: Vec<Asset>,
        options: &MetadataOptions,
    ) -> Result<Vec<DescribedAsset>, SendError> {
        let is_book = |a: &Asset| a.product_type == Some(ProductType::Book);
        let ids = |books: bool| {
            assets
                .iter()
                .filter(|a| is_book(a) == books)
                .map(|a| a.adam_id.clone())
                .collect::<Vec<_>>()
        };
        let mut found = Vec::new();
        for (kind, ids) in [
            (ContentKind::Apps, ids(false)),
            (ContentKind::Books, ids(true)),
        ] {
            if !ids.is_empty() {
                let answer = self
                    .metadata(token, home.clone(), kind, &ids, options)
                    .await?;
                found.extend(answer.found);
            }
        }
        let by_id: HashMap<AdamId, (Metadata, Storefront)> = found
            .into_iter()
            .map(|(m, s)| (m.adam_id().clone(), (m, s)))
            .collect();
        Ok(assets
            .into_iter()
            .map(|asset| {
                let (metadata, storefront) = match by_id.get(&asset.adam_id) {
                    Some((m, s)) => (Some(m.clone()), Some(s.clone())),
                    None => (None, None),
                };
                DescribedAsset {
                    asset,
                    metadata,
                    storefront,
                }
            })
            .collect())
    }
}
