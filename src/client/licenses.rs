//! Licenses and users: the lists, the license and user writes and their events (see the
//! [client docs](super), "Licenses and users").

use std::time::{Duration, Instant};

use super::pages::{SyncError, SyncPage};
use super::{ClientError, LeaseKind, VppClient};
use crate::api::{
    Associate, BatchedWrite, CreateUsers, Disassociate, GetAssets, GetAssignments, GetEventStatus,
    GetUsers, Replay, RetireUsers, Revoke, UpdateUsers,
};
use crate::assets::{Asset, Assignment};
use crate::batching::BatchLimits;
use crate::events::{EventStatus, SentEvent};
use crate::ids::EventId;
use crate::paging::SyncOutcome;
use crate::token::VppToken;
use crate::users::VppUser;
use crate::wire::{EventAsset, EventType, LicensesRequest, RevokeRequest, UsersRequest};

/// Apple's shortest interval between two `status` polls of one event (30 s), the default
/// of [`VppClient::wait_for_events`].
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(30);

/// One request of a batched write, and the event Apple answered for it.
///
/// Hand it to [`crate::events::EventTracker::track_at`] as it is (`tracker.track_at(&batch, now)`): it
/// converts into a [`SentEvent`] with the event id, the event type, what the batch
/// concerns, and the batch's JSON body as the request key, so that a
/// [`crate::events::Resend`] can rebuild the request
/// (`serde_json::from_str::<LicensesRequest>(&resend.request_key)`). Set
/// [`SentEvent::request_key`] yourself to use your own key instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentBatch<R> {
    /// The batch as sent (what the event concerns).
    pub request: R,
    /// The event to follow ([`VppClient::event_status`], a notification, or
    /// [`crate::events::EventTracker`]).
    pub event_id: EventId,
    /// What the request does (associate, disassociate, revoke; create, update, retire).
    pub event_type: EventType,
}

/// The batch's body as the request key (a request that cannot be written as JSON has
/// none: an empty key).
fn request_key<R: serde::Serialize>(request: &R) -> String {
    serde_json::to_string(request).unwrap_or_default()
}

impl From<&SentBatch<LicensesRequest>> for SentEvent {
    fn from(batch: &SentBatch<LicensesRequest>) -> Self {
        let r = &batch.request;
        SentEvent::new(
            batch.event_id.clone(),
            batch.event_type.clone(),
            request_key(r),
        )
        .with_serial_numbers(r.serial_numbers.iter().cloned())
        .with_client_user_ids(r.client_user_ids.iter().cloned())
        .with_assets(
            r.assets
                .iter()
                .map(|a| EventAsset::new(a.adam_id.clone(), Some(a.pricing_param.clone()))),
        )
    }
}

impl From<&SentBatch<RevokeRequest>> for SentEvent {
    fn from(batch: &SentBatch<RevokeRequest>) -> Self {
        let r = &batch.request;
        SentEvent::new(
            batch.event_id.clone(),
            batch.event_type.clone(),
            request_key(r),
        )
        .with_serial_numbers(r.serial_numbers.iter().cloned())
        .with_client_user_ids(r.client_user_ids.iter().cloned())
    }
}

impl From<&SentBatch<UsersRequest>> for SentEvent {
    fn from(batch: &SentBatch<UsersRequest>) -> Self {
        let r = &batch.request;
        SentEvent::new(
            batch.event_id.clone(),
            batch.event_type.clone(),
            request_key(r),
        )
        .with_client_user_ids(r.users.iter().map(|u| u.client_user_id.clone()))
    }
}

impl<R> From<SentBatch<R>> for SentEvent
where
    for<'a> &'a SentBatch<R>: Into<SentEvent>,
{
    fn from(batch: SentBatch<R>) -> Self {
        (&batch).into()
    }
}

/// One page of [`VppClient::sync_location`]: a page of one of the location's three lists.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocationPage {
    /// A page of the assets (always a full listing).
    Assets(SyncPage<Asset>),
    /// A page of the assignments.
    Assignments(SyncPage<Assignment>),
    /// A page of the users.
    Users(SyncPage<VppUser>),
}

impl LocationPage {
    /// The fencing number of the lease the whole sync runs under ([`SyncPage::fence`]):
    /// store it with every write made from this page.
    pub fn fence(&self) -> Option<u64> {
        match self {
            Self::Assets(p) => p.fence,
            Self::Assignments(p) => p.fence,
            Self::Users(p) => p.fence,
        }
    }
}

/// What [`VppClient::sync_location`] found: the outcome of each list (keep the
/// assignments' and users' `versionId` for the next incremental sync), and the fencing
/// number of the one lease they ran under.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocationSync {
    /// The assets' listing.
    pub assets: SyncOutcome,
    /// The assignments' sync.
    pub assignments: SyncOutcome,
    /// The users' sync.
    pub users: SyncOutcome,
    /// The fencing number of the sync lease (`None` without a lease store).
    pub lease_fence: Option<u64>,
}

impl VppClient {
    /// The location's three lists as ONE unit under ONE [`LeaseKind::Sync`] lease: the
    /// assets, then the assignments (since `assignments_since`, or in full), then the
    /// users (since `users_since`, or in full), each page handed to `on_page` as it
    /// arrives.
    ///
    /// This is the day's sync for a fleet: the lease is taken once, before the first
    /// request, and held (renewed) until the last list ended, so no other replica can
    /// start the same sync between two lists; a replica that tries meanwhile gets
    /// [`ClientError::Lease`] ([`crate::client::LeaseError::Held`]) before it sends
    /// anything, and can leave the day's sync to the holder. Every page carries the
    /// lease's fencing number ([`LocationPage::fence`]); the lease is confirmed with the
    /// store before each page and before the result, so a sync whose lease was lost ends
    /// with [`ClientError::Lease`], never `Ok`. Without a lease store it simply reads the
    /// three lists in turn. A handler error stops the sync there ([`SyncError::Handler`],
    /// with the index of the page in its list).
    pub async fn sync_location<X>(
        &self,
        token: &VppToken,
        assignments_since: Option<&str>,
        users_since: Option<&str>,
        mut on_page: impl FnMut(LocationPage) -> Result<(), X>,
    ) -> Result<LocationSync, SyncError<X>> {
        let assignments = match assignments_since {
            Some(version) => GetAssignments::new().since_version_id(version),
            None => GetAssignments::new(),
        };
        let users = match users_since {
            Some(version) => GetUsers::new().since_version_id(version),
            None => GetUsers::new(),
        };
        let work = |lease: super::LeaseGuard| async move {
            let on_page = &mut on_page;
            let assets = self
                .every_page(token, &GetAssets::new(), lease.clone(), |p| {
                    on_page(LocationPage::Assets(p))
                })
                .await?;
            let assignments = self
                .every_page(token, &assignments, lease.clone(), |p| {
                    on_page(LocationPage::Assignments(p))
                })
                .await?;
            let users = self
                .every_page(token, &users, lease.clone(), |p| {
                    on_page(LocationPage::Users(p))
                })
                .await?;
            Ok::<_, SyncError<X>>(LocationSync {
                assets,
                assignments,
                users,
                lease_fence: lease.fence(),
            })
        };
        let (outcome, _) = self.under_token_lease(LeaseKind::Sync, token, work).await?;
        Ok(outcome)
    }

    /// Every asset of the location (`GET assets`, all pages), handed over page by page.
    /// Assets have no incremental form: each call is a full listing.
    pub async fn list_assets<X>(
        &self,
        token: &VppToken,
        on_page: impl FnMut(SyncPage<Asset>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>> {
        self.for_each_page(token, &GetAssets::new(), on_page).await
    }

    /// The location's assignments (`GET assignments`, all pages): in full without
    /// `since`, else what changed since that `versionId` (the previous sync's
    /// [`SyncOutcome::version_id`]), falling back to a full sync when Apple no longer
    /// knows it (9721). See the [client docs](super) for the loop around it. For
    /// filters, use [`VppClient::for_each_page`] with a [`GetAssignments`].
    pub async fn sync_assignments<X>(
        &self,
        token: &VppToken,
        since: Option<&str>,
        on_page: impl FnMut(SyncPage<Assignment>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>> {
        let request = match since {
            Some(version) => GetAssignments::new().since_version_id(version),
            None => GetAssignments::new(),
        };
        self.for_each_page(token, &request, on_page).await
    }

    /// The location's users (`GET users`, all pages; one `clientUserId` may appear
    /// several times: retired entries and one active), in full or since a `versionId`,
    /// like [`VppClient::sync_assignments`].
    pub async fn sync_users<X>(
        &self,
        token: &VppToken,
        since: Option<&str>,
        on_page: impl FnMut(SyncPage<VppUser>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>> {
        let request = match since {
            Some(version) => GetUsers::new().since_version_id(version),
            None => GetUsers::new(),
        };
        self.for_each_page(token, &request, on_page).await
    }

    /// Apple's per-request limits, from the (cached) service configuration.
    pub async fn batch_limits(&self) -> Result<BatchLimits, ClientError> {
        Ok(BatchLimits::from(&self.service_config().await?.limits))
    }

    /// `POST assets/associate`: assigns the request's assets to its devices and users,
    /// in batches of Apple's limits ([`license_batches`](crate::batching::license_batches):
    /// duplicates removed, an empty request refused before sending), one event per batch,
    /// in batch order.
    ///
    /// If a batch fails after others were sent: [`ClientError::PartlySent`] with their
    /// events.
    pub async fn associate(
        &self,
        token: &VppToken,
        request: LicensesRequest,
    ) -> Result<Vec<SentBatch<LicensesRequest>>, ClientError> {
        self.send_batched::<Associate>(token, request).await
    }

    /// `POST assets/disassociate`: takes the request's assets back from its devices and
    /// users, batched like [`VppClient::associate`].
    pub async fn disassociate(
        &self,
        token: &VppToken,
        request: LicensesRequest,
    ) -> Result<Vec<SentBatch<LicensesRequest>>, ClientError> {
        self.send_batched::<Disassociate>(token, request).await
    }

    /// `POST assets/revoke`: takes back every revocable license of the devices and users,
    /// in batches of `maxRevokeSerialNumbers` / `maxRevokeClientUserIds`
    /// ([`revoke_batches`](crate::batching::revoke_batches)).
    pub async fn revoke(
        &self,
        token: &VppToken,
        request: RevokeRequest,
    ) -> Result<Vec<SentBatch<RevokeRequest>>, ClientError> {
        self.send_batched::<Revoke>(token, request).await
    }

    /// `POST users/create`, in batches of `maxUsers`
    /// ([`user_batches`](crate::batching::user_batches)).
    ///
    /// A create is never sent again blind ([`CreateUsers`] is
    /// [`crate::api::Replay::Never`]: a replayed create makes duplicate users). After a
    /// failure that may have been applied (5xx, 429, time-out, broken answer), within the
    /// retry policy, it reads each user of the batch (`GET users?clientUserId=`) and
    /// sends only those that have no active record; a batch whose users all exist by then
    /// was applied and is left out of the result (its event is not known: read the users
    /// to see them).
    pub async fn create_users(
        &self,
        token: &VppToken,
        request: UsersRequest,
    ) -> Result<Vec<SentBatch<UsersRequest>>, ClientError> {
        let batches = CreateUsers::split(request, &self.batch_limits().await?)?;
        let total = batches.len();
        let mut sent: Vec<SentBatch<UsersRequest>> = Vec::with_capacity(total);
        for (i, batch) in batches.into_iter().enumerate() {
            match self.create_batch(token, batch).await {
                Ok(Some(batch)) => sent.push(batch),
                Ok(None) => {}
                Err(error) if i == 0 => return Err(error),
                Err(error) => {
                    return Err(ClientError::PartlySent {
                        unsent: total - i,
                        sent: sent.into_iter().map(|s| s.event_id).collect(),
                        source: Box::new(error),
                    });
                }
            }
        }
        Ok(sent)
    }

    /// One batch of [`VppClient::create_users`]: read, then decide, after a failure.
    async fn create_batch(
        &self,
        token: &VppToken,
        mut batch: UsersRequest,
    ) -> Result<Option<SentBatch<UsersRequest>>, ClientError> {
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (error, failure) = match self
                .send_inner(&CreateUsers(batch.clone()), Some(token))
                .await
            {
                Ok(answer) => {
                    return Ok(Some(SentBatch {
                        request: batch,
                        event_id: answer.event_id,
                        event_type: CreateUsers::event_type(),
                    }));
                }
                Err(failed) => failed,
            };
            // As a read may be retried: only failures after which Apple may have applied
            // it, or refused it for now, within the policy's attempts and time.
            let delay = self.inner.retry.next_delay(
                attempts,
                failure,
                Replay::Safe,
                start.elapsed(),
                super::send::jitter(),
            );
            let Some(delay) = delay else {
                return Err(error);
            };
            tokio::time::sleep(delay).await;
            let mut missing = Vec::new();
            for user in &batch.users {
                let query = GetUsers::new().client_user_id(user.client_user_id.clone());
                let mut exists = false;
                self.for_each_page(token, &query, |page: SyncPage<VppUser>| {
                    exists |= page
                        .records
                        .iter()
                        .any(|u| u.client_user_id == user.client_user_id && u.is_active());
                    Ok::<_, std::convert::Infallible>(())
                })
                .await?;
                if !exists {
                    missing.push(user.clone());
                }
            }
            if missing.is_empty() {
                return Ok(None);
            }
            batch.users = missing;
        }
    }

    /// `POST users/update`, in batches of `maxUsers`.
    pub async fn update_users(
        &self,
        token: &VppToken,
        request: UsersRequest,
    ) -> Result<Vec<SentBatch<UsersRequest>>, ClientError> {
        self.send_batched::<UpdateUsers>(token, request).await
    }

    /// `POST users/retire` (their licenses are taken back), in batches of `maxUsers`.
    pub async fn retire_users(
        &self,
        token: &VppToken,
        request: UsersRequest,
    ) -> Result<Vec<SentBatch<UsersRequest>>, ClientError> {
        self.send_batched::<RetireUsers>(token, request).await
    }

    /// `GET status?eventId=`: how far an event has got, failures grouped by error number.
    /// Apple asks for at least 30 s between polls of one event.
    pub async fn event_status(
        &self,
        token: &VppToken,
        event_id: &EventId,
    ) -> Result<EventStatus, ClientError> {
        let answer = self
            .send(&GetEventStatus::new(event_id.clone()), Some(token))
            .await?;
        Ok(EventStatus::from_wire(&answer)?)
    }

    /// Polls the `status` of `events` every `poll` until none is pending or `wait` has
    /// passed, and returns the last status of each, in the order given (one still
    /// pending at the deadline shows [`EventStatus::is_pending`]).
    ///
    /// The first poll comes after `poll` (or at the deadline, if sooner); one last poll
    /// happens at the deadline. A `wait` too long for the clock (e.g. [`Duration::MAX`])
    /// means no deadline: polls go on until no event is pending. Use [`DEFAULT_POLL_INTERVAL`] (30 s, Apple's minimum)
    /// against Apple; shorter intervals are for simulators. Where notifications arrive,
    /// [`crate::events::EventTracker`] follows Apple's whole schedule instead.
    pub async fn wait_for_events(
        &self,
        token: &VppToken,
        events: &[EventId],
        poll: Duration,
        wait: Duration,
    ) -> Result<Vec<EventStatus>, ClientError> {
        // A wait too long for the clock (e.g. `Duration::MAX`) has no deadline.
        let deadline = Instant::now().checked_add(wait);
        let mut last: Vec<Option<EventStatus>> = vec![None; events.len()];
        loop {
            let now = Instant::now();
            let left = deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(now));
            tokio::time::sleep(poll.min(left)).await;
            for (event, status) in events.iter().zip(last.iter_mut()) {
                if status.as_ref().is_none_or(EventStatus::is_pending) {
                    *status = Some(self.event_status(token, event).await?);
                }
            }
            let pending = last.iter().flatten().any(EventStatus::is_pending);
            if !pending || deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(last.into_iter().flatten().collect());
            }
        }
    }

    /// Sends a [`BatchedWrite`]: splits `request` by Apple's limits
    /// ([`BatchedWrite::split`], with [`VppClient::batch_limits`]) and sends the batches
    /// one after the other, in order, each retried only as its endpoint's
    /// [`crate::api::Replay`] allows. One [`SentBatch`] per batch, in batch order.
    ///
    /// If a batch fails after others were sent: [`ClientError::PartlySent`] with their
    /// events. [`VppClient::associate`] and the other writes are this with their endpoint.
    pub async fn send_batched<E: BatchedWrite>(
        &self,
        token: &VppToken,
        request: E::Request,
    ) -> Result<Vec<SentBatch<E::Request>>, ClientError> {
        let batches = E::split(request, &self.batch_limits().await?)?;
        let total = batches.len();
        let mut sent: Vec<SentBatch<E::Request>> = Vec::with_capacity(total);
        for batch in batches {
            match self.send(&E::with_batch(batch.clone()), Some(token)).await {
                Ok(answer) => sent.push(SentBatch {
                    request: batch,
                    event_id: answer.event_id,
                    event_type: E::event_type(),
                }),
                Err(error) if sent.is_empty() => return Err(error),
                Err(error) => {
                    return Err(ClientError::PartlySent {
                        unsent: total - sent.len(),
                        sent: sent.into_iter().map(|s| s.event_id).collect(),
                        source: Box::new(error),
                    });
                }
            }
        }
        Ok(sent)
    }
}
