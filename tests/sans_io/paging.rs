//! The page driver: Apple's paging quirks one by one (growing and shrinking
//! `totalPages`, a changing `versionId`, an empty incremental answer, 9721, 9650), and
//! properties over arbitrary answers: never a page twice, never past the end, always an
//! end.

use std::collections::BTreeSet;

use apple_vpp::PagingError;
use apple_vpp::paging::{MAX_IN_FLIGHT, PageTraversal, Recovery};
use apple_vpp::wire::{self, PageInfo, ResponseError};
use proptest::prelude::*;

fn page(total: u32, next: Option<u32>, version: &str) -> PageInfo {
    serde_json::from_value(serde_json::json!({
        "totalPages": total,
        "nextPageIndex": next,
        "versionId": version,
    }))
    .unwrap()
}

/// Apple's answer for page `i` of `total`.
fn consistent(i: u32, total: u32) -> PageInfo {
    page(total, (i + 1 < total).then_some(i + 1), &format!("v{i}"))
}

fn apple(status: u16, number: u32) -> ResponseError {
    wire::decode_response::<PageInfo>(
        status,
        format!(r#"{{"errorNumber":{number},"errorMessage":"x"}}"#).as_bytes(),
    )
    .unwrap_err()
}

#[test]
fn sequential_full_sync_reads_every_page_once() {
    let mut t = PageTraversal::new();
    let mut seen = Vec::new();
    while let Some(i) = t.next_page() {
        seen.push(i);
        t.record(i, &consistent(i, 4)).unwrap();
    }
    assert_eq!(seen, [0, 1, 2, 3]);
    let outcome = t.outcome().unwrap();
    assert_eq!(outcome.version_id.as_deref(), Some("v0"));
    assert!(outcome.full && !outcome.fell_back);
    assert_eq!(outcome.pages, 4);
    assert!(t.is_finished());
}

#[test]
fn page_zero_goes_alone_then_at_most_five_at_once() {
    let mut t = PageTraversal::new();
    assert_eq!(t.next_pages(), [0]);
    assert_eq!(
        t.next_pages(),
        Vec::<u32>::new(),
        "nothing before page 0 answers"
    );
    assert_eq!(t.known_pages(), None);
    t.record(0, &consistent(0, 12)).unwrap();
    assert_eq!(t.known_pages(), Some(12));
    assert_eq!(t.next_pages(), [1, 2, 3, 4, 5]);
    assert_eq!(t.in_flight(), MAX_IN_FLIGHT);
    // Out of order completions free slots one by one.
    t.record(3, &consistent(3, 12)).unwrap();
    assert_eq!(t.next_pages(), [6]);
    t.record(1, &consistent(1, 12)).unwrap();
    t.record(5, &consistent(5, 12)).unwrap();
    assert_eq!(t.next_pages(), [7, 8]);
    let mut t = PageTraversal::new().with_max_in_flight(2);
    t.next_page();
    t.record(0, &consistent(0, 12)).unwrap();
    assert_eq!(t.next_pages(), [1, 2]);
    let mut t = PageTraversal::new().with_max_in_flight(99);
    t.next_page();
    t.record(0, &consistent(0, 12)).unwrap();
    assert_eq!(
        t.next_pages().len(),
        MAX_IN_FLIGHT,
        "Apple's limit caps the setting"
    );
}

#[test]
fn a_growing_total_is_followed() {
    let mut t = PageTraversal::new();
    let mut seen = Vec::new();
    while let Some(i) = t.next_page() {
        seen.push(i);
        // Two pages at first; then Apple counts four.
        let total = if i == 0 { 2 } else { 4 };
        t.record(i, &consistent(i, total)).unwrap();
    }
    assert_eq!(seen, [0, 1, 2, 3]);
    assert_eq!(t.outcome().unwrap().pages, 4);
}

#[test]
fn a_shrinking_total_stops_early_without_an_error() {
    let mut t = PageTraversal::new();
    let mut seen = Vec::new();
    while let Some(i) = t.next_page() {
        seen.push(i);
        let total = if i == 0 { 6 } else { 3 };
        t.record(i, &consistent(i, total)).unwrap();
    }
    assert_eq!(seen, [0, 1, 2]);
    assert_eq!(t.outcome().unwrap().pages, 3);
}

#[test]
fn a_missing_next_page_index_ends_the_list_whatever_total_pages_says() {
    let mut t = PageTraversal::new();
    assert_eq!(t.next_page(), Some(0));
    t.record(0, &page(9, None, "v0")).unwrap();
    assert_eq!(t.next_page(), None);
    assert_eq!(t.outcome().unwrap().pages, 1);
}

#[test]
fn pages_in_flight_past_a_shrunk_end_may_answer_9650() {
    let mut t = PageTraversal::new();
    t.next_page();
    t.record(0, &consistent(0, 5)).unwrap();
    assert_eq!(t.next_pages(), [1, 2, 3, 4]);
    // Page 1 says there are only 2 pages now; 2, 3 and 4 are already in flight.
    t.record(1, &consistent(1, 2)).unwrap();
    assert_eq!(t.record_error(3, apple(400, 9650)), Ok(Recovery::PastEnd));
    assert_eq!(t.record_error(4, apple(400, 9650)), Ok(Recovery::PastEnd));
    assert!(!t.is_finished());
    t.record(2, &page(2, None, "v2")).unwrap();
    assert_eq!(t.next_page(), None);
    assert!(t.is_finished());
    assert_eq!(t.outcome().unwrap().pages, 3);
}

#[test]
fn bad_page_index_inside_the_list_is_an_error_not_a_loop() {
    let mut t = PageTraversal::new();
    t.next_page();
    t.record(0, &consistent(0, 3)).unwrap();
    let i = t.next_page().unwrap();
    let err = t.record_error(i, apple(400, 9650)).unwrap_err();
    assert!(
        matches!(err, PagingError::BadPageIndex { index: 1, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Apple refused page 1 of the list as a bad page index (9650): start the sync again from the first page, and report it if it persists"
    );
    assert_eq!(t.next_page(), None, "no page is asked for again");
    assert!(t.is_finished());
    assert_eq!(t.outcome(), None);
}

#[test]
fn the_first_page_version_is_kept_when_it_changes_between_pages() {
    let mut t = PageTraversal::incremental();
    while let Some(i) = t.next_page() {
        t.record(
            i,
            &page(3, (i < 2).then_some(i + 1), &format!("version-{}", 10 + i)),
        )
        .unwrap();
    }
    let outcome = t.outcome().unwrap();
    assert_eq!(outcome.version_id.as_deref(), Some("version-10"));
    assert!(!outcome.full);
    assert!(
        !outcome.complete,
        "a record may have shifted onto a page already read"
    );
}

#[test]
fn a_pass_whose_pages_all_carry_page_zeros_version_is_complete() {
    let mut t = PageTraversal::new();
    while let Some(i) = t.next_page() {
        t.record(i, &page(3, (i < 2).then_some(i + 1), "v5"))
            .unwrap();
    }
    let outcome = t.outcome().unwrap();
    assert!(outcome.complete);
    assert_eq!(
        (outcome.passes, outcome.version_id.as_deref()),
        (1, Some("v5"))
    );
}

#[test]
fn an_answer_for_another_page_than_the_one_asked_is_refused() {
    let mut t = PageTraversal::new();
    let at = |current: u32| -> PageInfo {
        serde_json::from_value(serde_json::json!({
            "currentPageIndex": current, "nextPageIndex": current + 1,
            "totalPages": 3, "versionId": "v1",
        }))
        .unwrap()
    };
    assert_eq!(t.next_page(), Some(0));
    t.record(0, &at(0)).unwrap();
    let pages = t.next_pages();
    assert_eq!(pages, [1, 2]);
    // Page 0 again, answered for page 1.
    let err = t.record(1, &at(0)).unwrap_err();
    assert_eq!(
        err,
        PagingError::WrongPage {
            asked: 1,
            answered: 0
        }
    );
    assert!(t.is_finished());
    assert_eq!(t.outcome(), None);
}

#[test]
fn an_empty_incremental_answer_finishes_with_its_version() {
    let mut t = PageTraversal::for_version(Some("v41"));
    assert!(!t.is_full());
    assert_eq!(t.next_page(), Some(0));
    let empty =
        r#"{"assignments":[],"currentPageIndex":0,"size":0,"totalPages":0,"versionId":"v42"}"#;
    let answer: wire::AssignmentsResponse = serde_json::from_str(empty).unwrap();
    t.record(0, &answer.paging).unwrap();
    assert_eq!(t.next_page(), None);
    let outcome = t.outcome().unwrap();
    assert_eq!(outcome.version_id.as_deref(), Some("v42"));
    assert_eq!(outcome.pages, 1);
    assert!(!outcome.full && !outcome.fell_back);
}

#[test]
fn invalid_version_id_restarts_as_a_full_sync_and_says_so() {
    let mut t = PageTraversal::for_version(Some("stale"));
    assert_eq!(t.next_page(), Some(0));
    assert_eq!(
        t.record_error(0, apple(400, 9721)),
        Ok(Recovery::RestartFull)
    );
    assert!(t.fell_back());
    assert_eq!(t.next_page(), Some(0), "page 0 again, of the full sync");
    assert!(t.is_full());
    t.record(0, &consistent(0, 2)).unwrap();
    assert_eq!(t.next_page(), Some(1));
    t.record(1, &consistent(1, 2)).unwrap();
    let outcome = t.outcome().unwrap();
    assert!(outcome.full && outcome.fell_back);
    assert_eq!(outcome.version_id.as_deref(), Some("v0"));
    assert_eq!(outcome.pages, 2);
}

#[test]
fn invalid_version_id_mid_traversal_waits_for_pages_in_flight() {
    let mut t = PageTraversal::incremental();
    t.next_page();
    t.record(0, &consistent(0, 4)).unwrap();
    assert_eq!(t.next_pages(), [1, 2, 3]);
    assert_eq!(
        t.record_error(2, apple(400, 9721)),
        Ok(Recovery::RestartFull)
    );
    assert_eq!(
        t.next_page(),
        None,
        "pages 1 and 3 of the old pass are in flight"
    );
    assert!(!t.is_finished());
    t.record(1, &consistent(1, 4)).unwrap();
    assert_eq!(t.record_error(3, apple(500, 9603)), Ok(Recovery::Stale));
    assert_eq!(t.next_page(), Some(0));
    assert!(t.is_full());
    t.record(0, &page(1, None, "full-v")).unwrap();
    let outcome = t.outcome().unwrap();
    assert_eq!(outcome.version_id.as_deref(), Some("full-v"));
    assert_eq!(outcome.pages, 1);
    assert!(outcome.fell_back);
}

#[test]
fn invalid_version_id_on_a_full_sync_is_an_error() {
    let mut t = PageTraversal::new();
    t.next_page();
    let err = t.record_error(0, apple(400, 9721)).unwrap_err();
    assert!(
        matches!(err, PagingError::Response { index: 0, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "page 0 of the list could not be read; the sync stopped there"
    );
    let source = std::error::Error::source(&err).expect("Apple's error is the source");
    assert!(
        source
            .to_string()
            .starts_with("Apple returned error 9721 (HTTP 400)"),
        "{source}"
    );
}

#[test]
fn other_errors_end_the_traversal() {
    let mut t = PageTraversal::new();
    t.next_page();
    t.record(0, &consistent(0, 3)).unwrap();
    let i = t.next_page().unwrap();
    let err = t.record_error(i, apple(401, 9625)).unwrap_err();
    match &err {
        PagingError::Response { index, error } => {
            assert_eq!(*index, 1);
            assert_eq!(error.kind(), apple_vpp::wire::ErrorKind::TokenRevoked);
        }
        other => panic!("{other:?}"),
    }
    assert!(std::error::Error::source(&err).is_some());
    assert!(t.is_finished());
    assert_eq!(t.next_page(), None);
}

#[test]
fn recording_a_page_never_handed_out_is_refused() {
    let mut t = PageTraversal::new();
    assert_eq!(
        t.record(0, &consistent(0, 2)).unwrap_err(),
        PagingError::NotRequested { index: 0 }
    );
    let mut t = PageTraversal::new();
    t.next_page();
    t.record(0, &consistent(0, 2)).unwrap();
    assert_eq!(
        t.record(0, &consistent(0, 2)).unwrap_err().to_string(),
        "page 0 was recorded but not handed out by this traversal (a bug in the MDM)"
    );
}

#[test]
fn a_runaway_total_is_bounded() {
    let mut t = PageTraversal::new().with_page_limit(10);
    t.next_page();
    let err = t.record(0, &consistent(0, 11)).unwrap_err();
    assert_eq!(err, PagingError::TooManyPages { limit: 10 });
    let mut t = PageTraversal::new();
    t.next_page();
    let err = t
        .record(0, &page(u32::MAX, Some(u32::MAX), "v"))
        .unwrap_err();
    assert!(matches!(err, PagingError::TooManyPages { .. }));
}

// ---- properties ----

/// One scripted answer: Apple's `totalPages` and whether `nextPageIndex` is present
/// (when present it is index + 1, or a value from the script).
#[derive(Debug, Clone)]
struct Answer {
    total: u32,
    next: Option<u32>,
    bad_page: bool,
}

fn answer() -> impl Strategy<Value = Answer> {
    (
        0u32..40,
        prop::option::of(0u32..45),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(total, next, bad_page)| Answer {
            total,
            next,
            bad_page,
        })
}

/// The end the latest answer announces (the driver's rule, restated).
fn announced_end(index: u32, a: &Answer) -> u32 {
    match a.next {
        None => index + 1,
        Some(n) => (n + 1).max(a.total).max(index + 1),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever Apple answers, in whatever order the pages complete: no page is handed
    /// out twice, none past the end known when it is handed out, never more than
    /// `max_in_flight` at once, and the traversal ends.
    #[test]
    fn never_twice_never_past_the_end_always_ends(
        script in prop::collection::vec(answer(), 1..60),
        order in prop::collection::vec(0usize..8, 0..200),
        max_in_flight in 1usize..=5,
    ) {
        let mut t = PageTraversal::new().with_max_in_flight(max_in_flight);
        let mut handed = BTreeSet::new();
        let mut in_flight: Vec<u32> = Vec::new();
        let mut end: Option<u32> = None;
        let mut steps = 0usize;
        let mut recorded = 0u32;
        let mut answers = script.iter().cycle().take(500);
        let mut picks = order.iter().cycle();
        loop {
            for i in t.next_pages() {
                prop_assert!(handed.insert(i), "page {} handed out twice", i);
                match end {
                    None => prop_assert_eq!(i, 0, "page 0 first"),
                    Some(e) => prop_assert!(i < e, "page {} past the end {}", i, e),
                }
                in_flight.push(i);
            }
            prop_assert!(in_flight.len() <= max_in_flight);
            prop_assert_eq!(in_flight.len(), t.in_flight());
            if in_flight.is_empty() {
                prop_assert!(t.is_finished(), "nothing in flight and nothing to hand out");
                break;
            }
            let pick = picks.next().copied().unwrap_or(0) % in_flight.len();
            let index = in_flight.swap_remove(pick);
            let a = answers.next().cloned().unwrap_or(Answer { total: 0, next: None, bad_page: false });
            if a.bad_page {
                let past = end.is_some_and(|e| index >= e);
                match t.record_error(index, apple(400, 9650)) {
                    Ok(Recovery::PastEnd) => prop_assert!(past),
                    Ok(other) => prop_assert!(false, "unexpected {:?}", other),
                    Err(PagingError::BadPageIndex { index: i, .. }) => {
                        prop_assert!(!past);
                        prop_assert_eq!(i, index);
                        prop_assert!(t.is_finished());
                        prop_assert_eq!(t.next_page(), None);
                        break;
                    }
                    Err(other) => prop_assert!(false, "unexpected {:?}", other),
                }
            } else {
                t.record(index, &page(a.total, a.next, "v")).unwrap();
                end = Some(announced_end(index, &a));
                recorded += 1;
            }
            steps += 1;
            prop_assert!(steps < 10_000, "no end");
        }
        if let Some(outcome) = t.outcome() {
            prop_assert_eq!(outcome.pages, recorded);
        }
    }

    /// With a consistent Apple (fixed total, nextPageIndex = index + 1), every page is
    /// read exactly once, in any completion order, and the first page's version is kept.
    #[test]
    fn consistent_answers_read_every_page_exactly_once(
        total in 0u32..200,
        order in prop::collection::vec(0usize..8, 1..50),
        max_in_flight in 1usize..=5,
    ) {
        let mut t = PageTraversal::incremental().with_max_in_flight(max_in_flight);
        let mut read = Vec::new();
        let mut in_flight = Vec::new();
        let mut picks = order.iter().cycle();
        loop {
            in_flight.extend(t.next_pages());
            if in_flight.is_empty() {
                break;
            }
            let index = in_flight.swap_remove(picks.next().unwrap() % in_flight.len());
            read.push(index);
            t.record(index, &consistent(index, total)).unwrap();
        }
        read.sort_unstable();
        let expected: Vec<u32> = (0..total.max(1)).collect();
        prop_assert_eq!(read, expected);
        let outcome = t.outcome().unwrap();
        prop_assert_eq!(outcome.version_id.as_deref(), Some("v0"));
        prop_assert_eq!(outcome.pages, total.max(1));
    }
}

// ---- the driver with typed requests and decoded answers ----

/// A fake Apple for `GET assignments`: refuses `sinceVersionId=stale` with 9721, and
/// serves three pages of one assignment each, the total shrinking from 4 to 3 and the
/// versionId changing between pages. Records every URL it was asked for.
fn fake_apple(url: &str) -> (u16, String) {
    let query: std::collections::HashMap<String, String> = url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    if query.get("sinceVersionId").map(String::as_str) == Some("stale") {
        return (
            400,
            r#"{"errorNumber":9721,"errorMessage":"Invalid versionId."}"#.into(),
        );
    }
    let index: u32 = query.get("pageIndex").unwrap().parse().unwrap();
    let total = if index == 0 { 4 } else { 3 };
    let next = if index + 1 < total {
        format!(r#","nextPageIndex":{}"#, index + 1)
    } else {
        String::new()
    };
    (
        200,
        format!(
            r#"{{"assignments":[{{"adamId":"408709785","pricingParam":"STDQ","serialNumber":"SERIAL{index}"}}],
            "currentPageIndex":{index},"size":1,"totalPages":{total},"versionId":"v{index}"{next},
            "uId":"2049025000431439","tokenExpirationDate":"2030-11-08T22:33:22+0000"}}"#
        ),
    )
}

#[test]
fn typed_requests_follow_the_traversal_through_a_fallback() {
    use apple_vpp::api::{Credentials, Endpoint, GetAssignments, HttpRequest, Paged, ServiceBase};
    use apple_vpp::wire::Page;
    use apple_vpp::{Assignment, VppToken};

    let token = VppToken::builder("Org", "2031-01-01T00:00:00+00:00".parse().unwrap())
        .build()
        .unwrap();
    let request = GetAssignments::new().since_version_id("stale");
    let mut t = PageTraversal::for_version(request.since_version());
    let mut urls = Vec::new();
    let mut stored: Vec<Assignment> = Vec::new();
    while let Some(index) = t.next_page() {
        let http = HttpRequest::build(
            &request.page(index, t.is_full()),
            &ServiceBase::default(),
            Credentials::token(&token),
        )
        .unwrap();
        urls.push(http.url.to_string());
        let (status, body) = fake_apple(http.url.as_str());
        match GetAssignments::decode(status, body.as_bytes()) {
            Ok(page) => {
                t.record(index, page.page_info()).unwrap();
                for a in page.into_items() {
                    stored.push(Assignment::try_from(a).unwrap());
                }
            }
            Err(e) => {
                assert_eq!(t.record_error(index, e).unwrap(), Recovery::RestartFull);
                stored.clear();
            }
        }
    }
    assert_eq!(
        urls,
        [
            "https://vpp.itunes.apple.com/mdm/v2/assignments?pageIndex=0&sinceVersionId=stale",
            "https://vpp.itunes.apple.com/mdm/v2/assignments?pageIndex=0",
            "https://vpp.itunes.apple.com/mdm/v2/assignments?pageIndex=1",
            "https://vpp.itunes.apple.com/mdm/v2/assignments?pageIndex=2",
        ]
    );
    let serials: Vec<&str> = stored
        .iter()
        .filter_map(|a| a.target.serial_number())
        .collect();
    assert_eq!(serials, ["SERIAL0", "SERIAL1", "SERIAL2"]);
    let outcome = t.outcome().unwrap();
    assert_eq!(outcome.version_id.as_deref(), Some("v0"));
    assert!(outcome.full && outcome.fell_back);
    assert_eq!(outcome.pages, 3);
}

// ----- the passes of one sync (`SyncPasses`), without HTTP -----

/// Reads every page of the current pass of `sync`, page `i` carrying `version(i)`.
fn read_pass(
    sync: &mut apple_vpp::paging::SyncPasses,
    total: u32,
    version: impl Fn(u32) -> String,
) {
    while let Some(i) = sync.traversal_mut().next_page() {
        let next = (i + 1 < total).then_some(i + 1);
        sync.traversal_mut()
            .record(i, &page(total, next, &version(i)))
            .unwrap();
        sync.recorded(i);
    }
}

#[test]
fn a_pass_that_settles_ends_the_sync_with_its_page_zero_version() {
    let mut sync = apple_vpp::paging::SyncPasses::new(None);
    read_pass(&mut sync, 3, |_| "v1".into());
    assert_eq!(sync.next_pass(), None);
    let outcome = sync.outcome().unwrap();
    assert_eq!(outcome.passes, 1);
    assert!(outcome.complete && outcome.full);
    assert_eq!(outcome.version_id.as_deref(), Some("v1"));
}

#[test]
fn a_changing_location_is_read_again_after_a_growing_wait_and_the_settled_pass_gives_the_cursor() {
    use std::time::Duration;
    let mut sync = apple_vpp::paging::SyncPasses::new(None);
    // Pass 1: the location changed after page 0.
    read_pass(&mut sync, 3, |i| if i == 0 { "v1" } else { "v2" }.into());
    assert_eq!(sync.next_pass(), Some(Duration::from_millis(500)));
    assert_eq!(sync.pass(), 2);
    // Pass 2 changes again; pass 3 settles.
    read_pass(&mut sync, 3, |i| if i == 0 { "v2" } else { "v3" }.into());
    assert_eq!(sync.next_pass(), Some(Duration::from_millis(1000)));
    read_pass(&mut sync, 3, |_| "v3".into());
    assert_eq!(sync.next_pass(), None);
    let outcome = sync.outcome().unwrap();
    assert_eq!((outcome.passes, outcome.complete), (3, true));
    assert_eq!(outcome.version_id.as_deref(), Some("v3"));
}

#[test]
fn a_sync_that_never_settles_stops_after_the_last_pass_with_the_first_passs_cursor() {
    let mut sync = apple_vpp::paging::SyncPasses::new(None);
    for pass in 1..=apple_vpp::paging::MAX_PASSES {
        read_pass(&mut sync, 2, |i| format!("p{pass}-{i}"));
        let again = sync.next_pass();
        assert_eq!(
            again.is_some(),
            pass < apple_vpp::paging::MAX_PASSES,
            "pass {pass}"
        );
    }
    let outcome = sync.outcome().unwrap();
    assert_eq!(outcome.passes, apple_vpp::paging::MAX_PASSES);
    assert!(!outcome.complete);
    // The earliest cursor: the next incremental sync brings every change since.
    assert_eq!(outcome.version_id.as_deref(), Some("p1-0"));
}

#[test]
fn an_incremental_sync_is_read_again_incrementally_and_a_fallback_is_kept() {
    let mut sync = apple_vpp::paging::SyncPasses::new(Some("old"));
    assert!(!sync.traversal().is_full());
    let first = sync.traversal_mut().next_page().unwrap();
    // 9721: the version is no longer valid; the traversal restarts in full.
    sync.traversal_mut()
        .record_error(first, apple(400, 9721))
        .unwrap();
    read_pass(&mut sync, 2, |i| if i == 0 { "f1" } else { "f2" }.into());
    assert!(sync.traversal().is_full());
    assert!(sync.next_pass().is_some());
    // The next pass of a sync that fell back is full, and the fallback is remembered.
    assert!(sync.traversal().is_full());
    read_pass(&mut sync, 2, |_| "f2".into());
    assert_eq!(sync.next_pass(), None);
    let outcome = sync.outcome().unwrap();
    assert!(outcome.fell_back && outcome.full && outcome.complete);
    assert_eq!(outcome.version_id.as_deref(), Some("f2"));
}
