//! Trust: a local trust list plus known-DID registries in the format the Digital Credentials
//! Consortium publishes. The issuer's display name comes from the registry that lists it.

use std::collections::HashMap;

use serde_json::Value;

use crate::{Report, Status};

/// What a registry says of an issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustEntry {
    /// The issuer's name as the registry gives it.
    pub name: String,
    /// The issuer's web site, if given.
    pub url: Option<String>,
    /// Where the issuer is, if given.
    pub location: Option<String>,
    /// The registry that lists it.
    pub registry: String,
}

/// What a known-DID-registries file (DCC format) lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownRegistries {
    /// `dcc-legacy` registries ler can load: (name, URL of the registry JSON).
    pub legacy: Vec<(String, String)>,
    /// Names of registries of other types (OpenID Federation), which ler does not query.
    pub unsupported: Vec<String>,
}

/// The issuers a verifier trusts, by DID.
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    entries: HashMap<String, TrustEntry>,
    registries: Vec<String>,
}

impl TrustList {
    /// An empty list.
    pub fn new() -> TrustList {
        TrustList::default()
    }

    /// Adds a registry document: the DCC "dcc-legacy" form (`{"registry": {DID: {name, url,
    /// location}}}`) or a plain object mapping DID to a name or to such an entry.
    pub fn add_registry(&mut self, registry_name: &str, doc: &Value) -> Result<usize, String> {
        let map = doc
            .get("registry")
            .unwrap_or(doc)
            .as_object()
            .ok_or_else(|| format!("{registry_name}: a registry must be a JSON object of DIDs"))?;
        let mut added = 0;
        for (did, entry) in map {
            if did == "meta" {
                continue;
            }
            if !did.starts_with("did:") && !did.starts_with("https://") {
                return Err(format!(
                    "{registry_name}: \"{did}\" is not a DID or https URL"
                ));
            }
            let (name, url, location) = match entry {
                Value::String(s) => (s.clone(), None, None),
                Value::Object(o) => (
                    o.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or(did)
                        .to_string(),
                    o.get("url").and_then(Value::as_str).map(String::from),
                    o.get("location").and_then(Value::as_str).map(String::from),
                ),
                _ => {
                    return Err(format!(
                        "{registry_name}: the entry for {did} must be a name or an object"
                    ));
                }
            };
            self.entries.insert(
                did.clone(),
                TrustEntry {
                    name,
                    url,
                    location,
                    registry: registry_name.into(),
                },
            );
            added += 1;
        }
        self.registries.push(registry_name.into());
        Ok(added)
    }

    /// What the registries say of an issuer.
    pub fn lookup(&self, issuer: &str) -> Option<&TrustEntry> {
        self.entries.get(issuer)
    }

    /// The names of the registries loaded.
    pub fn registries(&self) -> &[String] {
        &self.registries
    }

    /// The registries a known-DID-registries file lists.
    pub fn known_registries(doc: &Value) -> Result<KnownRegistries, String> {
        let list = doc
            .as_array()
            .ok_or("a known-DID-registries file is a JSON array")?;
        let mut legacy = Vec::new();
        let mut other = Vec::new();
        for item in list {
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("unnamed registry")
                .to_string();
            match (
                item.get("type").and_then(Value::as_str),
                item.get("url").and_then(Value::as_str),
            ) {
                (Some("dcc-legacy"), Some(url)) => legacy.push((name, url.to_string())),
                _ => other.push(name),
            }
        }
        Ok(KnownRegistries {
            legacy,
            unsupported: other,
        })
    }
}

pub(crate) fn check(trust: Option<&TrustList>, r: &mut Report) {
    let Some(trust) = trust else { return };
    let Some(issuer) = r.issuer.clone() else {
        return;
    };
    match trust.lookup(&issuer) {
        Some(entry) => {
            r.issuer_name = Some(entry.name.clone());
            r.push("trust", Status::Passed, format!("the issuer is listed in {} as \"{}\"", entry.registry, entry.name));
        }
        None => r.push(
            "trust",
            Status::Skipped,
            format!(
                "the issuer is not in any trust registry given ({}): the record is authentic, but no registry vouches for who issued it",
                if trust.registries().is_empty() { "none".to_string() } else { trust.registries().join(", ") }
            ),
        ),
    }
}
