//! Message catalogs: every user-facing string of the web pages, in English and Spanish
//! (`web/i18n/en.json`, `web/i18n/es.json`), looked up with [`t`]; the language comes from the
//! `ler_lang` cookie (the visible switch sets it), else the browser's `Accept-Language`.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The English catalog.
pub(crate) const EN_JSON: &str = include_str!("../../web/i18n/en.json");
/// The Spanish catalog.
pub(crate) const ES_JSON: &str = include_str!("../../web/i18n/es.json");

/// The cookie that holds the chosen language.
pub(crate) const LANG_COOKIE: &str = "ler_lang";

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// Every language, in the order the switch lists them.
    pub(crate) const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The BCP 47 tag (`en`, `es`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name for itself, as the switch shows it.
    pub(crate) fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// Parses a tag's primary subtag (`es-MX` → Spanish).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The best language for an `Accept-Language` header (highest q first, then order), else
    /// English.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in accept_language.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("");
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }
}

/// Both catalogs, parsed once.
struct Catalogs {
    en: HashMap<String, String>,
    es: HashMap<String, String>,
}

/// Parses a catalog: a JSON object of strings. A damaged catalog (the tests forbid one) reads
/// as empty, and every lookup then shows its key.
pub(crate) fn parse_catalog(text: &str) -> HashMap<String, String> {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text) {
        Ok(map) => map
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "a message catalog is not valid JSON");
            HashMap::new()
        }
    }
}

fn catalogs() -> &'static Catalogs {
    static CATALOGS: OnceLock<Catalogs> = OnceLock::new();
    CATALOGS.get_or_init(|| Catalogs {
        en: parse_catalog(EN_JSON),
        es: parse_catalog(ES_JSON),
    })
}

/// The message `key` in `lang`; English when the language lacks it, the key itself when no
/// catalog has it (the tests make sure none is missing).
pub fn t(lang: Lang, key: &str) -> &'static str {
    let c = catalogs();
    let own = match lang {
        Lang::En => &c.en,
        Lang::Es => &c.es,
    };
    if let Some(s) = own.get(key).or_else(|| c.en.get(key)) {
        return s.as_str();
    }
    tracing::warn!(key, "message missing from the catalogs");
    "?"
}

/// Whether `key` is in the English catalog (for messages chosen at run time, such as the
/// explanations of checks).
pub(crate) fn has(key: &str) -> bool {
    catalogs().en.contains_key(key)
}

/// The message `key` with each `{name}` replaced by its value (values are plain text; the
/// caller escapes the result).
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut out = t(lang, key).to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}
