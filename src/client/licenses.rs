//! Licenses and users: the lists, the license and user writes and their events (see the
//! [client docs](super), "Licenses and users").

use std::time::{Duration, Instant};

use chrono::Utc;

use super::error::SendError;
use super::leasing::LeaseGuard;
use super::pages::SyncPage;
use super::send::Failed;
use super::sync_error::SyncError;
use super::vpp_client::VppClient;
use super::write_error::WriteError;
use crate::api::{
    Associate, BatchedWrite, CreateUsers, Disassociate, Failure, GetAssets, GetAssignments,
    GetEventStatus, GetUsers, Paged, Replay, RetireUsers, Revoke, UpdateUsers,
};
use crate::assets::{Asset, Assignment};
use crate::batching::BatchLimits;
use crate::events::{
    CreationOutcome, CreationPolicy, CreationStep, EventStatus, SendFailure, SentEvent,
    UserCreation,
};
use crate::ids::EventId;
use crate::paging::SyncOutcome;
use crate::shared::LeaseKind;
use crate::token::VppToken;
use crate::users::VppUser;
use crate::wire::{
    ErrorKind, ErrorNumber, EventAsset, EventType, LicensesRequest, RevokeRequest, UsersRequest,
};

/// Apple's shortest interval between two `status` polls of one event (30 s), the default
/// of [`super::LocationHandle::wait_for_events`].
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
    /// The event to follow ([`super::LocationHandle::event_status`], a notification, or
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

/// What [`super::LocationHandle::create_users`] did.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct UsersCreated {
    /// Batches Apple answered at once, in batch order: follow each event as any other.
    pub sent: Vec<SentBatch<UsersRequest>>,
    /// Batches whose answer was lost, followed by the client to their end (a
    /// [`UserCreation`]): which users have an active record now, which failed, and every
    /// event Apple answered for them.
    pub settled: Vec<CreationOutcome>,
}

impl UsersCreated {
    /// Every event Apple answered, in batch order.
    pub fn events(&self) -> impl Iterator<Item = &EventId> {
        self.sent
            .iter()
            .map(|s| &s.event_id)
            .chain(self.settled.iter().flat_map(|s| s.events.iter()))
    }
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

/// One page of [`super::LocationHandle::sync_location`]: a page of one of the location's three lists.
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

/// What [`super::LocationHandle::sync_location`] found: the outcome of each list (keep the
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
    /// [`super::LocationHandle::sync_location`] with the location's `token` (documented there).
    pub(crate) async fn sync_location<X>(
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
        let work = |lease: LeaseGuard| async move {
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

    /// [`super::LocationHandle::list_assets`] with the location's `token` (documented there).
    pub(crate) async fn list_assets<X>(
        &self,
        token: &VppToken,
        on_page: impl FnMut(SyncPage<Asset>) -> Result<(), X>,
    ) -> Result<SyncOutcome, SyncError<X>> {
        self.for_each_page(token, &GetAssets::new(), on_page).await
    }

    /// [`super::LocationHandle::sync_assignments`] with the location's `token` (documented there).
    pub(crate) async fn sync_assignments<X>(
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

    /// [`super::LocationHandle::sync_users`] with the location's `token` (documented there).
    pub(crate) async fn sync_users<X>(
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
    pub async fn batch_limits(&self) -> Result<BatchLimits, SendError> {
        Ok(BatchLimits::from(&self.service_config().await?.limits))
    }

    /// [`super::LocationHandle::associate`] with the location's `token` (documented there).
    pub(crate) async fn associate(
        &self,
        token: &VppToken,
        request: LicensesRequest,
    ) -> Result<Vec<SentBatch<LicensesRequest>>, WriteError> {
        self.send_batched::<Associate>(token, request).await
    }

    /// [`super::LocationHandle::disassociate`] with the location's `token` (documented there).
    pub(crate) async fn disassociate(
        &self,
        token: &VppToken,
        request: LicensesRequest,
    ) -> Result<Vec<SentBatch<LicensesRequest>>, WriteError> {
        self.send_batched::<Disassociate>(token, request).await
    }

    /// [`super::LocationHandle::revoke`] with the location's `token` (documented there).
    pub(crate) async fn revoke(
        &self,
        token: &VppToken,
        request: RevokeRequest,
    ) -> Result<Vec<SentBatch<RevokeRequest>>, WriteError> {
        self.send_batched::<Revoke>(token, request).await
    }

    /// [`super::LocationHandle::create_users`] with the location's `token` (documented there).
    pub(crate) async fn create_users(
        &self,
        token: &VppToken,
        request: UsersRequest,
    ) -> Result<UsersCreated, WriteError> {
        self.create_users_with(token, request, &CreationPolicy::default())
            .await
    }

    /// [`super::LocationHandle::create_users_with`] with the location's `token` (documented there).
    pub(crate) async fn create_users_with(
        &self,
        token: &VppToken,
        request: UsersRequest,
        policy: &CreationPolicy,
    ) -> Result<UsersCreated, WriteError> {
        let batches = CreateUsers::split(request, &self.batch_limits().await?)?;
        let total = batches.len();
        let mut done = UsersCreated::default();
        for (i, batch) in batches.into_iter().enumerate() {
            let result = match self
                .send_inner(&CreateUsers(batch.clone()), Some(token))
                .await
            {
                Ok(answer) => {
                    done.sent.push(SentBatch {
                        request: batch,
                        event_id: answer.event_id,
                        event_type: CreateUsers::event_type(),
                    });
                    Ok(())
                }
                Err(failed) => self
                    .settle_creation(token, batch, failed, policy)
                    .await
                    .map(|outcome| done.settled.push(outcome)),
            };
            if let Err(error) = result {
                let sent: Vec<EventId> = done
                    .sent
                    .into_iter()
                    .map(|s| s.event_id)
                    .chain(done.settled.into_iter().flat_map(|s| s.events))
                    .collect();
                if i == 0 && sent.is_empty() {
                    return Err(WriteError::Send(error));
                }
                return Err(WriteError::PartlySent {
                    unsent: total - i,
                    sent,
                    source: error,
                });
            }
        }
        Ok(done)
    }

    /// Drives a [`UserCreation`] for a batch whose first send failed with `first`.
    async fn settle_creation(
        &self,
        token: &VppToken,
        batch: UsersRequest,
        first: Failed,
        policy: &CreationPolicy,
    ) -> Result<CreationOutcome, SendError> {
        let start = Instant::now();
        let mut attempts = 1;
        let mut creation = UserCreation::new(batch, *policy, Utc::now());
        creation.on_send_failed_at(self.creation_failure(first, attempts, start)?, Utc::now());
        loop {
            let now = Utc::now();
            match creation.next_at(now) {
                CreationStep::Done(outcome) => return Ok(outcome),
                CreationStep::Wait { until } => {
                    tokio::time::sleep((until - now).to_std().unwrap_or_default()).await;
                }
                CreationStep::Send(users) => {
                    match self.send_inner(&CreateUsers(users), Some(token)).await {
                        Ok(answer) => creation.on_answer_at(answer.event_id, Utc::now()),
                        Err(failed) => {
                            attempts += 1;
                            let failure = self.creation_failure(failed, attempts, start)?;
                            creation.on_send_failed_at(failure, Utc::now());
                        }
                    }
                }
                CreationStep::Poll(event_id) => match self.event_status(token, &event_id).await {
                    Ok(status) => creation.on_status_at(&event_id, &status, Utc::now()),
                    Err(e) if e.apple().is_some_and(crate::events::is_event_not_found) => {
                        creation.on_event_not_found_at(&event_id, Utc::now());
                    }
                    Err(e) => return Err(e),
                },
                CreationStep::Read(users) => {
                    let active = self.active_users(token, &users).await?;
                    creation.on_read_at(&active, Utc::now());
                }
            }
        }
    }

    /// How a send of `users/create` failed, for [`UserCreation`]; the error itself when
    /// no send can help (a request Apple refused as invalid, one never sent, retries used
    /// up).
    fn creation_failure(
        &self,
        failed: Failed,
        attempts: u32,
        start: Instant,
    ) -> Result<SendFailure, SendError> {
        let failure = failed.failure();
        let error = failed.error;
        if error
            .apple()
            .is_some_and(|a| a.number == ErrorNumber::ClientUserIdExists)
        {
            return Ok(SendFailure::UserExists);
        }
        match failure {
            // Nothing reached Apple's records: send again as the retry policy allows.
            Failure::Connect
            | Failure::Response {
                kind: ErrorKind::RateLimited,
                ..
            } => {
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
                let retry_at = Utc::now()
                    + chrono::TimeDelta::from_std(delay).unwrap_or(chrono::TimeDelta::MAX);
                Ok(SendFailure::Refused { retry_at })
            }
            // Apple may have applied it.
            Failure::Timeout | Failure::Transport | Failure::BrokenAnswer => {
                Ok(SendFailure::Unsure)
            }
            Failure::Response { kind, .. } if kind.is_retryable() => Ok(SendFailure::Unsure),
            _ => Err(error),
        }
    }

    /// Which of `users` have an active record (`GET users?clientUserId=`, every page of
    /// each). Takes no lease: it reads single users, not the location's list.
    async fn active_users(
        &self,
        token: &VppToken,
        users: &[String],
    ) -> Result<Vec<String>, SendError> {
        let mut active = Vec::new();
        for id in users {
            let query = GetUsers::new().client_user_id(id.clone());
            let (mut index, mut exists) = (0, false);
            loop {
                let page = self.send_with(&query.at_page(index), Some(token)).await?;
                exists |= page.users.iter().any(|u| {
                    u.client_user_id.as_deref() == Some(id.as_str())
                        && u.status.as_ref().is_none_or(|s| s.is_active())
                });
                index += 1;
                if index >= page.paging.total_pages.unwrap_or(0) {
                    break;
                }
            }
            if exists {
                active.push(id.clone());
            }
        }
        Ok(active)
    }

    /// `POST users/update`, in batches of `maxUsers`.
    pub(crate) async fn update_users(
        &self,
        token: &VppToken,
        request: UsersRequest,
    ) -> Result<Vec<SentBatch<UsersRequest>>, WriteError> {
        self.send_batched::<UpdateUsers>(token, request).await
    }

    /// `POST users/retire` (their licenses are taken back), in batches of `maxUsers`.
    pub(crate) async fn retire_users(
        &self,
        token: &VppToken,
        request: UsersRequest,
    ) -> Result<Vec<SentBatch<UsersRequest>>, WriteError> {
        self.send_batched::<RetireUsers>(token, request).await
    }

    /// [`super::LocationHandle::event_status`] with the location's `token` (documented there).
    pub(crate) async fn event_status(
        &self,
        token: &VppToken,
        event_id: &EventId,
    ) -> Result<EventStatus, SendError> {
        let answer = self
            .send_with(&GetEventStatus::new(event_id.clone()), Some(token))
            .await?;
        Ok(EventStatus::from_wire(&answer)?)
    }

    /// [`super::LocationHandle::wait_for_events`] with the location's `token` (documented there).
    pub(crate) async fn wait_for_events(
        &self,
        token: &VppToken,
        events: &[EventId],
        poll: Duration,
        wait: Duration,
    ) -> Result<Vec<EventStatus>, SendError> {
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

    /// [`super::LocationHandle::send_batched`] with the location's `token` (documented there).
    pub(crate) async fn send_batched<E: BatchedWrite>(
        &self,
        token: &VppToken,
        request: E::Request,
    ) -> Result<Vec<SentBatch<E::Request>>, WriteError> {
        let batches = E::split(request, &self.batch_limits().await?)?;
        let total = batches.len();
        let mut sent: Vec<SentBatch<E::Request>> = Vec::with_capacity(total);
        for batch in batches {
            match self
                .send_with(&E::with_batch(batch.clone()), Some(token))
                .await
            {
                Ok(answer) => sent.push(SentBatch {
                    request: batch,
                    event_id: answer.event_id,
                    event_type: E::event_type(),
                }),
                Err(error) if sent.is_empty() => return Err(WriteError::Send(error)),
                Err(error) => {
                    return Err(WriteError::PartlySent {
                        unsent: total - sent.len(),
                        sent: sent.into_iter().map(|s| s.event_id).collect(),
                        source: error,
                    });
                }
            }
        }
        Ok(sent)
    }
}
