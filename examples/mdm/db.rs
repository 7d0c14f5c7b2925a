//! The database: SQLite in WAL mode (readers never wait for the writer, and every
//! replica's connection sees the others' commits), the schema of `schema.sql`, and the
//! writes a sync makes, each one transaction that checks the lease's fence.

use std::path::Path;
use std::time::Duration;

use apple_vpp::chrono::{SecondsFormat, Utc};
use apple_vpp::client::SyncPage;
use apple_vpp::events::{EventOutcome, EventTracker};
use apple_vpp::{Asset, Assignment, VppAccount, VppUser};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

const SCHEMA: &str = include_str!("schema.sql");

/// What went wrong with the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// SQLite itself.
    #[error("the database failed ({0}); check the --db file and its directory")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value could not be read back.
    #[error(
        "a stored {what} could not be read ({reason}); restore the database or upload the token again"
    )]
    Stored { what: &'static str, reason: String },
    /// The page carries an older fence than one already stored: another replica took the
    /// lease over since, and this write was refused.
    #[error(
        "a write with lease fence {fence} was refused: fence {stored} is stored, another replica synced since; nothing was written, the sync stopped"
    )]
    StaleFence { fence: u64, stored: u64 },
    /// A sync page came without a lease fence (a client without a lease store).
    #[error(
        "a sync page without a lease fence was refused; give the client a lease store (in-process or Redis)"
    )]
    Unfenced,
    /// No such location.
    #[error("no location {uid} in the database; upload its token first")]
    NoLocation { uid: String },
}

/// One connection (each replica opens its own).
pub struct Db {
    conn: Connection,
}

/// Rows of the three lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub assets: u64,
    pub assignments: u64,
    pub users: u64,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Db {
    /// Opens (creating) the database and applies the migrations it lacks.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrate(&mut conn)?;
        Ok(Self { conn })
    }

    /// A setting, generated with `make` at its first use (the same on every replica).
    pub fn setting(&mut self, key: &str, make: impl FnOnce() -> String) -> Result<String, DbError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<String> = tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?;
        let value = match found {
            Some(value) => value,
            None => {
                let value = make();
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                    params![key, value],
                )?;
                value
            }
        };
        tx.commit()?;
        Ok(value)
    }

    /// Stores an uploaded account; a location seen before keeps its cursors and fence.
    pub fn store_account(&mut self, account: &VppAccount) -> Result<(), DbError> {
        let json = serde_json::to_string(account).map_err(|e| DbError::Stored {
            what: "account",
            reason: e.to_string(),
        })?;
        let location = account.location();
        self.conn.execute(
            "INSERT INTO locations (uid, name, account) VALUES (?1, ?2, ?3)
             ON CONFLICT (uid) DO UPDATE SET name = excluded.name, account = excluded.account",
            params![location.uid, location.name, json],
        )?;
        Ok(())
    }

    /// The stored account of `uid`.
    pub fn account(&self, uid: &str) -> Result<VppAccount, DbError> {
        let json: String = self
            .conn
            .query_row("SELECT account FROM locations WHERE uid = ?1", [uid], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| DbError::NoLocation {
                uid: uid.to_owned(),
            })?;
        serde_json::from_str(&json).map_err(|e| DbError::Stored {
            what: "account",
            reason: e.to_string(),
        })
    }

    /// The only location, when there is exactly one (the example manages one at a time).
    pub fn single_location(&self) -> Result<Option<String>, DbError> {
        let mut stmt = self
            .conn
            .prepare("SELECT uid FROM locations ORDER BY uid LIMIT 2")?;
        let uids: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(if uids.len() == 1 {
            uids.into_iter().next()
        } else {
            None
        })
    }

    /// The incremental cursors (`None`: sync in full).
    pub fn cursors(&self, uid: &str) -> Result<(Option<String>, Option<String>), DbError> {
        Ok(self.conn.query_row(
            "SELECT assignments_cursor, users_cursor FROM locations WHERE uid = ?1",
            [uid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Forgets every event and notification and the event tracker: the built-in
    /// simulator numbers its events and notifications from 1 again at each start, so
    /// what an earlier one sent must not be taken for what this one sends.
    pub fn forget_simulated_events(&mut self) -> Result<(), DbError> {
        self.conn.execute_batch(
            "BEGIN IMMEDIATE; DELETE FROM events; DELETE FROM notifications;
             UPDATE locations SET tracker = NULL; COMMIT;",
        )?;
        Ok(())
    }

    /// Starts a sync run under `fence` (refused when a larger fence is stored).
    pub fn begin_run(&mut self, uid: &str, fence: u64, full: bool) -> Result<i64, DbError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_fence(&tx, uid, fence)?;
        tx.execute(
            "INSERT INTO sync_runs (uid, fence, full, started_at) VALUES (?1, ?2, ?3, ?4)",
            params![uid, fence as i64, full, now()],
        )?;
        let run = tx.last_insert_rowid();
        tx.commit()?;
        Ok(run)
    }

    /// Stores one page of a sync, in one transaction with the check of the page's
    /// fence (the lease the sync runs under, [`SyncPage::fence`]).
    pub fn write_page<T: Row>(
        &mut self,
        uid: &str,
        run: i64,
        page: &SyncPage<T>,
    ) -> Result<(), DbError> {
        let fence = page.fence.ok_or(DbError::Unfenced)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_fence(&tx, uid, fence)?;
        for record in &page.records {
            record.upsert(&tx, uid, run, page.pass)?;
        }
        tx.execute(
            "INSERT INTO page_writes (sync_run, list, page_index, pass, fence, records)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                run,
                T::LIST,
                page.index,
                page.pass,
                fence as i64,
                page.records.len() as i64
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Ends a sync run: the new cursors, and for each list synced in full and completely
    /// (its final pass given) the rows that run did not show are deleted.
    pub fn finish_run(&mut self, end: &RunEnd<'_>) -> Result<(), DbError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_fence(&tx, end.uid, end.fence)?;
        for (table, pass) in end.delete_unseen {
            // Rows from earlier runs, and from this run's abandoned passes. Rows written
            // by events after the run started carry a later pass and stay.
            tx.execute(
                &format!("DELETE FROM {table} WHERE uid = ?1 AND (seen_run < ?2 OR (seen_run = ?2 AND seen_pass < ?3))"),
                params![end.uid, end.run, pass],
            )?;
        }
        tx.execute(
            "UPDATE locations SET assignments_cursor = coalesce(?2, assignments_cursor),
                                  users_cursor = coalesce(?3, users_cursor) WHERE uid = ?1",
            params![end.uid, end.assignments_cursor, end.users_cursor],
        )?;
        tx.execute(
            "UPDATE sync_runs SET finished_at = ?2, complete = ?3 WHERE id = ?1",
            params![end.run, now(), end.complete],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The last finished run's id (0 when none).
    pub fn last_finished_run(&self, uid: &str, full: bool) -> Result<i64, DbError> {
        Ok(self.conn.query_row(
            "SELECT coalesce(max(id), 0) FROM sync_runs WHERE uid = ?1 AND full = ?2 AND finished_at IS NOT NULL",
            params![uid, full],
            |r| r.get(0),
        )?)
    }

    /// Rows of the three lists in the whole file.
    pub fn counts(&self) -> Result<Counts, DbError> {
        let count = |table: &str| -> Result<u64, DbError> {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            Ok(n as u64)
        };
        Ok(Counts {
            assets: count("assets")?,
            assignments: count("assignments")?,
            users: count("users")?,
        })
    }

    /// A device-assignable app with the most licenses available: `(adamId, pricing)`.
    pub fn app_to_assign(&self, uid: &str) -> Result<Option<(String, String)>, DbError> {
        Ok(self
            .conn
            .query_row(
                "SELECT adam_id, pricing_param FROM assets WHERE uid = ?1 AND device_assignable = 1
                 AND coalesce(product_type, 'App') = 'App' ORDER BY available DESC, adam_id LIMIT 1",
                [uid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Up to `n` client user ids of active users.
    pub fn active_users(&self, uid: &str, n: usize) -> Result<Vec<String>, DbError> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT client_user_id FROM users WHERE uid = ?1
             AND coalesce(status, 'Registered') IN ('Registered', 'Associated') ORDER BY client_user_id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![uid, n as i64], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a notification once and, through `apply`, what it changed, in one
    /// transaction. `false` (and nothing changed) when this notification id was recorded
    /// before.
    pub fn record_notification(
        &mut self,
        id: &str,
        uid: Option<&str>,
        kind: &str,
        event_id: Option<&str>,
        apply: impl FnOnce(&mut EventTracker) -> Vec<EventOutcome>,
    ) -> Result<bool, DbError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT INTO notifications (notification_id, uid, type, event_id, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            params![id, uid, kind, event_id, now()],
        )?;
        if inserted == 0 {
            return Ok(false); // handled before, by this replica or another
        }
        let known = match uid {
            Some(uid) => tx
                .query_row("SELECT 1 FROM locations WHERE uid = ?1", [uid], |_| Ok(()))
                .optional()?
                .map(|()| uid),
            None => None,
        };
        if let Some(uid) = known {
            let mut tracker = Db::tracker_in(&tx, uid)?;
            for outcome in apply(&mut tracker) {
                store_outcome(&tx, uid, &outcome)?;
            }
            save_tracker(&tx, uid, &tracker)?;
        }
        tx.commit()?;
        Ok(true)
    }

    fn tracker_in(tx: &Transaction<'_>, uid: &str) -> Result<EventTracker, DbError> {
        let json: Option<String> =
            tx.query_row("SELECT tracker FROM locations WHERE uid = ?1", [uid], |r| {
                r.get(0)
            })?;
        match json {
            None => Ok(EventTracker::new(Default::default())),
            Some(json) => serde_json::from_str(&json).map_err(|e| DbError::Stored {
                what: "event tracker",
                reason: e.to_string(),
            }),
        }
    }

    /// Changes the tracker of `uid` with `change` and stores the events it finished, in
    /// one transaction: a notification handled by another replica meanwhile is not lost.
    pub fn update_tracker(
        &mut self,
        uid: &str,
        change: impl FnOnce(&mut EventTracker) -> Vec<EventOutcome>,
    ) -> Result<(), DbError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut tracker = Db::tracker_in(&tx, uid)?;
        for outcome in change(&mut tracker) {
            store_outcome(&tx, uid, &outcome)?;
        }
        save_tracker(&tx, uid, &tracker)?;
        tx.commit()?;
        Ok(())
    }

    /// The tracker of `uid` and its version (see `shared.rs`).
    pub fn load_tracker(&mut self, uid: &str) -> Result<(EventTracker, u64), DbError> {
        let tx = self.conn.transaction()?;
        let tracker = Db::tracker_in(&tx, uid)?;
        let version: i64 = tx.query_row(
            "SELECT tracker_version FROM locations WHERE uid = ?1",
            [uid],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok((tracker, version as u64))
    }

    /// Writes the tracker of `uid` only if its stored version is still `version`
    /// (compare and set); `false`, nothing written, when another writer came first.
    pub fn save_tracker_over(
        &mut self,
        uid: &str,
        tracker: &EventTracker,
        version: u64,
    ) -> Result<bool, DbError> {
        let changed = self.conn.execute(
            "UPDATE locations SET tracker = ?2, tracker_version = tracker_version + 1
             WHERE uid = ?1 AND tracker_version = ?3",
            params![uid, tracker_json(tracker)?, version as i64],
        )?;
        Ok(changed == 1)
    }

    /// Stores the outcomes of finished events, each in full or not at all, in one
    /// transaction (storing one again changes nothing).
    pub fn store_outcomes(&mut self, uid: &str, outcomes: &[EventOutcome]) -> Result<(), DbError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for outcome in outcomes {
            store_outcome(&tx, uid, outcome)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores `secret` as the newest notification secret of `uid`, keeping the one
    /// before it.
    pub fn put_secret(&mut self, uid: &str, secret: &str) -> Result<(), DbError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO notification_secrets (uid, secret) VALUES (?1, ?2)",
            params![uid, secret],
        )?;
        tx.execute(
            "DELETE FROM notification_secrets WHERE uid = ?1 AND id NOT IN
             (SELECT id FROM notification_secrets WHERE uid = ?1 ORDER BY id DESC LIMIT 2)",
            [uid],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The notification secrets of `uid`, newest first (at most two).
    pub fn secrets(&self, uid: &str) -> Result<Vec<String>, DbError> {
        let mut stmt = self.conn.prepare(
            "SELECT secret FROM notification_secrets WHERE uid = ?1 ORDER BY id DESC LIMIT 2",
        )?;
        let rows = stmt.query_map([uid], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// `(succeeded, failed)` licenses of `event_id`, once its outcome is stored.
    pub fn event_result(&self, uid: &str, event_id: &str) -> Result<Option<(u64, u64)>, DbError> {
        let (total, ok, failed): (i64, i64, i64) = self.conn.query_row(
            "SELECT count(*), coalesce(sum(result = 'succeeded'), 0), coalesce(sum(result = 'failed'), 0)
             FROM events WHERE uid = ?1 AND event_id = ?2",
            params![uid, event_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok((total > 0).then_some((ok as u64, failed as u64)))
    }

    /// Stores an asset's name and icon.
    pub fn set_metadata(
        &mut self,
        uid: &str,
        adam_id: &str,
        name: Option<&str>,
        artwork: Option<&str>,
    ) -> Result<(), DbError> {
        self.conn.execute(
            "UPDATE assets SET name = ?3, artwork_url = ?4 WHERE uid = ?1 AND adam_id = ?2",
            params![uid, adam_id, name, artwork],
        )?;
        Ok(())
    }

    /// The catalog: every asset with its name and icon, by adamId.
    pub fn catalog(&self, uid: &str) -> Result<Vec<CatalogRow>, DbError> {
        let mut stmt = self.conn.prepare(
            "SELECT adam_id, name, artwork_url, product_type, available, total FROM assets
             WHERE uid = ?1 ORDER BY adam_id, pricing_param",
        )?;
        let rows = stmt.query_map([uid], |r| {
            Ok(CatalogRow {
                adam_id: r.get(0)?,
                name: r.get(1)?,
                artwork_url: r.get(2)?,
                product_type: r.get(3)?,
                available: r.get(4)?,
                total: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// One asset of the catalog screen.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CatalogRow {
    pub adam_id: String,
    pub name: Option<String>,
    pub artwork_url: Option<String>,
    pub product_type: Option<String>,
    pub available: i64,
    pub total: i64,
}

/// How a sync run ends (see [`Db::finish_run`]).
pub struct RunEnd<'a> {
    pub uid: &'a str,
    pub run: i64,
    pub fence: u64,
    pub complete: bool,
    pub assignments_cursor: Option<&'a str>,
    pub users_cursor: Option<&'a str>,
    /// `(table, final pass)` of each list whose rows not shown are to be deleted.
    pub delete_unseen: &'a [(&'static str, u32)],
}

/// THE FENCE CHECK. Raises the stored fence to `fence`, or refuses the transaction when
/// a larger one is stored (a replica that lost its lease while paused must not
/// overwrite what its successor wrote).
fn check_fence(tx: &Transaction<'_>, uid: &str, fence: u64) -> Result<(), DbError> {
    let changed = tx.execute(
        "UPDATE locations SET fence = ?2 WHERE uid = ?1 AND fence <= ?2",
        params![uid, fence as i64],
    )?;
    if changed == 1 {
        return Ok(());
    }
    let stored: Option<i64> = tx
        .query_row("SELECT fence FROM locations WHERE uid = ?1", [uid], |r| {
            r.get(0)
        })
        .optional()?;
    match stored {
        Some(stored) => Err(DbError::StaleFence {
            fence,
            stored: stored as u64,
        }),
        None => Err(DbError::NoLocation {
            uid: uid.to_owned(),
        }),
    }
}

/// Writes the tracker and raises its version (see [`Db::save_tracker_over`]).
fn save_tracker(conn: &Connection, uid: &str, tracker: &EventTracker) -> Result<(), DbError> {
    conn.execute(
        "UPDATE locations SET tracker = ?2, tracker_version = tracker_version + 1 WHERE uid = ?1",
        params![uid, tracker_json(tracker)?],
    )?;
    Ok(())
}

fn tracker_json(tracker: &EventTracker) -> Result<String, DbError> {
    serde_json::to_string(tracker).map_err(|e| DbError::Stored {
        what: "event tracker",
        reason: e.to_string(),
    })
}

/// One row per license of a finished event; an assignment made or taken back is applied
/// to `assignments` at once (the next full sync confirms it).
fn store_outcome(tx: &Transaction<'_>, uid: &str, outcome: &EventOutcome) -> Result<(), DbError> {
    let kind = outcome.event_type.as_str().to_owned();
    let at = outcome
        .completed
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    for one in &outcome.assignments {
        let (adam, pricing) = match &one.asset {
            Some(asset) => (
                asset.adam_id.as_str().to_owned(),
                asset
                    .pricing_param
                    .as_ref()
                    .map_or("STDQ", |p| p.as_str())
                    .to_owned(),
            ),
            None => (String::new(), String::new()),
        };
        let subject_kind = one.subject.kind();
        let subject_id = one.subject.id().to_owned();
        let serial = one.subject.serial_number().unwrap_or_default().to_owned();
        let user = one.subject.client_user_id().unwrap_or_default().to_owned();
        let result = one.result.as_str();
        let error = one.result.error().map(|e| i64::from(e.code()));
        let message = one.result.message().map(str::to_owned);
        tx.execute(
            "INSERT OR REPLACE INTO events (uid, event_id, event_type, adam_id, pricing_param, subject_kind,
             subject_id, result, error_number, message, completed_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
            params![uid, outcome.event_id.as_str(), kind, adam, pricing, subject_kind, subject_id, result, error, message, at],
        )?;
        if result != "succeeded" || adam.is_empty() {
            continue;
        }
        match kind.as_str() {
            "ASSOCIATE" => {
                // The latest run, and a pass no sync reaches: kept by a sync running now.
                tx.execute(
                    "INSERT INTO assignments (uid, adam_id, pricing_param, serial_number, client_user_id, seen_run, seen_pass)
                     VALUES (?1, ?2, ?3, ?4, ?5, (SELECT coalesce(max(id), 0) FROM sync_runs), ?6)
                     ON CONFLICT DO NOTHING",
                    params![uid, adam, pricing, serial, user, i64::from(u32::MAX)],
                )?;
            }
            "DISASSOCIATE" => {
                tx.execute(
                    "DELETE FROM assignments WHERE uid = ?1 AND adam_id = ?2 AND pricing_param = ?3
                     AND serial_number = ?4 AND client_user_id = ?5",
                    params![uid, adam, pricing, serial, user],
                )?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (number, sql) in migrations() {
        if number <= current {
            continue;
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another replica may have applied it while this one waited for the lock.
        let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if number > now {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", number)?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// `(N, sql)` for each section of the schema file that starts with a line
/// `-- migration N`, in order.
fn migrations() -> Vec<(i64, &'static str)> {
    const MARK: &str = "\n-- migration ";
    let mut out = Vec::new();
    let mut rest = SCHEMA;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        let line_end = after.find('\n').unwrap_or(after.len());
        let number: i64 = after[..line_end]
            .trim()
            .parse()
            .expect("schema.sql: a migration number");
        let body = &after[line_end..];
        let end = body.find(MARK).unwrap_or(body.len());
        out.push((number, &body[..end]));
        rest = &body[end..];
    }
    out
}

/// A record of one of Apple's lists, as a row.
pub trait Row {
    /// The list's name in `page_writes`.
    const LIST: &'static str;
    /// Inserts or updates the row, marking it seen by `run` and `pass`.
    fn upsert(&self, tx: &Transaction<'_>, uid: &str, run: i64, pass: u32) -> Result<(), DbError>;
}

impl Row for Asset {
    const LIST: &'static str = "assets";
    fn upsert(&self, tx: &Transaction<'_>, uid: &str, run: i64, pass: u32) -> Result<(), DbError> {
        tx.execute(
            "INSERT INTO assets (uid, adam_id, pricing_param, product_type, assigned, available, retired, total,
             device_assignable, revocable, seen_run, seen_pass) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)
             ON CONFLICT (uid, adam_id, pricing_param) DO UPDATE SET product_type = excluded.product_type,
             assigned = excluded.assigned, available = excluded.available, retired = excluded.retired,
             total = excluded.total, device_assignable = excluded.device_assignable,
             revocable = excluded.revocable, seen_run = excluded.seen_run, seen_pass = excluded.seen_pass",
            params![
                uid,
                self.adam_id.as_str(),
                self.pricing_param.as_str(),
                self.product_type.as_ref().map(|p| p.as_str().to_owned()),
                self.assigned as i64,
                self.available as i64,
                self.retired as i64,
                self.total as i64,
                self.device_assignable,
                self.revocable,
                run,
                pass
            ],
        )?;
        Ok(())
    }
}

impl Row for Assignment {
    const LIST: &'static str = "assignments";
    fn upsert(&self, tx: &Transaction<'_>, uid: &str, run: i64, pass: u32) -> Result<(), DbError> {
        let serial = self.target.serial_number().unwrap_or_default();
        let user = self.target.client_user_id().unwrap_or_default();
        tx.execute(
            "INSERT INTO assignments (uid, adam_id, pricing_param, serial_number, client_user_id, seen_run, seen_pass)
             VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT DO UPDATE SET seen_run = excluded.seen_run,
             seen_pass = excluded.seen_pass",
            params![uid, self.adam_id.as_str(), self.pricing_param.as_str(), serial, user, run, pass],
        )?;
        Ok(())
    }
}

impl Row for VppUser {
    const LIST: &'static str = "users";
    fn upsert(&self, tx: &Transaction<'_>, uid: &str, run: i64, pass: u32) -> Result<(), DbError> {
        let record = self
            .invite_code
            .as_deref()
            .or(self.id_hash.as_deref())
            .unwrap_or_default();
        tx.execute(
            "INSERT INTO users (uid, client_user_id, record, email, status, invite_code, id_hash, seen_run, seen_pass)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9) ON CONFLICT DO UPDATE SET email = excluded.email,
             status = excluded.status, invite_code = excluded.invite_code, id_hash = excluded.id_hash,
             seen_run = excluded.seen_run, seen_pass = excluded.seen_pass",
            params![
                uid,
                self.client_user_id,
                record,
                self.email,
                self.status.as_ref().map(|s| s.as_str().to_owned()),
                self.invite_code,
                self.id_hash,
                run,
                pass
            ],
        )?;
        Ok(())
    }
}
