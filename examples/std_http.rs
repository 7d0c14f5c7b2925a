//! The sans-IO core with a second HTTP stack: nothing but the standard library.
//!
//! ```text
//! cargo run --example std_http -- [--base-url URL --token FILE]
//! ```
//!
//! The crate's `client` feature sends requests with reqwest; this example sends the very
//! same requests without it, the way an MDM with its own HTTP stack (hyper, ureq, a
//! company-wide client) drives the core:
//!
//! 1. an endpoint ([`GetClientConfig`], [`GetAssets`]) becomes a request with
//!    [`HttpRequest::build`] and the [`Credentials`] it needs (the location's token);
//! 2. the request converts into an `http::Request<Vec<u8>>` (the `http` crate's, which
//!    every Rust HTTP stack takes), headers set, `Authorization` marked sensitive;
//! 3. [`send`] below writes it over a `std::net::TcpStream` as HTTP/1.1 and reads the
//!    status and body;
//! 4. [`Endpoint::decode`] reads Apple's answer (Apple's `errorNumber`, whatever the
//!    status), and [`redact_error`] removes the request's secrets from an error.
//!
//! `send` speaks plain HTTP only, so it talks to a local simulator, never to Apple (whose
//! service is https: put a TLS stack under it). Without `--base-url` the example starts
//! the simulator (`apple-vpp-sim`, in-process, on 127.0.0.1) with its default location and
//! uses that location's token.
//!
//! It prints the location and the first page of its assets:
//!
//! ```text
//! Location:     "Berlin Office" (uId 981060278089131045)
//! Managed by:   nobody
//! Assets:       3 on page 0 of 1
//! ```
//!
//! Exit codes: 0 done; 2 bad arguments, token file or a base URL that is not plain
//! `http`; 1 anything else (the connection, Apple's error). It never prints the
//! credential.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use apple_vpp::api::{
    Credentials, Endpoint, GetAssets, GetClientConfig, HttpRequest, ServiceBase, redact_error,
};
use apple_vpp::http;
use apple_vpp::wire::Page;
use apple_vpp::{ResponseError, VppToken};
use apple_vpp_sim::{RunningSimulator, Scenario, SimOptions, Simulator};

const USAGE: &str = "usage: std_http [--base-url URL --token FILE]";

/// The most of an answer [`send`] reads (Apple's pages are far smaller).
const MAX_ANSWER: u64 = 16 * 1024 * 1024;

/// Sends `request` over one plain-HTTP/1.1 connection (`Connection: close`) and returns
/// the status and the body: a whole HTTP stack in a few dozen lines, enough for a simulator on
/// loopback. Every header [`HttpRequest`] set is written as it is.
pub fn send(request: &http::Request<Vec<u8>>, timeout: Duration) -> io::Result<(u16, Vec<u8>)> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
    let uri = request.uri();
    if uri.scheme_str() != Some("http") {
        return Err(invalid(
            "this example speaks plain http to a local simulator only; Apple's https needs a TLS stack",
        ));
    }
    let host = uri.host().ok_or_else(|| invalid("the URL has no host"))?;
    let authority = uri.authority().map_or(host, |a| a.as_str());
    let mut stream = TcpStream::connect((host, uri.port_u16().unwrap_or(80)))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;

    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nUser-Agent: apple-vpp-std-http-example\r\nContent-Length: {}\r\n",
        request.method(),
        request.body().len()
    )
    .into_bytes();
    for (name, value) in request.headers() {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    stream.write_all(&head)?;
    stream.write_all(request.body())?;

    let mut answer = Vec::new();
    stream.take(MAX_ANSWER).read_to_end(&mut answer)?;
    parse_answer(&answer)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "the answer is not HTTP/1.1"))
}

/// The status and body of a whole HTTP/1.1 answer (chunked or not).
fn parse_answer(answer: &[u8]) -> Option<(u16, Vec<u8>)> {
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&answer[..end]).ok()?;
    let body = &answer[end + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>().ok()?);
        }
    }
    if chunked {
        return Some((status, dechunk(body)?));
    }
    let body = match length {
        Some(n) => body.get(..n)?,
        None => body,
    };
    Some((status, body.to_vec()))
}

/// The body of a chunked answer.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// Why the example stopped, with its exit code.
struct Failed(u8, String);

/// Builds, sends and decodes one endpoint: the whole sans-IO round trip.
fn call<E: Endpoint>(
    endpoint: &E,
    base: &ServiceBase,
    token: &VppToken,
) -> Result<E::Response, Failed> {
    let credentials = Credentials::token(token);
    let request = HttpRequest::build(endpoint, base, credentials)
        .and_then(http::Request::try_from)
        .map_err(|e| Failed(1, e.to_string()))?;
    let (status, body) = send(&request, Duration::from_secs(30)).map_err(|e| {
        let code = if e.kind() == io::ErrorKind::InvalidInput {
            2
        } else {
            1
        };
        Failed(code, e.to_string())
    })?;
    E::decode(status, &body).map_err(|mut error: ResponseError| {
        redact_error(endpoint, credentials, &mut error);
        Failed(1, error.to_string())
    })
}

fn run(args: &[String], sim: &mut Option<RunningSimulator>) -> Result<(), Failed> {
    let bad = |message: String| Failed(2, message);
    let (base_url, token) = match args {
        [] => {
            let runtime = tokio::runtime::Runtime::new()
                .map_err(|e| Failed(1, format!("no runtime for the simulator: {e}")))?;
            let started = runtime
                .block_on(Simulator::start(Scenario::default(), SimOptions::default()))
                .map_err(|e| Failed(1, format!("the simulator did not start: {e}")))?;
            let token = started
                .token("981060278089131045")
                .ok_or_else(|| Failed(1, "the simulator has no Berlin Office".into()))?;
            let token: VppToken = token.parse().map_err(|e| bad(format!("{e}")))?;
            let base_url = started.base_url();
            *sim = Some(started);
            // The runtime serves the simulator on its own threads until the end.
            std::mem::forget(runtime);
            (base_url, token)
        }
        [flag_url, url, flag_token, file]
            if flag_url == "--base-url" && flag_token == "--token" =>
        {
            let token = VppToken::from_path(file).map_err(|e| bad(format!("{e}")))?;
            (url.clone(), token)
        }
        _ => return Err(bad(USAGE.into())),
    };
    let base = ServiceBase::parse(&base_url).map_err(|e| bad(e.to_string()))?;

    let config = call(&GetClientConfig, &base, &token)?;
    println!(
        "Location:     {:?} (uId {})",
        config.location_name.as_deref().unwrap_or(""),
        config.u_id.as_deref().unwrap_or("")
    );
    match &config.mdm_info {
        Some(mdm) => println!("Managed by:   {:?}", mdm.name.as_deref().unwrap_or("")),
        None => println!("Managed by:   nobody"),
    }
    let assets = call(&GetAssets::new(), &base, &token)?;
    let paging = assets.page_info();
    println!(
        "Assets:       {} on page {} of {}",
        assets.assets.len(),
        paging.current_page_index.unwrap_or(0),
        paging.total_pages.unwrap_or(1)
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut sim = None;
    match run(&args, &mut sim) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed(code, message)) => {
            eprintln!("std_http: {message}");
            ExitCode::from(code)
        }
    }
}
