//! Why Redis could not be used.

/// Why Redis could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisError {
    /// The URL is not a Redis URL (`redis://[:password@]host[:port][/db]`).
    #[error(
        "the Redis URL is not valid (expected redis://[:password@]host[:port][/db], or rediss:// for TLS): {reason}"
    )]
    Url {
        /// What was wrong, without the URL (it may hold a password).
        reason: String,
    },
    /// [`RedisStore::open`](super::store::RedisStore::open) was called outside a Tokio
    /// runtime (its connection manager runs in a background task).
    #[error(
        "a Redis store must be opened within a Tokio runtime (for example inside #[tokio::main]); open it there"
    )]
    NoRuntime,
    /// Redis did not answer in time, or the connection failed.
    #[error(
        "Redis at {host} did not answer ({reason}): check that it runs and is reachable from this server"
    )]
    Unavailable {
        /// `host:port`, never the password.
        host: String,
        /// What happened (no secret).
        reason: String,
    },
}
