//! Earnings estimates and medians.

use super::{OutcomeRecord, OutcomeSource, Pay, median};
use crate::date::{Date, Quarter};

fn job(
    start: &str,
    end: Option<&str>,
    amount: f64,
    period: &str,
    hours: Option<f64>,
) -> OutcomeRecord {
    OutcomeRecord {
        id: "o1".into(),
        participant: "p1".into(),
        source: OutcomeSource::SelfReported,
        verified: false,
        employer: None,
        start: Date::parse(start).unwrap(),
        end: end.map(|e| Date::parse(e).unwrap()),
        hours_per_week: hours,
        pay: Some(Pay {
            amount,
            currency: "USD".into(),
            period: period.into(),
        }),
        reported_at: 0,
    }
}

#[test]
fn estimates_quarter_earnings() {
    let q = Quarter::new(2025, 3);
    let hourly = job("2025-01-01", None, 20.0, "Hour", Some(40.0));
    assert_eq!(hourly.earnings_in(q, "USD"), Some(20.0 * 40.0 * 13.0));
    assert_eq!(hourly.earnings_in(q, "EUR"), None);
    assert_eq!(
        job("2025-01-01", None, 20.0, "Hour", None).earnings_in(q, "USD"),
        None
    );
    // Half the quarter (46 of 92 days) at 52,000 a year.
    let half = job("2025-08-16", None, 52_000.0, "Year", Some(40.0));
    assert_eq!(half.earnings_in(q, "USD"), Some(13_000.0 * 46.0 / 92.0));
    assert_eq!(half.hourly("USD"), Some(25.0));
    assert!(!job("2025-01-01", Some("2025-06-30"), 1.0, "Hour", None).employed_in(q));
}

#[test]
fn medians() {
    assert_eq!(median(vec![]), None);
    assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
}
