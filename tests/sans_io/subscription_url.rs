//! A notification URL with a user name or password is refused, and neither is echoed.

use apple_vpp::notification::{NotificationSecret, NotificationSubscription, SubscribeError};

#[test]
fn a_notification_url_with_userinfo_is_refused_without_echoing_it() {
    for url in [
        "https://alice:hunter2-pw@mdm.example.com/vpp/notify",
        "https://alice@mdm.example.com/vpp/notify",
        "https://:hunter2-pw@mdm.example.com/vpp/notify",
        // Insecure and with a password: the password is not echoed either.
        "http://alice:hunter2-pw@mdm.example.com/vpp/notify",
    ] {
        let secret = NotificationSecret::generate().unwrap();
        let err = NotificationSubscription::new(url, secret).unwrap_err();
        assert_eq!(err, SubscribeError::Userinfo, "{url}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("alice"), "{shown}");
        assert!(shown.contains("user name or password"), "{shown}");
    }
}

#[test]
fn a_plain_notification_url_is_still_accepted() {
    let secret = NotificationSecret::generate().unwrap();
    let sub = NotificationSubscription::new("https://mdm.example.com/vpp/notify", secret).unwrap();
    assert_eq!(sub.url().as_str(), "https://mdm.example.com/vpp/notify");
}
