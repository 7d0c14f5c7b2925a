//! Expiry arithmetic with the clock passed in.
//!
//! Definitions used throughout the crate:
//! - **expired** when `now >= expires_at`;
//! - **expiring soon** when not expired and `expires_at - now <= warning window`;
//! - **days left** = `floor((expires_at - now) / 24 h)`, negative once expired.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

const DAY_SECS: i64 = 86_400;

/// Where a token stands relative to its expiry under a [`RenewalPolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryStatus {
    /// More than the warning window is left.
    Valid,
    /// Within the warning window: renew now.
    ExpiringSoon,
    /// `now >= expires_at`.
    Expired,
}

impl ExpiryStatus {
    /// `valid`, `expiring_soon` or `expired`: the form used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::ExpiringSoon => "expiring_soon",
            Self::Expired => "expired",
        }
    }
}

/// How early to warn an admin before a token expires. Apple issues tokens for a year; the
/// default warning window is 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenewalPolicy {
    warning_window: TimeDelta,
}

impl Default for RenewalPolicy {
    fn default() -> Self {
        Self::with_warning_days(Self::DEFAULT_WARNING_DAYS)
    }
}

impl RenewalPolicy {
    /// The default warning window, in days: 30.
    pub const DEFAULT_WARNING_DAYS: u32 = 30;

    /// A policy that warns `days` days before expiry.
    pub fn with_warning_days(days: u32) -> Self {
        Self {
            warning_window: TimeDelta::days(i64::from(days)),
        }
    }

    /// A policy with any non-negative warning window.
    pub fn with_warning_window(window: std::time::Duration) -> Self {
        Self {
            warning_window: TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX),
        }
    }

    /// The warning window.
    pub fn warning_window(&self) -> TimeDelta {
        self.warning_window
    }

    /// The status of something expiring at `expires_at`, seen at `now`.
    pub fn status_at(&self, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> ExpiryStatus {
        if is_expired_at(expires_at, now) {
            ExpiryStatus::Expired
        } else if time_left_at(expires_at, now) <= self.warning_window {
            ExpiryStatus::ExpiringSoon
        } else {
            ExpiryStatus::Valid
        }
    }

    /// The date by which to renew: the start of the warning window.
    pub fn renew_by(&self, expires_at: DateTime<Utc>) -> DateTime<Utc> {
        expires_at
            .checked_sub_signed(self.warning_window)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// Time left until `expires_at` at `now`; negative once expired.
pub fn time_left_at(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> TimeDelta {
    expires_at.signed_duration_since(now)
}

/// Whether `now >= expires_at`.
pub fn is_expired_at(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= expires_at
}

/// Whole days left: `floor((expires_at - now) / 24 h)`, negative once expired (one second
/// past expiry is day -1).
pub fn days_left_at(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let left = time_left_at(expires_at, now);
    // `num_seconds` truncates toward zero; step down when a negative fraction remains.
    let secs = left.num_seconds() - i64::from(left.subsec_nanos() < 0);
    secs.div_euclid(DAY_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn days_left_floors() {
        let exp = t("2030-01-31T00:00:00Z");
        assert_eq!(days_left_at(exp, t("2030-01-01T00:00:00Z")), 30);
        assert_eq!(days_left_at(exp, t("2030-01-01T00:00:01Z")), 29);
        assert_eq!(days_left_at(exp, t("2030-01-30T23:59:59Z")), 0);
        assert_eq!(days_left_at(exp, exp), 0);
        assert_eq!(days_left_at(exp, t("2030-01-31T00:00:01Z")), -1);
        assert_eq!(days_left_at(exp, t("2030-01-31T00:00:00.5Z")), -1);
        assert_eq!(days_left_at(exp, t("2030-02-01T00:00:00Z")), -1);
        assert_eq!(days_left_at(exp, t("2030-02-01T00:00:01Z")), -2);
    }

    #[test]
    fn status_boundaries() {
        let p = RenewalPolicy::default();
        let exp = t("2030-01-31T00:00:00Z");
        let edge = t("2030-01-01T00:00:00Z"); // exactly 30 days before
        assert_eq!(
            p.status_at(exp, edge - TimeDelta::seconds(1)),
            ExpiryStatus::Valid
        );
        assert_eq!(p.status_at(exp, edge), ExpiryStatus::ExpiringSoon);
        assert_eq!(
            p.status_at(exp, edge + TimeDelta::seconds(1)),
            ExpiryStatus::ExpiringSoon
        );
        assert_eq!(
            p.status_at(exp, exp - TimeDelta::seconds(1)),
            ExpiryStatus::ExpiringSoon
        );
        assert_eq!(p.status_at(exp, exp), ExpiryStatus::Expired);
        assert_eq!(
            p.status_at(exp, exp + TimeDelta::seconds(1)),
            ExpiryStatus::Expired
        );
        assert_eq!(p.renew_by(exp), edge);
    }

    #[test]
    fn configurable_window() {
        let exp = t("2030-01-31T00:00:00Z");
        let p = RenewalPolicy::with_warning_days(15);
        assert_eq!(
            p.status_at(exp, t("2030-01-15T23:59:59Z")),
            ExpiryStatus::Valid
        );
        assert_eq!(
            p.status_at(exp, t("2030-01-16T00:00:00Z")),
            ExpiryStatus::ExpiringSoon
        );
        let zero = RenewalPolicy::with_warning_days(0);
        assert_eq!(
            zero.status_at(exp, exp - TimeDelta::seconds(1)),
            ExpiryStatus::Valid
        );
        assert_eq!(zero.status_at(exp, exp), ExpiryStatus::Expired);
        let hours = RenewalPolicy::with_warning_window(std::time::Duration::from_secs(3600));
        assert_eq!(hours.warning_window(), TimeDelta::hours(1));
        let huge = RenewalPolicy::with_warning_window(std::time::Duration::MAX);
        assert_eq!(
            huge.status_at(exp, t("1970-01-01T00:00:00Z")),
            ExpiryStatus::ExpiringSoon
        );
        assert_eq!(huge.renew_by(exp), DateTime::<Utc>::MIN_UTC);
    }

    #[test]
    fn status_strings() {
        assert_eq!(ExpiryStatus::Valid.as_str(), "valid");
        assert_eq!(ExpiryStatus::ExpiringSoon.as_str(), "expiring_soon");
        assert_eq!(ExpiryStatus::Expired.as_str(), "expired");
    }
}
