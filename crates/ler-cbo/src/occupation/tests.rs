//! Occupation imports.

use serde_json::json;

use super::{ONET_ELEMENT_BASE, SocCode, from_csv, from_json, from_onet_text};

#[test]
fn soc_codes() {
    assert_eq!(SocCode::parse("31-1131.00").unwrap().soc(), "31-1131");
    assert!(SocCode::parse("31-1131").is_ok());
    assert!(SocCode::parse("311131").is_err());
    assert!(SocCode::parse("31-1131.0").is_err());
}

#[test]
fn reads_the_onet_layout() {
    let skills = "O*NET-SOC Code\tElement ID\tElement Name\tScale ID\tData Value\tN\tStandard Error\tLower CI Bound\tUpper CI Bound\tRecommend Suppress\tNot Relevant\tDate\tDomain Source\n\
        53-7062.00\t2.A.1.b\tActive Listening\tIM\t3.50\t8\t0.1\t3\t4\tN\tn/a\t08/2023\tAnalyst\n\
        53-7062.00\t2.A.1.b\tActive Listening\tLV\t2.75\t8\t0.1\t2\t3\tN\tN\t08/2023\tAnalyst\n\
        53-7062.00\t2.B.3.a\tOperations Analysis\tIM\t1.25\t8\t0.1\t1\t2\tN\tn/a\t08/2023\tAnalyst\n\
        53-7062.00\t2.A.2.d\tMonitoring\tIM\t3.00\t8\t0.1\t3\t4\tN\tn/a\t08/2023\tAnalyst\n\
        53-7062.00\t2.A.2.d\tMonitoring\tLV\t0.00\t8\t0.1\t0\t0\tN\tY\t08/2023\tAnalyst\n";
    let data = "O*NET-SOC Code\tTitle\tDescription\n53-7062.00\tLaborers and Freight Movers\tMove freight.\n";
    let occupations = from_onet_text(skills, Some(data), 3.0).unwrap();
    assert_eq!(occupations.len(), 1);
    let o = &occupations[0];
    assert_eq!(o.title, "Laborers and Freight Movers");
    assert_eq!(o.skills.len(), 2, "Operations Analysis is below 3.0");
    assert_eq!(o.skills[0].skill, format!("{ONET_ELEMENT_BASE}2.A.1.b"));
    assert_eq!(o.skills[0].level, Some(2.75));
    assert_eq!(o.skills[1].level, None, "not relevant");
    let err = from_onet_text("Element ID\n", None, 3.0).unwrap_err();
    assert!(err.to_string().contains("O*NET-SOC Code"), "{err}");
}

#[test]
fn reads_json_and_csv() {
    let j = from_json(
        &json!({"occupations": [{"code": "15-1232.00", "title": "Support",
        "skills": [{"skill": "https://a.example/1", "name": "One", "importance": 2.5},
                   {"skill": "https://a.example/2", "name": "Two", "importance": 4}]}]}),
    )
    .unwrap();
    assert_eq!(j[0].skills[0].name, "Two");
    let c = from_csv(
        "code,title,skill,name,importance\n15-1232.00,Support,https://a.example/2,Two,4\n15-1232.00,Support,https://a.example/1,One,2.5\n",
    )
    .unwrap();
    assert_eq!(c, j);
    let err =
        from_csv("code,title,skill,name,importance\n15-1232.00,S,https://a.example/1,One,9\n")
            .unwrap_err();
    assert!(err.to_string().contains("not from 1 to 5"), "{err}");
}
