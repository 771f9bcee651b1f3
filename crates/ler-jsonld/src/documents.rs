//! The context documents ler knows: embedded ones, plus those an operator maps in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use crate::Error;
use crate::context::{ActiveContext, CacheKey};

/// Where a context document came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextSource {
    /// Compiled into ler.
    Embedded,
    /// Added by the operator (for example with `--context-map`).
    Operator,
}

/// The embedded contexts: URL, file contents.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "https://www.w3.org/ns/credentials/v2",
        include_str!("../contexts/credentials-v2.jsonld"),
    ),
    (
        "https://www.w3.org/2018/credentials/v1",
        include_str!("../contexts/credentials-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/data-integrity/v1",
        include_str!("../contexts/data-integrity-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/data-integrity/v2",
        include_str!("../contexts/data-integrity-v2.jsonld"),
    ),
    (
        "https://w3id.org/security/multikey/v1",
        include_str!("../contexts/multikey-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/suites/ed25519-2020/v1",
        include_str!("../contexts/ed25519-signature-2020-v1.jsonld"),
    ),
    (
        "https://w3id.org/vc/status-list/2021/v1",
        include_str!("../contexts/status-list-2021-v1.jsonld"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        include_str!("../contexts/ob-v3p0-context.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        include_str!("../contexts/ob-v3p0-context-3.0.1.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        include_str!("../contexts/ob-v3p0-context-3.0.2.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        include_str!("../contexts/ob-v3p0-context-3.0.3.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        include_str!("../contexts/ob-v3p0-extensions.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        include_str!("../contexts/clr-v2p0-context-2.0.1.json"),
    ),
    (
        "https://w3id.org/ler/employment/v1",
        include_str!("../contexts/ler-employment-v1.jsonld"),
    ),
    (
        "https://w3id.org/ler/consent/v1",
        include_str!("../contexts/ler-consent-v1.jsonld"),
    ),
];

/// Most processed contexts a [`Documents`] keeps; past that the cache starts over.
const CACHE_CAPACITY: usize = 1024;

/// The set of context documents a processor may load, and the cache of processed contexts.
///
/// Nothing is ever fetched: a URL that is not here is [`Error::UnknownContext`].
pub struct Documents {
    docs: HashMap<String, (Arc<Value>, ContextSource)>,
    pub(crate) cache: Mutex<HashMap<CacheKey, Arc<ActiveContext>>>,
    /// The empty context every document starts from; shared so its cache entries are reused.
    root: Arc<ActiveContext>,
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents")
            .field("urls", &self.docs.len())
            .finish()
    }
}

impl Documents {
    /// The contexts compiled into ler, shared by the whole process.
    pub fn embedded() -> &'static Documents {
        static EMBEDDED_DOCS: OnceLock<Documents> = OnceLock::new();
        EMBEDDED_DOCS.get_or_init(Documents::new_embedded)
    }

    /// A fresh set holding the embedded contexts, to which operator contexts can be added.
    pub fn new_embedded() -> Documents {
        let mut docs = HashMap::new();
        for (url, text) in EMBEDDED {
            // Invariant: the embedded files are JSON; the unit tests parse every one.
            let value: Value = serde_json::from_str(text).expect("embedded context is JSON");
            docs.insert(
                (*url).to_string(),
                (Arc::new(value), ContextSource::Embedded),
            );
        }
        Documents {
            docs,
            cache: Mutex::new(HashMap::new()),
            root: Arc::new(ActiveContext::empty()),
        }
    }

    /// Adds an operator's context document. It may not replace an embedded one.
    pub fn add(&mut self, url: &str, text: &str) -> Result<(), Error> {
        if !crate::context::is_absolute_iri(url) {
            return Err(Error::InvalidContext(format!(
                "context URL \"{url}\" is not an absolute IRI"
            )));
        }
        if matches!(self.docs.get(url), Some((_, ContextSource::Embedded))) {
            return Err(Error::InvalidContext(format!(
                "{url} is embedded in ler and cannot be replaced by a context map"
            )));
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::InvalidContext(format!("{url} is not JSON: {e}")))?;
        if !value
            .get("@context")
            .is_some_and(|c| c.is_object() || c.is_array())
        {
            return Err(Error::InvalidContext(format!(
                "{url} has no \"@context\" object"
            )));
        }
        self.docs
            .insert(url.to_string(), (Arc::new(value), ContextSource::Operator));
        self.cache_clear();
        Ok(())
    }

    /// The document for a URL, if known.
    pub fn get(&self, url: &str) -> Option<(&Arc<Value>, &ContextSource)> {
        self.docs.get(url).map(|(v, s)| (v, s))
    }

    /// Every known context URL, sorted.
    pub fn urls(&self) -> Vec<&str> {
        let mut urls: Vec<&str> = self.docs.keys().map(String::as_str).collect();
        urls.sort_unstable();
        urls
    }

    pub(crate) fn root_context(&self) -> Arc<ActiveContext> {
        Arc::clone(&self.root)
    }

    pub(crate) fn load(&self, url: &str) -> Result<Arc<Value>, Error> {
        match self.docs.get(url) {
            Some((v, _)) => Ok(Arc::clone(v)),
            None => Err(Error::UnknownContext(url.to_string())),
        }
    }

    pub(crate) fn cache_get(&self, key: &CacheKey) -> Option<Arc<ActiveContext>> {
        self.cache.lock().ok()?.get(key).cloned()
    }

    pub(crate) fn cache_put(&self, key: CacheKey, ctx: Arc<ActiveContext>) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(key, ctx);
        }
    }

    fn cache_clear(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.clear();
        }
    }
}
