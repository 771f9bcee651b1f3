//! Each import format on the fixtures in `fixtures/lms`: what is issued, what is skipped and
//! why, and every bad row reported with its row and column.

use std::io::BufReader;
use std::path::PathBuf;

use ler_connect::import::{self, OneRosterOptions};
use ler_connect::{Entry, Mapping, preview};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/lms")).join(name)
}

fn open(name: &str) -> std::fs::File {
    std::fs::File::open(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn mapping(name: &str) -> Mapping {
    Mapping::parse(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

/// One line per entry: `issue <row> <key> <recipient> <achievement> [score/max] [grade] [date]`,
/// `skip <row> <reason>`, `error <row> <column>: <message>`.
fn line(e: &Entry) -> String {
    match e {
        Entry::Issue(r) => {
            let mut parts = vec![
                format!("issue {}", r.row),
                r.source_key.clone(),
                r.recipient.key().unwrap_or("-").to_owned(),
                r.achievement_ref
                    .id
                    .clone()
                    .or(r.achievement_ref.name.clone())
                    .unwrap_or_default(),
            ];
            if let Some(s) = &r.result.score {
                parts.push(format!(
                    "{s}/{}",
                    r.result.max_score.as_deref().unwrap_or("?")
                ));
            }
            if let Some(g) = &r.result.grade {
                parts.push(g.clone());
            }
            if let Some(d) = &r.dates.awarded {
                parts.push(d.clone());
            }
            parts.join(" ")
        }
        Entry::Skip(s) => format!("skip {} {}", s.row, s.reason),
        Entry::Error(e) => format!(
            "error {} {}: {}",
            e.row,
            e.column.as_deref().unwrap_or("-"),
            e.message
        ),
    }
}

fn check(entries: impl Iterator<Item = Entry>, expect: &[&str]) {
    let got: Vec<String> = entries.map(|e| line(&e)).collect();
    assert_eq!(got, expect, "\ngot:\n{}\n", got.join("\n"));
}

#[test]
fn reads_canvas_gradebook_with_preset() {
    let rows = import::csv(open("canvas-gradebook.csv"), &mapping("canvas.toml")).unwrap();
    check(
        rows,
        &[
            "skip 2 ID is blank",
            "issue 3 canvas:5101:https://college.example.edu/achievements/cna-101 ana.rivera@students.example.edu https://college.example.edu/achievements/cna-101 91.82/100 A-",
            "skip 4 score 58.18 is below 70",
            "issue 5 canvas:5103:https://college.example.edu/achievements/cna-101 cai.lindqvist@students.example.edu https://college.example.edu/achievements/cna-101 77.27/100 C+",
            "error 6 SIS Login ID: \"dee.nakamura-at-example.edu\" is not an email address",
            "error 7 Final Score: \"N/A\" is not a number",
        ],
    );
}

#[test]
fn reads_moodle_grades_with_preset() {
    let rows = import::csv(open("moodle-grades.csv"), &mapping("moodle-grades.toml")).unwrap();
    check(
        rows,
        &[
            "issue 2 moodle:fatima.zahra@learners.example.org:Phlebotomy Basics fatima.zahra@learners.example.org Phlebotomy Basics 95.00/110",
            "skip 3 score 71 is below 75",
            "skip 4 Email address is blank",
            "skip 5 no score",
        ],
    );
}

#[test]
fn reads_moodle_completion_with_preset() {
    let rows = import::csv(
        open("moodle-completion.csv"),
        &mapping("moodle-completion.toml"),
    )
    .unwrap();
    check(
        rows,
        &[
            "issue 2 moodle:71:https://college.example.edu/achievements/cna-101 jo.park@learners.example.org https://college.example.edu/achievements/cna-101 2024-05-24T11:00:00Z",
            "skip 3 Course complete is blank",
            "error 4 Course complete: \"31/05/24, 25:00\": hour out of range in \"2024-05-31T25:00:00Z\"",
        ],
    );
}

#[test]
fn reads_custom_csv_and_reports_each_bad_row() {
    let rows = import::csv(open("custom.csv"), &mapping("custom.toml")).unwrap();
    check(
        rows,
        &[
            "issue 2 forklift:E-1 ana.rivera@students.example.edu Forklift Safety 92/100 2024-04-02T00:00:00Z",
            "issue 3 forklift:E-2 did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK Forklift Safety 81/100 2024-04-02T00:00:00Z",
            "error 4 Email: the recipient has no email, DID or identifier",
            "error 5 Score: \"ninety\" is not a number",
            "error 6 Completed on: \"04/31/2024\": day out of range in \"2024-04-31T00:00:00Z\"",
            "error 7 DID: \"not-a-did\" is not a DID (did:<method>:<id>)",
            "error 8 Program: the row names no achievement",
            "issue 9 forklift:E-8 hana.ito@learners.example.org Forklift Safety 95/100 2024-04-06T00:00:00Z",
        ],
    );
}

#[test]
fn reads_xapi_array() {
    check(
        import::xapi(BufReader::new(open("xapi-statements.json"))),
        &[
            "issue 1 xapi:6b1e0c1a-2f4d-4c7e-9a10-000000000001 ana.rivera@students.example.edu https://lms.example.edu/courses/forklift-safety 2024-04-10T14:00:00Z",
            "issue 2 xapi:6b1e0c1a-2f4d-4c7e-9a10-000000000002 u-5102 https://lms.example.edu/courses/forklift-safety/final 46/50 2024-04-11T09:15:00Z",
            "skip 3 verb failed is not completed or passed",
            "skip 4 verb experienced is not completed or passed",
            "error 5 actor: a group cannot receive a credential: send one statement per learner",
            "error 6 actor: the actor has no mbox or account (a hashed mbox cannot receive a credential)",
            "error 7 timestamp: \"yesterday\" is not a date (use YYYY-MM-DD, an RFC 3339 date-time, Unix seconds, or DD/MM/YYYY with dates.order)",
            "error 8 id: the statement has no id (the id is its source key)",
            "issue 9 xapi:6b1e0c1a-2f4d-4c7e-9a10-000000000009 cai.lindqvist@students.example.edu https://lms.example.edu/courses/pallet-jack/check 0.9/1 2024-04-12T08:00:00Z",
        ],
    );
}

#[test]
fn reads_xapi_lrs_statement_result() {
    check(
        import::xapi(BufReader::new(open("xapi-lrs.json"))),
        &[
            "issue 1 xapi:9c2d4e6f-0000-4000-8000-000000000100 ana.rivera@students.example.edu https://lms.example.edu/courses/ladder-safety 2024-05-01T08:00:00Z",
            "skip 2 verb attempted is not completed or passed",
            "issue 3 xapi:9c2d4e6f-0000-4000-8000-000000000102 u-5102 https://lms.example.edu/courses/ladder-safety 2024-05-02T08:00:00Z",
        ],
    );
}

#[test]
fn reads_oneroster_results() {
    let rows = import::oneroster(
        open("oneroster/results.csv"),
        open("oneroster/lineItems.csv"),
        open("oneroster/users.csv"),
        OneRosterOptions {
            pass_percent: Some(70.0),
        },
    )
    .unwrap();
    check(
        rows,
        &[
            "issue 2 oneroster:r-1 ama.martin@students.example.org li-cpr 19.0/20.0 2024-03-15T00:00:00Z",
            "skip 3 score 11 is below 70% of 20",
            "issue 4 oneroster:r-3 ama.martin@students.example.org li-final 88.0/100.0 B+ 2024-05-24T00:00:00Z",
            "skip 5 score status not submitted",
            "issue 6 oneroster:r-5 ST-103 li-final 92.0/100.0 A- 2024-05-24T00:00:00Z",
            "error 7 lineItemSourcedId: line item \"li-lab\" is not in lineItems.csv",
            "skip 8 marked tobedeleted",
            "error 9 studentSourcedId: user \"u-999\" is not in users.csv",
        ],
    );
}

#[test]
fn preview_counts_and_reports_duplicate_keys() {
    let csv = "Email,Course,Key\nana@example.org,Welding,k1\nben@example.org,Welding,k1\nbad,Welding,k2\n";
    let m = Mapping::from_json(
        r#"{"source_key": "{Key}", "recipient": {"email": "{Email}"}, "achievement": {"name": "{Course}"}}"#,
    )
    .unwrap();
    let p = preview(import::csv(csv.as_bytes(), &m).unwrap(), 10);
    assert_eq!((p.to_issue, p.skipped, p.errors), (1, 0, 2));
    assert_eq!(
        p.sample[0].recipient.email.as_deref(),
        Some("ana@example.org")
    );
    let messages: Vec<String> = p.first_errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "row 3: the source key \"k1\" appears on an earlier row",
            "row 4, Email: \"bad\" is not an email address"
        ]
    );
    let p = preview(
        import::xapi(BufReader::new(open("xapi-statements.json"))),
        1,
    );
    assert_eq!((p.to_issue, p.skipped, p.errors), (3, 2, 4));
    assert_eq!(p.first_errors.len(), 1);
    assert_eq!(
        p.skip_reasons,
        [
            ("verb failed is not completed or passed".to_owned(), 1),
            ("verb experienced is not completed or passed".to_owned(), 1)
        ]
    );
}

#[test]
fn rejects_mappings_that_cannot_work() {
    let missing = Mapping::from_toml(
        "source_key = \"{Student ID}\"\n[recipient]\nemail = \"{Email}\"\n[achievement]\nname = \"x\"\n",
    )
    .unwrap();
    let err = import::csv("Email,Course\n".as_bytes(), &missing)
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("\"Student ID\" is not in the header"),
        "{err}"
    );
    for (text, needle) in [
        ("preset = \"blackboard\"", "unknown preset"),
        (
            "[recipient]\nemail = \"{E}\"\n[achievement]\nname = \"x\"",
            "source_key is required",
        ),
        (
            "source_key = \"{K}\"\n[achievement]\nname = \"x\"",
            "recipient needs",
        ),
        (
            "source_key = \"{K}\"\n[recipient]\nemail = \"{E}\"",
            "achievement needs",
        ),
        ("source_key = \"{K}\"\ncolour = \"red\"", "unknown field"),
        (
            "preset = \"canvas\"\n[achievement]\nid = \"{=achievement}\"",
            "cannot refer",
        ),
    ] {
        let err = Mapping::parse(text).err().unwrap();
        assert!(err.to_string().contains(needle), "{text}: {err}");
    }
    // A preset with a fixed achievement needs no file at all.
    let m = ler_connect::Mapping::preset(
        ler_connect::Preset::MoodleCompletion,
        Some("urn:x:{1}"),
        None,
    )
    .unwrap();
    let rows: Vec<Entry> = import::csv(open("moodle-completion.csv"), &m)
        .unwrap()
        .collect();
    assert!(
        matches!(&rows[0], Entry::Issue(r) if r.achievement_ref.id.as_deref() == Some("urn:x:{1}"))
    );
}

/// The shared reference examples (xAPI spec and constructed statements, the OneRoster bulk
/// set) read without a failure of the reader itself: every statement or result becomes an
/// entry.
#[test]
fn reads_the_reference_examples() {
    let dir = ler_testdata::reference_dir().join("formats");
    for (file, must_issue) in [
        ("04-xapi/examples/constructed-ler-statements.json", true),
        // Attempted, attended, created, voided, commented, planned: nothing to issue.
        (
            "04-xapi/examples/xapi-spec-1.0.3-example-statements.json",
            false,
        ),
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let count = serde_json::from_str::<serde_json::Value>(&text)
            .unwrap()
            .as_array()
            .map_or(0, Vec::len);
        let lines: Vec<String> = import::xapi(text.as_bytes()).map(|e| line(&e)).collect();
        assert_eq!(lines.len(), count, "{file}:\n{}", lines.join("\n"));
        assert_eq!(
            lines.iter().any(|l| l.starts_with("issue ")),
            must_issue,
            "{file}:\n{}",
            lines.join("\n")
        );
        assert!(
            !lines
                .iter()
                .any(|l| l.contains("not JSON") || l.contains("cannot read")),
            "{file}:\n{}",
            lines.join("\n")
        );
    }
    let bulk = dir.join("05-oneroster-1.2-csv/example-bulk");
    let open = |f: &str| std::fs::File::open(bulk.join(f)).unwrap();
    let rows: Vec<String> = import::oneroster(
        open("results.csv"),
        open("lineItems.csv"),
        open("users.csv"),
        OneRosterOptions::default(),
    )
    .unwrap()
    .map(|e| line(&e))
    .collect();
    assert!(
        rows.iter().any(|l| l.starts_with("issue ")),
        "{}",
        rows.join("\n")
    );
}

#[test]
fn one_column_can_hold_an_email_or_a_did() {
    let mapping = Mapping::from_toml(
        r#"
        source_key = "{recipient}:{=achievement}"
        [recipient]
        email_or_did = "{recipient}"
        [achievement]
        id = "{achievement}"
        "#,
    )
    .expect("mapping");
    let csv = "recipient,achievement\n\
               Ana@Example.org,forklift\n\
               did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK,forklift\n\
               not-an-email,forklift\n\
               did:Bad,forklift\n";
    let rows: Vec<Entry> = import::csv(csv.as_bytes(), &mapping)
        .expect("reader")
        .collect();
    let Entry::Issue(ana) = &rows[0] else {
        panic!("{:?}", rows[0])
    };
    assert_eq!(ana.recipient.email.as_deref(), Some("ana@example.org"));
    assert_eq!(ana.recipient.did, None);
    let Entry::Issue(did) = &rows[1] else {
        panic!("{:?}", rows[1])
    };
    assert!(
        did.recipient
            .did
            .as_deref()
            .is_some_and(|d| d.starts_with("did:key:"))
    );
    assert_eq!(did.recipient.email, None);
    for (bad, what) in [(&rows[2], "not an email address"), (&rows[3], "not a DID")] {
        let Entry::Error(e) = bad else {
            panic!("{bad:?}")
        };
        assert_eq!(e.column.as_deref(), Some("recipient"));
        assert!(e.message.contains(what), "{e}");
    }
}

/// One line per error: `<row> <code> <name>=<value>…`; every code is one of
/// [`ler_connect::ROW_ERROR_CODES`] with the arguments it lists.
fn codes(entries: impl IntoIterator<Item = Entry>) -> Vec<String> {
    entries
        .into_iter()
        .filter_map(|e| match e {
            Entry::Error(e) => Some(e),
            _ => None,
        })
        .map(|e| {
            let (_, names) = ler_connect::ROW_ERROR_CODES
                .iter()
                .find(|(c, _)| *c == e.code)
                .unwrap_or_else(|| panic!("{} is not in ROW_ERROR_CODES", e.code));
            let given: Vec<&str> = e.args.iter().map(|(n, _)| *n).collect();
            assert_eq!(&given, names, "the arguments of {}", e.code);
            let mut line = format!("{} {}", e.row, e.code);
            for (n, v) in &e.args {
                line.push_str(&format!(" {n}={v}"));
            }
            line
        })
        .collect()
}

#[test]
fn every_bad_row_has_a_code_and_the_values_its_message_names() {
    let csv = |file: &str, m: &str| codes(import::csv(open(file), &mapping(m)).unwrap());
    assert_eq!(
        csv("canvas-gradebook.csv", "canvas.toml"),
        [
            "6 not_email text=dee.nakamura-at-example.edu",
            "7 not_number text=N/A"
        ]
    );
    assert_eq!(
        csv("moodle-completion.csv", "moodle-completion.toml"),
        ["4 not_date text=31/05/24, 25:00"]
    );
    assert_eq!(
        csv("custom.csv", "custom.toml"),
        [
            "4 no_recipient",
            "5 not_number text=ninety",
            "6 not_date text=04/31/2024",
            "7 not_did text=not-a-did",
            "8 no_achievement",
        ]
    );

    let m = Mapping::from_toml(
        r#"
        source_key = "{key}"
        [recipient]
        email = "{email}"
        [achievement]
        id = "{achievement}"
        [result]
        status = "{status}"
        [dates]
        awarded = "{date}"
        "#,
    )
    .expect("mapping");
    let mut file = b"key,email,achievement,status,date\n\
        k1,a@example.org,forklift,maybe,2024-01-01\n\
        ,a@example.org,forklift,completed,2024-01-01\n\
        k3,a@example.org,forklift,completed,05/06/2024\n\
        k4,a@example.org,forklift,completed,someday\n"
        .to_vec();
    file.extend_from_slice(b"k5,a@example.org,forklift,completed,2024-01-01,\xff\n");
    let got = codes(import::csv(file.as_slice(), &m).unwrap());
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(
        got[..4],
        [
            "2 not_status text=maybe",
            "3 blank_key",
            "4 ambiguous_date text=05/06/2024",
            "5 not_date text=someday",
        ]
    );
    assert!(got[4].starts_with("6 csv_line detail="), "{}", got[4]);

    assert_eq!(
        codes(import::xapi(BufReader::new(open("xapi-statements.json")))),
        [
            "5 group_actor",
            "6 no_actor_address",
            "7 not_date text=yesterday",
            "8 no_statement_id",
        ]
    );
    let completed = r#""verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}"#;
    let statements = format!(
        r#"[1,
            {{"id": "s2", {completed}, "actor": {{"mbox": "mailto:a@example.org"}}, "object": {{}}}},
            {{"id": "s3", {completed}, "actor": {{"mbox": "mailto:nobody"}}, "object": {{"id": "x"}}}},
            {{"id": "#
    );
    let got = codes(import::xapi(statements.as_bytes()));
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(
        got[..3],
        [
            "1 not_object",
            "2 no_activity_id",
            "3 not_email text=nobody"
        ]
    );
    assert!(got[3].starts_with("4 bad_json detail="), "{}", got[3]);

    let oneroster = |results: &[u8], users: &[u8]| {
        codes(
            import::oneroster(
                results,
                open("oneroster/lineItems.csv"),
                users,
                OneRosterOptions::default(),
            )
            .unwrap(),
        )
    };
    assert_eq!(
        codes(
            import::oneroster(
                open("oneroster/results.csv"),
                open("oneroster/lineItems.csv"),
                open("oneroster/users.csv"),
                OneRosterOptions::default(),
            )
            .unwrap()
        ),
        ["7 unknown_line_item id=li-lab", "9 unknown_user id=u-999"]
    );
    let users = b"sourcedId,givenName,familyName,identifier,email\n\
        u-1,Ana,Rivera,,ana@example.org\n\
        u-2,Ben,Ode,,ben-at-example.org\n";
    let results = b"sourcedId,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,textScore,status\n\
        ,li-cpr,u-1,fully graded,19,2024-03-15,,\n\
        r-2,li-cpr,u-1,,19,2024-03-15,,\n\
        r-3,,u-1,fully graded,19,2024-03-15,,\n\
        r-4,li-cpr,,fully graded,19,2024-03-15,,\n\
        r-5,li-cpr,u-2,fully graded,19,2024-03-15,,\n\
        r-6,li-cpr,u-1,fully graded,lots,2024-03-15,,\n\
        r-7,li-cpr,u-1,fully graded,19,someday,,\n";
    assert_eq!(
        oneroster(results, users),
        [
            "2 no_sourced_id",
            "3 no_score_status",
            "4 no_line_item",
            "5 no_student",
            "6 not_email text=ben-at-example.org",
            "7 not_number text=lots",
            "8 not_date text=someday",
        ]
    );

    let csv = "Email,Course,Key\nana@example.org,Welding,k1\nben@example.org,Welding,k1\n";
    let m = Mapping::from_json(
        r#"{"source_key": "{Key}", "recipient": {"email": "{Email}"}, "achievement": {"name": "{Course}"}}"#,
    )
    .unwrap();
    let p = preview(import::csv(csv.as_bytes(), &m).unwrap(), 10);
    assert_eq!(
        codes(p.first_errors.into_iter().map(Entry::Error)),
        ["3 duplicate_key key=k1"]
    );
}
