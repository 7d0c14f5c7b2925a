//! `GET status` and the event tracker: Apple's schedule with an injected clock through
//! success, failure (also partial), silence → poll → complete, silence → resend, late and
//! duplicate notifications.

use crate::common;

use apple_vpp::api::{Credentials, Endpoint, GetEventStatus, HttpRequest, Method, ServiceBase};
use apple_vpp::events::{
    CompletedBy, EventStatus, EventTracker, Ignored, Next, SentEvent, Subject, TrackError,
    TrackerPolicy, Update,
};
use apple_vpp::notification;
use apple_vpp::wire::{
    AppleError, ErrorBody, ErrorNumber, EventAsset, EventState, EventType, PricingParam,
};
use apple_vpp::{EventId, Notification, VppToken};
use chrono::{DateTime, TimeDelta, Utc};
use common::{fixture, utc};

fn t0() -> DateTime<Utc> {
    utc("2026-11-25T12:00:00Z")
}

fn at(minutes: i64, seconds: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(minutes) + TimeDelta::seconds(seconds)
}

fn id(s: &str) -> EventId {
    EventId::new(s)
}

fn serial(s: &str) -> Subject {
    Subject::Serial(s.into())
}

fn asset() -> EventAsset {
    EventAsset::new("361309726", Some(PricingParam::Stdq))
}

/// An associate of one app to `serials`, tracked at t0.
fn tracker_with(event: &str, serials: &[&str]) -> EventTracker {
    let mut t = EventTracker::default();
    let sent = SentEvent::new(event, EventType::Associate, "req-1")
        .with_serial_numbers(serials.iter().copied())
        .with_assets([asset()]);
    t.track_at(sent, t0()).unwrap();
    t
}

/// An ASSET_MANAGEMENT notification for `event` naming `serials`.
fn asset_notification(event: &str, serials: &[&str], result: &str) -> Notification {
    let assignments: Vec<String> = serials
        .iter()
        .map(|s| format!(r#"{{"adamId":"361309726","pricingParam":"STDQ","serialNumber":"{s}"}}"#))
        .collect();
    let error = if result == "FAILURE" {
        r#","error":{"errorNumber":9709,"errorMessage":"Not enough licenses."}"#
    } else {
        ""
    };
    let body = format!(
        r#"{{"notification":{{"assignments":[{}],"eventId":"{event}","result":"{result}","type":"ASSOCIATE"{error}}},"notificationId":"n-{event}-{}","notificationType":"ASSET_MANAGEMENT","uId":"1"}}"#,
        assignments.join(","),
        serials.join("-")
    );
    notification::decode(body.as_bytes()).unwrap()
}

fn status(json: &str) -> EventStatus {
    EventStatus::from_response(200, json.as_bytes()).unwrap()
}

fn pending() -> EventStatus {
    status(r#"{"eventStatus":"PENDING","eventType":"ASSOCIATE","numCompleted":0,"numRequested":2}"#)
}

// ---- GET status ----

#[test]
fn status_request() {
    let token = VppToken::builder("Org", "2031-01-01T00:00:00+00:00".parse().unwrap())
        .build()
        .unwrap();
    let r = HttpRequest::build(
        &GetEventStatus::new("a7e1d2c3-0001"),
        &ServiceBase::default(),
        Credentials::token(&token),
    )
    .unwrap();
    assert_eq!(r.method, Method::GET);
    assert_eq!(
        r.url.as_str(),
        "https://vpp.itunes.apple.com/mdm/v2/status?eventId=a7e1d2c3-0001"
    );
    assert_eq!(r.replay, apple_vpp::api::Replay::Safe);
    assert!(r.authorization.is_some());
}

#[test]
fn partial_failure_is_grouped_by_error_number() {
    let wire =
        GetEventStatus::decode(200, fixture("status_failed_partial.json").as_bytes()).unwrap();
    assert_eq!(wire.event_status, Some(EventState::Failed));
    assert_eq!(wire.u_id.as_deref(), Some("981060278089131045"));
    let s = EventStatus::from_wire(&wire).unwrap();
    assert_eq!((s.completed, s.requested), (14, 16));
    assert!(s.is_finished() && s.is_partial_failure());
    assert_eq!(s.event_type, Some(EventType::Associate));
    assert_eq!(s.failures.len(), 1, "two entries with 9709 make one group");
    let g = s.failure(ErrorNumber::from_code(9709)).unwrap();
    assert_eq!(g.serial_numbers, vec!["C02TEST0015"]);
    assert_eq!(g.client_user_ids, vec!["student-16"]);
    assert_eq!(
        g.assets,
        vec![asset()],
        "adamId as string and number is one asset"
    );
    assert_eq!(
        s.summary(&id("ev")),
        "event ev FAILED: 14 of 16 done; 9709 for 1 devices, 1 users, 1 assets"
    );
}

#[test]
fn status_errors() {
    // 9708: the event is not known.
    let e = EventStatus::from_response(
        400,
        br#"{"errorNumber":9708,"errorMessage":"Event not found."}"#,
    )
    .unwrap_err();
    assert!(apple_vpp::events::is_event_not_found(e.apple().unwrap()));
    assert!(matches!(
        EventStatus::from_response(200, b"{}"),
        Err(apple_vpp::ResponseError::Incomplete {
            field: "eventStatus"
        })
    ));
    let unknown = status(r#"{"eventStatus":"QUEUED"}"#);
    assert!(unknown.is_pending());
    assert_eq!(unknown.state.as_str(), "QUEUED");
}

// ---- tracker: notifications ----

#[test]
fn success_by_notification() {
    let mut t = tracker_with("ev1", &["A", "B"]);
    assert_eq!(
        t.next_at(&id("ev1"), t0()),
        Some(Next::Wait { until: at(5, 0) })
    );
    let u = t.on_notification_at(&asset_notification("ev1", &["A", "B"], "SUCCESS"), at(1, 0));
    let Update::Completed(o) = u else {
        panic!("{u:?}")
    };
    assert!(o.is_success());
    assert_eq!(o.succeeded, vec![serial("A"), serial("B")]);
    assert_eq!(o.completed_by, CompletedBy::Notification);
    assert_eq!(o.request_key, "req-1");
    assert!(matches!(t.next_at(&id("ev1"), at(2, 0)), Some(Next::Done(done)) if done == o));
    assert!(t.due_at(at(30, 0)).is_empty());
    assert_eq!(t.next_wake_at(at(2, 0)), None);
}

#[test]
fn failure_notification_lists_what_was_done_and_the_status_names_the_failed() {
    let mut t = tracker_with("ev2", &["A", "B"]);
    t.on_notification_at(&asset_notification("ev2", &["A"], "SUCCESS"), at(1, 0));
    // A FAILURE lists the licenses made (none more here); the status names the failed.
    let u = t.on_notification_at(&asset_notification("ev2", &[], "FAILURE"), at(1, 5));
    assert!(matches!(u, Update::Progress { .. }), "{u:?}");
    assert_eq!(t.next_at(&id("ev2"), at(1, 5)), Some(Next::Poll(id("ev2"))));
    let s = status(
        r#"{"eventStatus":"FAILED","eventType":"ASSOCIATE","numCompleted":1,"numRequested":2,
        "failures":[{"errorNumber":9709,"errorMessage":"Not enough licenses.","errorInfo":{"serialNumbers":["B"]}}]}"#,
    );
    let Update::Completed(o) = t.on_status_at(&id("ev2"), &s, at(1, 6)) else {
        panic!()
    };
    assert!(!o.is_success());
    assert_eq!(o.succeeded, vec![serial("A")]);
    let f = o.failure_for(&serial("B")).unwrap();
    assert_eq!(f.error.map(|e| e.code()), Some(9709));
    assert_eq!(f.message, "Not enough licenses.");
}

#[test]
fn split_notifications_complete_only_when_all_reported() {
    let mut t = tracker_with("ev3", &["A", "B", "C"]);
    let u = t.on_notification_at(&asset_notification("ev3", &["A", "B"], "SUCCESS"), at(1, 0));
    assert_eq!(
        u,
        Update::Progress {
            event_id: id("ev3"),
            reported: 2,
            expected: 3
        }
    );
    // A partial report restarts the 5-minute wait.
    assert_eq!(
        t.next_at(&id("ev3"), at(1, 0)),
        Some(Next::Wait { until: at(6, 0) })
    );
    assert!(matches!(
        t.on_notification_at(&asset_notification("ev3", &["C"], "SUCCESS"), at(2, 0)),
        Update::Completed(o) if o.succeeded.len() == 3
    ));
}

#[test]
fn duplicate_and_unknown_notifications() {
    let mut t = tracker_with("ev4", &["A"]);
    let n = asset_notification("ev4", &["A"], "SUCCESS");
    assert!(matches!(
        t.on_notification_at(&n, at(1, 0)),
        Update::Completed(_)
    ));
    assert_eq!(
        t.on_notification_at(&n, at(1, 1)),
        Update::Ignored(Ignored::AlreadyCompleted(id("ev4")))
    );
    assert_eq!(
        t.on_notification_at(&asset_notification("other", &["A"], "SUCCESS"), at(1, 2)),
        Update::Ignored(Ignored::Held(id("other")))
    );
    let test = notification::decode(fixture("notifications/test.json").as_bytes()).unwrap();
    assert_eq!(
        t.on_notification_at(&test, at(1, 3)),
        Update::Ignored(Ignored::NoEvent)
    );
}

#[test]
fn user_management_by_notification() {
    let mut t = EventTracker::default();
    let sent = SentEvent::new(
        "a7e1d2c3-0005-4f00-8000-00000000ev05",
        EventType::Create,
        "users-1",
    )
    .with_client_user_ids(["student-42"]);
    t.track_at(sent, t0()).unwrap();
    let n = notification::decode(fixture("notifications/user_management.json").as_bytes()).unwrap();
    let Update::Completed(o) = t.on_notification_at(&n, at(0, 40)) else {
        panic!()
    };
    assert_eq!(o.succeeded, vec![Subject::User("student-42".into())]);
}

// ---- tracker: silence ----

#[test]
fn silence_then_poll_then_complete() {
    let mut t = tracker_with("ev5", &["A", "B"]);
    assert!(t.due_at(at(4, 59)).is_empty());
    assert_eq!(t.next_wake_at(at(4, 59)), Some(at(5, 0)));
    assert_eq!(t.due_at(at(5, 0)), vec![Next::Poll(id("ev5"))]);
    assert_eq!(
        t.on_status_at(&id("ev5"), &pending(), at(5, 0)),
        Update::StillPending(id("ev5"))
    );
    // At least 30 s between polls.
    assert_eq!(
        t.next_at(&id("ev5"), at(5, 10)),
        Some(Next::Wait { until: at(5, 30) })
    );
    assert_eq!(
        t.next_at(&id("ev5"), at(5, 30)),
        Some(Next::Poll(id("ev5")))
    );
    let done = status(r#"{"eventStatus":"COMPLETE","numCompleted":2,"numRequested":2}"#);
    let Update::Completed(o) = t.on_status_at(&id("ev5"), &done, at(5, 31)) else {
        panic!()
    };
    assert!(o.is_success());
    assert_eq!(o.completed_by, CompletedBy::Status);
    assert_eq!(o.succeeded, vec![serial("A"), serial("B")]);
}

#[test]
fn partial_failure_by_status() {
    let mut t = tracker_with("ev6", &["A", "B"]);
    let failed = status(
        r#"{"eventStatus":"FAILED","numCompleted":1,"numRequested":2,"failures":[{"errorNumber":9709,"errorMessage":"Not enough licenses.","errorInfo":{"serialNumbers":["B"]}}]}"#,
    );
    let Update::Completed(o) = t.on_status_at(&id("ev6"), &failed, at(5, 0)) else {
        panic!()
    };
    assert_eq!(o.succeeded, vec![serial("A")]);
    assert_eq!(o.failed[0].subject, serial("B"));
    assert!(o.unknown.is_empty() && o.unattributed.is_empty());
}

#[test]
fn unattributed_failures_leave_subjects_unknown() {
    let mut t = tracker_with("ev7", &["A", "B"]);
    t.on_notification_at(&asset_notification("ev7", &["A"], "SUCCESS"), at(1, 0));
    let failed = status(
        r#"{"eventStatus":"FAILED","numCompleted":1,"numRequested":2,"failures":[{"errorNumber":9603,"errorMessage":"Internal error."}]}"#,
    );
    let Update::Completed(o) = t.on_status_at(&id("ev7"), &failed, at(6, 0)) else {
        panic!()
    };
    assert_eq!(
        o.succeeded,
        vec![serial("A")],
        "confirmed by the notification"
    );
    assert_eq!(o.unknown, vec![serial("B")]);
    assert_eq!(o.unattributed[0].error.code(), 9603);
    // Nothing completed and one unattributed error: it is everyone's.
    let mut t = tracker_with("ev8", &["A", "B"]);
    let failed = status(
        r#"{"eventStatus":"FAILED","numCompleted":0,"numRequested":2,"failures":[{"errorNumber":9709,"errorMessage":"x"}]}"#,
    );
    let Update::Completed(o) = t.on_status_at(&id("ev8"), &failed, at(6, 0)) else {
        panic!()
    };
    assert_eq!(o.failed.len(), 2);
    assert!(o.succeeded.is_empty() && o.unknown.is_empty());
}

#[test]
fn silence_then_resend_then_late_notification() {
    let mut t = tracker_with("ev9", &["A"]);
    // Poll every 30 s from minute 5; still PENDING at minute 10: resend.
    let mut now = at(5, 0);
    while now < at(10, 0) {
        assert_eq!(
            t.next_at(&id("ev9"), now),
            Some(Next::Poll(id("ev9"))),
            "{now}"
        );
        t.on_status_at(&id("ev9"), &pending(), now);
        now += TimeDelta::seconds(30);
    }
    assert_eq!(t.next_at(&id("ev9"), now), Some(Next::Poll(id("ev9"))));
    t.on_status_at(&id("ev9"), &pending(), now);
    let Some(Next::Resend(r)) = t.next_at(&id("ev9"), now) else {
        panic!()
    };
    assert_eq!(
        (r.event_id.as_str(), r.request_key.as_str(), r.sends),
        ("ev9", "req-1", 1)
    );
    assert_eq!(r.concerns.serial_numbers, vec!["A"]);
    t.resent_at(&id("ev9"), id("ev9b"), at(10, 5)).unwrap();
    // The schedule restarts for the new event id.
    assert_eq!(
        t.next_at(&id("ev9b"), at(10, 5)),
        Some(Next::Wait { until: at(15, 5) })
    );
    assert_eq!(t.due_at(at(15, 5)), vec![Next::Poll(id("ev9b"))]);
    // A PENDING answer about the first send does not move the new send's schedule.
    t.on_status_at(&id("ev9"), &pending(), at(10, 30));
    assert_eq!(
        t.next_at(&id("ev9b"), at(10, 30)),
        Some(Next::Wait { until: at(15, 5) })
    );
    // The first request's notification arrives late: it counts, once.
    let Update::Completed(o) =
        t.on_notification_at(&asset_notification("ev9", &["A"], "SUCCESS"), at(11, 0))
    else {
        panic!()
    };
    assert_eq!(
        (o.event_id.as_str(), o.last_event_id.as_str()),
        ("ev9", "ev9b")
    );
    assert_eq!(
        t.on_notification_at(&asset_notification("ev9b", &["A"], "SUCCESS"), at(12, 0)),
        Update::Ignored(Ignored::AlreadyCompleted(id("ev9b")))
    );
    assert_eq!(
        t.on_status_at(&id("ev9b"), &pending(), at(12, 0)),
        Update::Ignored(Ignored::AlreadyCompleted(id("ev9b")))
    );
}

#[test]
fn event_not_found_means_resend_and_sends_are_bounded() {
    let policy = TrackerPolicy::default();
    assert_eq!(policy.max_sends, 3);
    let mut t = tracker_with("e1", &["A"]);
    let not_found = AppleError::new(Some(400), ErrorBody::new(ErrorNumber::from_code(9708), ""));
    t.on_status_error_at(&id("e1"), &not_found, at(5, 0));
    assert!(matches!(
        t.next_at(&id("e1"), at(5, 0)),
        Some(Next::Resend(_))
    ));
    t.resent_at(&id("e1"), id("e2"), at(5, 1)).unwrap();
    t.on_status_error_at(&id("e2"), &not_found, at(10, 1));
    t.resent_at(&id("e2"), id("e3"), at(10, 2)).unwrap();
    t.on_status_error_at(&id("e3"), &not_found, at(15, 2));
    assert_eq!(t.due_at(at(15, 2)), vec![Next::GiveUp(id("e1"))]);
    let o = t.give_up_at(&id("e3"), at(15, 3)).unwrap();
    assert_eq!(o.completed_by, CompletedBy::GaveUp);
    assert_eq!(o.unknown, vec![serial("A")]);
    // Another error only counts as a poll.
    let mut t = tracker_with("f1", &["A"]);
    let busy = AppleError::new(Some(503), ErrorBody::new(ErrorNumber::from_code(9603), ""));
    t.on_status_error_at(&id("f1"), &busy, at(5, 0));
    assert_eq!(
        t.next_at(&id("f1"), at(5, 0)),
        Some(Next::Wait { until: at(5, 30) })
    );
}

#[test]
fn custom_policy_and_errors() {
    let mut policy = TrackerPolicy::default();
    policy.notification_grace = std::time::Duration::from_secs(60);
    let mut t = EventTracker::new(policy);
    t.track_at(
        SentEvent::new("x", EventType::Revoke, "k").with_serial_numbers(["A"]),
        t0(),
    )
    .unwrap();
    assert_eq!(
        t.next_at(&id("x"), t0()),
        Some(Next::Wait { until: at(1, 0) })
    );
    assert_eq!(
        t.track_at(SentEvent::new("x", EventType::Revoke, "k"), t0()),
        Err(TrackError::AlreadyTracked(id("x")))
    );
    assert_eq!(
        t.resent_at(&id("nope"), id("y"), t0()),
        Err(TrackError::NotTracked(id("nope")))
    );
    assert_eq!(t.next_at(&id("nope"), t0()), None);
    assert_eq!(t.open_events().collect::<Vec<_>>(), vec![&id("x")]);
}

#[test]
fn finished_events_are_pruned_after_keep_done() {
    let mut t = tracker_with("p1", &["A"]);
    t.on_notification_at(&asset_notification("p1", &["A"], "SUCCESS"), at(1, 0));
    t.prune_at(at(60, 59));
    assert!(t.next_at(&id("p1"), at(61, 0)).is_some());
    t.prune_at(at(61, 0));
    assert_eq!(t.next_at(&id("p1"), at(61, 0)), None);
    assert_eq!(
        t.on_notification_at(&asset_notification("p1", &["A"], "SUCCESS"), at(62, 0)),
        Update::Ignored(Ignored::Held(id("p1")))
    );
}

#[test]
fn tracker_round_trips_through_serde_mid_schedule() {
    let mut t = tracker_with("s1", &["A", "B"]);
    t.on_notification_at(&asset_notification("s1", &["A"], "SUCCESS"), at(1, 0));
    t.on_status_at(&id("s1"), &pending(), at(6, 0));
    t.resent_at(&id("s1"), id("s2"), at(6, 1)).unwrap();
    let json = serde_json::to_string(&t).unwrap();
    let mut back: EventTracker = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
    assert_eq!(
        back.next_at(&id("s2"), at(7, 0)),
        t.next_at(&id("s2"), at(7, 0))
    );
    let Update::Completed(o) =
        back.on_notification_at(&asset_notification("s2", &["B"], "SUCCESS"), at(8, 0))
    else {
        panic!()
    };
    assert_eq!(o.succeeded.len(), 2);
}

mod user_creation {
    //! [`UserCreation`]: one batch of `users/create` followed to its end from the event
    //! model, without HTTP.

    use super::{at, id};
    use apple_vpp::events::{CreationPolicy, CreationStep, EventStatus, SendFailure, UserCreation};
    use apple_vpp::wire::{UserEntry, UsersRequest};

    fn batch(ids: &[&str]) -> UsersRequest {
        UsersRequest::new(ids.iter().map(|i| UserEntry::new(*i)))
    }

    fn status(json: &str) -> EventStatus {
        EventStatus::from_response(200, json.as_bytes()).unwrap()
    }

    fn sent(step: CreationStep) -> Vec<String> {
        let CreationStep::Send(r) = step else {
            panic!("{step:?}")
        };
        r.users.into_iter().map(|u| u.client_user_id).collect()
    }

    #[test]
    fn an_answered_create_is_followed_and_9716_counts_as_created() {
        let mut c = UserCreation::new(batch(&["a", "b", "c"]), CreationPolicy::default(), at(0, 0));
        assert_eq!(sent(c.next_at(at(0, 0))), ["a", "b", "c"]);
        c.on_answer_at(id("ev-1"), at(0, 0));
        // Apple's minimum interval between polls.
        assert_eq!(
            c.next_at(at(0, 10)),
            CreationStep::Wait { until: at(0, 30) }
        );
        assert_eq!(c.next_at(at(0, 30)), CreationStep::Poll(id("ev-1")));
        c.on_status_at(
            &id("ev-1"),
            &status(r#"{"eventStatus":"PENDING"}"#),
            at(0, 30),
        );
        assert_eq!(c.next_at(at(0, 40)), CreationStep::Wait { until: at(1, 0) });
        c.on_status_at(
            &id("ev-1"),
            &status(
                r#"{"eventStatus":"FAILED","eventType":"CREATE","numCompleted":1,"numRequested":3,
                "failures":[{"errorNumber":9716,"errorMessage":"exists","errorInfo":{"clientUserIds":["a"]}},
                {"errorNumber":9717,"errorMessage":"bad email","errorInfo":{"clientUserIds":["c"]}}]}"#,
            ),
            at(1, 0),
        );
        // b is not named by a failure of a FAILED event: read after it.
        assert_eq!(c.next_at(at(1, 0)), CreationStep::Read(vec!["b".into()]));
        c.on_read_at(&["b".to_owned()], at(1, 1));
        let CreationStep::Done(o) = c.next_at(at(1, 1)) else {
            panic!()
        };
        assert_eq!(o.created, ["a", "b"]);
        assert_eq!(o.failed.len(), 1);
        assert_eq!(o.failed[0].client_user_id, "c");
        assert_eq!(
            o.failed[0].error.as_ref().map(|e| e.error_number.code()),
            Some(9717)
        );
        assert_eq!(o.events, [id("ev-1")]);
        assert_eq!(c.sends(), 1, "an invalid email is not sent again");
    }

    #[test]
    fn a_lost_answer_waits_before_reading_and_never_sends_more_than_allowed() {
        let policy = CreationPolicy::default().with_max_sends(2);
        let mut c = UserCreation::new(batch(&["a", "b"]), policy, at(0, 0));
        c.on_send_failed_at(SendFailure::Unsure, at(0, 0));
        // Not read at once: Apple may still be applying it.
        assert_eq!(c.next_at(at(0, 1)), CreationStep::Wait { until: at(0, 30) });
        assert_eq!(
            c.next_at(at(0, 30)),
            CreationStep::Read(vec!["a".into(), "b".into()])
        );
        c.on_read_at(&[], at(0, 30));
        assert_eq!(sent(c.next_at(at(0, 30))), ["a", "b"]);
        c.on_send_failed_at(SendFailure::Unsure, at(0, 31));
        assert_eq!(
            c.next_at(at(1, 1)),
            CreationStep::Read(vec!["a".into(), "b".into()])
        );
        c.on_read_at(&["a".to_owned()], at(1, 1));
        // Two sends made: b is failed without an error, not sent a third time.
        let CreationStep::Done(o) = c.next_at(at(1, 1)) else {
            panic!()
        };
        assert_eq!(o.created, ["a"]);
        assert_eq!(o.failed[0].client_user_id, "b");
        assert!(o.failed[0].error.is_none());
        assert!(o.events.is_empty());
    }

    #[test]
    fn a_refused_send_waits_for_the_retry_and_does_not_count() {
        let policy = CreationPolicy::default().with_max_sends(1);
        let mut c = UserCreation::new(batch(&["a"]), policy, at(0, 0));
        c.on_send_failed_at(SendFailure::Refused { retry_at: at(0, 2) }, at(0, 0));
        assert_eq!(c.next_at(at(0, 1)), CreationStep::Wait { until: at(0, 2) });
        assert_eq!(sent(c.next_at(at(0, 2))), ["a"]);
        c.on_answer_at(id("ev-1"), at(0, 2));
        assert_eq!(c.events(), [id("ev-1")]);
    }

    #[test]
    fn pending_past_ten_minutes_reads_and_sends_only_the_missing_keeping_the_first_event() {
        let mut c = UserCreation::new(batch(&["a", "b"]), CreationPolicy::default(), at(0, 0));
        c.on_answer_at(id("ev-1"), at(0, 0));
        c.on_status_at(
            &id("ev-1"),
            &status(r#"{"eventStatus":"PENDING"}"#),
            at(10, 0),
        );
        assert_eq!(
            c.next_at(at(10, 0)),
            CreationStep::Read(vec!["a".into(), "b".into()])
        );
        c.on_read_at(&["a".to_owned()], at(10, 0));
        assert_eq!(sent(c.next_at(at(10, 0))), ["b"]);
        c.on_answer_at(id("ev-2"), at(10, 0));
        c.on_status_at(
            &id("ev-2"),
            &status(r#"{"eventStatus":"COMPLETE","eventType":"CREATE","numCompleted":1,"numRequested":1}"#),
            at(10, 30),
        );
        let CreationStep::Done(o) = c.next_at(at(10, 30)) else {
            panic!()
        };
        assert_eq!(o.created, ["a", "b"]);
        assert_eq!(o.events, [id("ev-1"), id("ev-2")], "the first event first");
    }

    #[test]
    fn an_event_apple_does_not_know_is_settled_by_a_read() {
        let mut c = UserCreation::new(batch(&["a", "b"]), CreationPolicy::default(), at(0, 0));
        c.on_answer_at(id("ev-1"), at(0, 0));
        c.on_event_not_found_at(&id("ev-1"), at(0, 30));
        assert_eq!(
            c.next_at(at(0, 30)),
            CreationStep::Read(vec!["a".into(), "b".into()])
        );
        c.on_read_at(&["b".to_owned()], at(0, 31));
        assert_eq!(sent(c.next_at(at(0, 31))), ["a"]);
    }

    #[test]
    fn a_user_management_notification_finishes_the_followed_event() {
        let mut c = UserCreation::new(batch(&["a"]), CreationPolicy::default(), at(0, 0));
        c.on_answer_at(id("ev-1"), at(0, 0));
        let body = br#"{"notification":{"eventId":"ev-1","result":"SUCCESS","type":"CREATE","users":[{"clientUserId":"a"}]},"notificationId":"n-1","notificationType":"USER_MANAGEMENT","uId":"1"}"#;
        let n = apple_vpp::notification::decode(body).unwrap();
        c.on_notification_at(&n, at(0, 5));
        let CreationStep::Done(o) = c.next_at(at(0, 5)) else {
            panic!()
        };
        assert_eq!(o.created, ["a"]);
    }
}

#[test]
fn claimed_work_is_due_for_no_one_else_until_answered_released_or_lapsed() {
    let mut t = tracker_with("ev1", &["A"]);
    let hold = std::time::Duration::from_secs(120);
    // Due at 5 minutes: one replica claims the poll; a second finds nothing to do.
    assert_eq!(t.claim_due_at(at(5, 0), hold), vec![Next::Poll(id("ev1"))]);
    assert!(t.claim_due_at(at(5, 1), hold).is_empty());
    assert!(t.due_at(at(5, 1)).is_empty());
    assert_eq!(
        t.next_wake_at(at(5, 1)),
        Some(at(7, 0)),
        "due again when the claim lapses"
    );
    // A replica that died: the claim lapses and the poll is due again.
    assert_eq!(t.claim_due_at(at(7, 0), hold), vec![Next::Poll(id("ev1"))]);
    // Released (the poll did not reach Apple): due at once for anyone.
    assert!(t.release_claim(&id("ev1")));
    assert_eq!(t.due_at(at(7, 1)), vec![Next::Poll(id("ev1"))]);
    // An answer ends the claim; the stored tracker keeps claims across serde.
    t.claim_due_at(at(7, 1), hold);
    let stored: EventTracker = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
    assert!(stored.due_at(at(7, 2)).is_empty(), "the claim was stored");
    t.on_status_at(
        &id("ev1"),
        &status(r#"{"eventStatus":"PENDING"}"#),
        at(7, 2),
    );
    assert_eq!(
        t.next_at(&id("ev1"), at(7, 2)),
        Some(Next::Wait { until: at(7, 32) })
    );
    assert_eq!(t.claim_due_at(at(7, 32), hold), vec![Next::Poll(id("ev1"))]);
}
