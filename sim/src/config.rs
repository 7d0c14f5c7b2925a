//! `GET service/config`, `GET client/config`, and `POST client/config`: claiming a location
//! (`mdmInfo`) and notification settings.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::apple::{AppleError, code};
use crate::notify::Destination;
use crate::request::{authorize, body, with_loc};
use crate::scenario::MdmInfo;
use crate::shared::Shared;

/// The notification types a location may subscribe to.
pub(crate) const NOTIFICATION_TYPES: &[&str] = &[
    "ASSET_MANAGEMENT",
    "USER_MANAGEMENT",
    "USER_ASSOCIATED",
    "ASSET_COUNT",
    "SUBSCRIPTION_MANAGEMENT",
    "SUBSCRIPTION_COUNT",
];

/// `maxSubscriptions` (Apple's service configuration example; the simulator has no
/// subscription endpoints).
pub(crate) const MAX_SUBSCRIPTIONS: u32 = 25;
/// `maxSubscriptionClientUserIds` (likewise).
pub(crate) const MAX_SUBSCRIPTION_CLIENT_USER_IDS: u32 = 1000;
/// `urls.invitationEmail`, as Apple's service configuration answers it.
pub(crate) const INVITATION_EMAIL: &str = "https://buy.itunes.apple.com/WebObjects/MZFinance.woa/wa/associateVPPUserWithITSAccount?inviteCode=%25inviteCode%25&mt=8";

/// `maxMdmNameLength`.
pub(crate) const MAX_MDM_NAME: usize = 100;
/// `maxMdmMetadataLength`.
pub(crate) const MAX_MDM_METADATA: usize = 255;
/// `maxMdmIdLength`.
pub(crate) const MAX_MDM_ID: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    mdm_info: Option<MdmInfoIn>,
    notification_url: Option<String>,
    notification_auth_token: Option<String>,
    notification_types: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct MdmInfoIn {
    id: Option<String>,
    name: Option<String>,
    metadata: Option<String>,
}

/// What the request changes, once validated.
struct Change {
    mdm_info: Option<MdmInfo>,
    /// `Some(None)`: clear the URL; `Some(Some((url, secret)))`: set it.
    notification: Option<Option<(String, String)>>,
    types: Option<Vec<String>>,
}

/// What a notification URL may be: `https`, or `http` to a loopback host (a deliberate
/// relaxation for local testing: Apple requires https). Anything else → 9712.
fn url_allowed(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    let host = u.host_str().unwrap_or("");
    match u.scheme() {
        "https" => !host.is_empty(),
        "http" => is_loopback(&u),
        _ => false,
    }
}

/// `localhost` or a loopback IP address.
fn is_loopback(u: &reqwest::Url) -> bool {
    let host = u.host_str().unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether the simulator may contact this (already allowed) URL: a loopback host, or any
/// host when the simulator was started with remote notifications allowed.
fn target_allowed(url: &str, allow_remote: bool) -> bool {
    allow_remote || reqwest::Url::parse(url).is_ok_and(|u| is_loopback(&u))
}

fn validate(req: Request, max_len: usize) -> Result<Change, AppleError> {
    let mdm_info = match req.mdm_info {
        None => None,
        Some(MdmInfoIn {
            id: Some(id),
            name: Some(name),
            metadata: Some(metadata),
        }) if !id.is_empty() && !name.is_empty() => {
            if id.chars().count() > MAX_MDM_ID {
                return Err(AppleError::new(code::MDM_ID_LENGTH));
            }
            if name.chars().count() > MAX_MDM_NAME {
                return Err(AppleError::new(code::MDM_NAME_LENGTH));
            }
            if metadata.chars().count() > MAX_MDM_METADATA {
                return Err(AppleError::new(code::MDM_METADATA_LENGTH));
            }
            Some(MdmInfo { id, name, metadata })
        }
        Some(_) => return Err(AppleError::new(code::MDM_INFO_INCOMPLETE)),
    };
    let notification = match (req.notification_url, req.notification_auth_token) {
        (None, None) => None,
        (Some(u), Some(t)) if u.is_empty() && t.is_empty() => Some(None),
        (Some(u), Some(t)) if !u.is_empty() && !t.is_empty() => {
            if u.chars().count() > max_len || t.chars().count() > max_len {
                return Err(AppleError::new(code::NOTIFICATION_LENGTH));
            }
            if !url_allowed(&u) {
                return Err(AppleError::new(code::NOTIFICATION_URL));
            }
            Some(Some((u, t)))
        }
        _ => return Err(AppleError::new(code::NOTIFICATION_PAIR)),
    };
    if let Some(types) = &req.notification_types {
        if let Some(bad) = types
            .iter()
            .find(|t| !NOTIFICATION_TYPES.contains(&t.as_str()))
        {
            return Err(AppleError::detail(
                code::INVALID_ARGUMENT,
                format_args!("Unknown notification type `{bad}`."),
            ));
        }
    }
    Ok(Change {
        mdm_info,
        notification,
        types: req.notification_types,
    })
}

/// Validates, sends the TEST_NOTIFICATION when a URL is set (failure → 9728 and nothing
/// changes), then applies every change at once and answers the new client config.
pub(crate) async fn post_client_config(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let ctx = match authorize(&s, &headers).await {
        Ok(c) => c,
        Err(d) => return d.into_response(),
    };
    let change =
        match body::<Request>(&bytes).and_then(|r| validate(r, s.config.max_notification_length)) {
            Ok(c) => c,
            Err(e) => return ctx.finish(Err(e)),
        };
    if let Some(Some((url, secret))) = &change.notification {
        let dest = Destination {
            uid: ctx.uid.clone(),
            url: url.clone(),
            secret: secret.clone(),
        };
        // A target the simulator may not contact fails like an unreachable one.
        if !target_allowed(url, s.allow_remote_notifications) || !s.notifier.test(&dest).await {
            return ctx.finish(Err(AppleError::new(code::NOTIFICATION_UNREACHABLE)));
        }
    }
    let r = with_loc(&s, &ctx, |loc| {
        // Written to through v2: from now on v1 shows Apple's "ac2" marker.
        loc.used_via_v2 = true;
        if let Some(m) = change.mdm_info {
            loc.mdm_info = Some(m);
        }
        match change.notification {
            Some(Some((u, t))) => {
                loc.notification_url = Some(u);
                loc.notification_secret = Some(t);
            }
            Some(None) => {
                loc.notification_url = None;
                loc.notification_secret = None;
            }
            None => {}
        }
        if let Some(t) = change.types {
            let mut t = t;
            t.dedup();
            loc.subscribed = t;
        }
        loc.bump();
        Ok(loc.client_config_json())
    });
    ctx.finish(r)
}

/// `GET service/config` (no token): limits, error codes and the URLs of every endpoint.
pub(crate) async fn service_config(State(s): State<Arc<Shared>>) -> Response {
    let c = &s.config;
    let base = format!("{}/mdm/v2", s.origin);
    let url = |p: &str| format!("{base}/{p}");
    Json(json!({
        "errorCodes": crate::apple::error_codes(),
        "limits": {
            "maxAssets": c.max_assets,
            "maxUsers": c.max_users,
            "maxNotificationLength": c.max_notification_length,
            "maxRevokeClientUserIds": c.max_revoke_client_user_ids,
            "maxClientUserIds": c.max_client_user_ids,
            "maxSerialNumbers": c.max_serial_numbers,
            "maxRevokeSerialNumbers": c.max_revoke_serial_numbers,
            "maxRequestPerSecond": c.max_requests_per_second,
            "maxSubscriptions": MAX_SUBSCRIPTIONS,
            "maxSubscriptionClientUserIds": MAX_SUBSCRIPTION_CLIENT_USER_IDS,
            "maxMdmNameLength": MAX_MDM_NAME,
            "maxMdmMetadataLength": MAX_MDM_METADATA,
            "maxMdmIdLength": MAX_MDM_ID,
        },
        "notificationTypes": ["ASSET_MANAGEMENT", "USER_MANAGEMENT", "USER_ASSOCIATED", "ASSET_COUNT"],
        "urls": {
            // Not an endpoint: the link an MDM mails to a user, `%25inviteCode%25` replaced
            // by the user's inviteCode (Apple's "Managing users"). Apple's own, as Apple
            // answers it.
            "invitationEmail": INVITATION_EMAIL,
            "clientConfig": url("client/config"),
            "getAssets": url("assets"),
            "getAssignments": url("assignments"),
            "getUsers": url("users"),
            "associateAssets": url("assets/associate"),
            "disassociateAssets": url("assets/disassociate"),
            "revokeAssets": url("assets/revoke"),
            "createUsers": url("users/create"),
            "updateUsers": url("users/update"),
            "retireUsers": url("users/retire"),
            "eventStatus": url("status"),
            "contentMetadataLookup": url("contentMetadataLookup"),
        },
    }))
    .into_response()
}

/// `GET client/config`.
pub(crate) async fn get_client_config(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let ctx = match authorize(&s, &headers).await {
        Ok(c) => c,
        Err(d) => return d.into_response(),
    };
    ctx.finish(with_loc(&s, &ctx, |l| Ok(l.client_config_json())))
}
