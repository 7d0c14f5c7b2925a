//! The base URL: https only, or http to a loopback host for tests.

use url::Url;

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// Not a URL.
    #[error("the base URL {url:?} is not a valid URL: {reason}")]
    Invalid {
        /// What was given.
        url: String,
        /// The parser's reason.
        reason: String,
    },
    /// Plain HTTP to a non-loopback host: the credential would travel in clear text.
    #[error(
        "the base URL {url} must use https (plain http is allowed only for loopback hosts such as 127.0.0.1, ::1 or localhost)"
    )]
    Insecure {
        /// What was given.
        url: String,
    },
}

/// Checks a base URL and gives it a trailing slash: `https`, or `http` to a loopback host
/// (127.0.0.0/8, `::1`, `localhost`) for tests and local fakes. Nothing else: the
/// credential must not travel in clear text.
pub fn normalize_base_url(url: &str) -> Result<Url, BaseUrlError> {
    let mut parsed = Url::parse(url).map_err(|e| BaseUrlError::Invalid {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    match parsed.scheme() {
        "https" if parsed.host().is_some() => {}
        "http" if is_loopback(&parsed) => {}
        _ => {
            return Err(BaseUrlError::Insecure {
                url: parsed.to_string(),
            });
        }
    }
    if !parsed.path().ends_with('/') {
        let path = format!("{}/", parsed.path());
        parsed.set_path(&path);
    }
    Ok(parsed)
}

/// Whether `url`'s host is a loopback host: 127.0.0.0/8, `::1` or `localhost`. The one
/// place that decides where plain http is tolerated (Apple's base URL, the notification
/// URL).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
