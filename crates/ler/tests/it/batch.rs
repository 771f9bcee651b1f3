//! `ler batch issue` as an operator runs it: the fixtures issued with claim links, a rerun that
//! issues nothing twice, a real `kill -9` midway and a rerun with no duplicates and no gaps,
//! then the learner's CLR transcript and the exports.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Tmp, fixtures_dir, ler, run, stderr, stdout};

const KEK: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const PUBLIC_URL: &str = "https://creds.example.org";

fn cmd(args: &[&str]) -> std::process::Command {
    let mut c = ler();
    c.env("LER_KEK", KEK).env("LER_PUBLIC_URL", PUBLIC_URL);
    c.args(args);
    c
}

/// A store with organization `acme` and the catalog achievement `forklift`.
fn setup(t: &Tmp) -> String {
    let data = t.path("data").display().to_string();
    let o = run(&mut cmd(&[
        "admin",
        "create-org",
        "--data",
        &data,
        "--slug",
        "acme",
        "--name",
        "Acme College",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let achievement = t.path("forklift.json");
    std::fs::write(
        &achievement,
        r#"{"name": "Forklift Safety", "description": "Operates a forklift safely.",
            "criteria": {"narrative": "Completed the course and passed the final exam."},
            "achievementType": "Certificate",
            "alignment": [{"type": ["Alignment"], "targetName": "Operate forklifts",
                           "targetUrl": "https://example.org/skills/forklift", "targetType": "ceasn:Competency"}]}"#,
    )
    .unwrap();
    let o = run(cmd(&[
        "batch",
        "add-achievement",
        "--data",
        &data,
        "--org",
        "acme",
        "--id",
        "forklift",
    ])
    .arg(&achievement));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "added https://creds.example.org/orgs/acme/achievements/forklift"
    );
    data
}

fn db(data: &str) -> rusqlite::Connection {
    rusqlite::Connection::open(Path::new(data).join("ler.sqlite3")).unwrap()
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn issues_fixture_with_claim_links_and_reruns_issue_nothing_twice() {
    let t = Tmp::new("batch-fixture");
    let data = setup(&t);
    let fixtures = fixtures_dir().join("lms");
    let links = t.path("links.csv");
    let issue = |links: &Path| {
        run(cmd(&[
            "batch",
            "issue",
            "--data",
            &data,
            "--org",
            "acme",
            "--mapping",
        ])
        .arg(fixtures.join("custom.toml"))
        .arg("--claim-links")
        .arg(links)
        .arg(fixtures.join("custom.csv")))
    };
    let o = issue(&links);
    // Rows in error make the exit code 1; the good rows are issued all the same.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("preview: 3 to issue, 0 skipped, 5 in error"),
        "{err}"
    );
    assert!(
        err.contains("row 5, Score: \"ninety\" is not a number"),
        "{err}"
    );
    assert!(err.contains("8 rows in"), "{err}");
    assert!(err.contains("3 issued, 0 issued before"), "{err}");
    let text = std::fs::read_to_string(&links).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "source_key,recipient,name,credential_id,claim_url,expires,wallet"
    );
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].starts_with("forklift:E-1,ana.rivera@students.example.edu,Ana Rivera,urn:uuid:")
    );
    assert!(lines[1].contains(",https://creds.example.org/wallet/claim/"));

    let o = issue(&links);
    let err = stderr(&o);
    assert!(err.contains("0 issued, 3 issued before"), "{err}");
    // Every link was written out, so none is owed: the file is unchanged.
    assert_eq!(std::fs::read_to_string(&links).unwrap(), text);
    let conn = db(&data);
    assert_eq!(count(&conn, "SELECT count(*) FROM credentials"), 3);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM batch_items WHERE status = 'linked'"
        ),
        3
    );
    assert_eq!(count(&conn, "SELECT count(*) FROM claim_tokens"), 3);

    // The learner's transcript and what an HR system gets from it.
    let o = run(&mut cmd(&[
        "clr",
        "--data",
        &data,
        "--org",
        "acme",
        "--recipient",
        "Ana.Rivera@students.example.edu",
        "--program",
        "forklift",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let clr: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(ler_model::validate(&clr).is_empty());
    assert_eq!(
        clr["credentialSubject"]["verifiableCredential"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let clr_file = t.path("clr.json");
    std::fs::write(&clr_file, stdout(&o)).unwrap();
    let o = run(cmd(&["export", "--format", "json-resume", "--name", "Ana Rivera"]).arg(&clr_file));
    assert!(o.status.success(), "{}", stderr(&o));
    let resume: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(resume["education"][0]["institution"], "Acme College");
    assert_eq!(resume["skills"][0]["name"], "Operate forklifts");
}

/// Writes `n` rows of completions.
fn write_rows(path: &Path, n: usize) {
    let mut text = String::from("Learner,Email,Score,Completed on,Enrollment\n");
    for i in 1..=n {
        text.push_str(&format!(
            "Learner {i},learner{i}@students.example.edu,{},2024-04-{:02},E-{i}\n",
            70 + i % 31,
            1 + i % 28
        ));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn resumes_after_kill_9_with_no_duplicates_and_no_gaps() {
    const ROWS: usize = 3000;
    let t = Tmp::new("batch-kill");
    let data = setup(&t);
    let csv = t.path("rows.csv");
    write_rows(&csv, ROWS);
    let mapping = t.path("mapping.toml");
    std::fs::write(
        &mapping,
        "source_key = \"kill:{Enrollment}\"\n[recipient]\nemail = \"{Email}\"\nname = \"{Learner}\"\n\
         [achievement]\nid = \"forklift\"\n[result]\nscore = \"{Score}\"\nmax_score = \"100\"\n\
         [dates]\nawarded = \"{Completed on}\"\n",
    )
    .unwrap();
    let links = t.path("links.csv");
    let issue = || {
        let mut c = cmd(&[
            "batch",
            "issue",
            "--data",
            &data,
            "--org",
            "acme",
            "--batch-size",
            "100",
            "--mapping",
        ]);
        c.arg(&mapping).arg("--claim-links").arg(&links).arg(&csv);
        c
    };

    // Start, wait until some batches are stored, then SIGKILL it.
    let mut child = issue()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut before_kill = 0;
    while started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
        if let Ok(conn) = rusqlite::Connection::open(Path::new(&data).join("ler.sqlite3"))
            && let Ok(n) = conn.query_row("SELECT count(*) FROM batch_items", [], |r| {
                r.get::<_, i64>(0)
            })
            && n >= 300
        {
            before_kill = n;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let conn = db(&data);
    let after_kill = count(&conn, "SELECT count(*) FROM batch_items");
    assert!(
        before_kill >= 300 && after_kill < ROWS as i64,
        "the run was not killed midway: {after_kill} of {ROWS} stored"
    );
    // Whole batches only: every stored credential has its source key, and vice versa.
    assert_eq!(count(&conn, "SELECT count(*) FROM credentials"), after_kill);

    let o = run(&mut issue());
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{} issued, {after_kill} issued before",
            ROWS as i64 - after_kill
        )),
        "{err}"
    );

    // No gaps: every row has exactly one credential; no duplicates: one row per key and per
    // credential; every status index used once.
    assert_eq!(
        count(&conn, "SELECT count(*) FROM batch_items"),
        ROWS as i64
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM credentials"),
        ROWS as i64
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(DISTINCT credential_id) FROM batch_items"
        ),
        ROWS as i64
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM batch_items b JOIN credentials c ON c.id = b.credential_id"
        ),
        ROWS as i64
    );
    let mut stmt = conn.prepare("SELECT source_key FROM batch_items").unwrap();
    let keys: HashSet<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let want: HashSet<String> = (1..=ROWS).map(|i| format!("kill:E-{i}")).collect();
    assert_eq!(keys, want);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM (SELECT revocation_list, revocation_index FROM credentials GROUP BY 1, 2 HAVING count(*) > 1)"
        ),
        0
    );
    // Every credential's claim link was written out once it was durable: the links file
    // names every key (a link lost in the crash was handed out again on the rerun).
    let text = std::fs::read_to_string(&links).unwrap();
    let linked: HashSet<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert_eq!(linked.len(), ROWS, "links for {} keys", linked.len());
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM batch_items WHERE status = 'linked'"
        ),
        ROWS as i64
    );

    // A third run has nothing to do.
    let o = run(&mut issue());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("0 issued, {ROWS} issued before")));
}

#[test]
fn deliver_puts_records_into_wallets_held_here_and_links_the_rest() {
    let t = Tmp::new("batch-deliver");
    let data = setup(&t);
    // A wallet on this service, made as `ler serve` makes one at sign-up.
    let did = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store =
                ler_store::Store::open(&ler_store::Location::SqliteDir(data.clone().into()))
                    .await
                    .unwrap();
            let kek = ler_crypto::Kek::parse(KEK).unwrap();
            let h = ler_wallet::new_holder(&kek).unwrap();
            store
                .create_holder(&ler_store::Holder {
                    id: h.id.clone(),
                    email: "dee@example.org".into(),
                    password_hash: "unused".into(),
                    did: h.did.clone(),
                    encrypted_key: h.encrypted_key.clone(),
                    wrapped_data_key: h.wrapped_data_key.clone(),
                    created_at: 1,
                })
                .await
                .unwrap();
            h.did.clone()
        });
    let csv = t.path("rows.csv");
    std::fs::write(
        &csv,
        format!("recipient,achievement\n{did},forklift\neve@example.org,forklift\n"),
    )
    .unwrap();
    let mapping = t.path("map.toml");
    std::fs::write(
        &mapping,
        "source_key = \"{recipient}:{achievement}\"\n[recipient]\nemail_or_did = \"{recipient}\"\n[achievement]\nid = \"{achievement}\"\n",
    )
    .unwrap();
    let links = t.path("links.csv");
    let issue = || {
        run(cmd(&[
            "batch",
            "issue",
            "--data",
            &data,
            "--org",
            "acme",
            "--deliver",
            "--mapping",
        ])
        .arg(&mapping)
        .arg("--claim-links")
        .arg(&links)
        .arg(&csv))
    };
    let o = issue();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("delivered into wallets: 1 (1 new), 0 failed"),
        "{}",
        stderr(&o)
    );
    let text = std::fs::read_to_string(&links).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let to_dee = lines.iter().find(|l| l.contains(&did)).unwrap();
    assert!(!to_dee.contains("/wallet/claim/"), "{to_dee}");
    assert!(to_dee.ends_with(&did), "{to_dee}");
    let to_eve = lines
        .iter()
        .find(|l| l.contains("eve@example.org"))
        .unwrap();
    assert!(
        to_eve.contains("https://creds.example.org/wallet/claim/"),
        "{to_eve}"
    );
    let conn = db(&data);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM wallet_records"), 1);
    // A rerun delivers again; the wallet recognizes the record.
    let o = issue();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("delivered into wallets: 1 (0 new), 0 failed"),
        "{}",
        stderr(&o)
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM wallet_records"), 1);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM credentials"), 2);
}

#[test]
fn the_preview_checks_the_catalog_as_issuing_will() {
    let t = Tmp::new("batch-preview");
    let data = setup(&t);
    let csv = t.path("rows.csv");
    std::fs::write(
        &csv,
        "recipient,achievement\nana@example.org,forklift\nben@example.org,welding\n",
    )
    .unwrap();
    let mapping = t.path("map.toml");
    std::fs::write(
        &mapping,
        "source_key = \"{recipient}:{achievement}\"\n[recipient]\nemail_or_did = \"{recipient}\"\n[achievement]\nid = \"{achievement}\"\n",
    )
    .unwrap();
    let o = run(cmd(&[
        "batch",
        "issue",
        "--data",
        &data,
        "--org",
        "acme",
        "--preview",
        "--mapping",
    ])
    .arg(&mapping)
    .arg(&csv));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("preview: 1 to issue, 0 skipped, 1 in error"),
        "{err}"
    );
    assert!(
        err.contains("row 3, achievement: \"welding\" is not in the achievements catalog of acme"),
        "{err}"
    );
    assert_eq!(count(&db(&data), "SELECT COUNT(*) FROM credentials"), 0);
}
