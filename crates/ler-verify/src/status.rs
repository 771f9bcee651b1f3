//! Status checks: BitstringStatusList, StatusList2021 and 1EdTechRevocationList.
//!
//! Each `credentialStatus` entry gets its own check. A list is fetched through the caller's
//! [`crate::Fetcher`], verified as a credential of the same issuer (signature, format, validity
//! period), and decoded with a cap on its inflated size; lists are remembered for the life of
//! the [`Verifier`], so a presentation of many credentials fetches each list once. When the
//! list cannot be fetched or trusted the check fails: a verifier must not say "not revoked"
//! when it could not look.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ler_proof::Purpose;
use ler_status::{MAX_LIST_BYTES, StatusIndex, StatusList};
use serde_json::Value;

use crate::{MAX_INPUT_BYTES, Report, Status, Verifier, as_slice, describe, first_subject};

/// Lists remembered per verifier; past this they are fetched again.
const MAX_CACHED: usize = 64;

/// Status lists already fetched and verified, by kind and URL.
#[derive(Default)]
pub(crate) struct Cache(Mutex<HashMap<String, Arc<Result<Fetched, String>>>>);

/// How long a verified list is trusted by a [`StatusListCache`] before its proof is checked
/// again, in seconds.
const SHARED_TTL: i64 = 60;
/// Most lists a [`StatusListCache`] keeps; past that it starts over.
const SHARED_CAPACITY: usize = 1024;

/// Status lists whose proofs were verified, shared across verifications (a server keeps one).
///
/// An entry is keyed by the list's URL, format and the SHA-256 of the exact bytes fetched, so a
/// list that changes (a revocation) is a new entry; the verification it saves is the list's own
/// signature, format and validity checks. An entry is trusted for 60 seconds and never past the
/// list's `validUntil`.
#[derive(Default)]
pub struct StatusListCache(Mutex<HashMap<String, SharedEntry>>);

struct SharedEntry {
    verified_at: i64,
    valid_until: Option<i64>,
    list: Arc<Result<Fetched, String>>,
}

impl StatusListCache {
    /// An empty cache.
    pub fn new() -> StatusListCache {
        StatusListCache::default()
    }

    fn get(&self, key: &str, now: i64) -> Option<Arc<Result<Fetched, String>>> {
        let cache = self.0.lock().ok()?;
        let e = cache.get(key)?;
        let fresh = now - e.verified_at < SHARED_TTL
            && now >= e.verified_at
            && e.valid_until.is_none_or(|u| now <= u);
        fresh.then(|| e.list.clone())
    }

    fn put(
        &self,
        key: String,
        now: i64,
        valid_until: Option<i64>,
        list: Arc<Result<Fetched, String>>,
    ) {
        if let Ok(mut cache) = self.0.lock() {
            if cache.len() >= SHARED_CAPACITY {
                cache.clear();
            }
            cache.insert(
                key,
                SharedEntry {
                    verified_at: now,
                    valid_until,
                    list,
                },
            );
        }
    }
}

/// The two bitstring formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// W3C Bitstring Status List v1.0.
    Bitstring,
    /// The older CCG StatusList2021.
    StatusList2021,
}

impl Format {
    fn credential_type(self) -> &'static str {
        match self {
            Format::Bitstring => "BitstringStatusListCredential",
            Format::StatusList2021 => "StatusList2021Credential",
        }
    }

    fn subject_type(self) -> &'static str {
        match self {
            Format::Bitstring => "BitstringStatusList",
            Format::StatusList2021 => "StatusList2021",
        }
    }
}

/// A verified list.
enum Fetched {
    /// A bitstring list credential.
    Bits {
        issuer: String,
        purposes: Vec<String>,
        /// The inflated bitstring (at least 131,072 bits).
        bits: Vec<u8>,
        /// The list's subject, for status messages an entry does not carry itself.
        subject: Value,
    },
    /// A 1EdTech revocation list: revoked credential id → reason.
    Revoked {
        issuer: String,
        revoked: HashMap<String, Option<String>>,
    },
}

/// Checks every `credentialStatus` entry of a credential.
pub(crate) fn check(v: &Verifier<'_>, doc: &Value, r: &mut Report) {
    let entries = match doc.get("credentialStatus") {
        None => {
            r.push(
                "status",
                Status::Skipped,
                "the record has no status list entry, so it cannot be revoked",
            );
            return;
        }
        Some(s) => as_slice(s),
    };
    if entries.is_empty() {
        r.push(
            "status",
            Status::Skipped,
            "credentialStatus is empty, so the record cannot be revoked",
        );
        return;
    }
    let issuer = issuer_of(doc);
    for (i, entry) in entries.iter().enumerate() {
        let name = if entries.len() == 1 {
            "status".to_string()
        } else {
            format!("status[{i}]")
        };
        let (status, message) = check_entry(v, doc, issuer.as_deref(), entry);
        r.push(&name, status, message);
    }
}

fn check_entry(
    v: &Verifier<'_>,
    doc: &Value,
    issuer: Option<&str>,
    entry: &Value,
) -> (Status, String) {
    let types = type_names(entry.get("type"));
    if types.contains(&"BitstringStatusListEntry") {
        bitstring(v, issuer, entry, Format::Bitstring)
    } else if types.contains(&"StatusList2021Entry") {
        bitstring(v, issuer, entry, Format::StatusList2021)
    } else if types.contains(&"1EdTechRevocationList") {
        revocation_list(v, doc, issuer, entry)
    } else {
        (
            Status::Skipped,
            format!(
                "ler cannot check a credentialStatus of type {}, so it does not know whether the record was revoked",
                if types.is_empty() {
                    "(none)".to_string()
                } else {
                    types.join(", ")
                }
            ),
        )
    }
}

/// A `BitstringStatusListEntry` or `StatusList2021Entry`.
fn bitstring(
    v: &Verifier<'_>,
    issuer: Option<&str>,
    entry: &Value,
    format: Format,
) -> (Status, String) {
    let fail = |m: String| (Status::Failed, m);
    let Some(url) = entry.get("statusListCredential").and_then(Value::as_str) else {
        return fail("the status entry has no statusListCredential URL".into());
    };
    let Some(purpose) = entry.get("statusPurpose").and_then(Value::as_str) else {
        return fail("the status entry has no statusPurpose".into());
    };
    let index = match entry.get("statusListIndex") {
        Some(Value::String(s)) => match StatusIndex::parse(s) {
            Ok(i) => i,
            Err(e) => return fail(e.to_string()),
        },
        _ => return fail("statusListIndex must be a base-10 integer in a string".into()),
    };
    let status_size = match (format, entry.get("statusSize")) {
        (Format::StatusList2021, _) | (_, None) => 1,
        (_, Some(n)) => match n.as_u64().and_then(|n| u8::try_from(n).ok()) {
            Some(n @ 1..=8) => n,
            _ => return fail(format!("statusSize {n} is not a size from 1 to 8 bits")),
        },
    };
    let fetched = load(v, url, Some(format));
    let (list_issuer, purposes, bits, subject) = match fetched.as_ref() {
        Err(m) => return fail(m.clone()),
        Ok(Fetched::Bits {
            issuer,
            purposes,
            bits,
            subject,
        }) => (issuer, purposes, bits, subject),
        Ok(Fetched::Revoked { .. }) => {
            return fail(format!(
                "status could not be checked: {url} is not a status list credential"
            ));
        }
    };
    if issuer != Some(list_issuer.as_str()) {
        return fail(format!(
            "status list signed by another issuer: {url} is issued by {list_issuer}, the record by {}",
            issuer.unwrap_or("nobody")
        ));
    }
    if !purposes.iter().any(|p| p == purpose) {
        return fail(format!(
            "status purpose mismatch: the entry is for {purpose}, and the list at {url} is for {}",
            purposes.join(", ")
        ));
    }
    let list = match StatusList::from_bytes(bits.clone(), status_size) {
        Ok(l) => l,
        Err(e) => return fail(format!("the status list at {url} cannot be used: {e}")),
    };
    let value = match list.get(index.value()) {
        Ok(value) => value,
        Err(_) => {
            return fail(format!(
                "statusListIndex {index} is out of range: the list at {url} has {} entries",
                list.len()
            ));
        }
    };
    outcome(purpose, value, status_size, entry, subject, url)
}

/// What a status value means for its purpose.
fn outcome(
    purpose: &str,
    value: u8,
    status_size: u8,
    entry: &Value,
    subject: &Value,
    url: &str,
) -> (Status, String) {
    let checked = format!("(checked {url})");
    match (purpose, value) {
        ("revocation", 0) => (Status::Passed, format!("not revoked {checked}")),
        ("revocation", _) => (Status::Failed, format!("revoked by the issuer {checked}")),
        ("suspension", 0) => (Status::Passed, format!("not suspended {checked}")),
        ("suspension", _) => (Status::Failed, format!("suspended by the issuer {checked}")),
        ("refresh", 0) => (
            Status::Passed,
            format!("no newer version is flagged {checked}"),
        ),
        ("refresh", _) => (
            Status::Passed,
            format!(
                "the issuer flags a newer version of this record, available from its refresh service {checked}"
            ),
        ),
        ("message", _) => {
            let text = status_message(entry, subject, value, status_size);
            let status = if value == 0 {
                Status::Passed
            } else {
                Status::Failed
            };
            (status, format!("status {value:#x}: {text} {checked}"))
        }
        (other, 0) => (
            Status::Passed,
            format!("the {other} status is not set {checked}"),
        ),
        (other, _) => (
            Status::Failed,
            format!("the issuer set the {other} status {checked}"),
        ),
    }
}

/// The message for `value`: from the entry's `statusMessage` (the spec's place), else the
/// list's `statusMessages`; "set"/"unset" for 1-bit statuses without messages.
fn status_message(entry: &Value, subject: &Value, value: u8, status_size: u8) -> String {
    let lists = [
        entry.get("statusMessage"),
        subject.get("statusMessages"),
        subject.get("statusMessage"),
    ];
    for list in lists.into_iter().flatten() {
        let found = as_slice(list).iter().find(|m| {
            m.get("status")
                .and_then(Value::as_str)
                .and_then(|s| s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")))
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                == Some(value)
        });
        if let Some(text) = found.and_then(|m| m.get("message")).and_then(Value::as_str) {
            return text.into();
        }
    }
    match (status_size, value) {
        (1, 0) => "unset".into(),
        (1, _) => "set".into(),
        _ => "no message is given for this status".into(),
    }
}

/// A `1EdTechRevocationList` status: the list at `id` names the revoked credentials by id.
fn revocation_list(
    v: &Verifier<'_>,
    doc: &Value,
    issuer: Option<&str>,
    entry: &Value,
) -> (Status, String) {
    let fail = |m: String| (Status::Failed, m);
    let Some(url) = entry.get("id").and_then(Value::as_str) else {
        return fail("a 1EdTechRevocationList status needs the list's URL as its id".into());
    };
    let Some(credential_id) = doc.get("id").and_then(Value::as_str) else {
        return fail(
            "status could not be checked: the record has no id to look up in its revocation list"
                .into(),
        );
    };
    let fetched = load(v, url, None);
    let (list_issuer, revoked) = match fetched.as_ref() {
        Err(m) => return fail(m.clone()),
        Ok(Fetched::Revoked { issuer, revoked }) => (issuer, revoked),
        Ok(Fetched::Bits { .. }) => {
            return fail(format!(
                "status could not be checked: {url} is not a 1EdTech revocation list"
            ));
        }
    };
    if issuer != Some(list_issuer.as_str()) {
        return fail(format!(
            "revocation list of another issuer: {url} is published by {list_issuer}, the record by {}",
            issuer.unwrap_or("nobody")
        ));
    }
    match revoked.get(credential_id) {
        Some(Some(reason)) => fail(format!("revoked by the issuer: {reason} (checked {url})")),
        Some(None) => fail(format!("revoked by the issuer (checked {url})")),
        None => (Status::Passed, format!("not revoked (checked {url})")),
    }
}

/// The list at `url`, fetched and verified once per verifier. `format` is `None` for a 1EdTech
/// revocation list.
fn load(v: &Verifier<'_>, url: &str, format: Option<Format>) -> Arc<Result<Fetched, String>> {
    let key = format!("{format:?} {url}");
    if let Ok(cache) = v.status_lists.0.lock()
        && let Some(hit) = cache.get(&key)
    {
        return hit.clone();
    }
    let fetched = fetch(v, url, format);
    if let Ok(mut cache) = v.status_lists.0.lock()
        && cache.len() < MAX_CACHED
    {
        cache.insert(key, fetched.clone());
    }
    fetched
}

fn fetch(v: &Verifier<'_>, url: &str, format: Option<Format>) -> Arc<Result<Fetched, String>> {
    let bytes = match v.opts.fetcher.fetch(url) {
        Ok(b) => b,
        Err(e) => return Arc::new(Err(format!("status could not be checked: {e}"))),
    };
    let Some(shared) = v.opts.status_cache else {
        return Arc::new(read_list(v, url, &bytes, format).map(|(list, _)| list));
    };
    use sha2::{Digest, Sha256};
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let key = format!("{format:?} {url} {digest}");
    if let Some(hit) = shared.get(&key, v.opts.now) {
        return hit;
    }
    match read_list(v, url, &bytes, format) {
        Ok((list, valid_until)) => {
            let list = Arc::new(Ok(list));
            shared.put(key, v.opts.now, valid_until, list.clone());
            list
        }
        Err(e) => Arc::new(Err(e)),
    }
}

/// Parses and verifies a fetched list; also returns its `validUntil`, if any.
fn read_list(
    v: &Verifier<'_>,
    url: &str,
    bytes: &[u8],
    format: Option<Format>,
) -> Result<(Fetched, Option<i64>), String> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "status could not be checked: the list at {url} is {} bytes; ler reads at most {MAX_INPUT_BYTES}",
            bytes.len()
        ));
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
        format!("status could not be checked: the list at {url} is not JSON ({e}); ler reads Data Integrity status lists")
    })?;
    let valid_until = ["validUntil", "expirationDate"]
        .iter()
        .find_map(|k| doc.get(*k).and_then(Value::as_str))
        .and_then(|s| ler_model::datetime::parse_datetime(s).ok());
    let list = match format {
        Some(format) => bit_list(v, url, &doc, format)?,
        None => revoked_list(url, &doc)?,
    };
    Ok((list, valid_until))
}

/// Verifies a status list credential (format, contexts, proof by its own issuer, validity
/// period; not its own status, which could point back at itself) and inflates its bitstring.
fn bit_list(v: &Verifier<'_>, url: &str, doc: &Value, format: Format) -> Result<Fetched, String> {
    let cannot = |m: String| format!("status could not be checked: {m}");
    if !type_names(doc.get("type")).contains(&format.credential_type()) {
        return Err(cannot(format!(
            "the document at {url} is not a {}",
            format.credential_type()
        )));
    }
    if let Some(id) = doc.get("id").and_then(Value::as_str)
        && id != url
    {
        return Err(cannot(format!(
            "the status list at {url} names itself {id}"
        )));
    }
    let mut r = Report::new(format.credential_type());
    describe(doc, &mut r);
    let Some(issuer) = r.issuer.clone() else {
        return Err(cannot(format!("the status list at {url} names no issuer")));
    };
    v.format_check(doc, &mut r);
    v.contexts_check(doc, &mut r);
    let proof_ok = v.proof_checks(doc, &issuer, Purpose::Assertion, &mut r);
    crate::validity(doc, v.opts.now, &mut r);
    if !proof_ok || r.any_failed() {
        let failed: Vec<String> = r
            .checks
            .iter()
            .filter(|c| c.status == Status::Failed)
            .map(|c| format!("{}: {}", c.check, c.message))
            .collect();
        return Err(cannot(format!(
            "the status list at {url} did not verify ({})",
            failed.join("; ")
        )));
    }
    let Some(subject) = first_subject(doc) else {
        return Err(cannot(format!(
            "the status list at {url} has no credentialSubject"
        )));
    };
    if !type_names(subject.get("type")).contains(&format.subject_type()) {
        return Err(cannot(format!(
            "the subject of the status list at {url} is not a {}",
            format.subject_type()
        )));
    }
    let purposes: Vec<String> = match subject.get("statusPurpose") {
        Some(p) => as_slice(p)
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        None => Vec::new(),
    };
    if purposes.is_empty() {
        return Err(cannot(format!(
            "the status list at {url} gives no statusPurpose"
        )));
    }
    let Some(encoded) = subject.get("encodedList").and_then(Value::as_str) else {
        return Err(cannot(format!(
            "the status list at {url} has no encodedList"
        )));
    };
    let list = match format {
        Format::Bitstring => StatusList::decode(encoded, MAX_LIST_BYTES),
        Format::StatusList2021 => StatusList::decode_statuslist2021(encoded, MAX_LIST_BYTES),
    }
    .map_err(|e| cannot(format!("the status list at {url} cannot be read: {e}")))?;
    Ok(Fetched::Bits {
        issuer,
        purposes,
        bits: list.into_bytes(),
        subject: subject.clone(),
    })
}

/// Reads a 1EdTech revocation list: `{"id", "issuer", "revokedCredentials": [{"id",
/// "revocationReason"}]}`. The list is not signed; it is trusted as far as the fetch is.
fn revoked_list(url: &str, doc: &Value) -> Result<Fetched, String> {
    let cannot = |m: &str| format!("status could not be checked: the revocation list at {url} {m}");
    let issuer = match doc.get("issuer") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| cannot("names no issuer"))?
            .to_string(),
        _ => return Err(cannot("names no issuer")),
    };
    let list = doc
        .get("revokedCredentials")
        .and_then(Value::as_array)
        .ok_or_else(|| cannot("has no revokedCredentials array"))?;
    let mut revoked = HashMap::new();
    for item in list {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| cannot("has a revoked credential without an id"))?;
        let reason = item
            .get("revocationReason")
            .and_then(Value::as_str)
            .map(String::from);
        revoked.insert(id.to_string(), reason);
    }
    Ok(Fetched::Revoked { issuer, revoked })
}

fn issuer_of(doc: &Value) -> Option<String> {
    match doc.get("issuer") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).map(String::from),
        _ => None,
    }
}

fn type_names(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}
