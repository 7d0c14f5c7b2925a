//! `demo`: the integrator's whole day, against the given service or the built-in
//! simulator: upload → configure → full sync → incremental sync → assign one app to a
//! batch of devices and users and follow the event to its end → catalog with metadata;
//! then the database's counts against Apple's.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::task::JoinSet;

use crate::app::{Mdm, MdmError};
use crate::db::Counts;
use crate::sync::SyncReport;

/// The demo's serial numbers (Apple accepts unknown ones).
pub const SERIALS: [&str; 3] = ["MDMDEMO00001", "MDMDEMO00002", "MDMDEMO00003"];

/// The one JSON object `demo --json` prints (keys in this order).
#[derive(Debug, Serialize)]
pub struct Report {
    pub location: LocationOut,
    pub claimed: bool,
    pub full_sync: FullSyncOut,
    pub incremental: IncrementalOut,
    pub assign: AssignOut,
    pub catalog: Vec<CatalogOut>,
    pub db: Counts,
    pub apple: Counts,
    pub replicas: u32,
}

#[derive(Debug, Serialize)]
pub struct LocationOut {
    pub uid: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct FullSyncOut {
    pub assets: u64,
    pub assignments: u64,
    pub users: u64,
    pub passes: u32,
    pub complete: bool,
}

#[derive(Debug, Serialize)]
pub struct IncrementalOut {
    pub changes: u64,
}

#[derive(Debug, Serialize)]
pub struct AssignOut {
    pub event_id: String,
    pub completed: u64,
    pub failed: u64,
}

#[derive(Debug, Serialize)]
pub struct CatalogOut {
    pub adam_id: String,
    pub name: Option<String>,
    pub artwork_url: Option<String>,
}

/// Runs the day on `replicas` (the first also serves HTTP for Apple's notifications).
pub async fn run(
    replicas: &[Arc<Mdm>],
    token_file: &str,
    accept_takeover: bool,
) -> Result<Report, MdmError> {
    let front = &replicas[0];
    crate::service::start(front.clone(), "127.0.0.1:0").await?;

    let uploaded = front.upload(token_file, accept_takeover).await?;
    let uid = uploaded.uid.clone();

    let full = compete(replicas, &uid, true).await?;
    let incremental = compete(replicas, &uid, false).await?;

    let (adam_id, pricing) = front.db()?.app_to_assign(&uid)?.ok_or_else(|| {
        MdmError::Other("the location has no device-assignable app to assign".into())
    })?;
    let users = front.db()?.active_users(&uid, 2)?;
    let serials = SERIALS.iter().map(|s| (*s).to_owned()).collect();
    let events = front
        .assign(&uid, &adam_id, &pricing, serials, users)
        .await?;
    let (completed, failed) = front
        .follow(&uid, &events, Duration::from_secs(600))
        .await?;

    let catalog = front
        .describe(&uid)
        .await?
        .into_iter()
        .map(|row| CatalogOut {
            adam_id: row.adam_id,
            name: row.name,
            artwork_url: row.artwork_url,
        })
        .collect();
    let db = front.db()?.counts()?;
    let apple = front.apple_counts(&uid).await?;
    Ok(Report {
        location: LocationOut {
            uid,
            name: uploaded.name,
        },
        claimed: uploaded.claimed,
        full_sync: FullSyncOut {
            assets: full.assets,
            assignments: full.assignments,
            users: full.users,
            passes: full.passes,
            complete: full.complete,
        },
        incremental: IncrementalOut {
            changes: incremental.assignments + incremental.users,
        },
        assign: AssignOut {
            event_id: events
                .first()
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default(),
            completed,
            failed,
        },
        catalog,
        db,
        apple,
        replicas: replicas.len() as u32,
    })
}

/// Every replica tries to run the sync unit; the one that gets the lease runs it, the
/// others wait until it is done (a sync finished after they started is theirs too).
async fn compete(replicas: &[Arc<Mdm>], uid: &str, full: bool) -> Result<SyncReport, MdmError> {
    let before = replicas[0].db()?.last_finished_run(uid, full)?;
    let mut tasks = JoinSet::new();
    for replica in replicas {
        let replica = replica.clone();
        let uid = uid.to_owned();
        tasks.spawn(async move {
            loop {
                if replica.db()?.last_finished_run(&uid, full)? > before {
                    return Ok(None);
                }
                match replica.sync(&uid, full).await {
                    Ok(report) => return Ok(Some(report)),
                    Err(e) if e.is_lease_held() => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(e) => return Err(e),
                }
            }
        });
    }
    let mut report = None;
    while let Some(done) = tasks.join_next().await {
        let done: Result<Option<SyncReport>, MdmError> =
            done.map_err(|e| MdmError::Other(format!("a replica task failed: {e}")))?;
        if let Some(r) = done? {
            report = Some(r);
        }
    }
    report.ok_or_else(|| MdmError::Other("no replica ran the sync; run it again".into()))
}
