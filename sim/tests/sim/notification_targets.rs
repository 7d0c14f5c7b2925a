//! Where the simulator may send notifications: never along a redirect, and only to
//! loopback hosts unless remote targets were explicitly allowed.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use apple_vpp_sim::{SimOptions, Simulator};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use common::*;
use serde_json::json;

/// A loopback server counting the POSTs it gets on `/hook`, answering with `answer`.
async fn counting_server(
    answer: impl Fn() -> axum::response::Response + Clone + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hits);
    let app = axum::Router::new().route(
        "/hook",
        post(move || {
            let h = Arc::clone(&h);
            let answer = answer.clone();
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                answer()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), hits)
}

async fn set_url(sim: &apple_vpp_sim::RunningSimulator, url: &str) -> (u16, serde_json::Value) {
    post_json(
        sim,
        "client/config",
        &token(sim),
        &json!({"notificationUrl": url, "notificationAuthToken": "s3cret"}),
    )
    .await
}

#[tokio::test]
async fn a_redirect_from_the_notification_url_is_not_followed() {
    let (second, second_hits) = counting_server(|| StatusCode::OK.into_response()).await;
    let target = second.clone();
    let (first, first_hits) = counting_server(move || {
        (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, target.clone())],
        )
            .into_response()
    })
    .await;
    let sim = start(scenario()).await;
    let (status, v) = set_url(&sim, &first).await;
    assert_eq!(first_hits.load(Ordering::SeqCst), 1);
    assert_eq!(
        second_hits.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
    // A 307 is not a 2xx: the test notification failed, so the update is refused.
    assert_eq!(
        (status, v["errorNumber"].clone()),
        (400, json!(9728)),
        "{v}"
    );
    let sent = sim.notifications_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].last_status, Some(307));
    assert_eq!(sent[0].url, first);
}

/// A raw listener on 127.0.0.1 that counts accepted connections.
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let a = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            a.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    (port, accepted)
}

#[tokio::test]
async fn a_remote_notification_url_is_refused_with_9728_without_contacting_it() {
    // 0.0.0.0 is not a loopback address (on Linux a connection to it reaches this host's
    // 127.0.0.1 listener, so a contact would be seen).
    let (port, accepted) = counting_listener().await;
    let sim = start(scenario()).await;
    for url in [
        format!("https://0.0.0.0:{port}/hook"),
        "https://mdm.example.com/hook".to_string(),
    ] {
        let (status, v) = set_url(&sim, &url).await;
        assert_eq!(
            (status, v["errorNumber"].clone()),
            (400, json!(9728)),
            "{url}: {v}"
        );
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
    assert!(sim.notifications_sent().is_empty());
    let (_, config) = get(&sim, "client/config", Some(&token(&sim))).await;
    assert!(config.get("notificationUrl").is_none(), "{config}");
    // Loopback targets stay allowed.
    let receiver = Receiver::start().await;
    assert_eq!(set_url(&sim, &receiver.url).await.0, 200);
    let local = receiver.url.replace("127.0.0.1", "localhost");
    assert_eq!(set_url(&sim, &local).await.0, 200);
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn allowing_remote_notifications_lets_the_simulator_contact_other_hosts() {
    let (port, accepted) = counting_listener().await;
    let options = SimOptions {
        allow_remote_notifications: true,
        ..SimOptions::default()
    };
    let sim = Simulator::start(scenario(), options).await.unwrap();
    let url = format!("https://0.0.0.0:{port}/hook");
    let (status, v) = set_url(&sim, &url).await;
    // Contacted, but this listener speaks no TLS: the test notification fails.
    assert_eq!(
        (status, v["errorNumber"].clone()),
        (400, json!(9728)),
        "{v}"
    );
    assert!(accepted.load(Ordering::SeqCst) >= 1);
    let sent = sim.notifications_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url, url);
}
