//! Dates as learning systems write them, read leniently into `xsd:dateTime` (UTC): RFC 3339,
//! `YYYY-MM-DD`, `YYYY-MM-DD hh:mm[:ss]`, Unix seconds, and day/month/year with slashes in the
//! order the mapping names (Moodle writes `24/05/24, 14:05` in most locales).

use ler_model::datetime::{format_datetime, parse_date, parse_datetime};
use serde::Deserialize;

use crate::Fault;

/// How a slashed date orders its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    /// `24/05/2024`.
    Dmy,
    /// `05/24/2024`.
    Mdy,
}

/// Reads `text` as a date or date-time and returns it as `YYYY-MM-DDThh:mm:ssZ`; a date alone is
/// midnight UTC, a date-time without a zone is taken as UTC. A slashed date needs `order`
/// unless its day is above 12.
pub fn parse_lenient_date(text: &str, order: Option<DateOrder>) -> Result<String, String> {
    lenient_date(text, order).map_err(|f| f.message)
}

/// [`parse_lenient_date`] with the fault's code (`empty_date`, `not_date`, `ambiguous_date`).
pub(crate) fn lenient_date(text: &str, order: Option<DateOrder>) -> Result<String, Fault> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Fault::new("empty_date", "the date is empty"));
    }
    let not_date = |message: String| Fault::new("not_date", message).arg("text", t);
    if t.len() >= 9 && t.len() <= 11 && t.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = t
            .parse()
            .map_err(|_| not_date(format!("{t:?} is not a Unix time")))?;
        return Ok(format_datetime(secs));
    }
    if t.contains('/') {
        return slashed(t, order);
    }
    if let Ok(s) = parse_datetime(t) {
        return Ok(format_datetime(s));
    }
    if t.len() == 10
        && let Ok(s) = parse_date(t)
    {
        return Ok(format_datetime(s));
    }
    // `YYYY-MM-DD hh:mm[:ss]` or `YYYY-MM-DDThh:mm[:ss]` without a zone: UTC.
    if t.len() >= 16 && matches!(t.as_bytes()[10], b' ' | b'T') {
        let (day, time) = (&t[..10], &t[11..]);
        let time = if time.len() == 5 {
            format!("{time}:00")
        } else {
            time.to_owned()
        };
        if let Ok(s) = parse_datetime(&format!("{day}T{time}Z")) {
            return Ok(format_datetime(s));
        }
    }
    Err(not_date(format!(
        "{t:?} is not a date (use YYYY-MM-DD, an RFC 3339 date-time, Unix seconds, or DD/MM/YYYY with dates.order)"
    )))
}

fn slashed(t: &str, order: Option<DateOrder>) -> Result<String, Fault> {
    let not_date = |message: String| Fault::new("not_date", message).arg("text", t);
    let bad = || {
        not_date(format!(
            "{t:?} is not a date of the form DD/MM/YY[YY][, hh:mm]"
        ))
    };
    let (date, time) = match t.split_once([',', ' ']) {
        Some((d, rest)) => (d.trim(), Some(rest.trim_start_matches([',', ' ']).trim())),
        None => (t, None),
    };
    let parts: Vec<&str> = date.split('/').collect();
    let [a, b, y] = parts.as_slice() else {
        return Err(bad());
    };
    let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
    let (a, b, mut year) = (num(a)?, num(b)?, num(y)?);
    if y.len() == 2 {
        year += 2000;
    }
    let (day, month) = match order {
        Some(DateOrder::Dmy) => (a, b),
        Some(DateOrder::Mdy) => (b, a),
        None if a > 12 => (a, b),
        None if b > 12 => (b, a),
        None => {
            return Err(Fault::new(
                "ambiguous_date",
                format!(
                    "{t:?} could be day/month or month/day: set dates.order to \"dmy\" or \"mdy\""
                ),
            )
            .arg("text", t));
        }
    };
    let time = match time.filter(|s| !s.is_empty()) {
        None => "00:00:00".to_owned(),
        Some(s) if s.len() == 5 => format!("{s}:00"),
        Some(s) => s.to_owned(),
    };
    let iso = format!("{year:04}-{month:02}-{day:02}T{time}Z");
    parse_datetime(&iso)
        .map(format_datetime)
        .map_err(|e| not_date(format!("{t:?}: {e}")))
}

#[cfg(test)]
mod tests;
