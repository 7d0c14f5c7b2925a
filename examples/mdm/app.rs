//! One replica of the MDM: its client (shared budget and leases when on Redis), its
//! database connection, and what the admin asks of it: upload a token, assign and
//! revoke, show the catalog.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use apple_vpp::ConfigureOutcome;
use apple_vpp::api::{GetAssets, GetAssignments, GetUsers};
use apple_vpp::chrono::Utc;
use apple_vpp::client::{
    FlowError, FlowStop, MetadataOptions, SendError, SyncError, SyncPage, VppClient, WriteError,
};
use apple_vpp::events::{EventOutcome, Update};
use apple_vpp::notification::NotificationDeduper;
use apple_vpp::shared::{
    InProcessBudget, InProcessLeases, LeaseError, LeaseStore, NotificationDedup,
    NotificationSecrets, RequestBudget, StoreError,
};
use apple_vpp::wire::{AssetRef, LicensesRequest, PricingParam, RevokeRequest};
use apple_vpp::{
    Asset, Assignment, ClaimOptions, EventId, MdmIdentity, NotificationSecret,
    NotificationSubscription, Takeover, VppToken, VppUser,
};
use futures_util::StreamExt;

use crate::db::{Counts, Db, DbError};
use crate::shared::SharedDb;

/// Why a step failed; each message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MdmError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// The client's error (Apple, the network, a shared store), and whether it says that
    /// another MDM manages the location now.
    #[error("Apple's service: {error}")]
    Client {
        error: Box<dyn std::error::Error + Send + Sync>,
        managed_elsewhere: bool,
    },
    #[error(transparent)]
    Lease(#[from] LeaseError),
    /// Another MDM manages the location and the admin did not consent.
    #[error(
        "{owner} manages location {location}; nothing was changed: upload again with the admin's consent to take it over (--accept-takeover, or ?accept_takeover=true)"
    )]
    ManagedElsewhere { owner: String, location: String },
    #[error("{0}")]
    Other(String),
}

impl MdmError {
    fn client(
        error: impl std::error::Error + Send + Sync + 'static,
        managed_elsewhere: bool,
    ) -> Self {
        Self::Client {
            error: Box::new(error),
            managed_elsewhere,
        }
    }
}

impl From<SendError> for MdmError {
    fn from(e: SendError) -> Self {
        Self::client(e, false)
    }
}

impl From<WriteError> for MdmError {
    fn from(e: WriteError) -> Self {
        Self::client(e, false)
    }
}

impl From<StoreError> for MdmError {
    fn from(e: StoreError) -> Self {
        Self::client(e, false)
    }
}

impl<E: FlowStop + Send + Sync + 'static> From<FlowError<E>> for MdmError {
    /// A lease the client could not take or lost is told apart: another replica works.
    fn from(e: FlowError<E>) -> Self {
        match e {
            FlowError::Lease(e) => Self::Lease(e),
            e => {
                let managed_elsewhere = e.is_managed_elsewhere();
                Self::client(e, managed_elsewhere)
            }
        }
    }
}

impl From<SyncError> for MdmError {
    /// A lease the client could not take or lost is told apart: another replica syncs.
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Lease(e) => Self::Lease(e),
            e => {
                let managed_elsewhere = e.is_managed_elsewhere();
                Self::client(e, managed_elsewhere)
            }
        }
    }
}

impl MdmError {
    /// Whether another replica holds the location's lease (taken here or inside the
    /// client): wait and try again.
    pub fn is_lease_held(&self) -> bool {
        match self {
            Self::Lease(e) => e.is_held(),
            _ => false,
        }
    }

    /// Whether another MDM manages the location (the admin did not consent to a
    /// takeover, or Apple shows another MDM now).
    pub fn is_managed_elsewhere(&self) -> bool {
        match self {
            Self::ManagedElsewhere { .. } => true,
            Self::Client {
                managed_elsewhere, ..
            } => *managed_elsewhere,
            _ => false,
        }
    }
}

/// The stores replicas share besides the database (see `shared.rs` for what they share
/// through it): on Redis, or (one process only) in memory.
#[derive(Clone)]
pub struct Stores {
    pub leases: Arc<dyn LeaseStore>,
    pub dedup: Arc<dyn NotificationDedup>,
    pub budget: Arc<dyn RequestBudget>,
}

impl Stores {
    /// In-process stores, shared by the replica tasks of this process.
    pub fn in_process() -> Self {
        Self {
            leases: Arc::new(InProcessLeases::new()),
            dedup: Arc::new(Mutex::new(NotificationDeduper::new(
                100_000,
                Duration::from_secs(86_400),
            ))),
            budget: Arc::new(InProcessBudget::new()),
        }
    }

    /// One replica's stores on Redis at `url` (its own connection).
    #[cfg(feature = "redis")]
    /// `prefix`: the keys' prefix, when not the crate's default.
    pub async fn redis(url: &str, replicas: u32, prefix: Option<&str>) -> Result<Self, MdmError> {
        use apple_vpp::redis::{RedisBudget, RedisDeduper, RedisLeases, RedisStore};
        let mut store =
            RedisStore::open(url).map_err(|e| MdmError::Other(format!("--redis: {e}")))?;
        if let Some(prefix) = prefix {
            store = store.with_prefix(prefix);
        }
        store.ping().await.map_err(|e| {
            MdmError::Other(format!(
                "Redis does not answer ({e}); start it or fix --redis"
            ))
        })?;
        Ok(Self {
            leases: Arc::new(RedisLeases::new(store.clone())),
            dedup: Arc::new(RedisDeduper::new(
                store.clone(),
                Duration::from_secs(86_400),
            )),
            budget: Arc::new(RedisBudget::new(store).expected_replicas(replicas)),
        })
    }

    /// Without the `redis` feature `--redis` is refused when the arguments are read.
    #[cfg(not(feature = "redis"))]
    pub async fn redis(
        _url: &str,
        _replicas: u32,
        _prefix: Option<&str>,
    ) -> Result<Self, MdmError> {
        Err(MdmError::Other(
            "--redis needs the example built with `--features client,redis`".into(),
        ))
    }
}

/// One replica.
pub struct Mdm {
    pub client: VppClient,
    pub dedup: Arc<dyn NotificationDedup>,
    /// This replica's connection; also the notification secrets and the event tracker
    /// every replica shares (`shared.rs`).
    pub shared: SharedDb,
    pub identity: MdmIdentity,
    /// Where Apple sends notifications (this service's endpoint), once it listens.
    pub notification_url: Mutex<Option<String>>,
    pub page_pause: Duration,
}

/// What an upload did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Uploaded {
    pub uid: String,
    pub name: String,
    /// Whether this upload wrote our claim (`false`: the location was already ours).
    pub claimed: bool,
}

/// Settings of a replica.
pub struct Options<'a> {
    pub db: &'a Path,
    pub base_url: &'a str,
    pub lease_ttl: Duration,
    pub page_pause: Duration,
    /// Where Apple sends notifications, when not this service's own address.
    pub notification_url: Option<String>,
}

impl Mdm {
    pub fn new(options: &Options<'_>, stores: &Stores) -> Result<Self, MdmError> {
        let mut db = Db::open(options.db)?;
        // Generated once per installation, the same for every replica.
        let id = db.setting("mdm_id", || random_hex(16))?;
        let identity = MdmIdentity::builder()
            .id(id)
            .name("apple-vpp reference MDM")
            .metadata("mdm.example.invalid")
            .build()
            .map_err(|e| MdmError::Other(e.to_string()))?;
        let client = VppClient::builder()
            .base_url(options.base_url)
            .budget(stores.budget.clone())
            .leases(stores.leases.clone())
            .lease_ttl(options.lease_ttl)
            .build()
            .map_err(|e| MdmError::Other(format!("--base-url: {e}")))?;
        Ok(Self {
            client,
            dedup: stores.dedup.clone(),
            shared: SharedDb::new(db),
            identity,
            notification_url: Mutex::new(options.notification_url.clone()),
            page_pause: options.page_pause,
        })
    }

    /// This replica's connection (never held across an `.await`).
    pub fn db(&self) -> Result<MutexGuard<'_, Db>, MdmError> {
        Ok(self.shared.lock())
    }

    /// The token the admin uploaded: configure the location (taking it from another MDM
    /// only with `accept_takeover`), subscribe this service's notification endpoint in
    /// the same write, store the account.
    ///
    /// Each upload that subscribes sets a new notification secret, stored for every
    /// replica BEFORE the write (Apple's `TEST_NOTIFICATION` comes at once, to any
    /// replica); the previous one stays accepted.
    pub async fn upload(
        &self,
        token_file: &str,
        accept_takeover: bool,
    ) -> Result<Uploaded, MdmError> {
        let token: VppToken = token_file
            .parse()
            .map_err(|e| MdmError::Other(format!("the token file is not a content token ({e}); download it again from Apple Business Manager")))?;
        let takeover = if accept_takeover {
            Takeover::Accept
        } else {
            Takeover::Refuse
        };
        let mut options = ClaimOptions::from(takeover);
        let url = self
            .notification_url
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(url) = url {
            let secret = NotificationSecret::generate().map_err(|e| {
                MdmError::Other(format!("no notification secret could be made ({e})"))
            })?;
            let subscription = NotificationSubscription::new(&url, secret)
                .map_err(|e| MdmError::Other(e.to_string()))?;
            let uid = self.client.location(&token).client_config().await?.u_id.ok_or_else(|| {
                MdmError::Other(
                    "Apple sent no location id for this token; download a new token from Apple Business Manager".into(),
                )
            })?;
            self.shared.put(&uid, subscription.secret()).await?;
            options = options.with_notifications(subscription.settings_update());
        }
        let (account, claimed) = match self
            .client
            .location(&token)
            .configure(&self.identity, &options)
            .await?
        {
            ConfigureOutcome::Claimed(account) => (account, true),
            ConfigureOutcome::AlreadyOurs(account) => (account, false),
            ConfigureOutcome::ManagedElsewhere { owner, location } => {
                return Err(MdmError::ManagedElsewhere {
                    owner: owner.to_string(),
                    location: location.to_string(),
                });
            }
            other => {
                return Err(MdmError::Other(format!(
                    "the location could not be configured: {other:?}"
                )));
            }
        };
        self.db()?.store_account(&account)?;
        let location = account.location();
        Ok(Uploaded {
            uid: location.uid.clone(),
            name: location.name.clone(),
            claimed,
        })
    }

    fn token(&self, uid: &str) -> Result<VppToken, MdmError> {
        Ok(self.db()?.account(uid)?.token().clone())
    }

    /// Assigns `adam_id` to devices and users; tracks each event. Returns the event ids.
    pub async fn assign(
        &self,
        uid: &str,
        adam_id: &str,
        pricing: &str,
        serials: Vec<String>,
        users: Vec<String>,
    ) -> Result<Vec<EventId>, MdmError> {
        let token = self.token(uid)?;
        let request = LicensesRequest::new(
            [AssetRef::new(adam_id, PricingParam::from(pricing))],
            serials,
            users,
        );
        let batches = self.client.location(&token).associate(request).await?;
        let now = Utc::now();
        let mut refused = None;
        self.db()?.update_tracker(uid, |tracker| {
            let mut done = Vec::new();
            for batch in &batches {
                // A notification that came first is applied now.
                match tracker.track_at(batch, now) {
                    Ok(updates) => done.extend(updates.into_iter().filter_map(|u| match u {
                        Update::Completed(outcome) => Some(outcome),
                        _ => None,
                    })),
                    Err(e) => refused = Some(e),
                }
            }
            done
        })?;
        if let Some(e) = refused {
            return Err(MdmError::Other(format!(
                "the event could not be tracked ({e}); follow it with GET status"
            )));
        }
        Ok(batches.into_iter().map(|b| b.event_id).collect())
    }

    /// Takes back every revocable license of the devices and users.
    pub async fn revoke(
        &self,
        uid: &str,
        serials: Vec<String>,
        users: Vec<String>,
    ) -> Result<Vec<EventId>, MdmError> {
        let token = self.token(uid)?;
        let batches = self
            .client
            .location(&token)
            .revoke(RevokeRequest::new(serials, users))
            .await?;
        let now = Utc::now();
        self.db()?.update_tracker(uid, |tracker| {
            for batch in &batches {
                let _ = tracker.track_at(batch, now);
            }
            Vec::new()
        })?;
        Ok(batches.into_iter().map(|b| b.event_id).collect())
    }

    /// Waits until every event has its outcome in the database (from a notification to
    /// any replica, or from a poll the tracker says is due), at most `wait`.
    /// `(succeeded, failed)` licenses.
    pub async fn follow(
        &self,
        uid: &str,
        events: &[EventId],
        wait: Duration,
    ) -> Result<(u64, u64), MdmError> {
        let token = self.token(uid)?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let results: Vec<Option<(u64, u64)>> = {
                let db = self.db()?;
                events
                    .iter()
                    .map(|e| db.event_result(uid, e.as_str()))
                    .collect::<Result<_, _>>()?
            };
            if results.iter().all(Option::is_some) {
                return Ok(results
                    .into_iter()
                    .flatten()
                    .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(MdmError::Other(
                    "the assignment is still pending at Apple; look at its events later".into(),
                ));
            }
            // Claim what is due (no other replica polls it meanwhile), ask Apple, and
            // hand the answers to the tracker as it is by then (the fleet protocol of
            // `poll_shared_at`); then store the events that finished.
            let round = self
                .client
                .location(&token)
                .poll_shared_at(&self.shared.tracker(uid), Utc::now())
                .await?;
            // (The tracker was written before these rows: a replica that dies in between
            // leaves the event finished without its rows; its status can be asked again.)
            let done: Vec<EventOutcome> = round.completed().cloned().collect();
            self.db()?.store_outcomes(uid, &done)?;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The catalog screen: each asset's name and icon from Apple's metadata services,
    /// stored with the asset.
    pub async fn describe(&self, uid: &str) -> Result<Vec<crate::db::CatalogRow>, MdmError> {
        let token = self.token(uid)?;
        let mut found = Vec::new();
        self.client
            .location(&token)
            .describe_assets(&MetadataOptions::default(), |batch| {
                for item in batch {
                    let name = item
                        .metadata
                        .as_ref()
                        .and_then(|m| m.name().map(str::to_owned));
                    let artwork = item
                        .metadata
                        .as_ref()
                        .and_then(|m| m.artwork().map(|a| a.url(512, 512, "png")));
                    found.push((item.asset.adam_id.as_str().to_owned(), name, artwork));
                }
                Ok::<_, std::convert::Infallible>(())
            })
            .await?;
        let mut db = self.db()?;
        for (adam_id, name, artwork) in &found {
            db.set_metadata(uid, adam_id, name.as_deref(), artwork.as_deref())?;
        }
        Ok(db.catalog(uid)?)
    }

    /// Apple's own counts: every list read in full (no lease: nothing is written).
    pub async fn apple_counts(&self, uid: &str) -> Result<Counts, MdmError> {
        let token = self.token(uid)?;
        async fn count<E, T>(
            client: &VppClient,
            token: &VppToken,
            request: E,
        ) -> Result<u64, MdmError>
        where
            E: apple_vpp::api::Paged + Send + Sync,
            E::Response: Send,
            T: TryFrom<
                    <E::Response as apple_vpp::wire::Page>::Item,
                    Error = apple_vpp::assets::RecordError,
                >,
        {
            let location = client.location(token);
            let mut pages = location.pages(request);
            let mut n = 0;
            while let Some(page) = pages.next().await {
                let page: SyncPage<T> = page?;
                if page.abandons_previous_pass() {
                    n = 0;
                }
                n += page.records.len() as u64;
            }
            Ok(n)
        }
        Ok(Counts {
            assets: count::<_, Asset>(&self.client, &token, GetAssets::new()).await?,
            assignments: count::<_, Assignment>(&self.client, &token, GetAssignments::new())
                .await?,
            users: count::<_, VppUser>(&self.client, &token, GetUsers::new()).await?,
        })
    }
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
