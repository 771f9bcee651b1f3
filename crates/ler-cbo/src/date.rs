//! Calendar dates (`YYYY-MM-DD`) and calendar quarters, the units programs and the WIOA
//! indicators count in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::CboError;

#[cfg(test)]
mod tests;

/// A calendar day (proleptic Gregorian, UTC), written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

impl Date {
    /// Parses `YYYY-MM-DD` (exactly; no time, no timezone).
    pub fn parse(text: &str) -> Result<Date, CboError> {
        if text.len() != 10 {
            return Err(CboError::invalid(
                "date",
                format!("{text:?} is not of the form yyyy-mm-dd"),
            ));
        }
        ler_model::datetime::parse_date(text)
            .map(|secs| Date(secs.div_euclid(86_400)))
            .map_err(|e| CboError::invalid("date", e.to_string()))
    }

    /// The day a timestamp (seconds since the epoch, UTC) falls on.
    pub fn of_timestamp(secs: i64) -> Date {
        Date(secs.div_euclid(86_400))
    }

    /// The date of an `xsd:date` or `xsd:dateTime` text, as credentials carry them.
    pub fn of_text(text: &str) -> Option<Date> {
        ler_model::datetime::parse_date_or_datetime(text)
            .ok()
            .map(Date::of_timestamp)
    }

    /// Seconds since the epoch at the start of the day.
    pub fn timestamp(self) -> i64 {
        self.0 * 86_400
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        self.0
    }

    /// The date `n` days later (earlier when negative).
    pub fn plus_days(self, n: i64) -> Date {
        Date(self.0 + n)
    }

    /// (year, month 1–12, day 1–31).
    pub fn civil(self) -> (i64, u32, u32) {
        // H. Hinnant's civil_from_days.
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        // In range by construction: 1 ≤ m ≤ 12, 1 ≤ d ≤ 31.
        (y, m as u32, d as u32)
    }

    /// The date of (year, month, day), which must be a real date.
    fn from_civil(y: i64, m: u32, d: u32) -> Date {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(m);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Date(era * 146_097 + doe - 719_468)
    }

    /// The same day one year later (28 February for 29 February).
    pub fn plus_one_year(self) -> Date {
        let (y, m, d) = self.civil();
        let d = if m == 2 && d == 29 && !leap(y + 1) {
            28
        } else {
            d
        };
        Date::from_civil(y + 1, m, d)
    }

    /// The calendar quarter the day is in.
    pub fn quarter(self) -> Quarter {
        let (y, m, _) = self.civil();
        Quarter::new(y, (m - 1) / 3 + 1)
    }
}

fn leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A calendar quarter: January–March is Q1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    /// Quarters since year 0 Q1 (year × 4 + quarter − 1).
    index: i64,
}

impl Quarter {
    /// Quarter `q` (1–4; clamped) of `year`.
    pub fn new(year: i64, q: u32) -> Quarter {
        let q = i64::from(q.clamp(1, 4));
        Quarter {
            index: year * 4 + q - 1,
        }
    }

    /// The year.
    pub fn year(self) -> i64 {
        self.index.div_euclid(4)
    }

    /// 1–4.
    pub fn number(self) -> u32 {
        // 0 ≤ rem < 4.
        self.index.rem_euclid(4) as u32 + 1
    }

    /// The quarter `n` quarters later.
    pub fn plus(self, n: i64) -> Quarter {
        Quarter {
            index: self.index + n,
        }
    }

    /// Its first day.
    pub fn first_day(self) -> Date {
        Date::from_civil(self.year(), (self.number() - 1) * 3 + 1, 1)
    }

    /// Its last day.
    pub fn last_day(self) -> Date {
        self.plus(1).first_day().plus_days(-1)
    }

    /// Its number of days.
    pub fn days(self) -> i64 {
        self.last_day().days() - self.first_day().days() + 1
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year(), self.number())
    }
}
