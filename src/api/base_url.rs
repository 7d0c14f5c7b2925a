//! The base URL: https only, or http to a loopback host for tests; never with
//! credentials, a query or a fragment in it.

use url::Url;

/// Apple's Apps and Books v2 base URL: `https://vpp.itunes.apple.com/mdm/v2/`.
pub const DEFAULT_BASE_URL: &str = "https://vpp.itunes.apple.com/mdm/v2/";

/// Apps and Books Metadata for Organizations, for enterprise organizations:
/// `https://api.ent.apple.com/v1/`.
pub const DEFAULT_METADATA_BASE_URL: &str = "https://api.ent.apple.com/v1/";

/// Apps and Books Metadata for Organizations, for educational organizations:
/// `https://api.edu.apple.com/v1/`.
pub const EDUCATION_METADATA_BASE_URL: &str = "https://api.edu.apple.com/v1/";

/// [`DEFAULT_METADATA_BASE_URL`] parsed.
pub fn default_metadata_base_url() -> Url {
    Url::parse(DEFAULT_METADATA_BASE_URL).expect("the default metadata base URL is valid")
}

/// [`DEFAULT_BASE_URL`] parsed.
pub fn default_base_url() -> Url {
    Url::parse(DEFAULT_BASE_URL).expect("the default base URL is valid")
}

/// Why a base URL was refused. Messages never repeat a user name or password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// Not a URL. (The text is not repeated: it may hold a password.)
    #[error("the base URL is not a valid URL: {reason}")]
    Invalid {
        /// The parser's reason.
        reason: String,
    },
    /// Plain HTTP to a non-loopback host: the credential would travel in clear text.
    #[error(
        "the base URL {url} must use https (plain http is allowed only for loopback hosts such as 127.0.0.1, ::1 or localhost)"
    )]
    Insecure {
        /// What was given, without any user name or password.
        url: String,
    },
    /// A user name or password in the URL (`https://user:pw@host`): it would be sent as a
    /// second `Authorization` header and show in logs. Apple's API takes none.
    #[error(
        "the base URL must not contain a user name or password (user:password@): remove them; Apple's API is authenticated by the content token alone"
    )]
    Userinfo,
    /// A query or fragment, which the endpoints' paths and queries would replace.
    #[error("the base URL {url} must not have a query or fragment: remove what follows '?' or '#'")]
    QueryOrFragment {
        /// What was given, without any user name or password.
        url: String,
    },
}

/// Whether `url`'s host is a loopback host: 127.0.0.0/8, `::1` or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks a base URL and gives it a trailing slash: `https`, or `http` to a loopback host
/// (127.0.0.0/8, `::1`, `localhost`) for tests and local fakes; no user name or password,
/// query or fragment. Nothing else: the credential must not travel in clear text, and
/// must be the only credential sent.
pub fn normalize_base_url(url: &str) -> Result<Url, BaseUrlError> {
    let parsed = Url::parse(url).map_err(|e| BaseUrlError::Invalid {
        reason: e.to_string(),
    })?;
    check_base_url(parsed)
}

/// [`normalize_base_url`] for a parsed URL.
pub fn check_base_url(mut parsed: Url) -> Result<Url, BaseUrlError> {
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(BaseUrlError::Userinfo);
    }
    match parsed.scheme() {
        "https" if parsed.host().is_some() => {}
        "http" if is_loopback(&parsed) => {}
        _ => {
            return Err(BaseUrlError::Insecure {
                url: parsed.to_string(),
            });
        }
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(BaseUrlError::QueryOrFragment {
            url: parsed.to_string(),
        });
    }
    if !parsed.path().ends_with('/') {
        let path = format!("{}/", parsed.path());
        parsed.set_path(&path);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_query_and_fragment_are_refused_without_echoing_a_password() {
        for bad in [
            "https://user:hunter2@vpp.itunes.apple.com/mdm/v2",
            "https://user@vpp.itunes.apple.com/mdm/v2",
            "https://:hunter2@vpp.itunes.apple.com/",
            "http://user:hunter2@127.0.0.1:8080/",
        ] {
            let err = normalize_base_url(bad).unwrap_err();
            assert_eq!(err, BaseUrlError::Userinfo, "{bad}");
            assert!(!format!("{err} {err:?}").contains("hunter2"));
        }
        let err = normalize_base_url("http://user:hunter2@example.com/").unwrap_err();
        assert_eq!(err, BaseUrlError::Userinfo);
        let err = normalize_base_url("https://user:hunter2@").unwrap_err();
        assert!(matches!(err, BaseUrlError::Invalid { .. }));
        assert!(!format!("{err} {err:?}").contains("hunter2"));
        for bad in ["https://a.example/mdm/v2?x=1", "https://a.example/mdm/v2#f"] {
            assert!(
                matches!(
                    normalize_base_url(bad),
                    Err(BaseUrlError::QueryOrFragment { .. })
                ),
                "{bad}"
            );
        }
        for bad in ["mailto:someone@example.com", "data:text/plain,x"] {
            assert!(
                matches!(normalize_base_url(bad), Err(BaseUrlError::Insecure { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base_url("https://vpp.itunes.apple.com/mdm/v2")
                .unwrap()
                .as_str(),
            DEFAULT_BASE_URL
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/"
        );
        assert!(normalize_base_url("http://127.3.4.5:1/x/").is_ok());
        assert!(normalize_base_url("http://[::1]:9/").is_ok());
        assert!(normalize_base_url("http://LOCALHOST:9/").is_ok());
        for bad in [
            "http://vpp.itunes.apple.com/mdm/v2",
            "http://10.0.0.1/",
            "http://localhost.evil.example/",
            "ftp://127.0.0.1/",
            "file:///tmp/x",
        ] {
            assert!(
                matches!(normalize_base_url(bad), Err(BaseUrlError::Insecure { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            normalize_base_url("not a url"),
            Err(BaseUrlError::Invalid { .. })
        ));
        assert_eq!(
            normalize_base_url("http://example.com/")
                .unwrap_err()
                .to_string(),
            "the base URL http://example.com/ must use https (plain http is allowed only for loopback hosts such as 127.0.0.1, ::1 or localhost)"
        );
    }
}
