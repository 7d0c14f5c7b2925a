//! [`LocationHandle`]: one location's calls, with its token bound once.
//!
//! Every call of a flow concerns one location, read and written with that location's
//! content token (`sToken`). [`VppClient::location`] binds the token once; the handle's
//! methods are the flows and lists of that location. What is service-wide (the service
//! configuration, the metadata catalog's storefronts, the request budget's status) stays
//! on [`VppClient`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::SendError;
use super::events::PollRound;
use super::flow_error::{FlowError, SubscribeFailure};
use super::leasing::LeaseGuard;
use super::licenses::{LocationPage, LocationSync, SentBatch, UsersCreated};
use super::metadata::{
    ContentKind, DescribeOutcome, DescribedAsset, MetadataAnswer, MetadataOptions,
};
use super::notifications::SubscribeOutcome;
use super::pages::{PageStream, SyncPage};
use super::sync_error::SyncError;
use super::vpp_client::VppClient;
use super::write_error::WriteError;
use crate::account::{
    ClaimOptions, ConfigureError, ConfigureOutcome, LocationMismatch, RenewRefusal, Renewal,
    Verification, VppAccount,
};
use crate::api::{BatchedWrite, Endpoint, Paged};
use crate::assets::{Asset, Assignment, RecordError};
use crate::events::{CreationPolicy, EventStatus, EventTracker};
use crate::ids::{AdamId, EventId};
use crate::location::{LocationSnapshot, Protocol};
use crate::metadata::Storefront;
use crate::notification::NotificationSubscription;
use crate::ownership::MdmIdentity;
use crate::paging::SyncOutcome;
use crate::shared::LeaseError;
use crate::shared::{
    LeaseKind, LocationKey, NotificationSecrets, StoreError, TokenId, TrackerStore,
};
use crate::token::VppToken;
use crate::users::VppUser;
use crate::wire::{
    ClientConfig, ClientConfigUpdate, LicensesRequest, Page, RevokeRequest, UsersRequest,
};

/// One location of Apple's Apps and Books service: a [`VppClient`] with the location's
/// content token bound, made by [`VppClient::location`]. Its methods are the location's
/// flows (configure, verify, renew, subscribe), lists (pages, syncs), writes (licenses,
/// users) and event polls; none takes the token again.
///
/// Cheap to make and to clone (the client and the token are shared behind an `Arc`);
/// `Send + Sync`. It shares everything the client learns with the client and its other
/// handles: the connection pool, the per-token request budget, the service-configuration
/// cache, and the location's key for leases once read. `Debug` shows the token's
/// [`TokenId`] (a hash), never the token.
///
/// ```no_run
/// use apple_vpp::client::VppClient;
/// use apple_vpp::VppToken;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = VppClient::builder().build()?;
/// let token = VppToken::from_path("sToken_for_Berlin_Office.vpptoken")?;
/// let berlin = client.location(&token);
/// let config = berlin.client_config().await?;
/// println!("{:?}", config.location_name);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct LocationHandle {
    client: VppClient,
    token: Arc<VppToken>,
    id: TokenId,
}

impl std::fmt::Debug for LocationHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocationHandle")
            .field("token", &self.id)
            .field("client", &self.client)
            .finish()
    }
}

impl VppClient {
    /// The location whose content token is `token`: a [`LocationHandle`] whose methods
    /// are that location's flows, lists and writes. Cheap (the token is copied once into
    /// an `Arc`); make one per location and clone it freely.
    pub fn location(&self, token: &VppToken) -> LocationHandle {
        LocationHandle {
            client: self.clone(),
            id: TokenId::of(token),
            token: Arc::new(token.clone()),
        }
    }
}

impl LocationHandle {
    /// The client this handle sends with (for the service-wide calls).
    pub fn client(&self) -> &VppClient {
        &self.client
    }

    /// The bound token (its `Debug` is redacted).
    pub fn token(&self) -> &VppToken {
        &self.token
    }

    /// The bound token's [`TokenId`]: the key of its request budget.
    pub fn token_id(&self) -> &TokenId {
        &self.id
    }

    /// The location's key for leases ([`LocationKey::of_uid`] of its `uId`), read with
    /// the token once (a v2 read, or v1 for a legacy token) and then remembered by the
    /// client for every handle of the same token.
    pub async fn location_key(&self) -> Result<LocationKey, SendError> {
        self.client.location_key(&self.token).await
    }

    /// Sends `endpoint` with the bound token and decodes Apple's answer: the location's
    /// half of the client's one way to send, [`VppClient::send`] the service-wide half
    /// (rate limit, retries where safe, body limit, no redirects; see there).
    pub async fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Response, SendError> {
        self.client.send_with(endpoint, Some(&self.token)).await
    }

    /// `GET client/config`.
    pub async fn client_config(&self) -> Result<ClientConfig, SendError> {
        self.client.client_config(&self.token).await
    }

    /// `POST client/config`. Build `update` with [`ClientConfigUpdate::builder`], which
    /// refuses what Apple would refuse.
    ///
    /// Not retried once it may have reached Apple: an update overwrites what was read
    /// before it, so after a failure read again and decide again (the flows do).
    pub async fn update_client_config(&self, update: &ClientConfigUpdate) -> Result<(), SendError> {
        self.client.update_client_config(&self.token, update).await
    }

    /// `GET client/config` as a [`LocationSnapshot`] (v2), recorded as read with the
    /// bound token.
    pub async fn snapshot(&self) -> Result<LocationSnapshot, SendError> {
        self.client.snapshot(&self.token).await
    }

    /// Reads the location over `protocol`, recording the bound token on the snapshot.
    pub async fn read(&self, protocol: Protocol) -> Result<LocationSnapshot, SendError> {
        self.client.read(&self.token, protocol).await
    }

    /// Claims the location for `identity`: reads the client configuration, writes our
    /// claim only when needed (never over another MDM's claim without
    /// `options.takeover` allowing it; not when it already records us with the same name
    /// and metadata), then reads it back to check that our claim stuck.
    ///
    /// Requests, when nothing fails: a v2 read; when v2 shows no claim, a read-only v1
    /// read of the legacy `clientContext` (an MDM that speaks only v1, such as one that
    /// writes `{"hostname","guid"}` there, is invisible to v2, so its claim is looked for
    /// there and needs consent like any other); the write; the read-back: 4 requests on
    /// an unclaimed location (and, before a client's first request with a token, the
    /// service configuration, for Apple's rate). A legacy (account-based) token, which v2
    /// refuses with 9647, is configured over v1 the same way, and the account records
    /// [`Protocol::V1`].
    ///
    /// Under the location's [`LeaseKind::Config`] lease when the client takes leases.
    pub async fn configure(
        &self,
        identity: &MdmIdentity,
        options: &ClaimOptions,
    ) -> Result<ConfigureOutcome, FlowError<ConfigureError>> {
        self.client.configure(&self.token, identity, options).await
    }

    /// [`LocationHandle::configure`] for a token uploaded again while the MDM has
    /// `stored`, an account: for `stored`'s location the account returned keeps its
    /// history (see [`crate::configure_again_at`]); for another location it is a new
    /// account.
    pub async fn configure_again(
        &self,
        stored: &VppAccount,
        options: &ClaimOptions,
    ) -> Result<ConfigureOutcome, FlowError<ConfigureError>> {
        self.client
            .configure_again(stored, &self.token, options)
            .await
    }

    /// Re-checks `account` with Apple (do it at the start of every session), over the
    /// protocol it uses, reading with the bound token (bind the account's own:
    /// `client.location(account.token())`; a read with another token cannot clear
    /// Apple's verdicts on the account's token, and Apple's errors are then not recorded
    /// on it). Apple's verdict on the token (expired, invalid, revoked, read-only) is
    /// recorded on the account before the error is returned.
    ///
    /// Under the location's [`LeaseKind::Config`] lease when the client takes leases.
    pub async fn verify(
        &self,
        account: &mut VppAccount,
    ) -> Result<Verification, FlowError<LocationMismatch>> {
        self.client.verify(&self.token, account).await
    }

    /// Replaces `account`'s token with the bound token (the new one the admin uploaded)
    /// if the core's renewal rules accept it (same location, not the same token, later
    /// expiry, not claimed by another MDM). If the location has no claim any more,
    /// re-claims it and reads it back: another MDM there is
    /// [`crate::ConfigureError::LostRace`], no claim [`crate::ConfigureError::NotApplied`];
    /// a re-claim that held is [`crate::Reclaim::Held`]. `account` is unchanged on
    /// error.
    ///
    /// Under the location's [`LeaseKind::Config`] lease when the client takes leases.
    pub async fn renew(
        &self,
        account: &mut VppAccount,
    ) -> Result<Renewal, FlowError<RenewRefusal>> {
        self.client
            .renew(account, VppToken::clone(&self.token))
            .await
    }

    /// Subscribes the token's location to `subscription` (URL, secret, the complete set of
    /// types) in one `POST client/config` that also carries our `mdmInfo`, so subscribing
    /// never drops the claim.
    ///
    /// It takes the same path as [`LocationHandle::configure`] with
    /// [`ClaimOptions`]` { takeover: Refuse, notifications: Some(subscription.settings_update()) }`:
    /// read; refuse without writing when another MDM holds the location
    /// ([`SubscribeOutcome::ManagedElsewhere`]); write (on an unclaimed location this
    /// claims it for `identity`); read back. The write is never
    /// replayed as it is: after a retryable failure the location is read again and the
    /// decision made again. The read-back must show our claim and the settings
    /// ([`NotificationSubscription::check_read_back`]).
    ///
    /// Setting the URL makes Apple POST a `TEST_NOTIFICATION` to it at once, so the
    /// receiver must be up and answer 2xx to the new secret before this is called.
    ///
    /// # Errors
    /// - [`SubscribeFailure::Subscribe`] with [`crate::notification::SubscribeError::TestNotificationNotDelivered`]
    ///   (Apple's 9728, with the URL; nothing was changed) or
    ///   [`crate::notification::SubscribeError::NotRecorded`] (the read-back differs);
    /// - [`SubscribeFailure::LegacyToken`] for a legacy (v1) token, which has no
    ///   notifications;
    /// - the errors of [`LocationHandle::configure`].
    ///
    /// No error holds the secret.
    pub async fn subscribe(
        &self,
        identity: &MdmIdentity,
        subscription: &NotificationSubscription,
    ) -> Result<SubscribeOutcome, FlowError<SubscribeFailure>> {
        self.client
            .subscribe(&self.token, identity, subscription)
            .await
    }

    /// [`LocationHandle::subscribe`] for a fleet behind a load balancer: Apple's
    /// `TEST_NOTIFICATION` may reach any replica, so the secret is first stored in
    /// `secrets` under the location's `uId` (read from `client/config`), then the location
    /// is subscribed. Nothing is subscribed when the secret could not be stored
    /// ([`SubscribeFailure::Store`]). Receivers accept the location's stored secrets
    /// ([`NotificationSecrets::get`], [`crate::notification::authenticate_any`]).
    pub async fn subscribe_shared(
        &self,
        identity: &MdmIdentity,
        subscription: &NotificationSubscription,
        secrets: &dyn NotificationSecrets,
    ) -> Result<SubscribeOutcome, FlowError<SubscribeFailure>> {
        self.client
            .subscribe_shared(&self.token, identity, subscription, secrets)
            .await
    }

    /// Runs `work` under the location's lease of `kind`, taken from the client's lease
    /// store (the location's key is read once, see [`LocationHandle::location_key`]);
    /// without a lease store `work` runs at once with [`LeaseGuard::none`]. Returns what
    /// `work` returned and the lease's fencing number. The lease is kept alive while
    /// `work` runs and confirmed before its result is returned: a lease lost meanwhile is
    /// a [`LeaseError`], never `Ok`.
    pub async fn with_lease<T, E, F, Fut>(
        &self,
        kind: LeaseKind,
        work: F,
    ) -> Result<(T, Option<u64>), E>
    where
        E: From<LeaseError> + From<SendError>,
        F: FnOnce(LeaseGuard) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.client.under_token_lease(kind, &self.token, work).await
    }

    /// Every page of `request` as a [`PageStream`], each page's records checked with
    /// [`TryFrom`] (e.g. [`crate::Assignment::try_from`]; a record Apple sent without a
    /// required field ends the stream with [`SyncError::Record`]).
    ///
    /// The core's [`crate::paging::PageTraversal`] decides which page to ask for: page 0
    /// first, then up to five pages at once (Apple's limit), never a page twice or past
    /// the end; `totalPages` that grows or shrinks and a `versionId` that changes between
    /// pages are followed. When `request` carries a `sinceVersionId` that Apple refuses
    /// (9721), the sync starts again in full and says so ([`SyncPage::fell_back`],
    /// [`SyncOutcome::fell_back`]). A 9650 for a page that should exist is an error
    /// ([`SyncError::Paging`]), never a loop. Each request waits for the per-token
    /// rate limit and is retried as [`VppClient::send`] does; the service configuration
    /// is read first (cached) to learn Apple's `maxRequestPerSecond`.
    ///
    /// Pages arrive in the order Apple answers them, not by index, except that each pass
    /// starts with page 0, alone. Takes no lease: run it inside
    /// [`LocationHandle::with_lease`] with [`PageStream::under_lease`]. See the
    /// [sync loop](crate::client#the-sync-loop-an-mdm-writes) an MDM writes around it.
    pub fn pages<'a, E, T>(&'a self, request: E) -> PageStream<'a, E, T>
    where
        E: Paged + Send + Sync + 'a,
        E::Response: Send,
        T: TryFrom<<E::Response as Page>::Item, Error = RecordError>,
    {
        self.client.pages(&self.token, request)
    }

    /// Reads every page of `request` and hands each page's records to `on_page` as it
    /// arrives; returns the [`SyncOutcome`]: the FIRST page's `versionId` (keep it for
    /// the next incremental sync), whether the sync was full, whether it fell back.
    ///
    /// [`LocationHandle::pages`] with a handler: the same pages, the same requests.
    /// Memory: at most five pages are held at once (those in flight), whatever the
    /// location's size; `on_page` owns each page's records. A handler error stops the
    /// sync there ([`SyncError::Handler`]).
    ///
    /// With a lease store ([`super::VppClientBuilder::leases`]), the sync runs under the
    /// location's [`LeaseKind::Sync`] lease (so the five pages in flight are the fleet's
    /// five): every page carries its fencing number ([`SyncPage::fence`]; store it with
    /// the outcome too). The lease is confirmed with the store
    /// before each page is handed over and before the outcome is returned: a sync whose
    /// lease was lost ends with [`SyncError::Lease`], never `Ok`.
    pub async fn for_each_page<E, T, X>(
        &self,
        request: &E,
        on_page: impl FnMut(SyncPage<T>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>>
    where
        E: Paged + Send + Sync,
        E::Response: Send,
        T: TryFrom<<E::Response as Page>::Item, Error = RecordError>,
    {
        self.client
            .for_each_page(&self.token, request, on_page)
            .await
    }

    /// The location's three lists as ONE unit under ONE [`LeaseKind::Sync`] lease: the
    /// assets, then the assignments (since `assignments_since`, or in full), then the
    /// users (since `users_since`, or in full), each page handed to `on_page` as it
    /// arrives.
    ///
    /// This is the day's sync for a fleet: the lease is taken once, before the first
    /// request, and held (renewed) until the last list ended, so no other replica can
    /// start the same sync between two lists; a replica that tries meanwhile gets
    /// [`SyncError::Lease`] ([`LeaseError::Held`]) before it sends
    /// anything, and can leave the day's sync to the holder. Every page carries the
    /// lease's fencing number ([`LocationPage::fence`]); the lease is confirmed with the
    /// store before each page and before the result, so a sync whose lease was lost ends
    /// with [`SyncError::Lease`], never `Ok`. Without a lease store it simply reads the
    /// three lists in turn. A handler error stops the sync there ([`SyncError::Handler`],
    /// with the index of the page in its list).
    pub async fn sync_location<X>(
        &self,
        assignments_since: Option<&str>,
        users_since: Option<&str>,
        on_page: impl FnMut(LocationPage) -> Result<(), X>,
    ) -> Result<LocationSync, SyncError<X>> {
        self.client
            .sync_location(&self.token, assignments_since, users_since, on_page)
            .await
    }

    /// Every asset of the location (`GET assets`, all pages), handed over page by page.
    /// Assets have no incremental form: each call is a full listing.
    pub async fn list_assets<X>(
        &self,
        on_page: impl FnMut(SyncPage<Asset>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>> {
        self.client.list_assets(&self.token, on_page).await
    }

    /// The location's assignments (`GET assignments`, all pages): in full without
    /// `since`, else what changed since that `versionId` (the previous sync's
    /// [`SyncOutcome::version_id`]), falling back to a full sync when Apple no longer
    /// knows it (9721). See the [client docs](super) for the loop around it. For
    /// filters, use [`LocationHandle::for_each_page`] with a [`crate::api::GetAssignments`].
    pub async fn sync_assignments<X>(
        &self,
        since: Option<&str>,
        on_page: impl FnMut(SyncPage<Assignment>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>> {
        self.client
            .sync_assignments(&self.token, since, on_page)
            .await
    }

    /// The location's users (`GET users`, all pages; one `clientUserId` may appear
    /// several times: retired entries and one active), in full or since a `versionId`,
    /// like [`LocationHandle::sync_assignments`].
    pub async fn sync_users<X>(
        &self,
        since: Option<&str>,
        on_page: impl FnMut(SyncPage<VppUser>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>> {
        self.client.sync_users(&self.token, since, on_page).await
    }

    /// `POST assets/associate`: assigns the request's assets to its devices and users,
    /// in batches of Apple's limits ([`license_batches`](crate::batching::license_batches):
    /// duplicates removed, an empty request refused before sending), one event per batch,
    /// in batch order.
    ///
    /// If a batch fails after others were sent: [`WriteError::PartlySent`] with their
    /// events.
    pub async fn associate(
        &self,
        request: LicensesRequest,
    ) -> Result<Vec<SentBatch<LicensesRequest>>, WriteError> {
        self.client.associate(&self.token, request).await
    }

    /// `POST assets/disassociate`: takes the request's assets back from its devices and
    /// users, batched like [`LocationHandle::associate`].
    pub async fn disassociate(
        &self,
        request: LicensesRequest,
    ) -> Result<Vec<SentBatch<LicensesRequest>>, WriteError> {
        self.client.disassociate(&self.token, request).await
    }

    /// `POST assets/revoke`: takes back every revocable license of the devices and users,
    /// in batches of `maxRevokeSerialNumbers` / `maxRevokeClientUserIds`
    /// ([`revoke_batches`](crate::batching::revoke_batches)).
    pub async fn revoke(
        &self,
        request: RevokeRequest,
    ) -> Result<Vec<SentBatch<RevokeRequest>>, WriteError> {
        self.client.revoke(&self.token, request).await
    }

    /// `POST users/create`, in batches of `maxUsers`
    /// ([`user_batches`](crate::batching::user_batches)), with the default
    /// [`CreationPolicy`]: see [`LocationHandle::create_users_with`].
    pub async fn create_users(&self, request: UsersRequest) -> Result<UsersCreated, WriteError> {
        self.client.create_users(&self.token, request).await
    }

    /// `POST users/create`, in batches of `maxUsers`, never sent again blind.
    ///
    /// A batch Apple answers goes to [`UsersCreated::sent`] with its event: follow it as
    /// any other event (a `USER_MANAGEMENT` notification, [`crate::events::EventTracker`]).
    ///
    /// A batch whose answer was lost (a time-out, a 5xx, a broken answer: Apple may have
    /// applied it, later than it would have answered) is followed here to its end by a
    /// [`crate::events::UserCreation`] (the decision; this only drives it): wait `policy.settle`, read the
    /// batch's users (`GET users?clientUserId=`, without the location's Sync lease: a
    /// replica that syncs meanwhile does not stop it), send again only the missing ones,
    /// and follow that send's event to its end, polling `status` every
    /// `policy.poll_interval`; a user that event refuses with 9716 already exists (an
    /// earlier send created it). The outcome goes to [`UsersCreated::settled`]. A batch
    /// Apple refused for now (429) is sent again within the retry policy.
    ///
    /// If a batch fails after others were sent: [`WriteError::PartlySent`] with their
    /// events.
    pub async fn create_users_with(
        &self,
        request: UsersRequest,
        policy: &CreationPolicy,
    ) -> Result<UsersCreated, WriteError> {
        self.client
            .create_users_with(&self.token, request, policy)
            .await
    }

    /// `POST users/update`, split into Apple's batches.
    pub async fn update_users(
        &self,
        request: UsersRequest,
    ) -> Result<Vec<SentBatch<UsersRequest>>, WriteError> {
        self.client.update_users(&self.token, request).await
    }

    /// `POST users/retire`, split into Apple's batches.
    pub async fn retire_users(
        &self,
        request: UsersRequest,
    ) -> Result<Vec<SentBatch<UsersRequest>>, WriteError> {
        self.client.retire_users(&self.token, request).await
    }

    /// Sends a [`BatchedWrite`]: splits `request` by Apple's limits
    /// ([`BatchedWrite::split`], with [`VppClient::batch_limits`]) and sends the batches
    /// one after the other, in order, each retried only as its endpoint's
    /// [`crate::api::Replay`] allows. One [`SentBatch`] per batch, in batch order.
    ///
    /// If a batch fails after others were sent: [`WriteError::PartlySent`] with their
    /// events. [`LocationHandle::associate`] and the other writes are this with their endpoint.
    pub async fn send_batched<E: BatchedWrite>(
        &self,
        request: E::Request,
    ) -> Result<Vec<SentBatch<E::Request>>, WriteError> {
        self.client.send_batched::<E>(&self.token, request).await
    }

    /// `GET status?eventId=`: how far an event has got, failures grouped by error number.
    /// Apple asks for at least 30 s between polls of one event.
    pub async fn event_status(&self, event_id: &EventId) -> Result<EventStatus, SendError> {
        self.client.event_status(&self.token, event_id).await
    }

    /// Polls the `status` of `events` every `poll` until none is pending or `wait` has
    /// passed, and returns the last status of each, in the order given (one still
    /// pending at the deadline shows [`EventStatus::is_pending`]).
    ///
    /// The first poll comes after `poll` (or at the deadline, if sooner); one last poll
    /// happens at the deadline. A `wait` too long for the clock (e.g. [`Duration::MAX`])
    /// means no deadline: polls go on until no event is pending. Use [`super::DEFAULT_POLL_INTERVAL`] (30 s, Apple's minimum)
    /// against Apple; shorter intervals are for simulators. Where notifications arrive,
    /// [`crate::events::EventTracker`] follows Apple's whole schedule instead.
    pub async fn wait_for_events(
        &self,
        events: &[EventId],
        poll: Duration,
        wait: Duration,
    ) -> Result<Vec<EventStatus>, SendError> {
        self.client
            .wait_for_events(&self.token, events, poll, wait)
            .await
    }

    /// Sends `GET status` for every [`crate::events::Next::Poll`] that `tracker` has due at `now`, one
    /// after the other (within the token's rate limit), and feeds each answer back
    /// ([`EventTracker::on_status_at`], or [`EventTracker::on_status_error_at`] for
    /// Apple's errors such as 9708), all at `now`. Then collects what is due besides
    /// polls: the resends and give-ups, for the caller to act on.
    ///
    /// A failed poll does not stop the round: it is listed in [`PollRound::failed`], so
    /// that an outcome already taken from the tracker is never lost to an error.
    ///
    /// The tracker is borrowed for the whole round, HTTP calls included: use it for a
    /// tracker one task owns. Replicas (or tasks) that share a stored tracker use
    /// [`LocationHandle::poll_shared_at`], which holds nothing while it talks to Apple.
    ///
    /// A loop that follows Apple's schedule:
    ///
    /// ```no_run
    /// # use apple_vpp::{chrono::Utc, client::VppClient, events::EventTracker, VppToken};
    /// # async fn run(client: VppClient, token: VppToken, mut tracker: EventTracker) {
    /// let berlin = client.location(&token);
    /// loop {
    ///     let round = berlin.poll_due_at(&mut tracker, Utc::now()).await;
    ///     for outcome in round.completed() { /* act on outcome.succeeded, .failed */ }
    ///     for resend in &round.resend { /* send again, then tracker.resent_at(..) */ }
    ///     let Some(wake) = round.next_wake else { break };
    ///     let wait = (wake - Utc::now()).to_std().unwrap_or_default();
    ///     tokio::time::sleep(wait).await; // or until a notification arrives
    /// }
    /// # }
    /// ```
    pub async fn poll_due_at(&self, tracker: &mut EventTracker, now: DateTime<Utc>) -> PollRound {
        self.client.poll_due_at(&self.token, tracker, now).await
    }

    /// [`LocationHandle::poll_due_at`] for a tracker that several replicas share through
    /// `store` (the fleet protocol of [`TrackerStore`]): claims what is due at `now` in
    /// one read-modify-write ([`EventTracker::claim_due_at`], for
    /// [`super::DEFAULT_CLAIM_HOLD`]), sends the `status` polls holding nothing, then hands the
    /// answers to the stored tracker as it is by then, keeping what other replicas applied
    /// meanwhile (notifications, resends). A poll that got no answer from Apple releases
    /// its claim (due again on the next round); an answer from Apple counts as a poll.
    ///
    /// [`PollRound::resend`] and [`PollRound::give_up`] list what this replica claimed:
    /// send each again, then `update_tracker(store, |t| t.resent_at(..))`, which ends
    /// the claim (or let it lapse after [`super::DEFAULT_CLAIM_HOLD`]). Fails only when the
    /// store fails ([`StoreError`]); Apple's failures are in [`PollRound::failed`].
    pub async fn poll_shared_at(
        &self,
        store: &dyn TrackerStore,
        now: DateTime<Utc>,
    ) -> Result<PollRound, StoreError> {
        self.client.poll_shared_at(&self.token, store, now).await
    }

    /// The metadata of `ids` (apps or books): the `home` storefront first, then each of
    /// the fallbacks once for the ids still missing, at most
    /// [`crate::metadata::MAX_IDS_PER_REQUEST`] ids per request. Uses the catalog with the
    /// developer key when the client has one, else the legacy lookup (which answers for
    /// apps and books alike). The bound token is the `itvt` cookie of both services (the
    /// lookup finds custom apps only with it), and the key of the per-token rate limit.
    ///
    /// No request is sent for an empty `ids` (Apple would refuse it: HTTP 403, code
    /// 40300). Each id is in the answer at most once, from the first storefront asked
    /// that knows it, even when Apple repeats an id within or across answers.
    pub async fn metadata(
        &self,
        home: Option<Storefront>,
        kind: ContentKind,
        ids: &[AdamId],
        options: &MetadataOptions,
    ) -> Result<MetadataAnswer, SendError> {
        self.client
            .metadata(&self.token, home, kind, ids, options)
            .await
    }

    /// The location's assets joined with their metadata, for the MDM's catalog screen:
    /// one `GET client/config` for the location's country (its storefront is asked
    /// first), then each page of `GET assets` with its apps' and books' metadata
    /// ([`LocationHandle::metadata`]), handed to `on_batch` as it is ready. An asset found
    /// in no storefront is handed over with `metadata: None`, never dropped.
    ///
    /// Memory: one page of assets and its metadata at a time. Pages are read one after
    /// the other.
    pub async fn describe_assets<X>(
        &self,
        options: &MetadataOptions,
        on_batch: impl FnMut(Vec<DescribedAsset>) -> Result<(), X>,
    ) -> Result<DescribeOutcome, SyncError<X>> {
        self.client
            .describe_assets(&self.token, options, on_batch)
            .await
    }
}
