//! Strict `xsd:dateTime` / RFC 3339 timestamps and `xsd:date` dates, as seconds since the epoch.
//!
//! Credentials carry their validity period as XML Schema `dateTimeStamp` values (a `dateTime`
//! that must have a timezone). This parser accepts exactly the intersection of RFC 3339 and XML
//! Schema 1.1 `dateTimeStamp`:
//!
//! ```text
//! YYYY-MM-DDThh:mm:ss[.f+](Z|+hh:mm|-hh:mm)
//! ```
//!
//! with a four-digit year (0000 to 9999), real calendar dates (leap years included), hours 00 to
//! 23, no leap second (`:60`, which XML Schema lacks), no `24:00:00` (which RFC 3339 lacks), an
//! upper-case `T` and `Z`, and offsets within ±14:00. Fractional seconds are accepted and
//! truncated. No date crate and no clock are involved.
//!
//! ```
//! use ler_model::datetime::{parse_date, parse_datetime};
//! assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Ok(0));
//! assert_eq!(parse_datetime("2026-01-01T01:00:00+01:00"), parse_datetime("2026-01-01T00:00:00Z"));
//! assert_eq!(parse_date("1970-01-02"), Ok(86_400));
//! assert!(parse_datetime("2026-01-01T00:00:00").is_err()); // no timezone
//! ```

#[cfg(test)]
mod tests;

/// Why a text is not an acceptable date or date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateTimeError {
    /// The text does not have the shape of a date-time (or of a date).
    #[error("\"{text}\" is not {expected}")]
    Syntax {
        /// The offending text (shortened when long).
        text: String,
        /// The shape that was expected, in words.
        expected: &'static str,
    },
    /// A date-time without `Z` or a numeric offset.
    #[error("\"{0}\" has no timezone; add Z or an offset such as +02:00")]
    MissingTimezone(String),
    /// A field outside its range: month 13, February 30, hour 24, second 60, offset +15:00.
    #[error("{field} out of range in \"{text}\"")]
    OutOfRange {
        /// Which field: "month", "day", "hour", "minute", "second" or "timezone offset".
        field: &'static str,
        /// The offending text (shortened when long).
        text: String,
    },
}

const DATETIME_SHAPE: &str =
    "a date-time of the form yyyy-mm-ddThh:mm:ss[.fff] followed by Z or ±hh:mm";
const DATE_SHAPE: &str = "a date of the form yyyy-mm-dd (optionally followed by Z or ±hh:mm)";

/// Writes seconds since the epoch as `YYYY-MM-DDThh:mm:ssZ`, the form [`parse_datetime`] reads
/// back (proleptic Gregorian, H. Hinnant's `civil_from_days`).
///
/// ```
/// use ler_model::datetime::{format_datetime, parse_datetime};
/// assert_eq!(format_datetime(0), "1970-01-01T00:00:00Z");
/// assert_eq!(parse_datetime(&format_datetime(1_780_272_000)), Ok(1_780_272_000));
/// ```
pub fn format_datetime(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses an `xsd:dateTimeStamp` (RFC 3339 date-time) into whole seconds since 1970-01-01T00:00:00Z.
///
/// Fractional seconds are truncated toward the earlier second.
pub fn parse_datetime(text: &str) -> Result<i64, DateTimeError> {
    let b = text.as_bytes();
    let days = date(text, b, DATETIME_SHAPE)?;
    if b.get(10) != Some(&b'T') {
        return Err(syntax(text, DATETIME_SHAPE));
    }
    let hour = digits(b, 11, 2).ok_or_else(|| syntax(text, DATETIME_SHAPE))?;
    let minute = colon_then(b, 13).ok_or_else(|| syntax(text, DATETIME_SHAPE))?;
    let second = colon_then(b, 16).ok_or_else(|| syntax(text, DATETIME_SHAPE))?;
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(syntax(text, DATETIME_SHAPE));
        }
    }
    if i == b.len() {
        return Err(DateTimeError::MissingTimezone(shorten(text)));
    }
    let offset = timezone(text, b, i, DATETIME_SHAPE)?;
    if hour > 23 {
        return Err(out_of_range("hour", text));
    }
    if minute > 59 {
        return Err(out_of_range("minute", text));
    }
    if second > 59 {
        return Err(out_of_range("second", text));
    }
    Ok(days * 86_400 + hour * 3_600 + minute * 60 + second - offset)
}

/// Parses an `xsd:date` (`YYYY-MM-DD`, optionally with a timezone) into the seconds since the
/// epoch of the start of that day (UTC when no timezone is given).
pub fn parse_date(text: &str) -> Result<i64, DateTimeError> {
    let b = text.as_bytes();
    let days = date(text, b, DATE_SHAPE)?;
    let offset = if b.len() == 10 {
        0
    } else {
        timezone(text, b, 10, DATE_SHAPE)?
    };
    Ok(days * 86_400 - offset)
}

/// Parses either an `xsd:date` or an `xsd:dateTimeStamp`, whichever the text is.
pub fn parse_date_or_datetime(text: &str) -> Result<i64, DateTimeError> {
    if text.as_bytes().get(10) == Some(&b'T') {
        parse_datetime(text)
    } else {
        parse_date(text)
    }
}

/// `YYYY-MM-DD` at the start of `b`, as days since the epoch.
fn date(text: &str, b: &[u8], shape: &'static str) -> Result<i64, DateTimeError> {
    let year = digits(b, 0, 4).ok_or_else(|| syntax(text, shape))?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(syntax(text, shape));
    }
    let month = digits(b, 5, 2).ok_or_else(|| syntax(text, shape))?;
    let day = digits(b, 8, 2).ok_or_else(|| syntax(text, shape))?;
    if !(1..=12).contains(&month) {
        return Err(out_of_range("month", text));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(out_of_range("day", text));
    }
    Ok(days_from_civil(year, month, day))
}

/// `Z` or `±hh:mm` starting at `i` and ending the text, as seconds east of UTC.
fn timezone(text: &str, b: &[u8], i: usize, shape: &'static str) -> Result<i64, DateTimeError> {
    match b.get(i) {
        Some(b'Z') if b.len() == i + 1 => Ok(0),
        Some(sign @ (b'+' | b'-')) if b.len() == i + 6 => {
            let hours = digits(b, i + 1, 2).ok_or_else(|| syntax(text, shape))?;
            let minutes = colon_then(b, i + 3).ok_or_else(|| syntax(text, shape))?;
            if minutes > 59 || hours > 14 || (hours == 14 && minutes != 0) {
                return Err(out_of_range("timezone offset", text));
            }
            let seconds = hours * 3_600 + minutes * 60;
            Ok(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => Err(syntax(text, shape)),
    }
}

/// `n` ASCII digits at `start`, as a number.
fn digits(b: &[u8], start: usize, n: usize) -> Option<i64> {
    let slice = b.get(start..start + n)?;
    slice.iter().try_fold(0i64, |acc, d| {
        d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
    })
}

/// `:` at `i` followed by two digits.
fn colon_then(b: &[u8], i: usize) -> Option<i64> {
    (b.get(i) == Some(&b':'))
        .then(|| digits(b, i + 1, 2))
        .flatten()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn syntax(text: &str, expected: &'static str) -> DateTimeError {
    DateTimeError::Syntax {
        text: shorten(text),
        expected,
    }
}

fn out_of_range(field: &'static str, text: &str) -> DateTimeError {
    DateTimeError::OutOfRange {
        field,
        text: shorten(text),
    }
}

/// The text, cut to 40 characters so that hostile input cannot bloat messages.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
