//! Templates: rendering, binding errors, the achievement pseudo-column.

use super::*;

fn record(fields: &[&str]) -> csv::StringRecord {
    csv::StringRecord::from(fields.to_vec())
}

#[test]
fn renders_columns_and_literals() {
    let header = vec!["First name".to_owned(), "Last name".to_owned()];
    let t = Template::parse("{first NAME} {Last name} {{x}}").unwrap();
    let b = t.bind(&header).unwrap();
    assert_eq!(
        b.render(&record(&["Jane", "Learner"]), None).as_deref(),
        Some("Jane Learner {x}")
    );
    assert_eq!(b.column.as_deref(), Some("First name"));
    let only = Template::parse("{First name} {Last name}")
        .unwrap()
        .bind(&header)
        .unwrap();
    assert_eq!(only.render(&record(&["", " "]), None), None);
}

#[test]
fn rejects_bad_templates_and_unknown_columns() {
    for bad in ["{open", "close}", "{}", "{=nothing}"] {
        assert!(Template::parse(bad).is_err(), "{bad}");
    }
    let t = Template::parse("{Email}").unwrap();
    let err = t.bind(&["Name".to_owned()]).unwrap_err();
    assert!(err.to_string().contains("Email"), "{err}");
}

#[test]
fn fills_the_achievement_pseudo_column() {
    let t = Template::parse("canvas:{ID}:{=achievement}").unwrap();
    assert!(t.uses_achievement());
    let b = t.bind(&["ID".to_owned()]).unwrap();
    assert_eq!(
        b.render(&record(&["7"]), Some("urn:a")).as_deref(),
        Some("canvas:7:urn:a")
    );
}
