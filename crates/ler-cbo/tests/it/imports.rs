//! Imports: the project's own samples, and the real formats in the shared reference data
//! (OSMT RSD API output, CASE packages, O*NET's skills file).

use ler_cbo::{
    Catalog, Framework, FrameworkSource, ONET_ELEMENT_BASE, occupations_from_csv,
    occupations_from_onet,
};
use ler_testdata::{read, read_json};

use crate::common::{framework, occupations, program, skill};

#[test]
fn the_sample_framework_has_three_areas() {
    let f = framework();
    assert_eq!(f.skills.len(), 20);
    assert_eq!(f.source, FrameworkSource::Csv);
    let catalog = Catalog::new([&f]);
    let cs = catalog.skill(&skill("customer-service")).unwrap();
    assert_eq!(cs.code.as_deref(), Some("CS-01"));
    assert_eq!(
        catalog
            .resolve("https://skills.example.net/open-framework/customer-service-excellence")
            .map(|s| s.id.as_str()),
        Some(cs.id.as_str())
    );
    for p in ["warehouse-pathway", "it-support"] {
        for s in program(p).skills() {
            assert!(catalog.skill(s).is_some(), "{p}: {s} is not in the sample");
        }
    }
    let occupations = occupations();
    assert_eq!(occupations.len(), 3);
    for o in &occupations {
        for s in &o.skills {
            assert!(catalog.skill(&s.skill).is_some(), "{}: {}", o.code, s.skill);
        }
    }
}

#[test]
fn sample_occupations_round_trip_through_csv() {
    let mut csv = String::from("code,title,skill,name,importance\n");
    for o in occupations() {
        for s in &o.skills {
            csv.push_str(&format!(
                "{},\"{}\",{},\"{}\",{}\n",
                o.code, o.title, s.skill, s.name, s.importance
            ));
        }
    }
    assert_eq!(occupations_from_csv(&csv).unwrap(), occupations());
}

#[test]
fn imports_an_osmt_collection() {
    let mut json = read_json("formats/02-osmt-rsd/examples/rsd-v3-collection-get.trimmed.json");
    json.as_object_mut().unwrap().remove("_trimmed_note");
    let f = Framework::from_rsd_collection(&json).unwrap();
    assert_eq!(f.name, "IT Network");
    assert_eq!(f.skills.len(), 3);
    assert!(
        f.skills
            .iter()
            .all(|s| s.id.starts_with("http://localhost:8080/api/skills/"))
    );
    assert_eq!(f.skills[0].name, "Validation and Troubleshooting");
    assert_eq!(f.skills[0].category.as_deref(), Some("Authentications"));
}

#[test]
fn imports_single_rsds_with_their_alignments() {
    let one = read_json("formats/02-osmt-rsd/examples/rsd-v3-skill-get.json");
    let f = Framework::from_rsd_skills("https://cbo.example.org/frameworks/rsd", "Imported", &one)
        .unwrap();
    let s = &f.skills[0];
    assert_eq!(
        s.same_as,
        ["https://skills.emsidata.com/skills/KS1254M6N7QPZ96MGR0L"]
    );
    let list = read_json("formats/02-osmt-rsd/examples/rsd-v3-skills-list.trimmed.json");
    let f = Framework::from_rsd_skills("https://cbo.example.org/frameworks/rsd", "List", &list)
        .unwrap();
    assert_eq!(f.skills.len(), 3);
    let constructed = read_json("formats/02-osmt-rsd/examples/constructed-rsd-v3-examples.json");
    let f = Framework::from_rsd_skills("https://cbo.example.org/f", "C", &constructed).unwrap();
    assert_eq!(f.skills.len(), 2);
}

#[test]
fn imports_every_case_package() {
    for file in [
        "constructed-case-v1p0-cfpackage-nursing-assistant.json",
        "opensalt-ItemTypeTestFramework.json",
        "opensalt-SequenceNumberFramework.json",
        "opensalt-SmartLevelFramework.json",
        "opensalt-AdoptedTestFramework.json",
        "opensalt-MarkdownFramework.json",
    ] {
        let json = read_json(&format!("formats/03-case/examples/{file}"));
        let f = Framework::from_case(&json).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(f.source, FrameworkSource::Case, "{file}");
        assert_eq!(
            f.skills.len(),
            json["CFItems"].as_array().map_or(0, Vec::len),
            "{file}"
        );
        assert!(
            f.skills
                .iter()
                .all(|s| s.target_type.as_deref() == Some("CFItem"))
        );
    }
    let nursing = Framework::from_case(&read_json(
        "formats/03-case/examples/constructed-case-v1p0-cfpackage-nursing-assistant.json",
    ))
    .unwrap();
    let vitals = nursing
        .skills
        .iter()
        .find(|s| s.code.as_deref() == Some("CNA.1.1"))
        .unwrap();
    assert_eq!(vitals.name, "Vital signs");
    assert_eq!(vitals.category.as_deref(), Some("Resident Care Skills"));
}

#[test]
fn imports_onet_skills_for_five_occupations() {
    let skills = read("formats/10-onet/Skills.5-occupations.txt");
    let data = read("formats/10-onet/Occupation-Data.5-occupations.txt");
    let all = occupations_from_onet(&skills, Some(&data), 1.0).unwrap();
    assert_eq!(all.len(), 5);
    assert!(all.iter().all(|o| o.skills.len() == 35));
    let important = occupations_from_onet(&skills, Some(&data), 3.0).unwrap();
    let na = important
        .iter()
        .find(|o| o.code.as_str() == "31-1131.00")
        .unwrap();
    assert_eq!(na.title, "Nursing Assistants");
    // Most important first: Service Orientation (4.00) in this release's ratings.
    assert_eq!(na.skills[0].skill, format!("{ONET_ELEMENT_BASE}2.B.1.f"));
    assert_eq!(na.skills[0].importance, 4.0);
    assert!(na.skills.iter().all(|s| s.importance >= 3.0));
}
