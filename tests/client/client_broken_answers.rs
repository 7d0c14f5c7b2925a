//! Answers that break off mid-body or arrive cut: a read (`Replay::Safe`) is sent again
//! within the retry policy; a write never is. Served by a raw HTTP/1.1 server on 127.0.0.1
//! that plays one scripted answer per connection (the last one again once the script ends).
#![cfg(feature = "client")]

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use apple_vpp::ResponseError;
use apple_vpp::api::CreateUsers;
use apple_vpp::client::{SendError, TransportKind};
use apple_vpp::wire::{ClientConfigUpdate, UserEntry, UsersRequest};
use common::fake_apple::{BASE_PATH, client_for};
use common::token;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CONFIG: &str = r#"{"uId":"981060278089131045","locationName":"Berlin Office","countryISO2ACode":"DE","tokenExpirationDate":"2030-11-08T22:33:22+0000"}"#;
const EVENT: &str = r#"{"eventId":"e-1","uId":"981060278089131045","tokenExpirationDate":"2030-11-08T22:33:22+0000"}"#;

/// A whole 200 answer with `body`.
fn whole(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A 200 whose `Content-Length` promises `body` but the connection ends after half of it.
fn reset_mid_body(body: &str) -> Vec<u8> {
    let mut raw = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(&body.as_bytes()[..body.len() / 2]);
    raw
}

/// A 200 declared and delivered whole, whose body is only the first half of `body`.
fn cut(body: &str) -> Vec<u8> {
    whole(&body[..body.len() / 2])
}

/// Serves `script` (one answer per connection) and counts the connections.
async fn serve(script: Vec<Vec<u8>>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let answer = script[n.min(script.len() - 1)].clone();
            tokio::spawn(async move {
                read_request(&mut socket).await;
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{addr}{BASE_PATH}"), count)
}

/// Reads one request: its head and a `Content-Length` body.
async fn read_request(socket: &mut tokio::net::TcpStream) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = socket.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        data.extend_from_slice(&buf[..n]);
        let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if data.len() >= end + 4 + length {
            return;
        }
    }
}

#[tokio::test]
async fn a_read_whose_answer_broke_off_mid_body_is_sent_again() {
    let (base, connections) = serve(vec![reset_mid_body(CONFIG), whole(CONFIG)]).await;
    let config = client_for(&base)
        .location(&token())
        .client_config()
        .await
        .unwrap();
    assert_eq!(config.location_name.as_deref(), Some("Berlin Office"));
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_read_whose_2xx_body_arrived_cut_is_sent_again() {
    let (base, connections) = serve(vec![cut(CONFIG), cut(CONFIG), whole(CONFIG)]).await;
    let config = client_for(&base)
        .location(&token())
        .client_config()
        .await
        .unwrap();
    assert_eq!(config.u_id.as_deref(), Some("981060278089131045"));
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_read_broken_on_every_attempt_stops_at_the_policys_attempts() {
    // The tests' policy allows 4 attempts.
    let (base, connections) = serve(vec![cut(CONFIG)]).await;
    let err = client_for(&base)
        .location(&token())
        .client_config()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Response(ResponseError::Malformed { status: 200, .. })
        ),
        "{err:?}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 4);

    let (base, connections) = serve(vec![reset_mid_body(CONFIG)]).await;
    let err = client_for(&base)
        .location(&token())
        .client_config()
        .await
        .unwrap_err();
    // The answer began, then the connection broke: the request reached Apple.
    assert!(
        matches!(
            err,
            SendError::Transport {
                kind: TransportKind::Interrupted,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.may_have_reached_apple() && err.is_retryable());
    assert_eq!(connections.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_complete_2xx_body_of_another_shape_is_not_sent_again() {
    // Complete JSON that is not a client configuration: the same answer would come again.
    let (base, connections) = serve(vec![whole("[1,2]"), whole(CONFIG)]).await;
    let err = client_for(&base)
        .location(&token())
        .client_config()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Response(ResponseError::Malformed { status: 200, .. })
        ),
        "{err:?}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_write_whose_answer_broke_is_never_sent_again() {
    let update = ClientConfigUpdate::builder()
        .notification_types([])
        .build()
        .unwrap();
    for script in [reset_mid_body(CONFIG), cut(CONFIG)] {
        let (base, connections) = serve(vec![script, whole(CONFIG)]).await;
        let err = client_for(&base)
            .location(&token())
            .update_client_config(&update)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                SendError::Transport { .. } | SendError::Response(ResponseError::Malformed { .. })
            ),
            "{err:?}"
        );
        assert_eq!(connections.load(Ordering::SeqCst), 1, "client/config POST");
    }
    let create = CreateUsers(UsersRequest::new([UserEntry::new("u-1")]));
    for script in [reset_mid_body(EVENT), cut(EVENT)] {
        let (base, connections) = serve(vec![script, whole(EVENT)]).await;
        let err = client_for(&base)
            .location(&token())
            .send(&create)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                SendError::Transport { .. } | SendError::Response(ResponseError::Malformed { .. })
            ),
            "{err:?}"
        );
        assert_eq!(connections.load(Ordering::SeqCst), 1, "users/create");
    }
}
