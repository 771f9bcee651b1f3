//! Lenient dates: the forms learning systems write, and the messages for the rest.

use super::*;

#[test]
fn reads_the_forms_learning_systems_write() {
    let check = |text: &str, order, want: &str| {
        assert_eq!(
            parse_lenient_date(text, order).as_deref(),
            Ok(want),
            "{text}"
        );
    };
    check("2024-05-24", None, "2024-05-24T00:00:00Z");
    check("2024-03-14T15:09:26.535Z", None, "2024-03-14T15:09:26Z");
    check("2024-03-14T17:09:26+02:00", None, "2024-03-14T15:09:26Z");
    check("2024-03-14 15:09", None, "2024-03-14T15:09:00Z");
    check("1716545000", None, "2024-05-24T10:03:20Z");
    check("24/05/24, 14:05", None, "2024-05-24T14:05:00Z");
    check(
        "09/02/24, 15:10",
        Some(DateOrder::Dmy),
        "2024-02-09T15:10:00Z",
    );
    check("09/02/2024", Some(DateOrder::Mdy), "2024-09-02T00:00:00Z");
}

#[test]
fn says_what_is_wrong() {
    for (text, needle) in [
        ("09/02/24", "dates.order"),
        ("31/02/2024", "day"),
        ("yesterday", "not a date"),
        ("", "empty"),
    ] {
        let err = parse_lenient_date(text, None).unwrap_err();
        assert!(err.contains(needle), "{text}: {err}");
    }
}
