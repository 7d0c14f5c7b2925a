//! Apple's date-time forms: `2030-11-08T22:33:22+0000`, `...-0700`, `...+10:00`, `...Z`.
//!
//! Apple writes offsets without a colon (`+0000`), which is ISO 8601 but not RFC 3339, so
//! chrono's RFC 3339 parser refuses it. The format is fixed-width, so it is parsed by hand:
//! faster than a format-string parser and with precise error reasons.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Timelike};
use std::fmt;

/// Why a date-time text was refused. The `Display` text completes the sentence
/// "the value is not a valid date-time: ...".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateProblem {
    /// Not of the shape `YYYY-MM-DDTHH:MM:SS[.fff](Z|+hhmm|+hh:mm)`.
    Shape,
    /// The date part has no time of day.
    MissingTime,
    /// No UTC offset at the end.
    MissingOffset,
    /// The month is not 1–12.
    Month,
    /// The day does not exist in that month (e.g. 30 February).
    Day,
    /// Hour, minute or second out of range.
    Time,
    /// The offset is not within ±23:59.
    Offset,
    /// The instant's year is outside 0000–9999, which Apple's form cannot write.
    Year,
}

impl fmt::Display for DateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Shape => "expected the form 2030-11-08T22:33:22+0000",
            Self::MissingTime => "it has a date but no time of day",
            Self::MissingOffset => "it has no UTC offset (Z, +hhmm or +hh:mm)",
            Self::Month => "the month does not exist",
            Self::Day => "the day does not exist in that month",
            Self::Time => "the time of day is out of range",
            Self::Offset => "the UTC offset is out of range",
            Self::Year => "the year is outside 0000–9999",
        })
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

// The crate's own short names.
pub(crate) use self::{format_apple_date as format_apple, parse_apple_date as parse};

/// Parses one of Apple's date-times, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hhmm|±hh:mm)`,
/// keeping the written offset: `2030-11-08T22:33:22+0000` (Apple's own form, which
/// chrono's RFC 3339 parser refuses), `2014-08-15T18:13:52-0700`,
/// `2018-07-03T13:48:31+10:00` and `2027-01-01T00:00:00Z` are all accepted.
///
/// Use it for dates Apple wrote (e.g. for [`crate::VppToken::builder`] in tests and fakes).
///
/// ```
/// use apple_vpp::{format_apple_date, parse_apple_date};
///
/// let t = parse_apple_date("2030-11-08T22:33:22+0000").unwrap();
/// assert_eq!(t.to_rfc3339(), "2030-11-08T22:33:22+00:00");
/// assert_eq!(format_apple_date(&t), "2030-11-08T22:33:22+0000");
/// assert!(parse_apple_date("2030-11-08").is_err());
/// ```
pub fn parse_apple_date(s: &str) -> Result<DateTime<FixedOffset>, DateProblem> {
    let b = s.as_bytes();
    let (Some(year), Some(month), Some(day)) = (digits(b, 0, 4), digits(b, 5, 2), digits(b, 8, 2))
    else {
        return Err(DateProblem::Shape);
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(DateProblem::Shape);
    }
    if b.len() == 10 {
        return Err(DateProblem::MissingTime);
    }
    if b[10] != b'T' {
        return Err(DateProblem::Shape);
    }
    let (Some(hour), Some(min), Some(sec)) = (digits(b, 11, 2), digits(b, 14, 2), digits(b, 17, 2))
    else {
        return Err(DateProblem::Shape);
    };
    if b[13] != b':' || b[16] != b':' {
        return Err(DateProblem::Shape);
    }
    let (nanos, i) = fraction(b, 19)?;
    let offset_secs = offset_seconds(b, i)?;
    if !(1..=12).contains(&month) {
        return Err(DateProblem::Month);
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(DateProblem::Day)?;
    let time = NaiveTime::from_hms_nano_opt(hour, min, sec, nanos)
        .filter(|_| sec < 60)
        .ok_or(DateProblem::Time)?;
    let offset = FixedOffset::east_opt(offset_secs).ok_or(DateProblem::Offset)?;
    let (utc_date, utc_time) = to_utc(date, time, offset_secs)?;
    Ok(DateTime::from_naive_utc_and_offset(
        utc_date.and_time(utc_time),
        offset,
    ))
}

/// The nanoseconds of an optional `.fraction` at `i` (digits past the ninth are
/// dropped), and the index after it.
fn fraction(b: &[u8], mut i: usize) -> Result<(u32, usize), DateProblem> {
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return Err(DateProblem::Shape);
        }
        for _ in n..9 {
            nanos *= 10;
        }
    }
    Ok((nanos, i))
}

/// The offset written from `i` to the end (`Z`, `±hhmm` or `±hh:mm`), in seconds east.
fn offset_seconds(b: &[u8], i: usize) -> Result<i32, DateProblem> {
    match b.get(i) {
        None => Err(DateProblem::MissingOffset),
        Some(b'Z') if i + 1 == b.len() => Ok(0),
        Some(&sign @ (b'+' | b'-')) => {
            let (hh, mm) = match b.len() - i {
                5 => (digits(b, i + 1, 2), digits(b, i + 3, 2)),
                6 if b[i + 3] == b':' => (digits(b, i + 1, 2), digits(b, i + 4, 2)),
                _ => (None, None),
            };
            let (Some(hh), Some(mm)) = (hh, mm) else {
                return Err(DateProblem::Shape);
            };
            if hh > 23 || mm > 59 {
                return Err(DateProblem::Offset);
            }
            let v = (hh * 3600 + mm * 60) as i32;
            Ok(if sign == b'-' { -v } else { v })
        }
        Some(_) => Err(DateProblem::Shape),
    }
}

/// The UTC date and time of a local `date` and `time` at `offset_secs` east.
///
/// A fixed offset maps each local time to exactly one instant: subtract it by hand, in
/// seconds of the day, moving at most one day, instead of a general time-zone lookup.
fn to_utc(
    date: NaiveDate,
    time: NaiveTime,
    offset_secs: i32,
) -> Result<(NaiveDate, NaiveTime), DateProblem> {
    if offset_secs == 0 {
        return Ok((date, time));
    }
    let utc_secs = time.num_seconds_from_midnight() as i32 - offset_secs;
    let (utc_date, utc_secs) = if utc_secs < 0 {
        (date.pred_opt(), utc_secs + DAY_SECS)
    } else if utc_secs >= DAY_SECS {
        (date.succ_opt(), utc_secs - DAY_SECS)
    } else {
        (Some(date), utc_secs)
    };
    let utc_time =
        NaiveTime::from_num_seconds_from_midnight_opt(utc_secs as u32, time.nanosecond());
    utc_date.zip(utc_time).ok_or(DateProblem::Shape)
}

const DAY_SECS: i32 = 86_400;

/// Formats in Apple's own form, `2030-11-08T22:33:22+0000` (fractional seconds kept when
/// present). [`parse_apple_date`] reads it back for years 0000–9999.
pub fn format_apple_date(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.f%z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        parse(s).unwrap().to_rfc3339()
    }

    #[test]
    fn accepts_apples_forms() {
        assert_eq!(ok("2030-11-08T22:33:22+0000"), "2030-11-08T22:33:22+00:00");
        assert_eq!(ok("2014-08-15T18:13:52-0700"), "2014-08-15T18:13:52-07:00");
        assert_eq!(ok("2018-07-03T13:48:31+10:00"), "2018-07-03T13:48:31+10:00");
        assert_eq!(ok("2027-01-01T00:00:00Z"), "2027-01-01T00:00:00+00:00");
        assert_eq!(
            ok("2027-01-01T00:00:00.5Z"),
            "2027-01-01T00:00:00.500+00:00"
        );
        assert_eq!(
            ok("2027-01-01T00:00:00.123456789-0130"),
            "2027-01-01T00:00:00.123456789-01:30"
        );
        // More than nine fraction digits: the extra precision is dropped, not refused.
        assert_eq!(
            ok("2027-01-01T00:00:00.1234567891Z"),
            "2027-01-01T00:00:00.123456789+00:00"
        );
    }

    #[test]
    fn refuses_with_reasons() {
        let cases = [
            ("", DateProblem::Shape),
            ("soon", DateProblem::Shape),
            ("2030-11-08", DateProblem::MissingTime),
            ("2030-11-08 22:33:22+0000", DateProblem::Shape),
            ("2030-11-08T22:33:22", DateProblem::MissingOffset),
            ("2030-13-08T22:33:22+0000", DateProblem::Month),
            ("2030-00-08T22:33:22+0000", DateProblem::Month),
            ("2030-02-30T22:33:22+0000", DateProblem::Day),
            ("2030-02-00T22:33:22+0000", DateProblem::Day),
            ("2030-11-08T24:00:00+0000", DateProblem::Time),
            ("2030-11-08T23:60:00+0000", DateProblem::Time),
            ("2030-11-08T23:59:60+0000", DateProblem::Time),
            ("2030-11-08T22:33:22+2500", DateProblem::Offset),
            ("2030-11-08T22:33:22+0060", DateProblem::Offset),
            ("2030-11-08T22:33:22+00", DateProblem::Shape),
            ("2030-11-08T22:33:22+00:0", DateProblem::Shape),
            ("2030-11-08T22:33:22Zjunk", DateProblem::Shape),
            ("2030-11-08T22:33:22.Z", DateProblem::Shape),
            ("2030-11-08T22:33:22 +0000", DateProblem::Shape),
            ("2030-1-08T22:33:22+0000", DateProblem::Shape),
            ("２０３０-11-08T22:33:22+0000", DateProblem::Shape),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn offsets_move_the_instant_across_days_months_and_years() {
        // The same instants as chrono's own RFC 3339 parser finds.
        for s in [
            "2030-12-31T23:30:00-01:00",
            "2031-01-01T00:30:00+01:00",
            "2028-02-28T23:59:59.999999999-23:59",
            "2028-03-01T00:00:00+23:59",
            "2027-03-01T00:00:00.5+00:01",
            "2030-06-15T12:00:00-12:00",
            "0000-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
        ] {
            let want = DateTime::parse_from_rfc3339(s).unwrap();
            let got = parse(s).unwrap();
            assert_eq!(got, want, "{s}");
            assert_eq!(got.naive_utc(), want.naive_utc(), "{s}");
            assert_eq!(got.offset(), want.offset(), "{s}");
            // Apple's form, without the colon in the offset.
            let apple = format!("{}{}", &s[..s.len() - 3], &s[s.len() - 2..]);
            assert_eq!(parse(&apple), Ok(got), "{apple}");
        }
    }

    #[test]
    fn leap_day_only_in_leap_years() {
        assert!(parse("2028-02-29T00:00:00Z").is_ok());
        assert_eq!(parse("2027-02-29T00:00:00Z"), Err(DateProblem::Day));
    }

    #[test]
    fn formats_in_apples_form() {
        let t = parse("2014-08-15T18:13:52-07:00").unwrap();
        assert_eq!(format_apple(&t), "2014-08-15T18:13:52-0700");
    }
}
