//! Executing events: license counting for associate / disassociate / revoke, and user
//! create / update / retire. Each item succeeds or fails on its own; failures are grouped
//! by error number and asset, as Apple's `failures[].errorInfo` lists them.

use serde_json::{Value, json};

use crate::apple::code;
use crate::assignments::{Assignment, Target};
use crate::model::{EventType, Failure, Location, User};

/// Items per notification (Apple: at most 100 elements in one notification).
const MAX_NOTIFICATION_ITEMS: usize = 100;

/// A user in a manage-users request.
#[derive(Debug, Clone)]
pub(crate) struct UserItem {
    pub client_user_id: String,
    pub email: Option<String>,
    pub managed_apple_id: Option<String>,
}

/// The work an event does once its delay is over.
#[derive(Debug, Clone)]
pub(crate) enum Job {
    Associate(Targets),
    Disassociate(Targets),
    Revoke {
        users: Vec<String>,
        serials: Vec<String>,
    },
    Users(EventType, Vec<UserItem>),
}

/// Assets and targets of an associate / disassociate request.
#[derive(Debug, Clone)]
pub(crate) struct Targets {
    pub assets: Vec<(String, String)>,
    pub users: Vec<String>,
    pub serials: Vec<String>,
}

impl Job {
    pub fn event_type(&self) -> EventType {
        match self {
            Job::Associate(_) => EventType::Associate,
            Job::Disassociate(_) => EventType::Disassociate,
            Job::Revoke { .. } => EventType::Revoke,
            Job::Users(t, _) => *t,
        }
    }

    /// `numRequested`: asset × target pairs, revoke targets, or users.
    pub fn num_requested(&self) -> u64 {
        let n = match self {
            Job::Associate(t) | Job::Disassociate(t) => {
                t.assets.len() * (t.users.len() + t.serials.len())
            }
            Job::Revoke { users, serials } => users.len() + serials.len(),
            Job::Users(_, u) => u.len(),
        };
        n as u64
    }
}

/// Collects failures, grouped by (error number, asset).
#[derive(Default)]
struct Failures(Vec<Failure>);

impl Failures {
    fn add(&mut self, number: u32, asset: Option<&(String, String)>, target: &Target) {
        let assets: Vec<(String, String)> = asset.into_iter().cloned().collect();
        let idx = match self
            .0
            .iter()
            .position(|f| f.number == number && f.assets == assets)
        {
            Some(i) => i,
            None => {
                self.0.push(Failure {
                    number,
                    assets,
                    ..Failure::default()
                });
                self.0.len() - 1
            }
        };
        match target {
            Target::User(u) => self.0[idx].client_user_ids.push(u.clone()),
            Target::Serial(s) => self.0[idx].serial_numbers.push(s.clone()),
        }
    }
    fn count(&self) -> u64 {
        self.0
            .iter()
            .map(|f| (f.client_user_ids.len() + f.serial_numbers.len()) as u64)
            .sum()
    }
}

fn all_targets(users: &[String], serials: &[String]) -> Vec<Target> {
    let u = users.iter().cloned().map(Target::User);
    u.chain(serials.iter().cloned().map(Target::Serial))
        .collect()
}

/// What running a job did: the records it touched (for the notifications), its failures,
/// and whether the location changed.
#[derive(Default)]
struct Outcome {
    changed: bool,
    failures: Failures,
    touched: Vec<Value>,
}

impl Outcome {
    fn touched(&mut self, record: Value) {
        self.touched.push(record);
        self.changed = true;
    }
}

/// Runs the job against the location, stores the outcome in the event and returns the
/// notifications it causes (type, payload); the caller filters by subscription.
pub(crate) fn run(loc: &mut Location, event_id: &str, job: &Job) -> Vec<(&'static str, Value)> {
    let version = loc.version + 1;
    let mut out = Outcome::default();
    match job {
        Job::Associate(t) => associate(loc, t, version, &mut out),
        Job::Disassociate(t) => disassociate(loc, t, &mut out),
        Job::Revoke { users, serials } => revoke(loc, users, serials, &mut out),
        Job::Users(kind, items) => run_users(loc, *kind, items, version, &mut out),
    }
    if out.changed {
        loc.version = version;
    }
    let first_error = record_outcome(loc, event_id, job, out.failures);
    notifications(job, event_id, out.touched, first_error)
}

/// Marks the event done with its counts and failures; returns the first error number.
fn record_outcome(
    loc: &mut Location,
    event_id: &str,
    job: &Job,
    failures: Failures,
) -> Option<u32> {
    let requested = job.num_requested();
    let failed = failures.count();
    let first_error = failures.0.first().map(|f| f.number);
    if let Some(ev) = loc.events.get_mut(event_id) {
        ev.done = true;
        ev.num_completed = requested.saturating_sub(failed);
        ev.failures = failures.0;
    }
    first_error
}

/// Why one (asset, target) pair cannot be associated, if it cannot. A pair that is already
/// associated succeeds again (idempotent).
fn associate_error(loc: &Location, ai: usize, target: &Target, held: bool) -> Option<u32> {
    match target {
        Target::Serial(_) if !loc.assets[ai].device_assignable => Some(code::NOT_DEVICE_ASSIGNABLE),
        Target::User(u) if loc.active_user(u).is_none() => Some(code::USER_NOT_FOUND),
        _ if held => None,
        _ if loc.assets[ai].available() == 0 => Some(code::NOT_ENOUGH_LICENSES),
        _ => None,
    }
}

/// Associate: one license per new (asset, target) pair.
fn associate(loc: &mut Location, t: &Targets, version: u64, out: &mut Outcome) {
    for asset_ref in &t.assets {
        let Some(ai) = loc.asset_index(&asset_ref.0, &asset_ref.1) else {
            unknown_asset(asset_ref, t, out);
            continue;
        };
        for target in all_targets(&t.users, &t.serials) {
            let held = loc
                .assignments
                .contains(&asset_ref.0, &asset_ref.1, &target);
            if let Some(number) = associate_error(loc, ai, &target, held) {
                // An unknown user is not about the asset: Apple's 9609 failures name the
                // users only ("Managing assets", "Handling error responses").
                let asset = (number != code::USER_NOT_FOUND).then_some(asset_ref);
                out.failures.add(number, asset, &target);
            } else if !held {
                let a = Assignment {
                    adam_id: asset_ref.0.clone(),
                    pricing_param: asset_ref.1.clone(),
                    target,
                    version,
                };
                out.touched(a.json());
                loc.assignments.push(a);
                loc.assets[ai].assigned += 1;
            }
        }
    }
}

/// Disassociate: returns the license of every existing (asset, target) pair.
fn disassociate(loc: &mut Location, t: &Targets, out: &mut Outcome) {
    for asset_ref in &t.assets {
        let Some(ai) = loc.asset_index(&asset_ref.0, &asset_ref.1) else {
            unknown_asset(asset_ref, t, out);
            continue;
        };
        for target in all_targets(&t.users, &t.serials) {
            if let Some(a) = loc.assignments.remove(&asset_ref.0, &asset_ref.1, &target) {
                loc.assets[ai].assigned = loc.assets[ai].assigned.saturating_sub(1);
                out.touched(a.json());
            }
        }
    }
}

/// An asset the location does not hold fails for every target (9610).
fn unknown_asset(asset_ref: &(String, String), t: &Targets, out: &mut Outcome) {
    for target in all_targets(&t.users, &t.serials) {
        out.failures
            .add(code::LICENSE_NOT_FOUND, Some(asset_ref), &target);
    }
}

/// Revoke: every revocable license of each target, counted in `retiredCount`.
fn revoke(loc: &mut Location, users: &[String], serials: &[String], out: &mut Outcome) {
    for target in all_targets(users, serials) {
        for a in loc.assignments.of_target(&target) {
            let Some(x) = loc.asset_index(&a.adam_id, &a.pricing_param) else {
                continue;
            };
            if !loc.assets[x].revocable {
                continue;
            }
            if let Some(a) = loc
                .assignments
                .remove(&a.adam_id, &a.pricing_param, &target)
            {
                loc.assets[x].assigned = loc.assets[x].assigned.saturating_sub(1);
                loc.assets[x].retired += 1;
                out.touched(a.json());
            }
        }
    }
}

/// User create / update / retire, item by item.
fn run_users(
    loc: &mut Location,
    kind: EventType,
    items: &[UserItem],
    version: u64,
    out: &mut Outcome,
) {
    for item in items {
        let target = Target::User(item.client_user_id.clone());
        match run_user(loc, kind, item, version) {
            Ok(Some(v)) => out.touched(v),
            Ok(None) => {}
            Err(number) => out.failures.add(number, None, &target),
        }
    }
}

/// One user item; `Ok(Some(record))` when something changed.
fn run_user(
    loc: &mut Location,
    kind: EventType,
    item: &UserItem,
    version: u64,
) -> Result<Option<Value>, u32> {
    match kind {
        EventType::Create => create_user(loc, item, version).map(Some),
        EventType::Update => update_user(loc, item, version).map(Some),
        _ => retire_user(loc, &item.client_user_id, version),
    }
}

/// Creates the user record of `item`.
fn create_user(loc: &mut Location, item: &UserItem, version: u64) -> Result<Value, u32> {
    let id = &item.client_user_id;
    // Apple keeps at most one active record per clientUserId and refuses a create
    // for one with 9716 ("Managing users",
    // https://developer.apple.com/documentation/devicemanagement/managing-users);
    // a retired one may be created again (a new record).
    if loc.active_user(id).is_some() {
        return Err(code::USER_EXISTS);
    }
    let user = User {
        client_user_id: id.clone(),
        email: item.email.clone(),
        managed_apple_id: item.managed_apple_id.clone(),
        retired: false,
        invite_code: loc.invite_code(id),
        id_hash: None,
        version,
    };
    let v = user.json();
    loc.add_user(user);
    Ok(v)
}

/// Updates the active record of `item`'s user with the fields it gives.
fn update_user(loc: &mut Location, item: &UserItem, version: u64) -> Result<Value, u32> {
    let i = loc
        .active_user(&item.client_user_id)
        .ok_or(code::USER_NOT_FOUND)?;
    let u = &mut loc.users[i];
    if item.email.is_some() {
        u.email = item.email.clone();
    }
    if item.managed_apple_id.is_some() {
        u.managed_apple_id = item.managed_apple_id.clone();
    }
    u.version = version;
    Ok(u.json())
}

/// Retires the active record of user `id` and takes back its licenses; `Ok(None)` for a
/// user already retired.
fn retire_user(loc: &mut Location, id: &str, version: u64) -> Result<Option<Value>, u32> {
    let Some(i) = loc.active_user(id) else {
        // Retiring an already retired user succeeds; an unknown one does not.
        return if loc.users.iter().any(|u| u.client_user_id == id) {
            Ok(None)
        } else {
            Err(code::USER_NOT_FOUND)
        };
    };
    loc.retire_user(i, version);
    let target = Target::User(id.to_owned());
    for a in loc.assignments.of_target(&target) {
        loc.assignments
            .remove(&a.adam_id, &a.pricing_param, &target);
        if let Some(x) = loc.asset_index(&a.adam_id, &a.pricing_param) {
            loc.assets[x].assigned = loc.assets[x].assigned.saturating_sub(1);
        }
    }
    Ok(Some(loc.users[i].json()))
}

/// The ASSET_MANAGEMENT / USER_MANAGEMENT notifications of an executed event, at most 100
/// records each. The records are the ones the event made, whatever the `result`: a
/// `FAILURE` lists what was done and carries the first error; which items failed is in the
/// status's `failures[].errorInfo` (as Apple presents these notifications in its WWDC21
/// session on the v2 API and its "Handling error responses" page:
/// <https://developer.apple.com/documentation/devicemanagement/handling-error-responses>).
fn notifications(
    job: &Job,
    event_id: &str,
    touched: Vec<Value>,
    first_error: Option<u32>,
) -> Vec<(&'static str, Value)> {
    let (typ, key) = match job {
        Job::Users(..) => ("USER_MANAGEMENT", "users"),
        _ => ("ASSET_MANAGEMENT", "assignments"),
    };
    let result = if first_error.is_some() {
        "FAILURE"
    } else {
        "SUCCESS"
    };
    let chunks: Vec<Vec<Value>> = if touched.is_empty() {
        vec![Vec::new()]
    } else {
        touched
            .chunks(MAX_NOTIFICATION_ITEMS)
            .map(<[Value]>::to_vec)
            .collect()
    };
    chunks
        .into_iter()
        .map(|records| {
            let mut v = json!({
                "eventId": event_id,
                "result": result,
                "type": job.event_type().as_str(),
            });
            v[key] = Value::Array(records);
            if let Some(n) = first_error {
                v["error"] = json!({"errorNumber": n, "errorMessage": crate::apple::message(n)});
            }
            (typ, v)
        })
        .collect()
}
