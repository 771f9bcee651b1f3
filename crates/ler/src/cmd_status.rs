//! `ler status`: an issuer's Bitstring Status Lists: create one, hand out entries for
//! credentials, revoke or suspend, show, and print the signed list credential to publish.
//!
//! A list's state is a JSON file (see `ler_status::ListState`), replaced atomically (written
//! beside it, then renamed) under an exclusive lock on `<state>.lock`, so two `ler` runs never
//! hand out the same index.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ler_jsonld::Documents;
use ler_proof::{Cryptosuite, Purpose as ProofPurpose, SignOptions};
use ler_status::{ListState, MIN_ENTRIES, Purpose};
use serde_json::Value;

use crate::{clock, cmd_key};

/// The VC 2.0 context, which defines `BitstringStatusListEntry`.
const VC2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// Manage status lists.
#[derive(Debug, clap::Subcommand)]
pub enum StatusCommand {
    /// Create a status list's state file.
    Create {
        /// Where to write the state (refuses to overwrite).
        #[arg(long)]
        out: PathBuf,
        /// The URL the signed list will be published at (its `id`).
        #[arg(long)]
        url: String,
        /// What a set status means.
        #[arg(long, value_parser = ["revocation", "suspension"])]
        purpose: String,
        /// Entries in the list (at least 131072, for herd privacy).
        #[arg(long, default_value_t = MIN_ENTRIES)]
        size: usize,
    },
    /// Hand out a fresh random index and print its entry for a credential's `credentialStatus`.
    Allocate {
        /// The list's state file.
        state: PathBuf,
    },
    /// Revoke, suspend or unsuspend the credential at an index.
    Set {
        /// The list's state file.
        state: PathBuf,
        /// The credential's `statusListIndex`.
        #[arg(long)]
        index: usize,
        /// The new status (revoking is final; suspension can be lifted).
        #[arg(long, value_parser = ["revoked", "suspended", "unsuspended"])]
        status: String,
    },
    /// Show a list's URL, purpose, size and counts, or one index's status.
    Show {
        /// The list's state file.
        state: PathBuf,
        /// Show only this index.
        #[arg(long)]
        index: Option<usize>,
    },
    /// Print the signed BitstringStatusListCredential to serve at the list's URL.
    Publish {
        /// The list's state file.
        state: PathBuf,
        /// The issuer's signing key (the same issuer as the credentials on the list).
        #[arg(long)]
        key: PathBuf,
        /// The verification method to name in the proof (for a did:web issuer); the key's
        /// did:key method when not given.
        #[arg(long)]
        verification_method: Option<String>,
        #[command(flatten)]
        kek: cmd_key::KekArgs,
    },
}

/// Runs a `ler status` subcommand.
pub fn run(cmd: StatusCommand) -> anyhow::Result<()> {
    match cmd {
        StatusCommand::Create {
            out,
            url,
            purpose,
            size,
        } => create(&out, &url, &purpose, size),
        StatusCommand::Allocate { state } => {
            let entry = update(&state, |s| Ok(s.allocate()?))?;
            println!("{}", serde_json::to_string_pretty(&entry)?);
            Ok(())
        }
        StatusCommand::Set {
            state,
            index,
            status,
        } => {
            update(&state, |s| {
                match status.as_str() {
                    "revoked" => s.revoke(index)?,
                    "suspended" => s.suspend(index)?,
                    _ => s.unsuspend(index)?,
                }
                Ok(())
            })?;
            println!(
                "index {index}: {status}; publish the list again (ler status publish) for verifiers to see it"
            );
            Ok(())
        }
        StatusCommand::Show { state, index } => show(&load(&state)?, index),
        StatusCommand::Publish {
            state,
            key,
            verification_method,
            kek,
        } => publish(&state, &key, verification_method, &kek),
    }
}

/// Allocates an entry on the list at `state` and adds it to `doc`'s `credentialStatus`
/// (for `ler issue --status-list`). The state is saved before the credential is signed, so a
/// failure later wastes an index but never hands it out twice.
pub fn attach_entry(state: &Path, doc: &mut Value) -> anyhow::Result<()> {
    let first_context = match doc.get("@context") {
        Some(Value::Array(a)) => a.first().and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    if first_context != Some(VC2_CONTEXT) {
        bail!(
            "--status-list adds a BitstringStatusListEntry, which needs a VC 2.0 credential (first context {VC2_CONTEXT})"
        );
    }
    let entry = update(state, |s| Ok(s.allocate()?))?;
    let Some(obj) = doc.as_object_mut() else {
        bail!("the credential must be a JSON object");
    };
    match obj.remove("credentialStatus") {
        None => {
            obj.insert("credentialStatus".into(), entry);
        }
        Some(Value::Array(mut a)) => {
            a.push(entry);
            obj.insert("credentialStatus".into(), Value::Array(a));
        }
        Some(other) => {
            obj.insert("credentialStatus".into(), Value::Array(vec![other, entry]));
        }
    }
    Ok(())
}

fn create(out: &Path, url: &str, purpose: &str, size: usize) -> anyhow::Result<()> {
    let purpose = Purpose::parse(purpose)?;
    let state = ListState::new(url, purpose, size)?;
    let _lock = lock(out)?;
    if out.exists() {
        bail!(
            "{} exists: ler will not overwrite a status list's state (its allocations would be lost)",
            out.display()
        );
    }
    save(out, &state)?;
    println!(
        "created a {} list of {} entries for {url} in {}",
        state.purpose().name(),
        state.len(),
        out.display()
    );
    Ok(())
}

fn show(state: &ListState, index: Option<usize>) -> anyhow::Result<()> {
    let Some(i) = index else {
        println!("url: {}", state.url());
        println!("purpose: {}", state.purpose().name());
        println!("entries: {}", state.len());
        println!("allocated: {}", state.allocated());
        println!("set: {}", state.count_set());
        return Ok(());
    };
    let value = state.status(i)?;
    if !state.is_allocated(i) {
        println!("index {i}: not allocated");
        return Ok(());
    }
    let word = match (state.purpose(), value) {
        (Purpose::Revocation, 0) => "not revoked".to_string(),
        (Purpose::Revocation, _) => "revoked".to_string(),
        (Purpose::Suspension, 0) => "not suspended".to_string(),
        (Purpose::Suspension, _) => "suspended".to_string(),
        (_, v) => format!("status {v:#x}"),
    };
    println!("index {i}: allocated, {word}");
    Ok(())
}

fn publish(
    state: &Path,
    key_file: &Path,
    verification_method: Option<String>,
    kek: &cmd_key::KekArgs,
) -> anyhow::Result<()> {
    let state = load(state)?;
    let kek = cmd_key::load_kek(kek)?;
    let key = cmd_key::read_signing_key(key_file, kek.as_ref())?;
    let (issuer, verification_method) = match verification_method {
        Some(vm) => match vm.split_once('#') {
            Some((did, _)) if !did.is_empty() => (did.to_string(), vm),
            _ => bail!("the verification method {vm} must be a DID URL with a fragment"),
        },
        None => (
            ler_crypto::did_key(&key.public_key()),
            ler_crypto::did_key_verification_method(&key.public_key()),
        ),
    };
    let now = clock::format_datetime(clock::now());
    let unsigned = state.unsigned_list_credential(&issuer, &now);
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method,
        created: Some(now),
        purpose: ProofPurpose::Assertion,
        expires: None,
    };
    let signed = ler_proof::sign(&unsigned, &key, &opts, Documents::embedded())
        .context("cannot sign the status list credential")?;
    println!("{}", serde_json::to_string_pretty(&signed)?);
    Ok(())
}

/// Reads a state file.
fn load(path: &Path) -> anyhow::Result<ListState> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    ListState::from_json(&v).with_context(|| format!("{}", path.display()))
}

/// Loads, changes and saves a state under its lock; the change's result is returned once
/// the new state is on disk.
fn update<T>(
    path: &Path,
    change: impl FnOnce(&mut ListState) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let _lock = lock(path)?;
    let mut state = load(path)?;
    let out = change(&mut state)?;
    save(path, &state)?;
    Ok(out)
}

/// An exclusive lock on `<path>.lock`, held until the file is dropped.
fn lock(path: &Path) -> anyhow::Result<File> {
    let lock_path = sibling(path, ".lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open the lock file {}", lock_path.display()))?;
    file.lock()
        .with_context(|| format!("cannot lock {}", lock_path.display()))?;
    Ok(file)
}

/// Writes the state beside `path`, flushes it to disk, and renames it over `path`.
fn save(path: &Path, state: &ListState) -> anyhow::Result<()> {
    let tmp = sibling(path, &format!(".tmp-{}", std::process::id()));
    let text = serde_json::to_string_pretty(&state.to_json())? + "\n";
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename itself durable; not every file system allows syncing a directory.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        anyhow::anyhow!("cannot write {}: {e}", path.display())
    })
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}
