//! The reference MDM example (`examples/mdm`), run as a process (its built binary)
//! against the simulator: the `demo --json` contract with one and three replicas, its
//! exit codes, a replica killed mid-sync, a notification delivered to two replicas, and a
//! restart that continues incrementally.
#![cfg(all(feature = "client", feature = "redis"))]

use crate::common::redis_server;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use apple_vpp::notification::Mark;
use apple_vpp::redis::{RedisDeduper, RedisStore};
use apple_vpp::shared::NotificationDedup;
use apple_vpp_sim::{
    AssetSpec, AssignmentSpec, LocationSpec, RunningSimulator, Scenario, SimOptions, Simulator,
};
use redis_server::RedisServer;
use serde_json::Value;

const UID: &str = "981060278089131045";

/// The example's built binary (see `common::example_bin`).
fn binary() -> PathBuf {
    crate::common::example_bin::example_bin("mdm")
}

/// A fresh directory for one test's database and token.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "apple-vpp-mdm-test-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn mdm(args: Vec<String>) -> Output {
    let binary = binary();
    tokio::task::spawn_blocking(move || {
        Command::new(binary)
            .args(args)
            .output()
            .expect("the example runs")
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The demo's one JSON object, its keys checked in the contract's order.
fn report(out: &Output) -> Value {
    let text = stdout(out);
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    let keys = [
        "\"location\":{\"uid\":",
        "\"name\":",
        "\"claimed\":",
        "\"full_sync\":{\"assets\":",
        "\"assignments\":",
        "\"users\":",
        "\"passes\":",
        "\"complete\":",
        "\"incremental\":{\"changes\":",
        "\"assign\":{\"event_id\":",
        "\"completed\":",
        "\"failed\":",
        "\"catalog\":[",
        "\"db\":{\"assets\":",
        "\"apple\":{\"assets\":",
        "\"replicas\":",
    ];
    let mut at = 0;
    for key in keys {
        let found = text[at..]
            .find(key)
            .unwrap_or_else(|| panic!("{key} after byte {at}: {text}"));
        at += found + key.len();
    }
    serde_json::from_str(&text).expect("JSON")
}

fn counts(db: &Path) -> (i64, i64, i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let n = |t: &str| {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    (n("assets"), n("assignments"), n("users"))
}

fn assert_day(r: &Value, replicas: u64) {
    assert_eq!(r["location"]["uid"], UID);
    assert_eq!(r["location"]["name"], "Berlin Office");
    assert_eq!(r["full_sync"]["assets"], 3, "{r}");
    assert_eq!(r["full_sync"]["assignments"], 3, "{r}");
    assert_eq!(r["full_sync"]["users"], 2, "{r}");
    assert_eq!(r["full_sync"]["complete"], true);
    assert_eq!(r["incremental"]["changes"], 0);
    // Three devices and two users: five licenses of one app.
    assert_eq!(r["assign"]["completed"], 5, "{r}");
    assert_eq!(r["assign"]["failed"], 0);
    let catalog = r["catalog"].as_array().unwrap();
    let names: Vec<&str> = catalog
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Example Field Guide", "Pages", "Numbers"]);
    assert!(
        catalog
            .iter()
            .all(|c| c["artwork_url"].as_str().unwrap().contains("512x512"))
    );
    assert_eq!(
        r["db"],
        serde_json::json!({"assets": 3, "assignments": 8, "users": 2})
    );
    assert_eq!(r["db"], r["apple"]);
    assert_eq!(r["replicas"], replicas);
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_one_replica_twice_on_the_same_database() {
    let dir = scratch("one");
    let db = dir.join("mdm.sqlite3");
    let run = || mdm(args(&["--db", db.to_str().unwrap(), "demo", "--json"]));
    let first = run().await;
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let first = report(&first);
    assert_day(&first, 1);
    assert_eq!(first["claimed"], true);
    let after_first = counts(&db);
    assert_eq!(after_first, (3, 8, 2));

    let second = run().await;
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    assert_day(&report(&second), 1);
    assert_eq!(counts(&db), after_first, "a second day changes no count");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_three_replicas_on_redis() {
    let redis = RedisServer::start();
    let dir = scratch("three");
    let db = dir.join("mdm.sqlite3");
    let url = redis.url();
    let run = || {
        mdm(args(&[
            "--db",
            db.to_str().unwrap(),
            "--redis",
            &url,
            "--replicas",
            "3",
            "demo",
            "--json",
        ]))
    };
    let out = run().await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_day(&report(&out), 3);
    let out = run().await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_day(&report(&out), 3);
    assert_eq!(counts(&db), (3, 8, 2));
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_exit_codes() {
    let dir = scratch("codes");
    let db = dir.join("mdm.sqlite3");
    let db = db.to_str().unwrap();

    for bad in [
        args(&["--db", db, "--replicas", "9", "demo"]),
        args(&["--db", db, "--replicas", "0", "demo"]),
        args(&["--db", db, "demo", "--nonsense"]),
        args(&[
            "--db",
            db,
            "--base-url",
            "http://127.0.0.1:9/mdm/v2",
            "demo",
        ]),
        args(&["--db", db]),
        args(&[
            "--db",
            db,
            "--base-url",
            "http://127.0.0.1:9/mdm/v2",
            "--token",
            concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
            "demo",
        ]),
        args(&[
            "--db",
            db,
            "--base-url",
            "http://127.0.0.1:9/mdm/v2",
            "--token",
            "no/such/file",
            "demo",
        ]),
    ] {
        let out = mdm(bad.clone()).await;
        assert_eq!(code(&out), 2, "{bad:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
        assert!(stderr(&out).starts_with("mdm: "), "{}", stderr(&out));
    }

    // Another MDM's location: nothing is taken without consent.
    let out = mdm(args(&["--db", db, "--managed-elsewhere", "demo", "--json"])).await;
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("Example MDM"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--accept-takeover"));
    let out = mdm(args(&[
        "--db",
        db,
        "--managed-elsewhere",
        "--accept-takeover",
        "demo",
        "--json",
    ]))
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(report(&out)["claimed"], true);

    // A row moved to a location no sync owns: the database no longer equals Apple.
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    let moved = conn
        .execute("UPDATE assignments SET uid = 'corrupted' WHERE rowid = (SELECT min(rowid) FROM assignments)", [])
        .unwrap();
    assert_eq!(moved, 1);
    drop(conn);
    let out = mdm(args(&["--db", db, "demo", "--json"])).await;
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let r = report(&out);
    assert_eq!(r["db"]["assignments"], 9);
    assert_eq!(r["apple"]["assignments"], 8);
    assert!(stderr(&out).contains("disagree"), "{}", stderr(&out));
}

// ----- against a simulator of the test's own, as a separate service -----

/// A location with many licenses, paged by two, and its token written to a file.
async fn simulator(dir: &Path, licenses: usize) -> (RunningSimulator, PathBuf) {
    let mut berlin = LocationSpec::new(UID, "Berlin Office");
    berlin.country = "DE".into();
    berlin.assets = vec![
        AssetSpec::app("409203825", 100),
        AssetSpec::app("361309726", 100),
    ];
    berlin.assignments = (0..licenses)
        .map(|i| AssignmentSpec::device("361309726", &format!("C02FLEET{i:04}")))
        .collect();
    let scenario = Scenario {
        page_size: 2,
        event_delay_ms: 50,
        locations: vec![berlin],
        ..Scenario::empty()
    };
    let sim = Simulator::start(scenario, SimOptions::default())
        .await
        .unwrap();
    let token = dir.join("token.vpptoken");
    std::fs::write(&token, sim.token_file_content(UID).unwrap()).unwrap();
    (sim, token)
}

/// Neither the credential (the token file's content, or its inner token) nor the
/// notification secret appears in what the example printed.
fn assert_no_secret(out: &Output, token: &Path, db: &Path) {
    let file = std::fs::read_to_string(token).unwrap();
    let inner: apple_vpp::VppToken = file.parse().unwrap();
    let secrets = notification_secrets(db);
    for text in [stdout(out), stderr(out)] {
        for s in [file.trim(), inner.expose_inner_token()]
            .into_iter()
            .chain(secrets.iter().map(String::as_str))
        {
            assert!(!text.contains(s), "a secret was printed: {text}");
        }
    }
}

/// The notification secrets the example stored (newest first).
fn notification_secrets(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT secret FROM notification_secrets ORDER BY id DESC")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn page_fences(db: &Path) -> Vec<(i64, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT sync_run, fence FROM page_writes ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Kills the child on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A location after one whole day on a real Redis, with a short lease: the setting in which
/// a second replica takes the sync over from a first that died or paused.
struct Takeover {
    _redis: RedisServer,
    sim: RunningSimulator,
    token: PathBuf,
    db: PathBuf,
    base: Vec<String>,
    /// Apple's counts, from the day's report.
    apple: Value,
}

impl Takeover {
    async fn after_a_day(name: &str) -> Self {
        let redis = RedisServer::start();
        let dir = scratch(name);
        let (sim, token) = simulator(&dir, 40).await;
        let db = dir.join("mdm.sqlite3");
        let base = args(&[
            "--db",
            db.to_str().unwrap(),
            "--redis",
            &redis.url(),
            "--base-url",
            &sim.base_url(),
            "--token",
            token.to_str().unwrap(),
            "--lease-ttl-ms",
            "1500",
        ]);
        let day = mdm([base.clone(), args(&["demo", "--json"])].concat()).await;
        assert_eq!(code(&day), 0, "{}", stderr(&day));
        assert_no_secret(&day, &token, &db);
        let apple = report(&day)["apple"].clone();
        Self {
            _redis: redis,
            sim,
            token,
            db,
            base,
            apple,
        }
    }

    /// The shared arguments, then `extra`.
    fn args(&self, extra: &[&str]) -> Vec<String> {
        [self.base.clone(), args(extra)].concat()
    }

    /// Replica A, syncing in full with a pause before each page's write, once it has
    /// stored three pages.
    async fn slow_replica_with_pages(&self, stderr: Stdio) -> Running {
        let before = page_fences(&self.db).len();
        let a = Running(
            Command::new(binary())
                .args(self.args(&["--page-pause-ms", "300", "sync", "--full", "--json"]))
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .unwrap(),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while page_fences(&self.db).len() < before + 3 {
            assert!(Instant::now() < deadline, "replica A stored no pages");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        a
    }

    /// Replica B's full sync, which must succeed; its report.
    async fn sync_in_full(&self) -> Value {
        let b = mdm(self.args(&["sync", "--full", "--json"])).await;
        assert_eq!(code(&b), 0, "{}", stderr(&b));
        serde_json::from_str(&stdout(&b)).unwrap()
    }

    /// The database's counts are Apple's.
    fn assert_db_is_apples(&self) {
        let (assets, assignments, users) = counts(&self.db);
        assert_eq!(
            serde_json::json!({"assets": assets, "assignments": assignments, "users": users}),
            self.apple
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_killed_mid_sync_is_taken_over() {
    let t = Takeover::after_a_day("killed").await;

    // Replica A syncs slowly; it is killed after it stored a few pages.
    let mut a = t.slow_replica_with_pages(Stdio::null()).await;
    a.0.kill().unwrap();
    a.0.wait().unwrap();
    let a_pages = page_fences(&t.db);
    let (a_run, a_fence) = *a_pages.last().unwrap();

    // Replica B waits for the dead holder's lease to expire, then syncs in full.
    let b = t.sync_in_full().await;
    assert!(
        b["fence"].as_i64().unwrap() > a_fence,
        "B {b} after A's fence {a_fence}"
    );
    assert_eq!(b["complete"], true);

    // Fences never go down from one stored page to the next; A's run stopped where it was.
    let pages = page_fences(&t.db);
    assert!(pages.windows(2).all(|w| w[0].1 <= w[1].1), "{pages:?}");
    assert!(
        pages[a_pages.len()..]
            .iter()
            .all(|(run, fence)| *run != a_run && *fence > a_fence)
    );
    t.assert_db_is_apples();
    t.sim.shutdown().await;
}

fn signal(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_replica_writes_nothing_after_its_successor() {
    let t = Takeover::after_a_day("paused").await;

    // Replica A stops (SIGSTOP) mid-sync, past its lease's time to live.
    let mut a = t.slow_replica_with_pages(Stdio::piped()).await;
    signal(&a.0, "-STOP");
    let a_fence = page_fences(&t.db).last().unwrap().1;

    // Replica B takes the lease over and syncs in full; then A wakes up.
    let b = t.sync_in_full().await;
    let b_fence = b["fence"].as_i64().unwrap();
    assert!(b_fence > a_fence);
    let after_b = page_fences(&t.db).len();
    signal(&a.0, "-CONT");
    let a_out = tokio::task::spawn_blocking(move || {
        let child = std::mem::replace(&mut a.0, Command::new("true").spawn().unwrap());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(code(&a_out), 1, "A must stop: {}", stderr(&a_out));
    assert_no_secret(&a_out, &t.token, &t.db);
    let said = stderr(&a_out);
    assert!(said.contains("fence") || said.contains("lease"), "{said}");

    // Nothing A did after waking is stored; the database equals Apple.
    let pages = page_fences(&t.db);
    assert_eq!(pages.len(), after_b, "A wrote after B: {pages:?}");
    assert!(pages.windows(2).all(|w| w[0].1 <= w[1].1), "{pages:?}");
    t.assert_db_is_apples();
    t.sim.shutdown().await;
}

/// `mdm serve` as a process; its first stdout line says where it listens.
async fn serve(common: Vec<String>, listen: &str) -> (Running, String) {
    let mut a = common;
    a.extend(args(&["serve", "--listen", listen]));
    let mut child = Command::new(binary())
        .args(a)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_owned();
    (Running(child), url)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_delivered_to_two_replicas_is_recorded_once() {
    let redis = RedisServer::start();
    let dir = scratch("notify");
    let (sim, token) = simulator(&dir, 2).await;
    let db = dir.join("mdm.sqlite3");
    let common = args(&[
        "--db",
        db.to_str().unwrap(),
        "--redis",
        &redis.url(),
        "--base-url",
        &sim.base_url(),
        "--token",
        token.to_str().unwrap(),
    ]);
    let (_a, a) = serve(common.clone(), "127.0.0.1:0").await;
    let (_b, b) = serve(common, "127.0.0.1:0").await;
    let http = reqwest::Client::new();
    let up = http
        .post(format!("{a}/admin/token"))
        .body(std::fs::read_to_string(&token).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 200, "{}", up.text().await.unwrap());

    // The upload stored the location's secret for every replica before subscribing.
    let secrets = notification_secrets(&db);
    assert_eq!(secrets.len(), 1);
    let secret = secrets[0].clone();
    let body_of = |id: &str| {
        serde_json::json!({
            "notification": {"adamId": "409203825", "countDelta": 1, "pricingParam": "STDQ"},
            "notificationId": id,
            "notificationType": "ASSET_COUNT",
            "uId": UID,
        })
        .to_string()
    };
    let post_id = |url: String, auth: String, id: &str| {
        let http = http.clone();
        let body = body_of(id);
        async move {
            http.post(format!("{url}/vpp/notify"))
                .header("Authorization", auth)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let post = |url: String, auth: String| post_id(url, auth, "twice-delivered-1");
    let recorded = |id: &str| -> i64 {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM notifications WHERE notification_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    // Not Apple: refused, nothing recorded.
    assert_eq!(
        post(a.clone(), "Bearer not-the-secret-at-all-0000".into()).await,
        401
    );
    // The same notification to both replicas at once, then once more to each.
    // The same notification to both replicas at once: one handles it; the other finds
    // it handled (200) or being handled (503, and Apple sends it again). Then once more
    // to each.
    let bearer = format!("Bearer {secret}");
    let (x, y) = tokio::join!(
        post(a.clone(), bearer.clone()),
        post(b.clone(), bearer.clone())
    );
    assert!(x == 200 || y == 200, "{x} {y}");
    assert!([x, y].iter().all(|s| [200, 503].contains(s)), "{x} {y}");
    assert_eq!(post(b.clone(), bearer.clone()).await, 200);
    assert_eq!(post(a.clone(), bearer.clone()).await, 200);
    assert_eq!(recorded("twice-delivered-1"), 1);

    // The de-duplication is the replicas' SHARED store, not only the table's key: a
    // notification another replica is handling right now (marked in Redis, neither
    // confirmed nor released) is answered 503 and not recorded; once that replica
    // released it (its write failed), Apple's next delivery is handled; one another
    // replica handled (confirmed in Redis) is answered 200 and recorded by no one.
    let dedup = RedisDeduper::new(
        RedisStore::open(&redis.url()).unwrap(),
        Duration::from_secs(3600),
    );
    let Mark::First(held) = dedup.mark("held-elsewhere-1").await.unwrap() else {
        panic!("a fresh id is first")
    };
    assert_eq!(
        post_id(a.clone(), bearer.clone(), "held-elsewhere-1").await,
        503
    );
    assert_eq!(recorded("held-elsewhere-1"), 0);
    dedup.release("held-elsewhere-1", &held).await.unwrap();
    assert_eq!(
        post_id(b.clone(), bearer.clone(), "held-elsewhere-1").await,
        200
    );
    assert_eq!(recorded("held-elsewhere-1"), 1);
    let Mark::First(done) = dedup.mark("handled-elsewhere-1").await.unwrap() else {
        panic!("a fresh id is first")
    };
    dedup.confirm("handled-elsewhere-1", &done).await.unwrap();
    assert_eq!(
        post_id(a.clone(), bearer.clone(), "handled-elsewhere-1").await,
        200
    );
    assert_eq!(recorded("handled-elsewhere-1"), 0);

    let conn = rusqlite::Connection::open(&db).unwrap();
    let refused: i64 = conn
        .query_row(
            "SELECT count(*) FROM notifications WHERE type = 'ASSET_COUNT'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        refused, 2,
        "handled ones once; not the refused nor the one handled elsewhere"
    );

    // An assignment sent by replica B finishes on Apple's notification to replica A
    // (the address the upload subscribed): the event tracker lives in the database.
    let assigned: Value = http
        .post(format!("{b}/admin/assign"))
        .json(&serde_json::json!({"adam_id": "409203825", "serials": ["C02NOTIFY001", "C02NOTIFY002"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let event = assigned["event_ids"][0].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    let rows = loop {
        let rows: Vec<(String, String)> = {
            let mut stmt = conn
                .prepare(
                    "SELECT subject_id, result FROM events WHERE event_id = ?1 ORDER BY subject_id",
                )
                .unwrap();
            stmt.query_map([&event], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        if !rows.is_empty() || Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let done = |s: &str| (s.to_owned(), "succeeded".to_owned());
    assert_eq!(rows, [done("C02NOTIFY001"), done("C02NOTIFY002")]);
    let by: String = conn
        .query_row(
            "SELECT type FROM notifications WHERE event_id = ?1",
            [&event],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(by, "ASSET_MANAGEMENT");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_service_continues_incrementally() {
    let dir = scratch("restart");
    let (sim, token) = simulator(&dir, 4).await;
    let db = dir.join("mdm.sqlite3");
    let common = args(&[
        "--db",
        db.to_str().unwrap(),
        "--base-url",
        &sim.base_url(),
        "--token",
        token.to_str().unwrap(),
    ]);
    // One port for both runs: Apple keeps the notification URL of the upload.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let http = reqwest::Client::new();

    let (first, url) = serve(common.clone(), &listen).await;
    let up = http
        .post(format!("{url}/admin/token"))
        .body(std::fs::read_to_string(&token).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 200, "{}", up.text().await.unwrap());
    let full: Value = http
        .post(format!("{url}/admin/sync"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(full["full"], true, "{full}");
    assert_eq!(full["assignments"], 4);
    drop(first);

    let (_second, url) = serve(common, &listen).await;
    let assigned: Value = http
        .post(format!("{url}/admin/assign"))
        .json(&serde_json::json!({"adam_id": "409203825", "serials": ["C02RESTART01", "C02RESTART02"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        assigned["event_ids"].as_array().unwrap().len(),
        1,
        "{assigned}"
    );
    // The event runs after 50 ms; the incremental sync then brings the two new licenses.
    let deadline = Instant::now() + Duration::from_secs(20);
    let next = loop {
        let next: Value = http
            .post(format!("{url}/admin/sync"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if next["assignments"] == 2 || Instant::now() > deadline {
            break next;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(next["full"], false, "{next}");
    assert_eq!(next["assignments"], 2, "{next}");
    assert_eq!(counts(&db).1, 6);
    let catalog: Value = http
        .get(format!("{url}/admin/assets"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(catalog.as_array().unwrap().len(), 2, "{catalog}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_asked_for_while_another_runs_says_when_to_try_again() {
    let dir = scratch("retry");
    let (sim, token) = simulator(&dir, 40).await;
    let db = dir.join("mdm.sqlite3");
    let common = args(&[
        "--db",
        db.to_str().unwrap(),
        "--base-url",
        &sim.base_url(),
        "--token",
        token.to_str().unwrap(),
        "--lease-ttl-ms",
        "20000",
        "--page-pause-ms",
        "200",
    ]);
    let (_service, url) = serve(common, "127.0.0.1:0").await;
    let http = reqwest::Client::new();
    let up = http
        .post(format!("{url}/admin/token"))
        .body(std::fs::read_to_string(&token).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 200, "{}", up.text().await.unwrap());

    // A slow full sync holds the lease; a second one is refused, with when to retry.
    let first = tokio::spawn({
        let (http, url) = (http.clone(), url.clone());
        async move { http.post(format!("{url}/admin/sync")).send().await.unwrap() }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while page_fences(&db).is_empty() {
        assert!(Instant::now() < deadline, "the first sync stored no page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let second = http.post(format!("{url}/admin/sync")).send().await.unwrap();
    assert_eq!(second.status(), 409);
    let retry_after: u64 = second.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    let said: Value = second.json().await.unwrap();
    assert!(
        said["error"].as_str().unwrap().contains("unless renewed"),
        "{said}"
    );
    assert_eq!(first.await.unwrap().status(), 200);
    sim.shutdown().await;
}
