//! Licenses and users on the wire: `GET assets`, `GET assignments`, `GET users` answers
//! (modelled on Apple's samples), the domain types built from them, the typed requests
//! (URL and body exactly), the write answers and the new error numbers.

use crate::common;

use apple_vpp::api::{
    Associate, CreateUsers, Credentials, Disassociate, Endpoint, GetAssets, GetAssignments,
    GetUsers, HttpRequest, Method, Paged, Replay, RequestError, RetireUsers, Revoke, ServiceBase,
    UpdateUsers,
};
use apple_vpp::wire::{
    self, AssetRef, ErrorKind, ErrorNumber, EventResponse, LicensesRequest, Page, PricingParam,
    ProductType, RevokeRequest, UserEntry, UserStatus, UsersRequest,
};
use apple_vpp::{
    AdamId, Asset, Assignment, AssignmentTarget, RecordError, ResponseError, VppToken, VppUser,
};
use common::fixture;
use serde_json::json;

fn token() -> VppToken {
    VppToken::builder(
        "Example School",
        "2031-03-14T09:26:53+00:00".parse().unwrap(),
    )
    .build()
    .unwrap()
}

fn build<E: Endpoint>(endpoint: &E) -> HttpRequest {
    HttpRequest::build(
        endpoint,
        &ServiceBase::default(),
        Credentials::token(&token()),
    )
    .unwrap()
}

fn url<E: Endpoint>(endpoint: &E) -> String {
    build(endpoint).url.to_string()
}

fn body<E: Endpoint>(endpoint: &E) -> String {
    String::from_utf8(build(endpoint).body.expect("a body")).unwrap()
}

// ---- GET assets ----

#[test]
fn assets_page_decodes_with_paging_and_location_fields() {
    let page = GetAssets::decode(200, fixture("assets_page.json").as_bytes()).unwrap();
    let info = page.page_info();
    assert_eq!(info.current_page_index, Some(0));
    assert_eq!(info.next_page_index, Some(1));
    assert!(!info.is_last());
    assert_eq!(info.size, Some(3));
    assert_eq!(info.total_pages, Some(2));
    assert_eq!(
        info.version_id.as_deref(),
        Some("b2c1f5e4-0d8a-4a3c-9a57-1f0e6f1d2c3b")
    );
    assert_eq!(info.u_id.as_deref(), Some("2049025000431439"));
    assert_eq!(
        info.token_expiration_date.as_deref(),
        Some("2030-11-08T22:33:22+0000")
    );
    assert_eq!(
        info.mdm_info.as_ref().and_then(|m| m.name.as_deref()),
        Some("Example MDM")
    );

    let first = &page.items()[0];
    assert_eq!(first.adam_id, Some(AdamId::new("408709785")));
    assert_eq!(first.assigned_count, Some(12));
    assert_eq!(first.available_count, Some(88));
    assert_eq!(first.retired_count, Some(1));
    assert_eq!(first.total_count, Some(101));
    assert_eq!(first.device_assignable, Some(true));
    assert_eq!(first.revocable, Some(true));
    assert_eq!(first.pricing_param, Some(PricingParam::Stdq));
    assert_eq!(first.product_type, Some(ProductType::App));
    assert_eq!(first.supported_platforms, ["iOS", "macOS"]);

    let assets: Vec<Asset> = page
        .into_items()
        .into_iter()
        .map(Asset::try_from)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(assets.len(), 3);
    assert_eq!(assets[0].adam_id.as_str(), "408709785");
    assert_eq!(
        (
            assets[0].assigned,
            assets[0].available,
            assets[0].retired,
            assets[0].total
        ),
        (12, 88, 1, 101)
    );
    assert!(!assets[0].is_unlimited());
    // adamId written as a number: the same digits, as a string.
    assert_eq!(assets[1].adam_id.as_str(), "361309726");
    assert_eq!(assets[1].total, 2_147_483_647);
    assert!(assets[1].is_unlimited());
    assert_eq!(assets[2].pricing_param, PricingParam::Plus);
    assert_eq!(assets[2].product_type, Some(ProductType::Book));
    assert!(!assets[2].device_assignable && !assets[2].revocable);
    assert_eq!(
        assets[2].to_ref(),
        AssetRef::new("1234567890", PricingParam::Plus)
    );
}

#[test]
fn unknown_enum_values_are_kept() {
    let body = br#"{"assets":[{"adamId":"1","pricingParam":"GOLD","productType":"Podcast",
        "assignedCount":0,"availableCount":1,"totalCount":1}],"totalPages":1,"currentPageIndex":0}"#;
    let page = GetAssets::decode(200, body).unwrap();
    let asset = Asset::try_from(page.assets[0].clone()).unwrap();
    assert_eq!(asset.pricing_param, PricingParam::Unknown("GOLD".into()));
    assert_eq!(asset.pricing_param.as_str(), "GOLD");
    assert_eq!(
        asset.product_type,
        Some(ProductType::Unknown("Podcast".into()))
    );
    // Absent retiredCount, deviceAssignable and revocable: 0 and false.
    assert_eq!(asset.retired, 0);
    assert!(!asset.device_assignable && !asset.revocable);
}

#[test]
fn incomplete_assets_name_the_missing_field() {
    let cases = [
        (
            json!({"pricingParam":"STDQ","assignedCount":1,"availableCount":1,"totalCount":2}),
            "Apple sent an asset without `adamId`: the answer is incomplete; sync again later, and report it if it persists",
        ),
        (
            json!({"adamId":"","pricingParam":"STDQ","assignedCount":1,"availableCount":1,"totalCount":2}),
            "Apple sent an asset without `adamId`: the answer is incomplete; sync again later, and report it if it persists",
        ),
        (
            json!({"adamId":"408709785","assignedCount":1,"availableCount":1,"totalCount":2}),
            "Apple sent an asset (408709785) without `pricingParam`: the answer is incomplete; sync again later, and report it if it persists",
        ),
        (
            json!({"adamId":"408709785","pricingParam":"STDQ","availableCount":1,"totalCount":2}),
            "Apple sent an asset (408709785) without `assignedCount`: the answer is incomplete; sync again later, and report it if it persists",
        ),
        (
            json!({"adamId":"408709785","pricingParam":"STDQ","assignedCount":1,"availableCount":1}),
            "Apple sent an asset (408709785) without `totalCount`: the answer is incomplete; sync again later, and report it if it persists",
        ),
        (
            json!({"adamId":"408709785","pricingParam":"STDQ","assignedCount":1,"availableCount":-3,"totalCount":2}),
            "Apple sent an asset (408709785) with a negative `availableCount` (-3); sync again later, and report it if it persists",
        ),
    ];
    for (record, message) in cases {
        let wire: wire::AssetRecord = serde_json::from_value(record).unwrap();
        let err = Asset::try_from(wire).unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn a_count_that_is_not_an_integer_is_a_malformed_answer() {
    let body = br#"{"assets":[{"adamId":"1","totalCount":"many"}]}"#;
    let err = GetAssets::decode(200, body).unwrap_err();
    assert!(
        matches!(err, ResponseError::Malformed { status: 200, .. }),
        "{err:?}"
    );
}

// ---- GET assignments ----

#[test]
fn assignments_page_decodes_to_device_and_user_assignments() {
    let page = GetAssignments::decode(200, fixture("assignments_page.json").as_bytes()).unwrap();
    assert!(page.page_info().is_last());
    assert_eq!(page.page_info().total_pages, Some(1));
    assert_eq!(
        page.page_info().version_id.as_deref(),
        Some("009061cb-87d1-4ea8-ae4c-7849dc49224e")
    );
    let assignments: Vec<Assignment> = page
        .into_items()
        .into_iter()
        .map(Assignment::try_from)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        assignments[0].target,
        AssignmentTarget::User("client-1".into())
    );
    assert_eq!(assignments[0].target.client_user_id(), Some("client-1"));
    assert_eq!(assignments[0].target.serial_number(), None);
    assert_eq!(
        assignments[1].target,
        AssignmentTarget::Device("C02XK1JHJG5H".into())
    );
    assert_eq!(assignments[2].adam_id.as_str(), "361309726");
    assert_eq!(assignments[2].pricing_param, PricingParam::Plus);
    // Flat JSON for storage and for the `licenses` example.
    assert_eq!(
        serde_json::to_value(&assignments[1]).unwrap(),
        json!({"adam_id":"408709785","pricing_param":"STDQ","serial_number":"C02XK1JHJG5H"})
    );
    assert_eq!(
        serde_json::to_value(&assignments[0]).unwrap(),
        json!({"adam_id":"408709785","pricing_param":"STDQ","client_user_id":"client-1"})
    );
    let back: Assignment =
        serde_json::from_value(serde_json::to_value(&assignments[0]).unwrap()).unwrap();
    assert_eq!(back, assignments[0]);
}

#[test]
fn an_empty_incremental_answer_is_normal() {
    for body in [
        r#"{"assignments":[],"currentPageIndex":0,"size":0,"totalPages":0,"versionId":"v9","uId":"2049025000431439"}"#,
        r#"{"currentPageIndex":0,"size":0,"totalPages":1,"versionId":"v9"}"#,
    ] {
        let page = GetAssignments::decode(200, body.as_bytes()).unwrap();
        assert!(page.items().is_empty());
        assert!(page.page_info().is_last());
        assert_eq!(page.page_info().version_id.as_deref(), Some("v9"));
    }
}

#[test]
fn broken_assignments_are_refused_with_a_reason() {
    let cases = [
        (
            json!({"adamId":"408709785","pricingParam":"STDQ"}),
            "Apple sent an assignment (408709785) without `serialNumber or clientUserId`: the answer is incomplete; sync again later, and report it if it persists",
        ),
        (
            json!({"adamId":"408709785","serialNumber":"","pricingParam":"STDQ"}),
            "Apple sent an assignment (408709785) without `serialNumber or clientUserId`: the answer is incomplete; sync again later, and report it if it persists",
        ),
        (
            json!({"serialNumber":"C02X","pricingParam":"STDQ"}),
            "Apple sent an assignment without `adamId`: the answer is incomplete; sync again later, and report it if it persists",
        ),
        (
            json!({"adamId":"408709785","serialNumber":"C02X"}),
            "Apple sent an assignment (408709785) without `pricingParam`: the answer is incomplete; sync again later, and report it if it persists",
        ),
        (
            json!({"adamId":"408709785","serialNumber":"C02X","clientUserId":"u","pricingParam":"STDQ"}),
            "Apple sent an assignment of 408709785 to both a serialNumber and a clientUserId; sync again later, and report it if it persists",
        ),
    ];
    for (record, message) in cases {
        let wire: wire::AssignmentRecord = serde_json::from_value(record).unwrap();
        assert_eq!(Assignment::try_from(wire).unwrap_err().to_string(), message);
    }
}

// ---- GET users ----

#[test]
fn users_page_keeps_retired_duplicates_and_unknown_statuses() {
    let page = GetUsers::decode(200, fixture("users_page.json").as_bytes()).unwrap();
    assert_eq!(page.page_info().current_page_index, Some(2));
    assert_eq!(page.page_info().next_page_index, Some(3));
    assert_eq!(page.page_info().total_pages, Some(5));
    let users: Vec<VppUser> = page
        .into_items()
        .into_iter()
        .map(VppUser::try_from)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(users.len(), 4);
    assert_eq!(users[0].client_user_id, "client-1");
    assert_eq!(users[0].email.as_deref(), Some("anna@example.com"));
    assert_eq!(
        users[0].invite_code.as_deref(),
        Some("f551b37da07146628e8dcbe0111f0364")
    );
    assert_eq!(users[0].status, Some(UserStatus::Registered));
    assert_eq!(users[0].id_hash, None);
    assert!(users[0].is_active());
    assert_eq!(users[1].status, Some(UserStatus::Associated));
    assert_eq!(
        users[1].id_hash.as_deref(),
        Some("kBVIkOe4qdoOGV6Z6Mn+FRg5Qn0=")
    );
    // The same clientUserId, retired.
    assert_eq!(users[2].client_user_id, "client-2");
    assert_eq!(users[2].status, Some(UserStatus::Retired));
    assert!(!users[2].is_active());
    assert_eq!(
        users[3].status,
        Some(UserStatus::Unknown("Suspended".into()))
    );
    assert_eq!(
        serde_json::to_value(&users[1]).unwrap(),
        json!({"client_user_id":"client-2","email":null,"status":"Associated","invite_code":null,"id_hash":"kBVIkOe4qdoOGV6Z6Mn+FRg5Qn0="})
    );
}

#[test]
fn a_user_without_client_user_id_is_refused() {
    let wire: wire::UserRecord = serde_json::from_value(json!({"status":"Registered"})).unwrap();
    assert_eq!(
        VppUser::try_from(wire).unwrap_err(),
        RecordError::Missing {
            record: "a user",
            id: None,
            field: "clientUserId"
        }
    );
}

// ---- request building ----

#[test]
fn get_requests_spell_the_query_as_apple_does() {
    assert_eq!(
        url(&GetAssets::new()),
        "https://vpp.itunes.apple.com/mdm/v2/assets"
    );
    let all = GetAssets::new()
        .adam_id("408709785")
        .product_type(ProductType::App)
        .pricing_param(PricingParam::Stdq)
        .device_assignable(true)
        .revocable(false)
        .assigned_count(Some(1), Some(10))
        .available_count(Some(0), None)
        .unlimited(false)
        .at_page(3);
    assert_eq!(
        url(&all),
        "https://vpp.itunes.apple.com/mdm/v2/assets?adamId=408709785&productType=App&pricingParam=STDQ&deviceAssignable=true&revocable=false&minAssignedCount=1&maxAssignedCount=10&minAvailableCount=0&unlimited=false&pageIndex=3"
    );
    let assignments = GetAssignments::new()
        .adam_id("408709785")
        .client_user_id("client 1")
        .serial_number("C02XK1JHJG5H")
        .pricing_param(PricingParam::Plus)
        .exclude_inactive_users(true)
        .include_user_state(true)
        .since_version_id("009061cb-87d1-4ea8-ae4c-7849dc49224e");
    assert_eq!(
        url(&assignments.at_page(2)),
        "https://vpp.itunes.apple.com/mdm/v2/assignments?adamId=408709785&clientUserId=client+1&serialNumber=C02XK1JHJG5H&pricingParam=PLUS&excludeInactiveUsers=true&includeUserState=true&pageIndex=2&sinceVersionId=009061cb-87d1-4ea8-ae4c-7849dc49224e"
    );
    assert_eq!(
        url(&assignments.page(0, true)),
        "https://vpp.itunes.apple.com/mdm/v2/assignments?adamId=408709785&clientUserId=client+1&serialNumber=C02XK1JHJG5H&pricingParam=PLUS&excludeInactiveUsers=true&includeUserState=true&pageIndex=0"
    );
    let users = GetUsers::new()
        .active_only(true)
        .retired_only(false)
        .client_user_id("client-1")
        .since_version_id("v7");
    assert_eq!(users.since_version(), Some("v7"));
    assert_eq!(users.full().since_version(), None);
    assert_eq!(
        url(&users.page(4, false)),
        "https://vpp.itunes.apple.com/mdm/v2/users?activeOnly=true&retiredOnly=false&clientUserId=client-1&pageIndex=4&sinceVersionId=v7"
    );
    assert_eq!(GetAssets::new().since_version(), None);
    assert_eq!(GetAssets::new().full(), GetAssets::new());
    for request in [
        build(&GetAssets::new()),
        build(&GetAssignments::new()),
        build(&GetUsers::new()),
    ] {
        assert_eq!(request.method, Method::GET);
        assert_eq!(request.replay, Replay::Safe);
        assert_eq!(request.body, None);
        assert!(request.authorization.is_some());
    }
}

#[test]
fn list_and_write_requests_need_the_token() {
    let base = ServiceBase::default();
    assert_eq!(
        HttpRequest::build(&GetAssignments::new(), &base, Credentials::NONE).unwrap_err(),
        RequestError::MissingToken
    );
    let revoke = Revoke(RevokeRequest::new(["C02X"], Vec::<String>::new()));
    assert_eq!(
        HttpRequest::build(&revoke, &base, Credentials::NONE).unwrap_err(),
        RequestError::MissingToken
    );
}

#[test]
fn write_bodies_are_exact_and_leave_out_empty_lists() {
    let stdq = AssetRef::new("408709785", PricingParam::Stdq);
    let to_devices = LicensesRequest::new(
        [stdq.clone()],
        ["C02XK1JHJG5H", "DMPVX0Q2HP5Q"],
        Vec::<String>::new(),
    );
    let associate = Associate(to_devices.clone());
    let request = build(&associate);
    assert_eq!(request.method, Method::POST);
    assert_eq!(request.replay, Replay::IfRefused);
    assert_eq!(
        request.url.as_str(),
        "https://vpp.itunes.apple.com/mdm/v2/assets/associate"
    );
    assert_eq!(
        body(&associate),
        r#"{"assets":[{"adamId":"408709785","pricingParam":"STDQ"}],"serialNumbers":["C02XK1JHJG5H","DMPVX0Q2HP5Q"]}"#
    );
    let to_users = LicensesRequest::new(
        [stdq, AssetRef::new("361309726", PricingParam::Plus)],
        Vec::<String>::new(),
        ["client-1"],
    );
    let disassociate = Disassociate(to_users);
    assert_eq!(
        build(&disassociate).url.as_str(),
        "https://vpp.itunes.apple.com/mdm/v2/assets/disassociate"
    );
    assert_eq!(
        body(&disassociate),
        r#"{"assets":[{"adamId":"408709785","pricingParam":"STDQ"},{"adamId":"361309726","pricingParam":"PLUS"}],"clientUserIds":["client-1"]}"#
    );
    let both = LicensesRequest::new([AssetRef::new("1", PricingParam::Stdq)], ["S1"], ["U1"]);
    assert_eq!(
        String::from_utf8(both.to_json()).unwrap(),
        r#"{"assets":[{"adamId":"1","pricingParam":"STDQ"}],"clientUserIds":["U1"],"serialNumbers":["S1"]}"#
    );

    let revoke = Revoke(RevokeRequest::new(["C02XK1JHJG5H"], Vec::<String>::new()));
    assert_eq!(
        build(&revoke).url.as_str(),
        "https://vpp.itunes.apple.com/mdm/v2/assets/revoke"
    );
    assert_eq!(build(&revoke).replay, Replay::IfRefused);
    assert_eq!(body(&revoke), r#"{"serialNumbers":["C02XK1JHJG5H"]}"#);
    assert_eq!(
        body(&Revoke(RevokeRequest::new(
            Vec::<String>::new(),
            ["client-1", "client-2"]
        ))),
        r#"{"clientUserIds":["client-1","client-2"]}"#
    );

    let users = UsersRequest::new([
        UserEntry::new("client-1").with_email("anna@example.com"),
        UserEntry::new("client-2").with_managed_apple_id("ben@appleid.example.com"),
        UserEntry::new("client-3"),
    ]);
    let expected = r#"{"users":[{"clientUserId":"client-1","email":"anna@example.com"},{"clientUserId":"client-2","managedAppleId":"ben@appleid.example.com"},{"clientUserId":"client-3"}]}"#;
    // A replayed create makes duplicate users: never sent again blind.
    for (request, path, replay) in [
        (
            build(&CreateUsers(users.clone())),
            "users/create",
            Replay::Never,
        ),
        (
            build(&UpdateUsers(users.clone())),
            "users/update",
            Replay::IfRefused,
        ),
        (
            build(&RetireUsers(users.clone())),
            "users/retire",
            Replay::IfRefused,
        ),
    ] {
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.replay, replay, "{path}");
        assert_eq!(
            request.url.as_str(),
            format!("https://vpp.itunes.apple.com/mdm/v2/{path}")
        );
        assert_eq!(String::from_utf8(request.body.unwrap()).unwrap(), expected);
    }
}

// ---- write answers ----

#[test]
fn event_response_decodes_and_needs_an_event_id() {
    let body = br#"{"eventId":"3a4e2c1b-5d6f-4a7b-8c9d-0e1f2a3b4c5d","tokenExpirationDate":"2030-11-08T22:33:22+0000","uId":2049025000431439}"#;
    let event: EventResponse = Associate::decode(200, body).unwrap();
    assert_eq!(
        event.event_id.as_str(),
        "3a4e2c1b-5d6f-4a7b-8c9d-0e1f2a3b4c5d"
    );
    assert_eq!(event.u_id.as_deref(), Some("2049025000431439"));
    assert_eq!(
        event.token_expiration_date.as_deref(),
        Some("2030-11-08T22:33:22+0000")
    );
    let err = Revoke::decode(200, br#"{"uId":"1"}"#).unwrap_err();
    match err {
        ResponseError::Malformed {
            status,
            reason,
            source,
        } => {
            assert_eq!(status, 200);
            assert!(reason.contains("eventId"), "{reason}");
            let json = source.expect("serde's error is kept");
            assert_eq!(json.classify(), serde_json::error::Category::Data);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn apple_errors_on_writes_and_lists_are_typed() {
    let err = Associate::decode(
        400,
        br#"{"errorNumber":9709,"errorMessage":"Not enough licenses."}"#,
    )
    .unwrap_err();
    let apple = err.apple().unwrap();
    assert_eq!(apple.number, ErrorNumber::NotEnoughLicenses);
    assert_eq!(err.kind(), ErrorKind::LicenseConflict);
    assert!(!err.kind().is_retryable());

    let err = GetAssignments::decode(
        400,
        br#"{"errorNumber":9721,"errorMessage":"Invalid versionId."}"#,
    )
    .unwrap_err();
    assert_eq!(err.apple().unwrap().number, ErrorNumber::InvalidVersionId);

    let err = GetUsers::decode(
        503,
        br#"{"errorNumber":9729,"errorMessage":"Unavailable."}"#,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Retryable);
    assert!(err.kind().is_retryable());

    let err = GetAssets::decode(403, br#"{"errorNumber":9647}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(
        err.apple().unwrap().number.advice(),
        "this is a legacy VPP account token, which Apps and Books v2 does not accept: download a location token from Apple Business Manager > Settings > Apps and Books"
    );
}

#[test]
fn new_error_numbers_are_named_classified_and_advised() {
    use ErrorKind as K;
    use ErrorNumber as N;
    let table = [
        (9609, N::RegisteredUserNotFound, K::LicenseConflict),
        (9610, N::LicenseNotFound, K::LicenseConflict),
        (9616, N::LicenseAlreadyAssigned, K::LicenseConflict),
        (9634, N::ServiceRemoved, K::Unsupported),
        (9637, N::FacilitatorNotSupported, K::Unsupported),
        (9647, N::LegacyTokenNotSupported, K::Unsupported),
        (9650, N::BadPageIndex, K::RequestInvalid),
        (9700, N::OverLimit(9700), K::RequestInvalid),
        (9701, N::OverLimit(9701), K::RequestInvalid),
        (9702, N::OverLimit(9702), K::RequestInvalid),
        (9703, N::DuplicateInRequest(9703), K::RequestInvalid),
        (9704, N::DuplicateInRequest(9704), K::RequestInvalid),
        (9705, N::DuplicateInRequest(9705), K::RequestInvalid),
        (9706, N::NotRevocable, K::LicenseConflict),
        (9707, N::NotDeviceAssignable, K::LicenseConflict),
        (9708, N::EventNotFound, K::RequestInvalid),
        (9709, N::NotEnoughLicenses, K::LicenseConflict),
        (9716, N::ClientUserIdExists, K::LicenseConflict),
        (9718, N::MissingAssets, K::RequestInvalid),
        (9719, N::MissingUsersOrSerials, K::RequestInvalid),
        (9721, N::InvalidVersionId, K::RequestInvalid),
        (9729, N::Unavailable, K::Retryable),
    ];
    let mut advice = std::collections::HashSet::new();
    for (code, number, kind) in table {
        assert_eq!(ErrorNumber::from_code(code), number, "{code}");
        assert_eq!(number.code(), code);
        assert_eq!(number.kind(), kind, "{code}");
        let text = number.advice();
        assert!(!text.is_empty(), "{code}");
        if !matches!(code, 9702 | 9701 | 9704 | 9705) {
            assert!(advice.insert(text), "{code} shares advice: {text}");
        }
    }
    // Numbers without their own sentence fall back to their class's.
    assert_eq!(
        ErrorNumber::TokenRevoked.advice(),
        ErrorKind::TokenRevoked.advice()
    );
    assert_eq!(
        ErrorNumber::RequestValidation(9715).advice(),
        ErrorKind::RequestInvalid.advice()
    );
}

#[test]
fn new_public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Asset>();
    check::<Assignment>();
    check::<VppUser>();
    check::<RecordError>();
    check::<wire::AssetsResponse>();
    check::<wire::AssignmentsResponse>();
    check::<wire::UsersResponse>();
    check::<EventResponse>();
    check::<Associate>();
    check::<GetAssignments>();
    check::<apple_vpp::PageTraversal>();
    check::<apple_vpp::PagingError>();
    check::<apple_vpp::BatchError>();
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// An adamId written as a number or as a string decodes to the same digits, and
        /// any count up to i64 survives (2147483647 and beyond).
        #[test]
        fn adam_ids_and_counts(id in 0u64..u64::MAX, total in 0i64..i64::MAX) {
            let as_number = format!(r#"{{"assets":[{{"adamId":{id},"pricingParam":"STDQ","assignedCount":0,"availableCount":0,"totalCount":{total}}}]}}"#);
            let as_string = as_number.replacen(&format!(":{id},"), &format!(":\"{id}\","), 1);
            let a = GetAssets::decode(200, as_number.as_bytes()).unwrap();
            let b = GetAssets::decode(200, as_string.as_bytes()).unwrap();
            prop_assert_eq!(&a, &b);
            let asset = Asset::try_from(a.assets[0].clone()).unwrap();
            prop_assert_eq!(asset.adam_id.as_str(), id.to_string());
            prop_assert_eq!(asset.total, total as u64);
            prop_assert_eq!(asset.is_unlimited(), total == 2_147_483_647);
        }

        /// Whatever JSON comes back, decoding a list answer never panics.
        #[test]
        fn decoding_never_panics(body in prop::collection::vec(any::<u8>(), 0..256), status in 100u16..600) {
            let _ = GetAssets::decode(status, &body);
            let _ = GetAssignments::decode(status, &body);
            let _ = GetUsers::decode(status, &body);
            let _ = Associate::decode(status, &body);
        }
    }
}
