//! The simulator held to Apple's published answers (`tests/fixtures/apple/` at the
//! repository's root, sources in its `SOURCES.md`): for every endpoint and notification
//! with a sample, the simulator's answer has the same keys where Apple's sample has them and
//! the same JSON types, and nothing Apple's sample lacks beyond what Apple documents as
//! optional (listed below, with the page).

use crate::common;

use std::time::Duration;

use apple_vpp_sim::{AssetSpec, AssignmentSpec, LocationSpec, RunningSimulator, UserSpec};
use common::shape::{compare_shape, empty_lists, extra_keys};
use common::{Receiver, UID, get, post_json, start, token};
use serde_json::{Value, json};

// ---- the comparer ----

#[test]
fn the_comparer_names_the_path_and_both_types() {
    let apple = json!({"assets": [{"adamId": "408709785", "totalCount": 15000}]});
    let sim = json!({"assets": [{"adamId": 408709785, "totalCount": 15000}]});
    assert_eq!(
        compare_shape(&apple, &sim),
        ["assets[0].adamId: string in Apple's answer, number in the simulator's"]
    );
}

#[test]
fn the_comparer_reports_missing_and_extra_keys_at_any_depth() {
    let apple = json!({"mdmInfo": {"id": "a", "name": "b"}, "uId": "1"});
    let sim = json!({"mdmInfo": {"id": "a", "extra": true}, "uId": "1", "more": 1});
    assert_eq!(
        compare_shape(&apple, &sim),
        ["mdmInfo.name: in Apple's answer, missing from the simulator's"]
    );
    let mut extras = extra_keys(&apple, &sim);
    extras.sort();
    assert_eq!(
        extras,
        [
            "mdmInfo.extra: in the simulator's answer, not in Apple's",
            "more: in the simulator's answer, not in Apple's",
        ]
    );
}

#[test]
fn the_comparer_reads_an_id_map_as_entries_of_one_kind() {
    let apple = json!({"results": {"361309726": {"id": 361309726, "artwork": {"url": "u"}}}});
    let sim = json!({"results": {"1": {"id": "1", "artwork": [{"url": "u"}]}}});
    assert_eq!(
        compare_shape(&apple, &sim),
        [
            "results.<id>.artwork: object in Apple's answer, array in the simulator's",
            "results.<id>.id: number in Apple's answer, string in the simulator's",
        ]
    );
    assert_eq!(
        compare_shape(&json!([1]), &json!({"a": 1})),
        ["(the answer): array in Apple's answer, object in the simulator's"]
    );
}

#[test]
fn an_empty_simulator_list_is_listed_apart_and_null_is_only_apples_wildcard() {
    let apple = json!({"data": [{"id": "1"}], "results": {"1": {}}});
    let sim = json!({"data": [], "results": {}});
    assert!(compare_shape(&apple, &sim).is_empty());
    assert_eq!(
        empty_lists(&apple, &sim),
        [
            "data: empty in the simulator's answer, Apple's has elements to compare",
            "results: empty in the simulator's answer, Apple's has entries to compare",
        ]
    );
    assert_eq!(
        compare_shape(&json!({"a": 1}), &json!({"a": null})),
        ["a: number in Apple's answer, null in the simulator's"]
    );
}

#[test]
fn the_comparer_takes_apples_array_elements_together() {
    // Apple's elements: one device, one user assignment. A key only some have may be
    // left out; a key all have may not; types still count.
    let apple = json!({"assignments": [
        {"adamId": "1", "pricingParam": "STDQ", "serialNumber": "S"},
        {"adamId": "1", "pricingParam": "STDQ", "clientUserId": "U"},
    ]});
    let fine = json!({"assignments": [
        {"adamId": "2", "pricingParam": "STDQ", "clientUserId": "V"},
        {"adamId": "3", "pricingParam": "PLUS", "serialNumber": "T"},
    ]});
    assert!(compare_shape(&apple, &fine).is_empty());
    let wrong = json!({"assignments": [
        {"adamId": "2", "serialNumber": 7},
    ]});
    let mut got = compare_shape(&apple, &wrong);
    got.sort();
    assert_eq!(
        got,
        [
            "assignments[0].pricingParam: in Apple's answer, missing from the simulator's",
            "assignments[0].serialNumber: string in Apple's answer, number in the simulator's",
        ]
    );
    // Nothing to compare in an empty array; Apple's null matches anything.
    assert!(compare_shape(&json!({"a": [1], "b": null}), &json!({"a": [], "b": {}})).is_empty());
    assert_eq!(
        compare_shape(&json!({"a": [1]}), &json!({"a": {}})),
        ["a: array in Apple's answer, object in the simulator's"]
    );
}

// ---- the simulator against Apple's samples ----

/// One of Apple's samples, read as JSON. Apple elides records in two of them with a `...`
/// line: that line and the comma before it are dropped here (the file stays as printed).
fn apple(name: &str) -> Value {
    let path = format!(
        "{}/../tests/fixtures/apple/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.trim() == "..." {
            if let Some(last) = lines.last_mut() {
                if last.ends_with(',') {
                    last.pop();
                }
            }
            continue;
        }
        lines.push(line.to_owned());
    }
    serde_json::from_str(&lines.join("\n")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `mdmInfo` on every answer about a location: Apple asks MDMs to "inspect `MdmInfo` each
/// time a response returns"
/// (<https://developer.apple.com/documentation/devicemanagement/managing-apps-and-books-through-web-services>),
/// so it may come with any of them once set; Apple's list and event samples were printed
/// for an unclaimed location.
const LOCATION_ANSWER: &[&str] = &["mdmInfo"];

/// The differences of the simulator's answer from Apple's sample, each prefixed with the
/// sample's name, leaving out extra keys Apple documents (paths with `[]` for any index).
fn differences(sample: &str, sim: &Value, documented: &[&str]) -> Vec<String> {
    let apple = apple(sample);
    let mut all = compare_shape(&apple, sim);
    all.extend(extra_keys(&apple, sim));
    all.into_iter()
        .filter(|d| {
            let (path, what) = d.split_once(": ").unwrap_or((d, ""));
            let general = normalize(path);
            !(what.starts_with("in the simulator's answer") && documented.contains(&&*general))
        })
        .map(|d| format!("{sample}: {d}"))
        .collect()
}

/// `assets[3].adamId` → `assets[].adamId`.
fn normalize(path: &str) -> String {
    let mut out = String::new();
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

const APPS: [&str; 5] = [
    "408709785",
    "377298193",
    "361309726",
    "361304891",
    "361285480",
];
const SERIAL: &str = "443d8def-f14b-4422-9997-75c83f595c24";

/// A location like the one Apple's samples describe: five apps assigned to one device,
/// three users, and one app with a single license (for a 9709 failure).
fn scenario() -> apple_vpp_sim::Scenario {
    let mut location = LocationSpec::new(UID, "PS01");
    location.assets = APPS.iter().map(|a| AssetSpec::app(a, 15000)).collect();
    location.assets.push(AssetSpec::app("329103948", 1));
    location.users = ["client-101", "client-102", "client-103"]
        .iter()
        .map(|u| UserSpec {
            client_user_id: (*u).to_owned(),
            email: Some(format!("{u}@apple.com")),
            managed_apple_id: None,
        })
        .collect();
    location.assignments = APPS
        .iter()
        .map(|a| AssignmentSpec::device(a, SERIAL))
        .collect();
    apple_vpp_sim::Scenario {
        locations: vec![location],
        // Long enough that the status asked right after a write is still PENDING.
        event_delay_ms: 400,
        ..common::scenario()
    }
}

/// POSTs a write, checks its answer against `sample`, and answers the eventId.
async fn write(
    sim: &RunningSimulator,
    path: &str,
    body: Value,
    sample: &str,
    diffs: &mut Vec<String>,
) -> String {
    let (status, v) = post_json(sim, path, &token(sim), &body).await;
    assert_eq!(status, 200, "{path}: {v}");
    diffs.extend(differences(sample, &v, LOCATION_ANSWER));
    v["eventId"].as_str().expect("eventId").to_owned()
}

async fn status_of(sim: &RunningSimulator, event_id: &str) -> Value {
    get(
        sim,
        &format!("status?eventId={event_id}"),
        Some(&token(sim)),
    )
    .await
    .1
}

async fn settled(sim: &RunningSimulator, event_id: &str) -> Value {
    common::wait_event(sim, &token(sim), event_id).await
}

/// The notification of `typ` whose payload's `eventId` is `event_id`.
async fn notification_of(receiver: &Receiver, typ: &str, event_id: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while std::time::Instant::now() < deadline {
        if let Some(r) = receiver
            .of_type(typ)
            .into_iter()
            .find(|r| r.body["notification"]["eventId"] == event_id)
        {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "no {typ} notification for event {event_id}: {:?}",
        receiver.received()
    );
}

#[tokio::test]
async fn the_simulator_answers_every_endpoint_with_a_sample_as_apple_does() {
    let receiver = Receiver::start().await;
    let sim = start(scenario()).await;
    let t = token(&sim);
    let mut diffs: Vec<String> = Vec::new();

    // Configuration.
    let (_, v) = get(&sim, "service/config", None).await;
    diffs.extend(differences("v2/service_config.json", &v, &[]));
    let (status, v) = post_json(
        &sim,
        "client/config",
        &t,
        &json!({
            "mdmInfo": {"id": "522d5c43-44ca-4f7e-ba7a-53570cf60765", "name": "Apple Configurator 2", "metadata": "2.13.3"},
            "notificationAuthToken": "SUp3rS3Cr3t",
            "notificationUrl": receiver.url,
            "notificationTypes": ["ASSET_COUNT", "ASSET_MANAGEMENT", "USER_MANAGEMENT", "USER_ASSOCIATED"],
        }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    diffs.extend(differences("v2/client_config_post.json", &v, &[]));
    let (_, v) = get(&sim, "client/config", Some(&t)).await;
    diffs.extend(differences("v2/client_config_get.json", &v, &[]));
    let test = receiver.wait_for("TEST_NOTIFICATION", 1).await;
    diffs.extend(differences("notifications/test.json", &test[0].body, &[]));

    // Lists.
    let (_, v) = get(&sim, "assets", Some(&t)).await;
    diffs.extend(differences("v2/assets.json", &v, LOCATION_ANSWER));
    let (_, v) = get(&sim, "assignments", Some(&t)).await;
    assert_eq!(v["assignments"].as_array().map(Vec::len), Some(5), "{v}");
    diffs.extend(differences("v2/assignments.json", &v, LOCATION_ANSWER));

    // Users: create, update, retire; their statuses and notifications; then the list.
    let create = json!({"users": [{"clientUserId": "client-1", "email": "client-1@apple.com"}, {"clientUserId": "client-2", "email": "client-2@apple.com"}]});
    let id = write(
        &sim,
        "users/create",
        create,
        "v2/users_create.json",
        &mut diffs,
    )
    .await;
    let pending = status_of(&sim, &id).await;
    assert_eq!(pending["eventStatus"], "PENDING", "{pending}");
    diffs.extend(differences(
        "v2/status_pending_create.json",
        &pending,
        LOCATION_ANSWER,
    ));
    let done = settled(&sim, &id).await;
    assert_eq!(done["eventStatus"], "COMPLETE", "{done}");
    diffs.extend(differences(
        "v2/status_complete_create.json",
        &done,
        LOCATION_ANSWER,
    ));
    let n = notification_of(&receiver, "USER_MANAGEMENT", &id).await;
    diffs.extend(differences(
        "notifications/user_management_create.json",
        &n,
        &[],
    ));

    let update = json!({"users": [{"clientUserId": "client-1", "email": "client-3@apple.com"}]});
    let id = write(
        &sim,
        "users/update",
        update,
        "v2/users_update.json",
        &mut diffs,
    )
    .await;
    settled(&sim, &id).await;
    let n = notification_of(&receiver, "USER_MANAGEMENT", &id).await;
    diffs.extend(differences(
        "notifications/user_management_update.json",
        &n,
        &[],
    ));

    let retire = json!({"users": [{"clientUserId": "client-103"}]});
    let id = write(
        &sim,
        "users/retire",
        retire,
        "v2/users_retire.json",
        &mut diffs,
    )
    .await;
    settled(&sim, &id).await;
    let n = notification_of(&receiver, "USER_MANAGEMENT", &id).await;
    diffs.extend(differences(
        "notifications/user_management_retire.json",
        &n,
        &[],
    ));
    // client-101 accepts the invitation: USER_ASSOCIATED, and an Associated record.
    assert!(sim.accept_invitation(UID, "client-101"));
    let associated = receiver.wait_for("USER_ASSOCIATED", 1).await;
    diffs.extend(differences(
        "notifications/user_associated.json",
        &associated[0].body,
        &[],
    ));
    assert!(
        !sim.accept_invitation(UID, "client-101"),
        "already associated"
    );
    let (_, v) = get(&sim, "users", Some(&t)).await;
    assert!(
        v["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["status"] == "Associated" && u["idHash"].is_string()),
        "{v}"
    );
    // Apple's list example has no associated user; `idHash` is in Apple's user record
    // (https://developer.apple.com/documentation/devicemanagement/responseuser) "only
    // present when the user has an associated Apple Account".
    diffs.extend(differences(
        "v2/users.json",
        &v,
        &["mdmInfo", "users[].idHash"],
    ));
    assert!(
        v["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["status"] == "Retired"),
        "{v}"
    );

    // Licenses: associate (pending, complete), a failure, disassociate, revoke.
    let assoc = json!({"assets": [{"adamId": APPS[0], "pricingParam": "STDQ"}], "serialNumbers": ["serial-1", "serial-2"]});
    let id = write(
        &sim,
        "assets/associate",
        assoc,
        "v2/associate.json",
        &mut diffs,
    )
    .await;
    let pending = status_of(&sim, &id).await;
    assert_eq!(pending["eventStatus"], "PENDING", "{pending}");
    diffs.extend(differences(
        "v2/status_pending_associate.json",
        &pending,
        LOCATION_ANSWER,
    ));
    let done = settled(&sim, &id).await;
    assert_eq!(done["eventStatus"], "COMPLETE", "{done}");
    diffs.extend(differences(
        "v2/status_complete_associate.json",
        &done,
        LOCATION_ANSWER,
    ));
    let n = notification_of(&receiver, "ASSET_MANAGEMENT", &id).await;
    diffs.extend(differences(
        "notifications/asset_management_associate.json",
        &n,
        &[],
    ));

    let unknown_user = json!({"assets": [{"adamId": APPS[0], "pricingParam": "STDQ"}], "clientUserIds": ["client-101", "client-4"]});
    let id = write(
        &sim,
        "assets/associate",
        unknown_user,
        "v2/associate.json",
        &mut diffs,
    )
    .await;
    let failed = settled(&sim, &id).await;
    assert_eq!(failed["eventStatus"], "FAILED", "{failed}");
    assert_eq!(failed["failures"][0]["errorNumber"], 9609, "{failed}");
    diffs.extend(differences(
        "v2/status_failed_associate.json",
        &failed,
        LOCATION_ANSWER,
    ));
    diffs.extend(differences(
        "v2/status_failed_errors_page.json",
        &failed,
        LOCATION_ANSWER,
    ));

    let too_many = json!({"assets": [{"adamId": "329103948", "pricingParam": "STDQ"}], "serialNumbers": ["device1", "device2"]});
    let id = write(
        &sim,
        "assets/associate",
        too_many,
        "v2/associate.json",
        &mut diffs,
    )
    .await;
    settled(&sim, &id).await;
    let failure = receiver.of_type("ASSET_MANAGEMENT").into_iter().find(|r| {
        r.body["notification"]["eventId"] == id.as_str()
            && r.body["notification"]["result"] == "FAILURE"
    });
    match failure {
        Some(n) => diffs.extend(differences(
            "notifications/asset_management_failure.json",
            &n.body,
            &[],
        )),
        None => {
            let n = notification_of(&receiver, "ASSET_MANAGEMENT", &id).await;
            diffs.push(format!(
                "notifications/asset_management_failure.json: no FAILURE notification for a 9709 event: {n}"
            ));
        }
    }

    let dis = json!({"assets": [{"adamId": APPS[0], "pricingParam": "STDQ"}], "clientUserIds": ["client-101"]});
    let id = write(
        &sim,
        "assets/disassociate",
        dis,
        "v2/disassociate.json",
        &mut diffs,
    )
    .await;
    settled(&sim, &id).await;
    let n = notification_of(&receiver, "ASSET_MANAGEMENT", &id).await;
    diffs.extend(differences(
        "notifications/asset_management_disassociate.json",
        &n,
        &[],
    ));

    let give = json!({"assets": [{"adamId": APPS[0], "pricingParam": "STDQ"}, {"adamId": APPS[1], "pricingParam": "STDQ"}], "clientUserIds": ["client-102"]});
    let id = write(
        &sim,
        "assets/associate",
        give,
        "v2/associate.json",
        &mut diffs,
    )
    .await;
    settled(&sim, &id).await;
    let revoke = json!({"clientUserIds": ["client-102"]});
    let id = write(&sim, "assets/revoke", revoke, "v2/revoke.json", &mut diffs).await;
    settled(&sim, &id).await;
    let n = notification_of(&receiver, "ASSET_MANAGEMENT", &id).await;
    diffs.extend(differences(
        "notifications/asset_management_revoke.json",
        &n,
        &[],
    ));

    // A purchase: ASSET_COUNT.
    assert!(sim.set_asset_total(UID, APPS[0], "STDQ", 15012));
    let counts = receiver.wait_for("ASSET_COUNT", 1).await;
    diffs.extend(differences(
        "notifications/asset_count.json",
        &counts[0].body,
        &[],
    ));

    // A synchronous error: an HTTP method the endpoint does not take.
    let r = common::client()
        .delete(format!("{}/assets", sim.base_url()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errorNumber"], 9726, "{v}");
    diffs.extend(differences("v2/error_9726.json", &v, &[]));

    // Legacy v1: VPPClientConfigSrv for a location token.
    let r = common::client()
        .post(format!("{}VPPClientConfigSrv", sim.v1_base_url()))
        .json(&json!({"sToken": t}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    // `tokenExpDate` comes within 15 days of expiry only; Apple's samples are far from it.
    diffs.extend(differences("v1/client_config.json", &v, &["tokenExpDate"]));

    sim.shutdown().await;
    assert!(
        diffs.is_empty(),
        "the simulator differs from Apple's samples:\n{}",
        diffs.join("\n")
    );
}
