//! Dates and quarters.

use proptest::prelude::*;

use super::{Date, Quarter};

#[test]
fn parses_and_writes_dates() {
    let d = Date::parse("2024-02-29").unwrap();
    assert_eq!(d.to_string(), "2024-02-29");
    assert_eq!(d.civil(), (2024, 2, 29));
    assert!(Date::parse("2023-02-29").is_err());
    assert!(Date::parse("2024-02-29Z").is_err());
    assert!(Date::parse("24-02-29").is_err());
    assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
    assert_eq!(
        Date::of_text("2024-03-01T23:59:59-05:00"),
        Some(Date::parse("2024-03-02").unwrap())
    );
}

#[test]
fn quarters_after_exit() {
    let exit = Date::parse("2024-05-15").unwrap();
    let q = exit.quarter();
    assert_eq!(q.to_string(), "2024-Q2");
    assert_eq!(q.plus(2).to_string(), "2024-Q4");
    assert_eq!(q.plus(4).to_string(), "2025-Q2");
    assert_eq!(q.plus(4).first_day().to_string(), "2025-04-01");
    assert_eq!(q.plus(4).last_day().to_string(), "2025-06-30");
    assert_eq!(Quarter::new(2024, 1).days(), 91);
    assert_eq!(
        Date::parse("2024-02-29")
            .unwrap()
            .plus_one_year()
            .to_string(),
        "2025-02-28"
    );
}

proptest! {
    #[test]
    fn civil_round_trips(days in -800_000i64..800_000) {
        let d = Date(days);
        let (y, m, day) = d.civil();
        prop_assert_eq!(Date::from_civil(y, m, day), d);
        if (0..=9999).contains(&y) {
            prop_assert_eq!(Date::parse(&d.to_string()).unwrap(), d);
        }
        let q = d.quarter();
        prop_assert!(q.first_day() <= d && d <= q.last_day());
    }
}
