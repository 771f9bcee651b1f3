//! Active contexts and the JSON-LD 1.1 context processing algorithm, for the features
//! credential contexts use; every other feature is refused with [`Error::Unsupported`].

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

use crate::documents::Documents;
use crate::{Error, Limits};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The result of processing contexts: term definitions plus defaults.
#[derive(Debug, Clone)]
pub(crate) struct ActiveContext {
    /// Identity of this context, for the processed-context cache.
    pub id: u64,
    pub terms: HashMap<String, Arc<TermDef>>,
    pub vocab: Option<String>,
    pub base: Option<String>,
    pub language: Option<String>,
    /// The context to return to when a type-scoped (non-propagated) context goes out of scope.
    pub previous: Option<Arc<ActiveContext>>,
}

impl ActiveContext {
    pub fn empty() -> ActiveContext {
        ActiveContext {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            terms: HashMap::new(),
            vocab: None,
            base: None,
            language: None,
            previous: None,
        }
    }

    fn with_fresh_id(mut self) -> ActiveContext {
        self.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self
    }

    pub fn term(&self, term: &str) -> Option<&TermDef> {
        self.terms.get(term).map(|d| d.as_ref())
    }
}

/// Container mapping flags.
pub(crate) mod container {
    pub const SET: u8 = 1;
    pub const LIST: u8 = 2;
    pub const GRAPH: u8 = 4;
    pub const INDEX: u8 = 8;
    pub const LANGUAGE: u8 = 16;
    pub const ID: u8 = 32;
    pub const TYPE: u8 = 64;
}

/// A term definition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TermDef {
    /// The IRI (or keyword) the term maps to; `None` for a term explicitly mapped to null.
    pub iri: Option<String>,
    pub prefix: bool,
    pub protected: bool,
    /// `@id`, `@vocab`, `@json`, `@none` or an IRI.
    pub type_mapping: Option<String>,
    pub container: u8,
    /// `Some(None)` is an explicit `"@language": null`.
    pub language: Option<Option<String>>,
    pub context: Option<ScopedContext>,
}

/// A scoped context kept as written; compared by value, hashed by identity for the cache.
#[derive(Debug, Clone)]
pub(crate) struct ScopedContext(pub Arc<Value>);

impl PartialEq for ScopedContext {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

/// Key of the processed-context cache. A scoped context is keyed by the identity of its
/// (immutable, shared) value; the key holds a reference so that identity is never reused.
#[derive(Debug, Clone)]
pub(crate) enum CacheKey {
    Json {
        parent: u64,
        json: String,
        flags: u8,
    },
    Scoped {
        parent: u64,
        ctx: Arc<Value>,
        flags: u8,
    },
}

impl PartialEq for CacheKey {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                CacheKey::Json {
                    parent: a,
                    json: j,
                    flags: f,
                },
                CacheKey::Json {
                    parent: b,
                    json: k,
                    flags: g,
                },
            ) => a == b && j == k && f == g,
            (
                CacheKey::Scoped {
                    parent: a,
                    ctx: c,
                    flags: f,
                },
                CacheKey::Scoped {
                    parent: b,
                    ctx: d,
                    flags: g,
                },
            ) => a == b && Arc::ptr_eq(c, d) && f == g,
            _ => false,
        }
    }
}
impl Eq for CacheKey {}
impl Hash for CacheKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            CacheKey::Json {
                parent,
                json,
                flags,
            } => (0u8, parent, json, flags).hash(state),
            CacheKey::Scoped { parent, ctx, flags } => {
                (1u8, parent, Arc::as_ptr(ctx) as usize, flags).hash(state)
            }
        }
    }
}

/// Options of one context-processing call.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ProcessOpts {
    pub override_protected: bool,
    /// `false` for type-scoped contexts.
    pub no_propagate: bool,
}

impl ProcessOpts {
    fn flags(self) -> u8 {
        u8::from(self.override_protected) | (u8::from(self.no_propagate) << 1)
    }
}

/// Processes a context written in a document (its `@context` value), with caching.
pub(crate) fn process_inline(
    docs: &Documents,
    active: &Arc<ActiveContext>,
    local: &Value,
    opts: ProcessOpts,
    limits: &Limits,
) -> Result<Arc<ActiveContext>, Error> {
    let key = CacheKey::Json {
        parent: active.id,
        json: local.to_string(),
        flags: opts.flags(),
    };
    if let Some(hit) = docs.cache_get(&key) {
        return Ok(hit);
    }
    let ctx = Arc::new(process(docs, active, local, opts, limits, &mut Vec::new())?);
    docs.cache_put(key, Arc::clone(&ctx));
    Ok(ctx)
}

/// Processes a scoped context from a term definition, with caching.
pub(crate) fn process_scoped(
    docs: &Documents,
    active: &Arc<ActiveContext>,
    scoped: &ScopedContext,
    opts: ProcessOpts,
    limits: &Limits,
) -> Result<Arc<ActiveContext>, Error> {
    let key = CacheKey::Scoped {
        parent: active.id,
        ctx: Arc::clone(&scoped.0),
        flags: opts.flags(),
    };
    if let Some(hit) = docs.cache_get(&key) {
        return Ok(hit);
    }
    let ctx = Arc::new(process(
        docs,
        active,
        &scoped.0,
        opts,
        limits,
        &mut Vec::new(),
    )?);
    docs.cache_put(key, Arc::clone(&ctx));
    Ok(ctx)
}

const CONTEXT_KEYWORDS: &[&str] = &[
    "@base",
    "@direction",
    "@import",
    "@language",
    "@propagate",
    "@protected",
    "@version",
    "@vocab",
];

/// The context processing algorithm (JSON-LD 1.1 API §4.1.2).
fn process(
    docs: &Documents,
    active: &Arc<ActiveContext>,
    local: &Value,
    mut opts: ProcessOpts,
    limits: &Limits,
    remote: &mut Vec<String>,
) -> Result<ActiveContext, Error> {
    let mut result: ActiveContext = ActiveContext::clone(active).with_fresh_id();
    if let Some(p) = local.get("@propagate") {
        match p {
            Value::Bool(b) => opts.no_propagate = !b,
            _ => {
                return Err(Error::InvalidContext(
                    "@propagate must be true or false".into(),
                ));
            }
        }
    }
    if opts.no_propagate && result.previous.is_none() {
        result.previous = Some(Arc::clone(active));
    }
    let items: &[Value] = match local {
        Value::Array(a) => a,
        other => std::slice::from_ref(other),
    };
    for item in items {
        match item {
            Value::Null => {
                if !opts.override_protected && result.terms.values().any(|d| d.protected) {
                    return Err(Error::InvalidContext(
                        "a context cannot be nullified while it has protected terms".into(),
                    ));
                }
                let previous = opts.no_propagate.then(|| Arc::new(result.clone()));
                result = ActiveContext::empty();
                result.previous = previous;
            }
            Value::String(url) => {
                if !is_absolute_iri(url) {
                    return Err(Error::RelativeIri {
                        iri: url.clone(),
                        path: "@context".into(),
                    });
                }
                if remote.len() >= limits.max_remote_contexts {
                    return Err(Error::LimitExceeded(format!(
                        "more than {} nested context documents",
                        limits.max_remote_contexts
                    )));
                }
                if remote.iter().any(|r| r == url) {
                    return Err(Error::InvalidContext(format!(
                        "context {url} includes itself"
                    )));
                }
                let doc = docs.load(url)?;
                let Some(ctx) = doc.get("@context") else {
                    return Err(Error::InvalidContext(format!("{url} has no @context")));
                };
                remote.push(url.clone());
                let inner = Arc::new(result);
                let sub = ProcessOpts {
                    override_protected: opts.override_protected,
                    no_propagate: false,
                };
                result = process(docs, &inner, ctx, sub, limits, remote)?;
                remote.pop();
            }
            Value::Object(map) => process_object(docs, &mut result, map, opts, limits)?,
            _ => {
                return Err(Error::InvalidContext(
                    "a context must be null, a URL string or an object".into(),
                ));
            }
        }
    }
    Ok(result)
}

fn process_object(
    docs: &Documents,
    result: &mut ActiveContext,
    map: &Map<String, Value>,
    opts: ProcessOpts,
    _limits: &Limits,
) -> Result<(), Error> {
    let _ = docs;
    if let Some(v) = map.get("@version")
        && v.as_f64() != Some(1.1)
    {
        return Err(Error::InvalidContext("@version must be 1.1".into()));
    }
    if map.contains_key("@import") {
        return Err(Error::Unsupported {
            path: "@context".into(),
            feature: "@import".into(),
        });
    }
    if let Some(v) = map.get("@base") {
        match v {
            Value::Null => result.base = None,
            Value::String(s) if is_absolute_iri(s) => result.base = Some(s.clone()),
            _ => {
                return Err(Error::Unsupported {
                    path: "@context.@base".into(),
                    feature: "a @base that is not an absolute IRI".into(),
                });
            }
        }
    }
    if let Some(v) = map.get("@vocab") {
        match v {
            Value::Null => result.vocab = None,
            Value::String(s) => {
                let iri = expand_iri(result, s, true, true, None, &mut HashMap::new())?;
                match iri {
                    Some(i) if is_absolute_iri(&i) => result.vocab = Some(i),
                    _ => {
                        return Err(Error::RelativeIri {
                            iri: s.clone(),
                            path: "@context.@vocab".into(),
                        });
                    }
                }
            }
            _ => {
                return Err(Error::InvalidContext(
                    "@vocab must be a string or null".into(),
                ));
            }
        }
    }
    if let Some(v) = map.get("@language") {
        match v {
            Value::Null => result.language = None,
            Value::String(s) => result.language = Some(s.to_lowercase()),
            _ => {
                return Err(Error::InvalidContext(
                    "@language must be a string or null".into(),
                ));
            }
        }
    }
    if let Some(v) = map.get("@direction")
        && !matches!(v, Value::Null)
    {
        return Err(Error::Unsupported {
            path: "@context.@direction".into(),
            feature: "@direction (base direction is not signed by RDF canonicalization)".into(),
        });
    }
    let protected = match map.get("@protected") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(Error::InvalidContext(
                "@protected must be true or false".into(),
            ));
        }
    };
    let mut defined: HashMap<String, bool> = HashMap::new();
    for term in map.keys() {
        if CONTEXT_KEYWORDS.contains(&term.as_str()) {
            continue;
        }
        create_term(
            result,
            map,
            term,
            &mut defined,
            protected,
            opts.override_protected,
        )?;
    }
    Ok(())
}

const KEYWORDS: &[&str] = &[
    "@base",
    "@container",
    "@context",
    "@default",
    "@direction",
    "@embed",
    "@explicit",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@omitDefault",
    "@prefix",
    "@preserve",
    "@propagate",
    "@protected",
    "@requireAll",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
];

pub(crate) fn is_keyword(s: &str) -> bool {
    s.starts_with('@') && KEYWORDS.contains(&s)
}

/// `@` followed by one or more ALPHA: reserved for future keywords, ignored by processors.
pub(crate) fn has_keyword_form(s: &str) -> bool {
    s.len() > 1 && s.starts_with('@') && s[1..].bytes().all(|b| b.is_ascii_alphabetic())
}

/// An absolute IRI: a scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )) and a colon, and
/// no characters an IRI cannot hold.
pub(crate) fn is_absolute_iri(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = &s[..colon];
    let mut bytes = scheme.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !s.chars().any(|c| {
            c.is_whitespace() || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
        })
}

/// The byte index of the first colon that is not the first character.
fn colon_after_first(s: &str) -> Option<usize> {
    s.char_indices()
        .skip(1)
        .find(|&(_, c)| c == ':')
        .map(|(i, _)| i)
}

fn is_gen_delim(c: char) -> bool {
    matches!(c, ':' | '/' | '?' | '#' | '[' | ']' | '@')
}

/// Create term definition (JSON-LD 1.1 API §4.2.2).
fn create_term(
    active: &mut ActiveContext,
    local: &Map<String, Value>,
    term: &str,
    defined: &mut HashMap<String, bool>,
    protected_default: bool,
    override_protected: bool,
) -> Result<(), Error> {
    match defined.get(term) {
        Some(true) => return Ok(()),
        Some(false) => {
            return Err(Error::InvalidContext(format!(
                "cyclic IRI mapping for \"{term}\""
            )));
        }
        None => {}
    }
    if term.is_empty() {
        return Err(Error::InvalidContext(
            "a term cannot be the empty string".into(),
        ));
    }
    defined.insert(term.to_string(), false);
    // Invariant: callers pass keys of `local`.
    let value = local.get(term).cloned().unwrap_or(Value::Null);
    if term == "@type" {
        // JSON-LD 1.1 lets @type be given a container (@set) and @protected, nothing else.
        let ok = value.as_object().is_some_and(|m| {
            !m.is_empty()
                && m.iter().all(|(k, v)| match k.as_str() {
                    "@container" => v == "@set",
                    "@protected" => v.is_boolean(),
                    _ => false,
                })
        });
        if !ok {
            return Err(Error::InvalidContext(
                "keyword redefinition of @type".into(),
            ));
        }
        defined.insert(term.to_string(), true);
        return Ok(());
    }
    if is_keyword(term) {
        return Err(Error::InvalidContext(format!(
            "keyword redefinition of {term}"
        )));
    }
    if has_keyword_form(term) {
        // Reserved for future keywords: ignored (JSON-LD 1.1 §4.2.2 step 5).
        defined.insert(term.to_string(), true);
        return Ok(());
    }
    let previous = active.terms.remove(term);
    let simple_term = value.is_string();
    let map: Map<String, Value> = match value {
        Value::Null => Map::from_iter([("@id".to_string(), Value::Null)]),
        Value::String(s) => Map::from_iter([("@id".to_string(), Value::String(s))]),
        Value::Object(m) => m,
        _ => {
            return Err(Error::InvalidContext(format!(
                "the definition of \"{term}\" must be a string, an object or null"
            )));
        }
    };
    let mut def = TermDef {
        iri: None,
        prefix: false,
        protected: protected_default,
        type_mapping: None,
        container: 0,
        language: None,
        context: None,
    };
    for key in map.keys() {
        if !matches!(
            key.as_str(),
            "@id"
                | "@reverse"
                | "@container"
                | "@context"
                | "@language"
                | "@direction"
                | "@nest"
                | "@prefix"
                | "@protected"
                | "@type"
                | "@index"
        ) {
            return Err(Error::InvalidContext(format!(
                "the definition of \"{term}\" has an unknown entry \"{key}\""
            )));
        }
    }
    if let Some(p) = map.get("@protected") {
        def.protected = p.as_bool().ok_or_else(|| {
            Error::InvalidContext(format!("@protected of \"{term}\" must be a boolean"))
        })?;
    }
    if let Some(t) = map.get("@type") {
        let Value::String(t) = t else {
            return Err(Error::InvalidContext(format!(
                "@type of \"{term}\" must be a string"
            )));
        };
        let iri = expand_iri(active, t, false, true, Some(local), defined)?;
        match iri.as_deref() {
            Some("@id" | "@vocab" | "@json" | "@none") => def.type_mapping = iri,
            Some(i) if is_absolute_iri(i) => def.type_mapping = iri,
            _ => {
                return Err(Error::InvalidContext(format!(
                    "invalid type mapping \"{t}\" for \"{term}\""
                )));
            }
        }
    }
    for unsupported in ["@reverse", "@nest", "@index", "@direction"] {
        if map.contains_key(unsupported) {
            return Err(Error::Unsupported {
                path: format!("@context.{term}"),
                feature: format!("{unsupported} in a term definition"),
            });
        }
    }
    match map.get("@id") {
        Some(id) if id.as_str() != Some(term) => match id {
            Value::Null => def.iri = None,
            Value::String(s) => {
                if !is_keyword(s) && has_keyword_form(s) {
                    defined.insert(term.to_string(), true);
                    return Ok(());
                }
                let iri = expand_iri(active, s, false, true, Some(local), defined)?;
                let Some(iri) = iri else {
                    return Err(Error::InvalidContext(format!(
                        "invalid IRI mapping for \"{term}\""
                    )));
                };
                if iri == "@context" {
                    return Err(Error::InvalidContext("@context cannot be aliased".into()));
                }
                if !is_keyword(&iri) && !is_absolute_iri(&iri) && !iri.starts_with("_:") {
                    return Err(Error::InvalidContext(format!(
                        "\"{term}\" maps to \"{iri}\", which is not an absolute IRI"
                    )));
                }
                let inner_colon = term
                    .char_indices()
                    .any(|(i, c)| c == ':' && i > 0 && i + 1 < term.len());
                if inner_colon || term.contains('/') {
                    defined.insert(term.to_string(), true);
                    let own = expand_iri(active, term, false, true, Some(local), defined)?;
                    if own.as_deref() != Some(iri.as_str()) {
                        return Err(Error::InvalidContext(format!(
                            "term \"{term}\" looks like an IRI but maps to a different IRI"
                        )));
                    }
                }
                if !term.contains(':')
                    && !term.contains('/')
                    && simple_term
                    && (iri.ends_with(is_gen_delim) || iri.starts_with("_:"))
                {
                    def.prefix = true;
                }
                def.iri = Some(iri);
            }
            _ => {
                return Err(Error::InvalidContext(format!(
                    "@id of \"{term}\" must be a string"
                )));
            }
        },
        _ => {
            if let Some(colon) = colon_after_first(term) {
                let (prefix, suffix) = (&term[..colon], &term[colon + 1..]);
                if local.contains_key(prefix) {
                    create_term(
                        active,
                        local,
                        prefix,
                        defined,
                        protected_default,
                        override_protected,
                    )?;
                }
                match active.terms.get(prefix).and_then(|d| d.iri.clone()) {
                    Some(p) => def.iri = Some(format!("{p}{suffix}")),
                    None => def.iri = Some(term.to_string()),
                }
                if !def
                    .iri
                    .as_deref()
                    .is_some_and(|i| is_absolute_iri(i) || i.starts_with("_:"))
                {
                    return Err(Error::InvalidContext(format!(
                        "\"{term}\" does not expand to an IRI"
                    )));
                }
            } else if term.contains('/') {
                return Err(Error::InvalidContext(format!(
                    "\"{term}\" is a relative IRI and needs a base"
                )));
            } else {
                match &active.vocab {
                    Some(v) => def.iri = Some(format!("{v}{term}")),
                    None => {
                        return Err(Error::InvalidContext(format!(
                            "\"{term}\" has no @id and the context has no @vocab"
                        )));
                    }
                }
            }
        }
    }
    if let Some(c) = map.get("@container") {
        let items: Vec<&Value> = match c {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        for item in items {
            def.container |= match item.as_str() {
                Some("@set") => container::SET,
                Some("@list") => container::LIST,
                Some("@graph") => container::GRAPH,
                Some("@index") => container::INDEX,
                Some("@language") => container::LANGUAGE,
                Some("@id") => container::ID,
                Some("@type") => container::TYPE,
                _ => {
                    return Err(Error::InvalidContext(format!(
                        "invalid container mapping for \"{term}\""
                    )));
                }
            };
        }
        if def.container & container::LIST != 0 && def.container != container::LIST {
            return Err(Error::InvalidContext(format!(
                "@list cannot be combined for \"{term}\""
            )));
        }
        if def.container & container::TYPE != 0 {
            match def.type_mapping.as_deref() {
                None => def.type_mapping = Some("@id".into()),
                Some("@id" | "@vocab") => {}
                Some(_) => {
                    return Err(Error::InvalidContext(format!(
                        "invalid type mapping for \"{term}\""
                    )));
                }
            }
        }
    }
    if let Some(ctx) = map.get("@context") {
        def.context = Some(ScopedContext(Arc::new(ctx.clone())));
    }
    if let Some(l) = map.get("@language") {
        def.language = Some(match l {
            Value::Null => None,
            Value::String(s) => Some(s.to_lowercase()),
            _ => {
                return Err(Error::InvalidContext(format!(
                    "@language of \"{term}\" must be a string"
                )));
            }
        });
    }
    if let Some(p) = map.get("@prefix") {
        if term.contains(':') || term.contains('/') {
            return Err(Error::InvalidContext(format!(
                "\"{term}\" cannot be a prefix"
            )));
        }
        def.prefix = p.as_bool().ok_or_else(|| {
            Error::InvalidContext(format!("@prefix of \"{term}\" must be a boolean"))
        })?;
    }
    let def = match previous {
        Some(prev) if prev.protected && !override_protected => {
            let mut cmp = def.clone();
            cmp.protected = prev.protected;
            if cmp != *prev {
                return Err(Error::ProtectedTermRedefinition(term.to_string()));
            }
            prev
        }
        _ => Arc::new(def),
    };
    active.terms.insert(term.to_string(), def);
    defined.insert(term.to_string(), true);
    Ok(())
}

/// IRI expansion while a context is being processed: terms of that context are defined on
/// first use.
pub(crate) fn expand_iri(
    active: &mut ActiveContext,
    value: &str,
    document_relative: bool,
    vocab: bool,
    local: Option<&Map<String, Value>>,
    defined: &mut HashMap<String, bool>,
) -> Result<Option<String>, Error> {
    // While a context is being processed, the value (or its prefix) may be a term of that
    // context not defined yet: define it first (API §5.2.2 steps 3 and 6.3), then expand.
    if let Some(local) = local
        && !is_keyword(value)
        && !has_keyword_form(value)
    {
        let prefix = colon_after_first(value).map(|colon| &value[..colon]);
        for term in std::iter::once(value).chain(prefix) {
            if local.contains_key(term) && defined.get(term) != Some(&true) {
                create_term(active, local, term, defined, false, false)?;
            }
        }
    }
    Ok(expand_iri_ro(active, value, document_relative, vocab))
}

/// IRI expansion (JSON-LD 1.1 API §5.2.2) against a finished context: `None` for a value
/// mapped to null or of keyword form; a relative result is returned as is for the caller to
/// reject.
pub(crate) fn expand_iri_ro(
    active: &ActiveContext,
    value: &str,
    document_relative: bool,
    vocab: bool,
) -> Option<String> {
    if is_keyword(value) {
        return Some(value.to_string());
    }
    if has_keyword_form(value) {
        return None;
    }
    if vocab && let Some(def) = active.terms.get(value) {
        return def.iri.clone();
    }
    if let Some(colon) = colon_after_first(value) {
        let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
        if prefix == "_" || suffix.starts_with("//") {
            return Some(value.to_string());
        }
        if let Some(def) = active.terms.get(prefix)
            && let (Some(iri), true) = (&def.iri, def.prefix)
        {
            return Some(format!("{iri}{suffix}"));
        }
        if is_absolute_iri(value) {
            return Some(value.to_string());
        }
    }
    if vocab && let Some(v) = &active.vocab {
        return Some(format!("{v}{value}"));
    }
    if document_relative && let Some(base) = &active.base {
        return Some(resolve_against(base, value));
    }
    Some(value.to_string())
}

/// Minimal reference resolution: fragments and absolute paths against an absolute base.
/// Anything else stays relative, so the caller rejects it.
fn resolve_against(base: &str, value: &str) -> String {
    if let Some(frag) = value.strip_prefix('#') {
        let stem = base.split('#').next().unwrap_or(base);
        return format!("{stem}#{frag}");
    }
    value.to_string()
}
