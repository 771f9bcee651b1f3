//! `ler status` and `ler issue --status-list`: outputs and exit codes, and the issued
//! credential checked against the published list in-process (ler verify has no loopback
//! fetcher for plain HTTP, so the list is served by a preloaded fetcher).

use std::path::Path;

use ler_jsonld::Documents;
use ler_verify::{Offline, Options, Preloaded, Report, Status, Verifier};
use serde_json::Value;

use super::{Tmp, generate_key, issue, ler, ob3_unsigned, run, stderr, stdout, write_json};

const URL: &str = "https://riverside.example/status/3";

fn status(args: &[&str], state: &Path) -> std::process::Output {
    run(ler().arg("status").arg(args[0]).arg(state).args(&args[1..]))
}

fn create(t: &Tmp, purpose: &str) -> std::path::PathBuf {
    let state = t.path("list.json");
    let o = run(ler().args(["status", "create", "--out"]).arg(&state).args([
        "--url",
        URL,
        "--purpose",
        purpose,
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("created a {purpose} list of 131072 entries")));
    state
}

fn allocate(state: &Path) -> (Value, usize) {
    let o = status(&["allocate"], state);
    assert!(o.status.success(), "{}", stderr(&o));
    let entry: Value = serde_json::from_slice(&o.stdout).expect("entry json");
    let index = entry["statusListIndex"]
        .as_str()
        .and_then(|i| i.parse().ok())
        .expect("index");
    (entry, index)
}

fn publish(state: &Path, key: &Path) -> Vec<u8> {
    let o = status(&["publish", "--key", key.to_str().expect("path")], state);
    assert!(o.status.success(), "{}", stderr(&o));
    o.stdout
}

fn verify_with_list(credential: &[u8], list: Vec<u8>) -> Report {
    let mut fetcher = Preloaded::new(&Offline);
    fetcher.insert(URL, list);
    Verifier::new(Options {
        documents: Documents::embedded(),
        fetcher: &fetcher,
        trust: None,
        now: ler_now(),
        recipient: None,
        challenge: None,
        domain: None,
        status_cache: None,
    })
    .verify_bytes(credential)
}

/// Now, as the CLI stamps `validFrom` and `created` with it.
fn ler_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
        + 5
}

fn status_check(r: &Report) -> (Status, String) {
    let c = r
        .checks
        .iter()
        .find(|c| c.check == "status")
        .unwrap_or_else(|| panic!("no status check in {:#?}", r.checks));
    (c.status, c.message.clone())
}

#[test]
fn issue_publish_revoke_end_to_end() {
    let t = Tmp::new("status-e2e");
    let (key, did) = generate_key(&t, "k.json");
    let state = create(&t, "revocation");
    let unsigned = t.path("u.json");
    write_json(&unsigned, &ob3_unsigned(&did));
    let o = issue(
        &key,
        &unsigned,
        &["--status-list", state.to_str().expect("path")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let credential = o.stdout;
    let doc: Value = serde_json::from_slice(&credential).expect("credential json");
    let entry = &doc["credentialStatus"];
    assert_eq!(entry["type"], "BitstringStatusListEntry");
    assert_eq!(entry["statusListCredential"], URL);
    let index: usize = entry["statusListIndex"]
        .as_str()
        .and_then(|i| i.parse().ok())
        .expect("index");

    let list: Value = serde_json::from_slice(&publish(&state, &key)).expect("list json");
    assert_eq!(list["issuer"], did.as_str());
    assert_eq!(list["id"], URL);
    assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
    assert_eq!(list["proof"]["cryptosuite"], "eddsa-rdfc-2022");

    let r = verify_with_list(&credential, serde_json::to_vec(&list).expect("json"));
    assert_eq!(
        status_check(&r),
        (Status::Passed, format!("not revoked (checked {URL})"))
    );
    assert!(r.verified, "{:#?}", r.checks);

    let o = status(
        &["set", "--index", &index.to_string(), "--status", "revoked"],
        &state,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("index {index}: revoked")));
    let r = verify_with_list(&credential, publish(&state, &key));
    let (s, message) = status_check(&r);
    assert_eq!(s, Status::Failed);
    assert!(message.starts_with("revoked by the issuer"), "{message}");
    assert!(!r.verified);

    let o = status(&["show"], &state);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for line in [
        &format!("url: {URL}"),
        "purpose: revocation",
        "entries: 131072",
        "allocated: 1",
        "set: 1",
    ] {
        assert!(out.contains(line), "{out}");
    }
    let o = status(&["show", "--index", &index.to_string()], &state);
    assert_eq!(
        stdout(&o).trim(),
        format!("index {index}: allocated, revoked")
    );

    // Revoking is final.
    let o = status(
        &[
            "set",
            "--index",
            &index.to_string(),
            "--status",
            "unsuspended",
        ],
        &state,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unsuspend needs a suspension list"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn verify_offline_does_not_claim_not_revoked() {
    let t = Tmp::new("status-offline");
    let (key, did) = generate_key(&t, "k.json");
    let state = create(&t, "revocation");
    let unsigned = t.path("u.json");
    write_json(&unsigned, &ob3_unsigned(&did));
    let o = issue(
        &key,
        &unsigned,
        &["--status-list", state.to_str().expect("path")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let signed = t.path("signed.json");
    std::fs::write(&signed, &o.stdout).expect("write");
    let o = run(ler().args(["verify", "--offline"]).arg(&signed));
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("status could not be checked"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn allocate_never_repeats_an_index() {
    let t = Tmp::new("status-allocate");
    let state = create(&t, "revocation");
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..25 {
        let (entry, index) = allocate(&state);
        assert_eq!(entry["id"], format!("{URL}#{index}"));
        assert!(seen.insert(index), "index {index} handed out twice");
    }
    let o = status(&["show"], &state);
    assert!(stdout(&o).contains("allocated: 25"), "{}", stdout(&o));
    assert!(stdout(&o).contains("set: 0"), "{}", stdout(&o));
}

#[test]
fn suspension_can_be_lifted() {
    let t = Tmp::new("status-suspend");
    let state = create(&t, "suspension");
    let (_, index) = allocate(&state);
    let i = index.to_string();
    let o = status(&["set", "--index", &i, "--status", "suspended"], &state);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = status(&["show", "--index", &i], &state);
    assert_eq!(
        stdout(&o).trim(),
        format!("index {index}: allocated, suspended")
    );
    let o = status(&["set", "--index", &i, "--status", "unsuspended"], &state);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = status(&["show", "--index", &i], &state);
    assert_eq!(
        stdout(&o).trim(),
        format!("index {index}: allocated, not suspended")
    );
    let o = status(&["set", "--index", &i, "--status", "revoked"], &state);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("revoke needs a revocation list"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn refuses_small_lists_overwrites_and_unallocated_indexes() {
    let t = Tmp::new("status-refusals");
    let small = t.path("small.json");
    let o = run(ler().args(["status", "create", "--out"]).arg(&small).args([
        "--url",
        URL,
        "--purpose",
        "revocation",
        "--size",
        "1000",
    ]));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("a status list must have at least 131072 entries (16 KB) for herd privacy"),
        "{}",
        stderr(&o)
    );
    assert!(!small.exists());

    let state = create(&t, "revocation");
    let o = run(ler().args(["status", "create", "--out"]).arg(&state).args([
        "--url",
        URL,
        "--purpose",
        "revocation",
    ]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("will not overwrite"), "{}", stderr(&o));

    let (_, index) = allocate(&state);
    let other = ((index + 1) % 131_072).to_string();
    let o = status(&["set", "--index", &other, "--status", "revoked"], &state);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("was never allocated"), "{}", stderr(&o));
    let o = status(&["show", "--index", &other], &state);
    assert_eq!(stdout(&o).trim(), format!("index {other}: not allocated"));
    let o = status(&["show", "--index", "131072"], &state);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("out of range"), "{}", stderr(&o));

    let o = status(&["allocate"], &t.path("missing.json"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}

#[test]
fn issue_with_a_status_list_needs_a_vc2_credential() {
    let t = Tmp::new("status-vc1");
    let (key, did) = generate_key(&t, "k.json");
    let state = create(&t, "revocation");
    let mut doc = ob3_unsigned(&did);
    doc["@context"][0] = "https://www.w3.org/2018/credentials/v1".into();
    let unsigned = t.path("u.json");
    write_json(&unsigned, &doc);
    let o = issue(
        &key,
        &unsigned,
        &["--status-list", state.to_str().expect("path")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("needs a VC 2.0 credential"),
        "{}",
        stderr(&o)
    );
    // Nothing was allocated for the refused credential.
    let o = status(&["show"], &state);
    assert!(stdout(&o).contains("allocated: 0"), "{}", stdout(&o));
}
