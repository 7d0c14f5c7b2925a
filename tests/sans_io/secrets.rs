//! Secret hygiene: every public type and every error built from a token or an account is
//! formatted with `{:?}`, `{:#?}` and (where it has one) `{}`, and none may contain the
//! credential, the inner token, the notification auth token, or any 16-byte window of them.
//! The serialized `VppAccount` is the one documented place the credential appears.

use crate::common;

use apple_vpp::api::{Credentials, Failure, HttpRequest, ServiceBase, SetClientConfig};
use apple_vpp::wire::{ClientConfig, ClientConfigUpdate, ErrorBody, ErrorNumber};
use apple_vpp::{
    AccountStatus, AppleError, ClaimOptions, Configure, ConfigureError, IdentityError,
    LocationMismatch, LocationSnapshot, MdmIdentity, RenewError, ResponseError, SecretString,
    Takeover, UpdateError, VppToken, configure_at,
};
use common::{OUR_ID, assert_no_secret, b64, fixture, now, token_with, us};

const INNER: &str = "SW5uZXJTZWNyZXRJbm5lclNlY3JldElubmVyU2VjcmV0";
const NOTIFY: &str = "notification-auth-token-0123456789abcdef";

/// The expiry of the token every check starts from: `token_with(INNER, EXPIRY)`.
const EXPIRY: &str = "2029-01-01T00:00:00Z";

/// Checks `{:?}`, `{:#?}` for every value, against every secret.
struct Check {
    secrets: Vec<String>,
    checked: usize,
}

impl Check {
    fn new() -> Self {
        let t = token_with(INNER, EXPIRY);
        Self {
            secrets: vec![
                t.expose_credential().to_owned(),
                INNER.to_owned(),
                NOTIFY.to_owned(),
            ],
            checked: 0,
        }
    }

    fn text(&mut self, text: &str) {
        for s in &self.secrets {
            assert_no_secret(text, s);
        }
        self.checked += 1;
    }

    fn debug<T: std::fmt::Debug>(&mut self, v: &T) {
        self.text(&format!("{v:?}"));
        self.text(&format!("{v:#?}"));
    }

    fn both<T: std::fmt::Debug + std::fmt::Display>(&mut self, v: &T) {
        self.debug(v);
        self.text(&v.to_string());
    }
}

fn snapshot(mdm: Option<(&str, &str, &str)>) -> LocationSnapshot {
    let mut c: ClientConfig = serde_json::from_str(&fixture("client_config_v2.json")).unwrap();
    c.mdm_info = mdm.map(|(i, n, m)| {
        apple_vpp::wire::MdmInfo::default()
            .with_id(i)
            .with_name(n)
            .with_metadata(m)
    });
    c.notification_auth_token = Some(SecretString::new(NOTIFY));
    LocationSnapshot::from_v2(&c).unwrap()
}

#[test]
fn token_and_its_errors() {
    let mut c = Check::new();
    let t = token_with(INNER, EXPIRY);
    c.debug(&t);
    c.debug(
        &VppToken::builder("o", "2030-01-01T00:00:00+00:00".parse().unwrap()).inner_token(INNER),
    );
    c.debug(&SecretString::new(t.expose_credential()));
    c.debug(&apple_vpp::api::authorization(&t));
    c.debug(
        &HttpRequest::build(
            &apple_vpp::api::GetClientConfig,
            &ServiceBase::default(),
            Credentials::token(&t),
        )
        .unwrap(),
    );
    // Every TokenError variant that can be built from input carrying the secret.
    let cred = t.expose_credential();
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b" \n".to_vec(),
        format!("{cred}{}", "A".repeat(70_000)).into_bytes(),
        format!("{}*{}", &cred[..30], &cred[31..]).into_bytes(),
        format!("{}-{}", &cred[..30], &cred[31..]).into_bytes(),
        format!("{}={}", &cred[..30], &cred[31..]).into_bytes(),
        cred[..cred.len() - 3].to_string().into_bytes(),
        common::b64_bytes(&[b'{', 0xff, 0xfe]).into_bytes(),
        b64(&format!("{INNER} not json")).into_bytes(),
        b64(&format!("[\"{INNER}\"]")).into_bytes(),
        b64(&format!(r#"{{"token":"{INNER}"}}"#)).into_bytes(),
        b64(&format!(
            r#"{{"token":"{INNER}","expDate":7,"orgName":"o"}}"#
        ))
        .into_bytes(),
        b64(&format!(
            r#"{{"token":"{INNER}","token":"{INNER}","expDate":"x","orgName":"o"}}"#
        ))
        .into_bytes(),
        b64(r#"{"token":"","expDate":"x","orgName":"o"}"#).into_bytes(),
        b64(&format!(
            r#"{{"token":"{INNER}","expDate":"2031-02-30T00:00:00Z","orgName":"o"}}"#
        ))
        .into_bytes(),
    ];
    let mut variants = std::collections::BTreeSet::new();
    for input in inputs {
        let e = VppToken::from_bytes(&input).unwrap_err();
        variants.insert(
            format!("{e:?}")
                .split([' ', '{', '('])
                .next()
                .unwrap()
                .to_owned(),
        );
        c.both(&e);
    }
    let io = VppToken::from_path("/no/such/dir/token.vpptoken").unwrap_err();
    variants.insert("Io".into());
    c.both(&io);
    assert_eq!(
        variants.len(),
        13,
        "every TokenError variant is covered: {variants:?}"
    );
}

#[test]
fn core_types_and_decisions() {
    let mut c = Check::new();
    let t = token_with(INNER, EXPIRY);
    let claimed_elsewhere = snapshot(Some(("other", "Other MDM", "other.example"))).read_with(&t);
    c.debug(&claimed_elsewhere);
    c.both(&claimed_elsewhere.location);
    c.both(claimed_elsewhere.claim.as_ref().unwrap());
    c.debug(&us());
    c.debug(&Takeover::Accept);
    // Every Configure outcome.
    let managed = configure_at(
        &t,
        &us(),
        &claimed_elsewhere,
        &ClaimOptions::default(),
        now(),
    );
    assert!(matches!(managed, Configure::ManagedElsewhere { .. }));
    c.debug(&managed);
    let notify = ClientConfigUpdate::builder()
        .notification_url("https://mdm.ours.example/n".parse().unwrap())
        .notification_auth_token(SecretString::new(NOTIFY))
        .build()
        .unwrap();
    c.debug(&notify);
    let options = ClaimOptions::from(Takeover::Accept).with_notifications(notify.clone());
    c.debug(&options);
    let send = configure_at(&t, &us(), &claimed_elsewhere, &options, now());
    c.debug(&send);
    let Configure::SendUpdate(pending) = send else {
        panic!()
    };
    let request = HttpRequest::build(
        &SetClientConfig::new(pending.update()),
        &ServiceBase::default(),
        Credentials::token(pending.token()),
    )
    .unwrap();
    c.debug(&request);
    assert!(
        String::from_utf8(request.body.clone().unwrap())
            .unwrap()
            .contains(NOTIFY),
        "the body itself carries it to Apple"
    );
    let not_taken = pending.finish_at(&claimed_elsewhere, now()).unwrap_err();
    c.both(&not_taken);
    let lost = pending
        .finish_at(&snapshot(Some(("third", "Third", "third.example"))), now())
        .unwrap_err();
    c.both(&lost);
    c.both(&pending.finish_at(&snapshot(None), now()).unwrap_err());
    let mut account = pending
        .finish_at(
            &snapshot(Some((OUR_ID, "Our MDM", "mdm.ours.example"))),
            now(),
        )
        .unwrap();
    c.debug(&account);
    let ours = configure_at(
        &t,
        &us(),
        &snapshot(Some((OUR_ID, "Our MDM", "mdm.ours.example"))),
        &ClaimOptions::default(),
        now(),
    );
    c.debug(&ours);
    // Verify, renew and status values.
    let munich = {
        let mut s = snapshot(None);
        s.location.uid = "999".into();
        s.location.name = "Munich".into();
        s
    };
    let mut wrong = account.clone();
    let mismatch: LocationMismatch = wrong.verify_at(&munich, now()).unwrap_err();
    c.both(&mismatch);
    c.debug(&wrong);
    let status = wrong.status_at(now(), &Default::default());
    assert_eq!(status.as_str(), "wrong_location");
    c.debug(&status);
    c.text(&status.message());
    c.both(&RenewError::SnapshotForAnotherToken);
    c.both(&ConfigureError::from(mismatch.clone()));
    c.both(&RenewError::from(mismatch));
    // The token in use again is a refresh now; its old error still formats cleanly.
    c.both(&RenewError::SameToken);
    let newer = VppToken::builder("Hygiene Org", "2030-01-01T00:00:00+00:00".parse().unwrap())
        .inner_token(INNER)
        .build()
        .unwrap();
    c.both(
        &account
            .clone()
            .renew_at(newer.clone(), &snapshot(Some(("other", "O", "o"))), now())
            .unwrap_err(),
    );
    let expired = VppToken::builder("Hygiene Org", "2020-01-01T00:00:00+00:00".parse().unwrap())
        .inner_token(INNER)
        .build()
        .unwrap();
    let mut old = snapshot(None);
    old.token_expiry = None;
    c.both(&account.clone().renew_at(expired, &old, now()).unwrap_err());
    let mut earlier = snapshot(None);
    earlier.token_expiry = Some("2027-01-01T00:00:00+00:00".parse().unwrap());
    c.both(
        &account
            .clone()
            .renew_at(newer.clone(), &earlier, now())
            .unwrap_err(),
    );
    let mut renewed = account.clone();
    let mut later = snapshot(Some((OUR_ID, "Our MDM", "mdm.ours.example")));
    later.token_expiry = Some("2030-01-01T00:00:00+00:00".parse().unwrap());
    c.debug(&renewed.renew_at(newer, &later, now()).unwrap());
    c.debug(&account.verify_at(&claimed_elsewhere, now()).unwrap());
    c.debug(&account);
    for status in [
        account.status_at(now(), &Default::default()),
        AccountStatus::Active { days_left: 3 },
        AccountStatus::Released,
    ] {
        c.debug(&status);
        c.text(&status.message());
    }
    // Identity and update errors carry no token, but are formatted all the same.
    c.both(&MdmIdentity::builder().name("n").build().unwrap_err());
    c.both(&IdentityError::TooLong {
        field: "id",
        len: 101,
        max: 100,
    });
    c.both(&ClientConfigUpdate::builder().build().unwrap_err());
    c.both(&UpdateError::NotificationUrlWithoutToken);
    assert!(c.checked > 60);
}

#[test]
fn apple_errors_and_responses() {
    let mut c = Check::new();
    let t = token_with(INNER, EXPIRY);
    for (status, body) in [
        (
            200,
            r#"{"errorNumber":9622,"errorMessage":"Invalid authentication token."}"#.to_owned(),
        ),
        (
            401,
            format!(
                r#"{{"errorNumber":9625,"errorMessage":"revoked: {}","errorInfo":{{"t":"{}"}}}}"#,
                t.expose_credential(),
                INNER
            ),
        ),
        (500, "<html>".to_owned()),
        (
            200,
            format!(
                r#"{{"uId":"1","locationName":"L","notificationAuthToken":"{NOTIFY}","subscribedNotificationTypes":"{NOTIFY}"}}"#
            ),
        ),
    ] {
        match apple_vpp::wire::decode_response::<ClientConfig>(status, body.as_bytes()) {
            Ok(v) => c.debug(&v),
            Err(mut e) => {
                if let ResponseError::Apple(a) = &mut e {
                    a.redact(t.expose_credential());
                    a.redact(INNER);
                }
                c.both(&e);
                c.debug(&Failure::response(&e, None));
            }
        }
    }
    let apple = AppleError::new(
        Some(429),
        ErrorBody::new(ErrorNumber::TooManyRequests, "slow down"),
    );
    c.both(&apple);
    c.both(&ResponseError::Incomplete { field: "uId" });
}

#[test]
fn the_serialized_account_is_the_one_place_with_the_credential() {
    let t = token_with(INNER, EXPIRY);
    let Configure::AlreadyOurs(account) = configure_at(
        &t,
        &us(),
        &snapshot(Some((OUR_ID, "Our MDM", "mdm.ours.example"))),
        &ClaimOptions::default(),
        now(),
    ) else {
        panic!()
    };
    let stored = serde_json::to_string(&account).unwrap();
    assert!(
        stored.contains(t.expose_credential()),
        "documented: storage holds the credential"
    );
    let mut c = Check::new();
    for v in [
        serde_json::to_string(account.location()).unwrap(),
        serde_json::to_string(account.identity()).unwrap(),
        serde_json::to_string(&account.status_at(now(), &Default::default()).as_str()).unwrap(),
    ] {
        c.text(&v);
    }
}

#[cfg(feature = "client")]
#[tokio::test]
async fn client_errors() {
    use apple_vpp::client::VppClient;
    let mut c = Check::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = VppClient::builder()
        .base_url(format!("http://127.0.0.1:{port}/"))
        .retry_policy(apple_vpp::api::RetryPolicy::none())
        .build()
        .unwrap();
    c.debug(&client);
    let e = client
        .location(&token_with(INNER, EXPIRY))
        .client_config()
        .await
        .unwrap_err();
    c.both(&e);
    c.both(
        &VppClient::builder()
            .base_url("http://example.com")
            .build()
            .unwrap_err(),
    );
}
