//! Batching by Apple's limits: exact batch sizes at the boundaries, the caller's order,
//! duplicates removed, empty requests refused before sending, limits from the service
//! configuration.

use apple_vpp::BatchError;
use apple_vpp::batching::{BatchLimits, license_batches, revoke_batches, user_batches};
use apple_vpp::wire::{
    AssetRef, LicensesRequest, PricingParam, RevokeRequest, ServiceConfig, UserEntry, UsersRequest,
};

fn serials(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("C02X{i:06}")).collect()
}

fn users(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user-{i}")).collect()
}

fn app() -> AssetRef {
    AssetRef::new("408709785", PricingParam::Stdq)
}

fn none() -> Vec<String> {
    Vec::new()
}

fn limits(serials: usize, users: usize, assets: usize) -> BatchLimits {
    let mut l = BatchLimits::default();
    l.max_serial_numbers = serials;
    l.max_client_user_ids = users;
    l.max_assets = assets;
    l
}

fn serial_sizes(batches: &[LicensesRequest]) -> Vec<usize> {
    batches.iter().map(|b| b.serial_numbers.len()).collect()
}

#[test]
fn twenty_five_hundred_serials_make_three_requests_in_order() {
    let all = serials(2500);
    let batches = license_batches(
        LicensesRequest::new([app()], all.clone(), none()),
        &BatchLimits::default(),
    )
    .unwrap();
    assert_eq!(serial_sizes(&batches), [1000, 1000, 500]);
    let flattened: Vec<String> = batches
        .iter()
        .flat_map(|b| b.serial_numbers.clone())
        .collect();
    assert_eq!(flattened, all, "the caller's order, nothing lost");
    assert!(
        batches
            .iter()
            .all(|b| b.assets == [app()] && b.client_user_ids.is_empty())
    );
}

#[test]
fn boundaries_of_the_serial_limit() {
    let l = limits(1000, 1000, 25);
    for (n, expected) in [
        (1, vec![1]),
        (999, vec![999]),
        (1000, vec![1000]),
        (1001, vec![1000, 1]),
        (2000, vec![1000, 1000]),
        (2001, vec![1000, 1000, 1]),
    ] {
        let batches =
            license_batches(LicensesRequest::new([app()], serials(n), none()), &l).unwrap();
        assert_eq!(serial_sizes(&batches), expected, "{n}");
    }
}

#[test]
fn duplicates_are_removed_keeping_the_first_occurrence() {
    let request = LicensesRequest::new(
        [app(), app(), AssetRef::new("408709785", PricingParam::Plus)],
        ["B", "A", "B", "C", "A"],
        ["u2", "u1", "u2"],
    );
    let batches = license_batches(request, &BatchLimits::default()).unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(
        batches[0].assets,
        [app(), AssetRef::new("408709785", PricingParam::Plus)],
        "the same adamId at another pricing is another asset"
    );
    assert_eq!(batches[0].serial_numbers, ["B", "A", "C"]);
    assert_eq!(batches[0].client_user_ids, ["u2", "u1"]);
    // Duplicates do not count against the limit: 1000 distinct serials, each twice.
    let twice: Vec<String> = serials(1000)
        .into_iter()
        .flat_map(|s| [s.clone(), s])
        .collect();
    let batches = license_batches(
        LicensesRequest::new([app()], twice, none()),
        &BatchLimits::default(),
    )
    .unwrap();
    assert_eq!(serial_sizes(&batches), [1000]);
}

#[test]
fn serials_and_users_together_respect_both_limits() {
    let l = limits(3, 2, 25);
    let batches = license_batches(LicensesRequest::new([app()], serials(7), users(3)), &l).unwrap();
    let shape: Vec<(usize, usize)> = batches
        .iter()
        .map(|b| (b.serial_numbers.len(), b.client_user_ids.len()))
        .collect();
    assert_eq!(shape, [(3, 2), (3, 1), (1, 0)]);
    assert_eq!(batches[1].client_user_ids, ["user-2"]);
    assert_eq!(batches[2].serial_numbers, ["C02X000006"]);
    // Users only, more of them than serials.
    let batches = license_batches(LicensesRequest::new([app()], serials(1), users(5)), &l).unwrap();
    let shape: Vec<(usize, usize)> = batches
        .iter()
        .map(|b| (b.serial_numbers.len(), b.client_user_ids.len()))
        .collect();
    assert_eq!(shape, [(1, 2), (0, 2), (0, 1)]);
    // Each batch's JSON leaves out the empty list.
    assert_eq!(
        String::from_utf8(batches[2].to_json()).unwrap(),
        r#"{"assets":[{"adamId":"408709785","pricingParam":"STDQ"}],"clientUserIds":["user-4"]}"#
    );
}

#[test]
fn more_assets_than_max_assets_pair_each_slice_with_every_target_slice() {
    let assets: Vec<AssetRef> = (0..3)
        .map(|i| AssetRef::new(format!("10{i}"), PricingParam::Stdq))
        .collect();
    let batches = license_batches(
        LicensesRequest::new(assets, serials(3), none()),
        &limits(2, 2, 2),
    )
    .unwrap();
    let shape: Vec<(Vec<&str>, usize)> = batches
        .iter()
        .map(|b| {
            (
                b.assets.iter().map(|a| a.adam_id.as_str()).collect(),
                b.serial_numbers.len(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (vec!["100", "101"], 2),
            (vec!["100", "101"], 1),
            (vec!["102"], 2),
            (vec!["102"], 1)
        ]
    );
}

#[test]
fn empty_requests_are_refused_before_sending() {
    let l = BatchLimits::default();
    let no_assets = license_batches(LicensesRequest::new([], ["S1"], none()), &l);
    assert_eq!(no_assets, Err(BatchError::NoAssets));
    assert_eq!(
        no_assets.unwrap_err().to_string(),
        "the request names no app or book: choose at least one"
    );
    let no_targets = license_batches(LicensesRequest::new([app()], none(), none()), &l);
    assert_eq!(no_targets, Err(BatchError::NoTargets));
    assert_eq!(
        no_targets.unwrap_err().to_string(),
        "the request names no device or user: give at least one serial number or user"
    );
    assert_eq!(
        license_batches(LicensesRequest::default(), &l),
        Err(BatchError::NoAssets)
    );
    assert_eq!(
        revoke_batches(RevokeRequest::default(), &l),
        Err(BatchError::NoTargets)
    );
    let no_users = user_batches(UsersRequest::default(), &l);
    assert_eq!(no_users, Err(BatchError::NoUsers));
    assert_eq!(
        no_users.unwrap_err().to_string(),
        "the request names no user: give at least one"
    );
}

#[test]
fn blank_identifiers_are_refused() {
    let l = BatchLimits::default();
    for (request, field) in [
        (
            LicensesRequest::new([app()], ["S1", " "], none()),
            "serialNumbers",
        ),
        (LicensesRequest::new([app()], ["S1"], [""]), "clientUserIds"),
        (
            LicensesRequest::new([AssetRef::new("", PricingParam::Stdq)], ["S1"], none()),
            "adamId",
        ),
    ] {
        let err = license_batches(request, &l).unwrap_err();
        assert_eq!(err, BatchError::Blank { field });
        assert_eq!(
            err.to_string(),
            format!("the request holds an empty {field}: remove it or fill it in")
        );
    }
    assert_eq!(
        revoke_batches(RevokeRequest::new([""], none()), &l),
        Err(BatchError::Blank {
            field: "serialNumbers"
        })
    );
    assert_eq!(
        user_batches(UsersRequest::new([UserEntry::new("")]), &l),
        Err(BatchError::Blank {
            field: "clientUserId"
        })
    );
}

#[test]
fn revoke_uses_the_revoke_limits() {
    let l = BatchLimits::default();
    assert_eq!(
        (l.max_revoke_serial_numbers, l.max_revoke_client_user_ids),
        (100, 100)
    );
    let batches = revoke_batches(RevokeRequest::new(serials(250), users(101)), &l).unwrap();
    let shape: Vec<(usize, usize)> = batches
        .iter()
        .map(|b| (b.serial_numbers.len(), b.client_user_ids.len()))
        .collect();
    assert_eq!(shape, [(100, 100), (100, 1), (50, 0)]);
    let batches = revoke_batches(RevokeRequest::new(["S1", "S1"], ["u", "u"]), &l).unwrap();
    assert_eq!(
        String::from_utf8(batches[0].to_json()).unwrap(),
        r#"{"clientUserIds":["u"],"serialNumbers":["S1"]}"#
    );
}

#[test]
fn users_split_by_max_users_keeping_the_first_entry_per_id() {
    let mut l = BatchLimits::default();
    l.max_users = 2;
    let request = UsersRequest::new([
        UserEntry::new("a").with_email("a@example.com"),
        UserEntry::new("b"),
        UserEntry::new("a").with_email("other@example.com"),
        UserEntry::new("c"),
        UserEntry::new("d"),
        UserEntry::new("e"),
    ]);
    let batches = user_batches(request, &l).unwrap();
    let ids: Vec<Vec<&str>> = batches
        .iter()
        .map(|b| b.users.iter().map(|u| u.client_user_id.as_str()).collect())
        .collect();
    assert_eq!(ids, [vec!["a", "b"], vec!["c", "d"], vec!["e"]]);
    assert_eq!(batches[0].users[0].email.as_deref(), Some("a@example.com"));
}

#[test]
fn limits_come_from_the_service_configuration_with_defaults() {
    let config: ServiceConfig = serde_json::from_str(
        r#"{"limits":{"maxAssets":10,"maxClientUserIds":500,"maxSerialNumbers":200,
            "maxRevokeClientUserIds":40,"maxRevokeSerialNumbers":30,"maxUsers":50,
            "maxRequestPerSecond":12}}"#,
    )
    .unwrap();
    assert_eq!(config.limits.max_request_per_second, Some(12));
    let l = BatchLimits::from(&config.limits);
    assert_eq!(
        (
            l.max_assets,
            l.max_client_user_ids,
            l.max_serial_numbers,
            l.max_revoke_client_user_ids,
            l.max_revoke_serial_numbers,
            l.max_users
        ),
        (10, 500, 200, 40, 30, 50)
    );
    // Absent or zero: Apple's documented defaults.
    let config: ServiceConfig =
        serde_json::from_str(r#"{"limits":{"maxSerialNumbers":0,"maxUsers":25}}"#).unwrap();
    let l = BatchLimits::from(&config.limits);
    assert_eq!(l.max_serial_numbers, 1000);
    assert_eq!(l.max_users, 25);
    assert_eq!(l.max_assets, 25);
    assert_eq!(
        BatchLimits::from(&ServiceConfig::default().limits),
        BatchLimits::default()
    );
}
