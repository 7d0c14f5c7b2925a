//! What an MDM acts on after an asynchronous request, sans-IO: outcomes per (asset,
//! device or user), what a `FAILURE` notification means, the status it makes due, late
//! and early notifications, and a schedule that never panics or loses sub-seconds.

use std::time::Duration;

use apple_vpp::events::{
    AssignmentResult, CompletedBy, EventStatus, EventTracker, Ignored, Next, SentEvent, Subject,
    TrackerPolicy, Update,
};
use apple_vpp::notification::{self, NotificationDeduper};
use apple_vpp::wire::{EventAsset, EventType, PricingParam};
use apple_vpp::{EventId, Notification};
use chrono::{DateTime, TimeDelta, Utc};

const APP_A: &str = "400000001";
const APP_B: &str = "400000003";

fn t0() -> DateTime<Utc> {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

fn at(seconds: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(seconds)
}

fn id(s: &str) -> EventId {
    EventId::new(s)
}

fn serial(s: &str) -> Subject {
    Subject::Serial(s.into())
}

fn user(s: &str) -> Subject {
    Subject::User(s.into())
}

const SERIALS: [&str; 5] = ["C1", "C2", "C3", "C4", "C5"];
const USERS: [&str; 3] = ["u-001", "u-002", "u-003"];

/// Two apps to five devices and three users: 16 licenses.
fn associate(event: &str) -> SentEvent {
    SentEvent::new(event, EventType::Associate, "req")
        .with_serial_numbers(SERIALS)
        .with_client_user_ids(USERS)
        .with_assets([
            EventAsset::new(APP_A, Some(PricingParam::Stdq)),
            EventAsset::new(APP_B, Some(PricingParam::Stdq)),
        ])
}

/// An ASSET_MANAGEMENT notification for `event` listing `(adamId, subject)` licenses.
fn asset_notification(event: &str, items: &[(&str, Subject)], result: &str) -> Notification {
    let assignments: Vec<String> = items
        .iter()
        .map(|(adam, s)| {
            let who = match s {
                Subject::Serial(x) => format!(r#""serialNumber":"{x}""#),
                Subject::User(x) => format!(r#""clientUserId":"{x}""#),
                other => panic!("{other:?}"),
            };
            format!(r#"{{"adamId":"{adam}","pricingParam":"STDQ",{who}}}"#)
        })
        .collect();
    let error = if result == "FAILURE" {
        r#","error":{"errorNumber":9709,"errorMessage":"Not enough licenses."}"#
    } else {
        ""
    };
    let body = format!(
        r#"{{"notification":{{"assignments":[{}],"eventId":"{event}","result":"{result}","type":"ASSOCIATE"{error}}},"notificationId":"n-{event}-{}-{result}","notificationType":"ASSET_MANAGEMENT","uId":"1"}}"#,
        assignments.join(","),
        items.len()
    );
    notification::decode(body.as_bytes()).unwrap()
}

fn status(json: &str) -> EventStatus {
    EventStatus::from_response(200, json.as_bytes()).unwrap()
}

/// The 10 licenses Apple made: app A for all eight, app B for u-001 and u-002.
fn made() -> Vec<(&'static str, Subject)> {
    let mut made: Vec<(&str, Subject)> = SERIALS.iter().map(|s| (APP_A, serial(s))).collect();
    made.extend(USERS.iter().map(|u| (APP_A, user(u))));
    made.push((APP_B, user("u-001")));
    made.push((APP_B, user("u-002")));
    made
}

/// FAILED, 10 of 16, one 9709 for app B on C1..C5 and u-003.
fn failed_status() -> EventStatus {
    status(
        r#"{"eventStatus":"FAILED","eventType":"ASSOCIATE","numCompleted":10,"numRequested":16,
        "failures":[{"errorNumber":9709,"errorMessage":"Not enough licenses.",
        "errorInfo":{"assets":[{"adamId":"400000003","pricingParam":"STDQ"}],
        "clientUserIds":["u-003"],"serialNumbers":["C1","C2","C3","C4","C5"]}}]}"#,
    )
}

fn assert_attributed_per_license(o: &apple_vpp::events::EventOutcome) {
    assert_eq!(o.succeeded, vec![user("u-001"), user("u-002")]);
    let failed: Vec<&Subject> = o.failed.iter().map(|f| &f.subject).collect();
    let expected: Vec<Subject> = SERIALS
        .iter()
        .map(|s| serial(s))
        .chain([user("u-003")])
        .collect();
    assert_eq!(failed, expected.iter().collect::<Vec<_>>());
    for f in &o.failed {
        assert_eq!(f.error.map(|e| e.code()), Some(9709));
        let assets: Vec<&str> = f.assets.iter().map(|a| a.adam_id.as_str()).collect();
        assert_eq!(assets, [APP_B], "only app B failed for {:?}", f.subject);
    }
    assert!(o.unknown.is_empty() && o.unattributed.is_empty());
    assert_eq!(o.assignments.len(), 16);
    for s in expected.iter().chain([&user("u-001"), &user("u-002")]) {
        assert_eq!(
            o.assignment(Some(APP_A), s),
            Some(&AssignmentResult::Succeeded),
            "app A for {s:?}"
        );
    }
    for s in &expected {
        assert!(
            matches!(
                o.assignment(Some(APP_B), s),
                Some(AssignmentResult::Failed { error: Some(e), .. }) if e.code() == 9709
            ),
            "app B for {s:?}"
        );
    }
    for u in ["u-001", "u-002"] {
        assert_eq!(
            o.assignment(Some(APP_B), &user(u)),
            Some(&AssignmentResult::Succeeded)
        );
    }
}

#[test]
fn a_failure_is_attributed_only_to_the_licenses_apple_names() {
    let mut t = EventTracker::default();
    t.track_at(associate("ev"), t0()).unwrap();
    // Apple's FAILURE notification lists the 10 licenses it made.
    let u = t.on_notification_at(&asset_notification("ev", &made(), "FAILURE"), at(20));
    assert_eq!(
        u,
        Update::Progress {
            event_id: id("ev"),
            reported: 10,
            expected: 16
        }
    );
    let Update::Completed(o) = t.on_status_at(&id("ev"), &failed_status(), at(21)) else {
        panic!("the status finishes the event")
    };
    assert_eq!(o.completed_by, CompletedBy::Status);
    assert_attributed_per_license(&o);
}

#[test]
fn the_status_alone_is_attributed_per_license_too() {
    let mut t = EventTracker::default();
    t.track_at(associate("ev"), t0()).unwrap();
    let Update::Completed(o) = t.on_status_at(&id("ev"), &failed_status(), at(301)) else {
        panic!()
    };
    assert_attributed_per_license(&o);
}

#[test]
fn outcome_rows_flatten_with_a_key_per_license_and_text_without_a_match() {
    let mut t = EventTracker::default();
    t.track_at(associate("ev"), t0()).unwrap();
    let Update::Completed(o) = t.on_status_at(&id("ev"), &failed_status(), at(21)) else {
        panic!("the status finishes the event")
    };
    let keys: std::collections::BTreeSet<String> =
        o.assignments.iter().map(|a| a.key().to_string()).collect();
    assert_eq!(keys.len(), 16, "one key per license: {keys:?}");
    assert!(keys.contains("400000003 serial C1"), "{keys:?}");
    assert!(keys.contains("400000001 user u-003"), "{keys:?}");
    for a in &o.assignments {
        // The row's text is the JSON form's, so stored rows and JSON agree.
        let json = serde_json::to_value(&a.result).unwrap();
        assert_eq!(json["result"], a.result.as_str(), "{a:?}");
        assert_eq!(a.result.to_string(), a.result.as_str());
        assert_eq!(a.key().adam_id.as_deref(), a.adam_id());
        assert_eq!(
            a.subject.to_string(),
            format!("{} {}", a.subject.kind(), a.subject.id())
        );
        let failed = a.result.as_str() == "failed";
        assert_eq!(a.result.error().map(|e| e.code()), failed.then_some(9709));
        assert_eq!(a.result.message(), failed.then_some("Not enough licenses."));
    }
    let c1 = serial("C1");
    assert_eq!(
        (c1.kind(), c1.id(), c1.serial_number()),
        ("serial", "C1", Some("C1"))
    );
    assert_eq!(c1.client_user_id(), None);
    assert_eq!(user("u-001").to_string(), "user u-001");
    assert_eq!(user("u-001").client_user_id(), Some("u-001"));
    assert_eq!(o.completed_by.to_string(), "status");
    let json = serde_json::to_value(CompletedBy::GaveUp).unwrap();
    assert_eq!(json, CompletedBy::GaveUp.as_str());
}

/// One app to `n` devices.
fn associate_many(event: &str, n: usize) -> SentEvent {
    SentEvent::new(event, EventType::Associate, "req")
        .with_serial_numbers((0..n).map(|i| format!("S{i:05}")))
        .with_assets([EventAsset::new(APP_A, Some(PricingParam::Stdq))])
}

#[test]
fn a_large_event_is_summed_up_per_device_whatever_the_failures_name() {
    const N: usize = 3_000;
    // Apple names every device but the first among the failures, twice (two parts).
    let named: Vec<String> = (1..N).map(|i| format!(r#""S{i:05}""#)).collect();
    let part = format!(
        r#"{{"errorNumber":9709,"errorMessage":"Not enough licenses.","errorInfo":{{"assets":[{{"adamId":"{APP_A}","pricingParam":"STDQ"}}],"serialNumbers":[{}]}}}}"#,
        named.join(",")
    );
    let json = format!(
        r#"{{"eventStatus":"FAILED","eventType":"ASSOCIATE","numCompleted":1,"numRequested":{N},"failures":[{part},{part}]}}"#
    );
    let mut t = EventTracker::default();
    t.track_at(associate_many("ev", N), t0()).unwrap();
    let Update::Completed(o) = t.on_status_at(&id("ev"), &status(&json), at(21)) else {
        panic!("the status finishes the event")
    };
    assert_eq!(o.succeeded, vec![serial("S00000")]);
    assert_eq!(o.failed.len(), N - 1);
    assert!(
        o.failed
            .iter()
            .all(|f| f.assets.len() == 1 && f.error.is_some())
    );
    assert_eq!(o.assignments.len(), N);
    // Giving up on another such event: every device unknown, none lost or doubled.
    t.track_at(associate_many("ev2", N), t0()).unwrap();
    let o = t.give_up_at(&id("ev2"), at(30)).unwrap();
    assert_eq!(
        (o.unknown.len(), o.succeeded.len(), o.failed.len()),
        (N, 0, 0)
    );
}

#[test]
fn a_failure_notification_makes_the_status_due_at_once() {
    let mut t = EventTracker::default();
    t.track_at(associate("ev"), t0()).unwrap();
    t.on_notification_at(&asset_notification("ev", &made(), "FAILURE"), at(20));
    // Not the 5-minute notification grace: the status is due now.
    assert_eq!(t.next_at(&id("ev"), at(20)), Some(Next::Poll(id("ev"))));
    assert_eq!(t.due_at(at(20)), vec![Next::Poll(id("ev"))]);
    assert_eq!(t.next_wake_at(at(20)), Some(at(20)));
    // Apple still finishing: the next poll follows the 30-second poll interval.
    let pending = status(r#"{"eventStatus":"PENDING","numCompleted":10,"numRequested":16}"#);
    assert_eq!(
        t.on_status_at(&id("ev"), &pending, at(21)),
        Update::StillPending(id("ev"))
    );
    assert_eq!(
        t.next_at(&id("ev"), at(21)),
        Some(Next::Wait { until: at(51) })
    );
}

#[test]
fn a_failure_notification_covering_every_license_still_waits_for_the_status() {
    let mut t = EventTracker::default();
    t.track_at(associate("ev"), t0()).unwrap();
    let every: Vec<(&str, Subject)> = [APP_A, APP_B]
        .iter()
        .flat_map(|a| {
            SERIALS
                .iter()
                .map(|s| serial(s))
                .chain(USERS.iter().map(|u| user(u)))
                .map(move |s| (*a, s))
        })
        .collect();
    let u = t.on_notification_at(&asset_notification("ev", &every, "FAILURE"), at(20));
    assert!(matches!(u, Update::Progress { .. }), "not finished: {u:?}");
    assert_eq!(t.next_at(&id("ev"), at(20)), Some(Next::Poll(id("ev"))));
    let Update::Completed(o) = t.on_status_at(&id("ev"), &failed_status(), at(21)) else {
        panic!()
    };
    // The status's per-item failures are what the outcome says.
    assert_eq!(o.failed.len(), 6);
    assert!(o.failure_for(&serial("C3")).is_some());
}

#[test]
fn a_success_notification_naming_nobody_still_completes_the_whole_request() {
    let mut t = EventTracker::default();
    t.track_at(associate("ev"), t0()).unwrap();
    let Update::Completed(o) =
        t.on_notification_at(&asset_notification("ev", &[], "SUCCESS"), at(20))
    else {
        panic!()
    };
    assert!(o.is_success());
    assert_eq!(o.completed_by, CompletedBy::Notification);
}

#[test]
fn a_late_failure_for_a_replaced_send_does_not_finish_the_request() {
    let mut t = EventTracker::default();
    let sent = SentEvent::new("old", EventType::Revoke, "req").with_serial_numbers(["A", "B"]);
    t.track_at(sent, t0()).unwrap();
    t.resent_at(&id("old"), id("new"), at(600)).unwrap();
    let late = asset_notification("old", &[], "FAILURE");
    assert_eq!(
        t.on_notification_at(&late, at(610)),
        Update::Ignored(Ignored::Superseded(id("old")))
    );
    // The request follows the new send: nothing is due before its own grace.
    assert_eq!(
        t.next_at(&id("new"), at(610)),
        Some(Next::Wait { until: at(900) })
    );
    let body = r#"{"notification":{"assignments":[],"eventId":"new","result":"SUCCESS","type":"REVOKE"},"notificationId":"n2","notificationType":"ASSET_MANAGEMENT","uId":"1"}"#;
    let done = notification::decode(body.as_bytes()).unwrap();
    let Update::Completed(o) = t.on_notification_at(&done, at(620)) else {
        panic!()
    };
    assert!(o.failed.is_empty(), "{o:?}");
    assert_eq!(o.succeeded, vec![serial("A"), serial("B")]);
    assert_eq!(o.superseded_failures.len(), 1);
    assert_eq!(o.superseded_failures[0].event_id, id("old"));
    assert_eq!(o.superseded_failures[0].error.map(|e| e.code()), Some(9709));
}

#[test]
fn a_late_success_for_a_replaced_send_still_counts() {
    let mut t = EventTracker::default();
    let sent = SentEvent::new("old", EventType::Revoke, "req").with_serial_numbers(["A"]);
    t.track_at(sent, t0()).unwrap();
    t.resent_at(&id("old"), id("new"), at(600)).unwrap();
    let body = r#"{"notification":{"assignments":[],"eventId":"old","result":"SUCCESS","type":"REVOKE"},"notificationId":"n1","notificationType":"ASSET_MANAGEMENT","uId":"1"}"#;
    let late = notification::decode(body.as_bytes()).unwrap();
    assert!(matches!(
        t.on_notification_at(&late, at(610)),
        Update::Completed(o) if o.is_success()
    ));
}

#[test]
fn a_notification_that_beats_track_at_is_applied_when_the_event_is_tracked() {
    let mut t = EventTracker::default();
    let early = asset_notification("ev", &[], "SUCCESS");
    assert_eq!(
        t.on_notification_at(&early, t0()),
        Update::Ignored(Ignored::Held(id("ev")))
    );
    let updates = t.track_at(associate("ev"), at(1)).unwrap();
    assert!(
        matches!(updates.as_slice(), [Update::Completed(o)] if o.is_success()),
        "{updates:?}"
    );
    assert!(matches!(t.next_at(&id("ev"), at(2)), Some(Next::Done(_))));
    // Applied once: a second track of another event finds nothing held.
    assert!(t.track_at(associate("other"), at(3)).unwrap().is_empty());
}

#[test]
fn an_early_notification_for_a_resend_is_applied_by_resent_at() {
    let mut t = EventTracker::default();
    t.track_at(associate("first"), t0()).unwrap();
    t.on_notification_at(&asset_notification("second", &[], "SUCCESS"), at(600));
    let updates = t.resent_at(&id("first"), id("second"), at(601)).unwrap();
    assert!(matches!(updates.as_slice(), [Update::Completed(_)]));
}

#[test]
fn held_notifications_are_bounded_in_count_and_age() {
    let policy = TrackerPolicy::default()
        .with_max_held(2)
        .with_hold_for(Duration::from_secs(60));
    let mut t = EventTracker::new(policy);
    for ev in ["a", "b", "c"] {
        t.on_notification_at(&asset_notification(ev, &[], "SUCCESS"), t0());
    }
    // "a" was dropped for "c": at most two are held.
    assert!(t.track_at(associate("a"), at(1)).unwrap().is_empty());
    assert_eq!(t.track_at(associate("b"), at(1)).unwrap().len(), 1);
    // "c" is older than a minute when its event is tracked: dropped.
    assert!(t.track_at(associate("c"), at(61)).unwrap().is_empty());
    // The default bounds are documented values.
    let d = TrackerPolicy::default();
    assert_eq!((d.max_held, d.hold_for), (1000, Duration::from_secs(600)));
}

#[test]
fn held_notifications_survive_serde() {
    let mut t = EventTracker::default();
    t.on_notification_at(&asset_notification("ev", &[], "SUCCESS"), t0());
    let mut back: EventTracker = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
    assert_eq!(back, t);
    assert_eq!(back.track_at(associate("ev"), at(1)).unwrap().len(), 1);
}

#[test]
fn huge_policy_durations_are_capped_and_the_schedule_never_panics() {
    let policy = TrackerPolicy::default()
        .with_notification_grace(Duration::MAX)
        .with_poll_interval(Duration::MAX)
        .with_resend_after(Duration::MAX)
        .with_keep_done(Duration::MAX);
    let mut t = EventTracker::new(policy);
    assert_eq!(t.policy().notification_grace, TrackerPolicy::MAX_DURATION);
    assert_eq!(t.policy().keep_done, TrackerPolicy::MAX_DURATION);
    t.track_at(associate("ev"), t0()).unwrap();
    let wake = t.next_wake_at(t0()).unwrap();
    assert_eq!(wake, t0() + TimeDelta::days(30));
    assert!(t.due_at(t0()).is_empty());
    // Close to the end of time, the schedule saturates instead of overflowing.
    let late = DateTime::<Utc>::MAX_UTC - TimeDelta::days(1);
    let mut t = EventTracker::new(policy);
    t.track_at(associate("ev"), late).unwrap();
    assert_eq!(t.next_wake_at(late), Some(DateTime::<Utc>::MAX_UTC));
    t.on_status_at(
        &id("ev"),
        &status(r#"{"eventStatus":"PENDING"}"#),
        late + TimeDelta::hours(1),
    );
    assert!(t.due_at(late + TimeDelta::hours(2)).is_empty());
}

#[test]
fn a_stored_tracker_with_an_absurd_duration_is_refused_not_a_crash_later() {
    let mut t = EventTracker::default();
    t.track_at(associate("ev"), t0()).unwrap();
    let mut stored: serde_json::Value = serde_json::to_value(&t).unwrap();
    stored["policy"]["notification_grace_ms"] = u64::MAX.into();
    let err = serde_json::from_value::<EventTracker>(stored).unwrap_err();
    assert!(err.to_string().contains("notification_grace"), "{err}");
    // The seconds form of earlier versions, with a huge value: refused too.
    let old = r#"{"notification_grace":18446744073709551615,"poll_interval":30,"resend_after":600,"max_sends":3,"keep_done":3600}"#;
    assert!(serde_json::from_str::<TrackerPolicy>(old).is_err());
}

#[test]
fn policy_durations_round_trip_in_milliseconds_and_old_seconds_are_read() {
    let policy = TrackerPolicy::default()
        .with_poll_interval(Duration::from_millis(500))
        .with_notification_grace(Duration::from_millis(1_250));
    let json = serde_json::to_value(policy).unwrap();
    assert_eq!(json["poll_interval_ms"], 500);
    let back: TrackerPolicy = serde_json::from_value(json).unwrap();
    assert_eq!(back, policy);
    let old = r#"{"notification_grace":60,"poll_interval":30,"resend_after":600,"max_sends":3,"keep_done":3600}"#;
    let read: TrackerPolicy = serde_json::from_str(old).unwrap();
    assert_eq!(read.notification_grace, Duration::from_secs(60));
    assert_eq!(read.poll_interval, Duration::from_secs(30));
    assert_eq!(read.hold_for, TrackerPolicy::default().hold_for);
}

#[test]
fn deduper_window_round_trips_in_milliseconds_and_old_seconds_are_read() {
    let d = NotificationDeduper::new(10, Duration::from_millis(500));
    let mut d2 = d.clone();
    d2.insert_at("n1", t0());
    let back: NotificationDeduper =
        serde_json::from_str(&serde_json::to_string(&d2).unwrap()).unwrap();
    assert_eq!(back, d2);
    // Half a second later the id is out of the window: the 500 ms survived.
    assert!(back.contains_at("n1", t0() + TimeDelta::milliseconds(499)));
    assert!(!back.contains_at("n1", t0() + TimeDelta::milliseconds(500)));
    let old = r#"{"max_entries":10,"max_age_secs":60,"seen":[["n1","2026-11-25T12:00:00Z"]]}"#;
    let read: NotificationDeduper = serde_json::from_str(old).unwrap();
    assert!(read.contains_at("n1", t0() + TimeDelta::seconds(59)));
    assert!(!read.contains_at("n1", t0() + TimeDelta::seconds(60)));
}
