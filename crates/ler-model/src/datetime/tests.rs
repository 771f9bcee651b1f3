//! Unit tests for the date and date-time parser.

use super::{DateTimeError, format_datetime, parse_date, parse_date_or_datetime, parse_datetime};

#[test]
fn accepts_rfc3339_datetimes() {
    let cases: &[(&str, i64)] = &[
        ("1970-01-01T00:00:00Z", 0),
        ("2026-01-01T00:00:00Z", 1_767_225_600),
        ("2010-01-01T19:23:24Z", 1_262_373_804),
        ("2000-02-29T12:00:00Z", 951_825_600),
        ("1969-12-31T23:59:59Z", -1),
        ("0000-03-01T00:00:00Z", -62_162_035_200),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        ("2026-01-01T01:00:00+01:00", 1_767_225_600),
        ("2025-12-31T19:00:00-05:00", 1_767_225_600),
        ("2026-01-01T00:00:00.999Z", 1_767_225_600),
        ("2026-01-01T00:00:00.1234567890123+00:00", 1_767_225_600),
        ("2026-01-01T00:00:00+14:00", 1_767_175_200),
        ("2026-01-01T00:00:00-14:00", 1_767_276_000),
    ];
    for (text, secs) in cases {
        assert_eq!(parse_datetime(text), Ok(*secs), "{text}");
    }
}

#[test]
fn rejects_what_rfc3339_or_xsd_reject() {
    let syntax = [
        "",
        "2026",
        "2026-01-01",
        "2026-01-01 00:00:00Z",
        "2026-01-01t00:00:00Z",
        "2026-01-01T00:00:00z",
        "2026-1-01T00:00:00Z",
        "26-01-01T00:00:00Z",
        "+2026-01-01T00:00:00Z",
        "-2026-01-01T00:00:00Z",
        "12026-01-01T00:00:00Z",
        "2026-01-01T00:00Z",
        "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00+0100",
        "2026-01-01T00:00:00+01",
        "2026-01-01T00:00:00Z ",
        " 2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00ZZ",
        "２０２６-01-01T00:00:00Z",
    ];
    for text in syntax {
        assert!(
            matches!(parse_datetime(text), Err(DateTimeError::Syntax { .. })),
            "{text:?}"
        );
    }
    assert_eq!(
        parse_datetime("2026-01-01T00:00:00"),
        Err(DateTimeError::MissingTimezone("2026-01-01T00:00:00".into()))
    );
    assert!(matches!(
        parse_datetime("2026-01-01T00:00:00.5"),
        Err(DateTimeError::MissingTimezone(_))
    ));
    let ranges = [
        ("2026-13-01T00:00:00Z", "month"),
        ("2026-00-01T00:00:00Z", "month"),
        ("2026-02-29T00:00:00Z", "day"),
        ("1900-02-29T00:00:00Z", "day"),
        ("2026-04-31T00:00:00Z", "day"),
        ("2026-01-00T00:00:00Z", "day"),
        ("2026-01-01T24:00:00Z", "hour"),
        ("2026-01-01T00:60:00Z", "minute"),
        ("2016-12-31T23:59:60Z", "second"),
        ("2026-01-01T00:00:00+14:01", "timezone offset"),
        ("2026-01-01T00:00:00+15:00", "timezone offset"),
        ("2026-01-01T00:00:00+01:60", "timezone offset"),
    ];
    for (text, field) in ranges {
        match parse_datetime(text) {
            Err(DateTimeError::OutOfRange { field: f, .. }) => assert_eq!(f, field, "{text}"),
            other => panic!("{text}: expected {field} out of range, got {other:?}"),
        }
    }
}

#[test]
fn parses_dates() {
    assert_eq!(parse_date("1970-01-01"), Ok(0));
    assert_eq!(parse_date("2024-03-04"), Ok(1_709_510_400));
    assert_eq!(parse_date("2024-03-04Z"), Ok(1_709_510_400));
    assert_eq!(parse_date("2024-03-04+01:00"), Ok(1_709_510_400 - 3_600));
    assert!(parse_date("2024-03-04T00:00:00Z").is_err());
    assert!(parse_date("2024-02-30").is_err());
    assert!(parse_date("2024-03").is_err());
    assert_eq!(parse_date_or_datetime("2024-03-04"), Ok(1_709_510_400));
    assert_eq!(
        parse_date_or_datetime("2024-03-04T00:00:00Z"),
        Ok(1_709_510_400)
    );
    assert!(parse_date_or_datetime("2024-03-04T00:00:00").is_err());
}

#[test]
fn error_messages_are_lowercase_and_bounded() {
    let long = format!("{}x", "9".repeat(500));
    let message = parse_datetime(&long)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        message.starts_with("\"9999") && message.len() < 200,
        "{message}"
    );
    let message = parse_datetime("2026-02-30T00:00:00Z")
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        message.as_deref(),
        Some("day out of range in \"2026-02-30T00:00:00Z\"")
    );
}

#[test]
fn agrees_with_day_counting_over_four_centuries() {
    // Walk every day from 1600-01-01 to 2400-12-31 and check consecutive days differ by 86400.
    let mut previous: Option<i64> = None;
    for year in 1600..=2400 {
        for month in 1..=12 {
            for day in 1..=super::days_in_month(year, month) {
                let text = format!("{year:04}-{month:02}-{day:02}T00:00:00Z");
                let secs = parse_datetime(&text).ok();
                assert!(secs.is_some(), "{text}");
                if let (Some(prev), Some(now)) = (previous, secs) {
                    assert_eq!(now - prev, 86_400, "{text}");
                }
                previous = secs;
            }
        }
    }
}

#[test]
fn formats_what_it_parses() {
    for secs in [
        0,
        -1,
        951_782_400,
        1_780_272_000,
        253_402_300_799,
        -62_162_035_200,
    ] {
        assert_eq!(parse_datetime(&format_datetime(secs)), Ok(secs), "{secs}");
    }
    assert_eq!(format_datetime(951_782_400), "2000-02-29T00:00:00Z");
}
