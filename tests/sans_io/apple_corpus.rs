//! Apple's published answers (`tests/fixtures/apple/`, sources in its `SOURCES.md`), each
//! read through the public decoder of its endpoint, with the facts it carries asserted.

use crate::common;

use apple_vpp::api::{
    Associate, CreateUsers, Disassociate, Endpoint, GetAssets, GetAssignments, GetClientConfig,
    GetEventStatus, GetLegacyClientConfig, GetServiceConfig, GetUsers, RetireUsers, Revoke,
    SetClientConfig, UpdateUsers,
};
use apple_vpp::notification::{self, NotificationSecret, Payload, ReceiveLimits};
use apple_vpp::wire::Page as _;
use apple_vpp::wire::{
    ErrorNumber, EventResponse, EventState, EventType, MdmInfo, NotificationResult,
    NotificationType, NumberOrString, Platform, PricingParam, ProductType, StatusResponse,
    UserStatus,
};
use apple_vpp::{AdamId, Asset, Assignment, AssignmentTarget, ResponseError, VppUser};
use common::fixture;

/// One of Apple's samples, as stored.
fn apple(name: &str) -> String {
    fixture(&format!("apple/{name}"))
}

/// Apple elides records in two samples with a line holding only `...`. This drops that line
/// and the comma that then ends the record before it, in memory; the stored file stays as
/// Apple printed it.
fn without_elision(text: &str) -> String {
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
    lines.join("\n")
}

#[test]
fn the_elided_samples_are_kept_as_apple_printed_them() {
    for name in [
        "v2/assignments.json",
        "notifications/asset_management_associate.json",
    ] {
        let text = apple(name);
        assert!(text.lines().any(|l| l.trim() == "..."), "{name}");
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
        serde_json::from_str::<serde_json::Value>(&without_elision(&text))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

// ---- client and service configuration ----

fn assert_apple_client_config(c: &apple_vpp::wire::ClientConfig) {
    assert_eq!(c.country_iso2a_code.as_deref(), Some("US"));
    assert_eq!(c.default_platform, Some(Platform::VolumeStore));
    assert_eq!(c.location_name.as_deref(), Some("PS01"));
    assert_eq!(
        c.mdm_info,
        Some(
            MdmInfo::default()
                .with_id("522d5c43-44ca-4f7e-ba7a-53570cf60765")
                .with_name("Apple Configurator 2")
                .with_metadata("2.13.3")
        )
    );
    assert_eq!(
        c.notification_auth_token
            .as_ref()
            .map(|s| s.expose_secret()),
        Some("SUp3rS3Cr3t")
    );
    assert_eq!(
        c.notification_url.as_deref(),
        Some("https://www.next.com/notification")
    );
    assert_eq!(
        c.subscribed_notification_types,
        Some(vec![
            NotificationType::AssetCount,
            NotificationType::AssetManagement,
            NotificationType::UserManagement,
            NotificationType::UserAssociated,
        ])
    );
    assert_eq!(
        c.token_expiration().unwrap().unwrap().to_rfc3339(),
        "2030-11-08T22:33:22+00:00"
    );
    assert_eq!(c.u_id.as_deref(), Some("2049025000431439"));
    assert_eq!(c.website_url.as_deref(), Some("https://school.apple.com"));
}

#[test]
fn client_config_get_sample() {
    let c = GetClientConfig::decode(200, apple("v2/client_config_get.json").as_bytes()).unwrap();
    assert_apple_client_config(&c);
    // The secret Apple echoes back stays out of Debug.
    assert!(!format!("{c:?}").contains("SUp3rS3Cr3t"));
}

#[test]
fn client_config_post_sample_is_the_whole_configuration() {
    let c = SetClientConfig::decode(200, apple("v2/client_config_post.json").as_bytes()).unwrap();
    assert_apple_client_config(&c);
}

#[test]
fn service_config_sample() {
    let s = GetServiceConfig::decode(200, apple("v2/service_config.json").as_bytes()).unwrap();
    assert_eq!(s.error_codes.len(), 38);
    assert_eq!(s.error_codes[0].error_number, ErrorNumber::from_code(9601));
    assert_eq!(s.error_codes[0].error_message, "Login required.");
    let last = s.error_codes.last().unwrap();
    assert_eq!(last.error_number, ErrorNumber::from_code(9728));
    assert_eq!(
        last.error_message,
        "The provided notification URL is unreachable."
    );
    let l = &s.limits;
    assert_eq!(l.max_assets, Some(25));
    assert_eq!(l.max_users, Some(100));
    assert_eq!(l.max_notification_length, Some(512));
    assert_eq!(l.max_revoke_client_user_ids, Some(100));
    assert_eq!(l.max_client_user_ids, Some(1000));
    assert_eq!(l.max_serial_numbers, Some(1000));
    assert_eq!(l.max_revoke_serial_numbers, Some(100));
    assert_eq!(l.max_request_per_second, Some(15));
    assert_eq!(l.max_mdm_name_length, Some(100));
    assert_eq!(l.max_mdm_metadata_length, Some(255));
    assert_eq!(l.max_mdm_id_length, Some(100));
    // The subscription limits are kept, not dropped.
    assert_eq!(l.other.get("maxSubscriptions"), Some(&25.into()));
    assert_eq!(
        l.other.get("maxSubscriptionClientUserIds"),
        Some(&1000.into())
    );
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    assert_eq!(
        s.notification_types,
        [
            NotificationType::AssetManagement,
            NotificationType::UserManagement,
            NotificationType::UserAssociated,
            NotificationType::AssetCount,
        ]
    );
    assert_eq!(
        s.urls.client_config.as_deref(),
        Some("https://vpp.itunes.apple.com/mdm/v2/client/config")
    );
    assert_eq!(
        s.urls.get_assets.as_deref(),
        Some("https://vpp.itunes.apple.com/mdm/v2/assets")
    );
    assert_eq!(
        s.urls.content_metadata_lookup.as_deref(),
        Some("https://uclient-api.itunes.apple.com/WebObjects/MZStorePlatform.woa/wa/lookup")
    );
    assert_eq!(s.urls.other.len(), 10, "{:?}", s.urls.other.keys());
    assert!(
        s.urls.other["invitationEmail"]
            .as_str()
            .unwrap()
            .contains("inviteCode=%25inviteCode%25")
    );
}

// ---- lists ----

#[test]
fn assets_sample() {
    let page = GetAssets::decode(200, apple("v2/assets.json").as_bytes()).unwrap();
    let info = page.page_info();
    assert_eq!(info.current_page_index, Some(0));
    assert_eq!(info.size, Some(5));
    assert_eq!(info.total_pages, Some(1));
    assert!(info.is_last());
    assert_eq!(
        info.version_id.as_deref(),
        Some("70e8c740-514c-11eb-bb63-a90b882fcd52")
    );
    assert_eq!(info.u_id.as_deref(), Some("2049025000431439"));
    let assets: Vec<Asset> = page
        .into_items()
        .into_iter()
        .map(Asset::try_from)
        .collect::<Result<_, _>>()
        .unwrap();
    let ids: Vec<&str> = assets.iter().map(|a| a.adam_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "408709785",
            "377298193",
            "361309726",
            "361304891",
            "361285480"
        ]
    );
    for a in &assets {
        assert_eq!(
            (a.assigned, a.available, a.retired, a.total),
            (5000, 10000, 0, 15000)
        );
        assert!(a.device_assignable && a.revocable && !a.is_unlimited());
        assert_eq!(a.pricing_param, PricingParam::Stdq);
        assert_eq!(a.product_type, Some(ProductType::App));
        assert_eq!(a.supported_platforms, ["iOS"]);
    }
}

#[test]
fn assignments_sample() {
    let body = without_elision(&apple("v2/assignments.json"));
    let page = GetAssignments::decode(200, body.as_bytes()).unwrap();
    assert_eq!(page.page_info().size, Some(999));
    assert_eq!(
        page.page_info().version_id.as_deref(),
        Some("ef149b10-55c7-11eb-a8a1-490feefbbca0")
    );
    let assignments: Vec<Assignment> = page
        .into_items()
        .into_iter()
        .map(Assignment::try_from)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(assignments.len(), 5);
    assert_eq!(assignments[0].adam_id, AdamId::new("408709785"));
    assert_eq!(assignments[4].adam_id, AdamId::new("361285480"));
    for a in &assignments {
        assert_eq!(
            a.target,
            AssignmentTarget::Device("443d8def-f14b-4422-9997-75c83f595c24".into())
        );
        assert_eq!(a.pricing_param, PricingParam::Stdq);
    }
}

#[test]
fn users_sample() {
    let page = GetUsers::decode(200, apple("v2/users.json").as_bytes()).unwrap();
    assert_eq!(page.page_info().size, Some(3));
    assert_eq!(
        page.page_info().version_id.as_deref(),
        Some("021f10a0-7035-11eb-9f67-bd1df52e1e13")
    );
    let users: Vec<VppUser> = page
        .into_items()
        .into_iter()
        .map(VppUser::try_from)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(users.len(), 3);
    assert_eq!(users[0].client_user_id, "client-101");
    assert_eq!(users[0].email.as_deref(), Some("client-101@apple.com"));
    assert_eq!(
        users[0].invite_code.as_deref(),
        Some("46bc93ea3acd41e0a4919c02db0d7d3a")
    );
    assert_eq!(users[0].status, Some(UserStatus::Registered));
    assert!(users[0].is_active());
    assert_eq!(
        users[1].invite_code.as_deref(),
        Some("d2ab1319ff6448f89bb1b0e010cf68e0")
    );
    // Apple's retired user carries neither an invitation nor an Apple Account hash.
    assert_eq!(users[2].client_user_id, "client-103");
    assert_eq!(users[2].email.as_deref(), Some("client-1031@apple.com"));
    assert_eq!(users[2].status, Some(UserStatus::Retired));
    assert_eq!(users[2].invite_code, None);
    assert_eq!(users[2].id_hash, None);
    assert!(!users[2].is_active());
}

#[test]
fn a_user_record_is_told_apart_by_its_invite_code() {
    let page = GetUsers::decode(200, apple("v2/users.json").as_bytes()).unwrap();
    let users: Vec<VppUser> = page
        .into_items()
        .into_iter()
        .map(VppUser::try_from)
        .collect::<Result<_, _>>()
        .unwrap();
    let key = users[0].record_key();
    assert_eq!(key.client_user_id, "client-101");
    assert_eq!(key.invite_code, Some("46bc93ea3acd41e0a4919c02db0d7d3a"));
    assert_ne!(users[0].record_key(), users[1].record_key());
    // Apple's retired record carries no inviteCode.
    assert_eq!(users[2].record_key().invite_code, None);

    // A clientUserId created again after it was retired: the records differ by their
    // inviteCode, and the key borrows from the user (no copy).
    let again = r#"{"users":[{"clientUserId":"client-101","inviteCode":"46bc93ea3acd41e0a4919c02db0d7d3a","status":"Retired"},{"clientUserId":"client-101","inviteCode":"f551b37da07146628e8dcbe0111f0364","status":"Registered"}]}"#;
    let page = GetUsers::decode(200, again.as_bytes()).unwrap();
    let users: Vec<VppUser> = page
        .into_items()
        .into_iter()
        .map(VppUser::try_from)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(users[0].client_user_id, users[1].client_user_id);
    assert_ne!(users[0].record_key(), users[1].record_key());
    let keys: std::collections::BTreeSet<_> = users.iter().map(VppUser::record_key).collect();
    assert_eq!(keys.len(), 2);
}

// ---- writes and their events ----

fn assert_event(event: &EventResponse, id: &str) {
    assert_eq!(event.event_id.as_str(), id);
    assert_eq!(
        event.token_expiration_date.as_deref(),
        Some("2030-11-08T22:33:22+0000")
    );
    assert_eq!(event.u_id.as_deref(), Some("2049025000431439"));
}

#[test]
fn write_samples_answer_their_event() {
    let read = |name: &str| apple(&format!("v2/{name}.json"));
    assert_event(
        &Associate::decode(200, read("associate").as_bytes()).unwrap(),
        "954910a8-3d9c-4fde-948d-253e5aef431a",
    );
    assert_event(
        &Disassociate::decode(200, read("disassociate").as_bytes()).unwrap(),
        "9f418433-09c5-41e8-abc6-9016ac104d5b",
    );
    assert_event(
        &Revoke::decode(200, read("revoke").as_bytes()).unwrap(),
        "5c2113e7-bf12-458a-9a6d-55bd75904392",
    );
    assert_event(
        &CreateUsers::decode(200, read("users_create").as_bytes()).unwrap(),
        "1039246b-97f5-4bdc-b3b6-78362dbf7652",
    );
    assert_event(
        &CreateUsers::decode(200, read("users_create_endpoint").as_bytes()).unwrap(),
        "af70eb9b-0ab6-405d-87d8-3b9ed0c4f370",
    );
    assert_event(
        &UpdateUsers::decode(200, read("users_update").as_bytes()).unwrap(),
        "79b658bc-f36c-4988-a6fe-a07fae196519",
    );
    assert_event(
        &RetireUsers::decode(200, read("users_retire").as_bytes()).unwrap(),
        "dafdad60-4ef6-49b0-8150-64323f56d88d",
    );
}

fn status(name: &str) -> StatusResponse {
    GetEventStatus::decode(200, apple(&format!("v2/{name}.json")).as_bytes()).unwrap()
}

#[test]
fn status_samples_pending_complete_failed() {
    let cases = [
        (
            "status_pending_associate",
            EventState::Pending,
            EventType::Associate,
            8,
            16,
        ),
        (
            "status_complete_associate",
            EventState::Complete,
            EventType::Associate,
            16,
            16,
        ),
        (
            "status_failed_associate",
            EventState::Failed,
            EventType::Associate,
            14,
            16,
        ),
        (
            "status_pending_create",
            EventState::Pending,
            EventType::Create,
            1,
            2,
        ),
        (
            "status_complete_create",
            EventState::Complete,
            EventType::Create,
            2,
            2,
        ),
        (
            "status_failed_errors_page",
            EventState::Failed,
            EventType::Associate,
            0,
            2,
        ),
    ];
    for (name, state, kind, done, requested) in cases {
        let s = status(name);
        let failed = state == EventState::Failed;
        assert_eq!(s.event_status, Some(state), "{name}");
        assert_eq!(s.event_type, Some(kind), "{name}");
        assert_eq!(s.num_completed, Some(done), "{name}");
        assert_eq!(s.num_requested, Some(requested), "{name}");
        assert_eq!(s.u_id.as_deref(), Some("2049025000431439"), "{name}");
        assert_eq!(s.failures.is_empty(), !failed, "{name}");
    }
    let failed = status("status_failed_associate");
    let f = &failed.failures[0];
    assert_eq!(f.error_number, ErrorNumber::from_code(9609));
    assert_eq!(f.error_message, "Registered user not found");
    assert_eq!(f.error_info.as_ref().unwrap().client_user_ids, ["client-4"]);

    let failed = status("status_failed_errors_page");
    let f = &failed.failures[0];
    assert_eq!(f.error_number, ErrorNumber::from_code(9609));
    assert_eq!(
        f.error_info.as_ref().unwrap().client_user_ids,
        ["user102", "user101"]
    );
}

#[test]
fn synchronous_error_sample_is_a_typed_apple_error() {
    let body = apple("v2/error_9726.json");
    let err = GetAssets::decode(405, body.as_bytes()).unwrap_err();
    match err {
        ResponseError::Apple(e) => {
            assert_eq!(e.status, Some(405));
            assert_eq!(e.number, ErrorNumber::from_code(9726));
            assert_eq!(
                e.message,
                "This request contains an unsupported HTTP method for the requested endpoint."
            );
        }
        other => panic!("{other:?}"),
    }
    // Apple's error body is an error whatever the status.
    assert!(matches!(
        Associate::decode(200, body.as_bytes()),
        Err(ResponseError::Apple(_))
    ));
}

// ---- legacy v1 ----

#[test]
fn legacy_client_config_samples() {
    let c = GetLegacyClientConfig::decode(200, apple("v1/client_config.json").as_bytes()).unwrap();
    assert_eq!(c.status, Some(0));
    assert_eq!(c.apple_id.as_deref(), Some("testuser1@test.org"));
    assert_eq!(
        c.client_context.as_deref(),
        Some(r#"{"guid":"b92","hostname":"test.test.org","ac2":1}"#)
    );
    assert_eq!(c.country_code.as_deref(), Some("US"));
    assert_eq!(c.default_platform, Some(Platform::VolumeStore));
    assert_eq!(c.expiration_millis, Some(1_898_103_480_266));
    let loc = c.location.as_ref().unwrap();
    assert_eq!(
        loc.location_id,
        Some(NumberOrString::Number(22_222_222_222u64.into()))
    );
    assert_eq!(loc.location_name.as_deref(), Some("LocationName"));
    assert_eq!(
        c.organization_id,
        Some(NumberOrString::Number(2_000_000_001_630_588u64.into()))
    );
    assert_eq!(c.u_id.as_deref(), Some("103614"));

    let old =
        GetLegacyClientConfig::decode(200, apple("v1/client_config_legacy_token.json").as_bytes())
            .unwrap();
    assert_eq!(old.status, Some(0));
    assert_eq!(old.apple_id.as_deref(), Some("test1@test.org"));
    assert_eq!(
        old.location, None,
        "a legacy (account) token has no location"
    );
    assert_eq!(old.expiration_millis, Some(1_850_914_593_288));
    assert_eq!(
        old.organization_id,
        Some(NumberOrString::Number(2_222_222_222u64.into()))
    );
    assert_eq!(
        old.organization_id_hash.as_deref(),
        Some("2555009cd3e53bd69b50723d2baec9f49558cbd90de2a1aa420dacdbff12cc8e")
    );
    assert_eq!(old.u_id.as_deref(), Some("100682"));
}

// ---- notifications ----

// The MDM's own shared secret (Apple's sample one, `SUp3rS3Cr3t`, is shorter than this crate
// lets an MDM choose).
const SECRET: &str = "an-mdm-chosen-secret-of-32-chars";

fn received(name: &str) -> notification::Notification {
    let text = apple(&format!("notifications/{name}.json"));
    let body = without_elision(&text);
    notification::receive(
        Some(format!("Bearer {SECRET}").as_bytes()),
        body.as_bytes(),
        &NotificationSecret::new(SECRET.to_owned()).unwrap(),
        &ReceiveLimits::default(),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn test_notification_sample() {
    let n = received("test");
    assert_eq!(n.notification_type, NotificationType::TestNotification);
    assert_eq!(n.notification_id, "792e327f-63ea-4658-9aec-f16f4327e3a8");
    assert_eq!(n.u_id.as_deref(), Some("2049025000431439"));
    assert!(matches!(n.payload, Payload::Test));
}

#[test]
fn asset_count_sample() {
    let n = received("asset_count");
    assert_eq!(n.notification_id, "4a7801be-53f0-42e1-9505-81c0d1dc9da3");
    let Payload::AssetCount(c) = n.payload else {
        panic!("{:?}", n.payload)
    };
    assert_eq!(c.adam_id, AdamId::new("408709785"));
    assert_eq!(c.count_delta, -12);
    assert_eq!(c.pricing_param, Some(PricingParam::Stdq));
}

#[test]
fn asset_management_samples() {
    let n = received("asset_management_associate");
    assert_eq!(n.notification_id, "ba8bbb23-44c2-44f6-a928-eff6ba5ffac5");
    let Payload::AssetManagement(a) = n.payload else {
        panic!("{:?}", n.payload)
    };
    assert_eq!(a.event_id.as_str(), "87cbc650-16cc-4f9e-a833-e622f377a9f7");
    assert_eq!(a.result, NotificationResult::Success);
    assert_eq!(a.kind, EventType::Associate);
    assert_eq!(a.error, None);
    let serials: Vec<_> = a
        .assignments
        .iter()
        .map(|x| x.serial_number.as_deref().unwrap())
        .collect();
    assert_eq!(
        serials,
        [
            "97c42a74-c30e-4172-a65f-6e5a5ba3d477",
            "495622d3-76f1-4fd3-8647-3f0365159170",
            "eabcbb89-8213-4185-afb4-30cae931ea37"
        ]
    );
    assert!(
        a.assignments
            .iter()
            .all(|x| x.adam_id == AdamId::new("408709785") && x.client_user_id.is_none())
    );

    let n = received("asset_management_disassociate");
    let Payload::AssetManagement(d) = n.payload else {
        panic!("{:?}", n.payload)
    };
    assert_eq!(d.kind, EventType::Disassociate);
    assert_eq!(d.assignments.len(), 1);
    assert_eq!(
        d.assignments[0].client_user_id.as_deref(),
        Some("client-100")
    );
    assert_eq!(d.assignments[0].serial_number, None);

    let n = received("asset_management_revoke");
    let Payload::AssetManagement(r) = n.payload else {
        panic!("{:?}", n.payload)
    };
    assert_eq!(r.kind, EventType::Revoke);
    assert_eq!(r.event_id.as_str(), "7f2a9c14-3b8d-4e6a-b1c5-9d0e2f4a6b8c");
    let adams: Vec<_> = r.assignments.iter().map(|x| x.adam_id.as_str()).collect();
    assert_eq!(adams, ["408709785", "329103948"]);

    let n = received("asset_management_failure");
    // Apple's sample id is shorter than a UUID; it is kept as sent.
    assert_eq!(n.notification_id, "eba66-1bc1-4285-aa0a-7256293c5ca7");
    let Payload::AssetManagement(f) = n.payload else {
        panic!("{:?}", n.payload)
    };
    assert_eq!(f.result, NotificationResult::Failure);
    assert_eq!(f.kind, EventType::Associate);
    let error = f.error.as_ref().unwrap();
    assert_eq!(error.error_number, ErrorNumber::from_code(9709));
    assert_eq!(
        error.error_message,
        "There aren't enough assets available to complete this association."
    );
    assert_eq!(f.assignments.len(), 2);
    assert_eq!(f.assignments[0].serial_number.as_deref(), Some("device1"));
    assert_eq!(f.assignments[1].client_user_id.as_deref(), Some("user1"));
}

#[test]
fn user_management_samples() {
    for (name, kind, status, id) in [
        (
            "user_management_create",
            EventType::Create,
            "Registered",
            "4c0bbb9b-d5a6-4860-83ef-5cf362783c1e",
        ),
        (
            "user_management_update",
            EventType::Update,
            "Registered",
            "5d1ccc7c-e6b7-5971-94fa-6df473894c2f",
        ),
        (
            "user_management_retire",
            EventType::Retire,
            "Retired",
            "6e2ddd8d-f7c8-6a82-a50b-7ef584a05d40",
        ),
    ] {
        let n = received(name);
        assert_eq!(n.notification_id, id);
        let Payload::UserManagement(u) = n.payload else {
            panic!("{name}: {:?}", n.payload)
        };
        assert_eq!(u.kind, kind, "{name}");
        assert_eq!(u.result, NotificationResult::Success, "{name}");
        assert_eq!(u.event_id.as_str(), "e0def1f8-9158-4343-9c52-8dd32da50b9b");
        assert_eq!(u.users.len(), 1);
        let user = &u.users[0];
        assert_eq!(user.client_user_id.as_deref(), Some("client-100"));
        assert_eq!(user.email.as_deref(), Some("client-100@apple.com"));
        assert_eq!(
            user.invite_code.as_deref(),
            Some("f551b37da07146628e8dcbe0111f0364")
        );
        assert_eq!(user.status.as_deref(), Some(status), "{name}");
    }
}

#[test]
fn user_associated_sample() {
    let n = received("user_associated");
    assert_eq!(n.notification_id, "90b83144-fb93-4837-9c52-0ae147bdc421");
    let Payload::UserAssociated(u) = n.payload else {
        panic!("{:?}", n.payload)
    };
    assert_eq!(u.associated_users.len(), 1);
    let user = &u.associated_users[0];
    assert_eq!(user.client_user_id.as_deref(), Some("client-100"));
    assert_eq!(user.id_hash.as_deref(), Some("leSKk3IaE2vk2KLmv2k3/200D3="));
    assert_eq!(
        user.invite_code.as_deref(),
        Some("f551b37da07146628e8dcbe0111f0364")
    );
    assert_eq!(user.status.as_deref(), Some("Associated"));
}

#[test]
fn subscription_samples_are_kept_with_numeric_adam_ids() {
    let n = received("subscription_count");
    assert_eq!(n.notification_type, NotificationType::SubscriptionCount);
    let Payload::Other(raw) = &n.payload else {
        panic!("{:?}", n.payload)
    };
    assert_eq!(raw["adamId"], 12345);
    assert_eq!(raw["parentAdamId"], 54321);
    assert_eq!(raw["counts"]["available"]["renewing"], 15);
    assert_eq!(raw["counts"]["total"]["expiring"], 20);

    for (name, kind) in [
        ("subscription_management_associate", "ASSOCIATE"),
        ("subscription_management_disassociate", "DISASSOCIATE"),
    ] {
        let n = received(name);
        assert_eq!(
            n.notification_type,
            NotificationType::SubscriptionManagement
        );
        let Payload::Other(raw) = &n.payload else {
            panic!("{name}: {:?}", n.payload)
        };
        assert_eq!(raw["type"], kind);
        assert_eq!(raw["assignments"][0]["adamId"], 12345);
        assert_eq!(raw["assignments"][0]["clientUserId"], "vpp-user");
        assert_eq!(raw["assignments"][0]["renewing"], true);
        // Nothing to tie to an asset event.
        assert_eq!(n.event_id(), None);
    }
}
