//! RDF terms and quads, conversion of expanded JSON-LD to RDF, and N-Quads serialization.

use std::collections::HashMap;
use std::fmt::Write;

use serde_json::Value;

use crate::expand::{Item, Literal, Node};
use crate::{Error, Limits};

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
const RDF_JSON: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON";
const RDF_LANGSTRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";

/// An RDF term. Blank nodes are numbered within their [`Dataset`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    /// An IRI.
    Iri(String),
    /// A blank node.
    Blank(u32),
    /// A literal with its datatype IRI, and its language for `rdf:langString`.
    Literal {
        /// The lexical form.
        value: String,
        /// The datatype IRI.
        datatype: String,
        /// The language tag, for language-tagged strings.
        language: Option<String>,
    },
}

/// An RDF quad; `graph` is `None` for the default graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quad {
    /// Subject: an IRI or a blank node.
    pub subject: Term,
    /// Predicate IRI.
    pub predicate: String,
    /// Object.
    pub object: Term,
    /// Graph name: an IRI or a blank node, or `None` for the default graph.
    pub graph: Option<Term>,
}

/// An RDF dataset: a set of quads, plus how many blank nodes they use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dataset {
    /// The quads, without duplicates.
    pub quads: Vec<Quad>,
    /// Blank nodes are numbered `0..blank_nodes`.
    pub blank_nodes: u32,
}

impl Dataset {
    /// N-Quads of the dataset, one line per quad, in the dataset's order; blank node `n` is
    /// written `_:b{n}`.
    pub fn to_nquads(&self) -> String {
        let mut out = String::new();
        for q in &self.quads {
            write_quad(&mut out, q, &|n| format!("b{n}"));
        }
        out
    }
}

struct Emitter<'l> {
    quads: Vec<Quad>,
    labels: HashMap<String, u32>,
    next: u32,
    limits: &'l Limits,
}

/// Converts expanded items (the document's top-level nodes) to a dataset (Deserialize JSON-LD
/// to RDF, API §6.1, without materializing the node map).
pub(crate) fn items_to_dataset(items: &[Item], limits: &Limits) -> Result<Dataset, Error> {
    let mut em = Emitter {
        quads: Vec::new(),
        labels: HashMap::new(),
        next: 0,
        limits,
    };
    for item in items {
        if let Item::Node(n) = item {
            em.node(n, None)?;
        }
    }
    let mut quads = em.quads;
    // A dataset is a set: drop duplicates but keep the first-seen order (it decides the order
    // in which RDFC-1.0 meets blank nodes only where the result does not depend on it).
    let mut seen = std::collections::HashSet::with_capacity(quads.len());
    quads.retain(|q| seen.insert(q.clone()));
    Ok(Dataset {
        quads,
        blank_nodes: em.next,
    })
}

impl Emitter<'_> {
    fn fresh(&mut self) -> u32 {
        self.next += 1;
        self.next - 1
    }

    fn id_term(&mut self, id: &str) -> Term {
        match id.strip_prefix("_:") {
            Some(label) => {
                if let Some(n) = self.labels.get(label) {
                    return Term::Blank(*n);
                }
                let n = self.fresh();
                self.labels.insert(label.to_string(), n);
                Term::Blank(n)
            }
            None => Term::Iri(id.to_string()),
        }
    }

    fn push(&mut self, quad: Quad) -> Result<(), Error> {
        if self.quads.len() >= self.limits.max_quads {
            return Err(Error::LimitExceeded(format!(
                "more than {} quads",
                self.limits.max_quads
            )));
        }
        self.quads.push(quad);
        Ok(())
    }

    fn node(&mut self, node: &Node, graph: Option<&Term>) -> Result<Term, Error> {
        let subject = match &node.id {
            Some(id) => self.id_term(id),
            None => Term::Blank(self.fresh()),
        };
        for t in &node.types {
            if t == "@json" {
                return Err(Error::InvalidDocument {
                    path: "@type".into(),
                    reason: "@json is only a value type".into(),
                });
            }
            let object = self.id_term(t);
            self.push(Quad {
                subject: subject.clone(),
                predicate: RDF_TYPE.into(),
                object,
                graph: graph.cloned(),
            })?;
        }
        for (predicate, items) in &node.props {
            for item in items {
                let object = self.item(item, graph)?;
                self.push(Quad {
                    subject: subject.clone(),
                    predicate: predicate.clone(),
                    object,
                    graph: graph.cloned(),
                })?;
            }
        }
        if let Some(contents) = &node.graph {
            for item in contents {
                if let Item::Node(n) = item {
                    self.node(n, Some(&subject))?;
                }
            }
        }
        Ok(subject)
    }

    fn item(&mut self, item: &Item, graph: Option<&Term>) -> Result<Term, Error> {
        match item {
            Item::Node(n) => self.node(n, graph),
            Item::Value(lit) => literal(lit),
            Item::List(items) => {
                if items.is_empty() {
                    return Ok(Term::Iri(RDF_NIL.into()));
                }
                let heads: Vec<u32> = items.iter().map(|_| self.fresh()).collect();
                for (i, it) in items.iter().enumerate() {
                    let object = self.item(it, graph)?;
                    self.push(Quad {
                        subject: Term::Blank(heads[i]),
                        predicate: RDF_FIRST.into(),
                        object,
                        graph: graph.cloned(),
                    })?;
                    let rest = match heads.get(i + 1) {
                        Some(n) => Term::Blank(*n),
                        None => Term::Iri(RDF_NIL.into()),
                    };
                    self.push(Quad {
                        subject: Term::Blank(heads[i]),
                        predicate: RDF_REST.into(),
                        object: rest,
                        graph: graph.cloned(),
                    })?;
                }
                Ok(Term::Blank(heads[0]))
            }
        }
    }
}

/// Object to RDF conversion of a value object, as jsonld.js does it.
fn literal(lit: &Literal) -> Result<Term, Error> {
    let dt = lit.datatype.as_deref();
    if dt == Some("@json") {
        let value = crate::jcs(&lit.value)?;
        return Ok(Term::Literal {
            value,
            datatype: RDF_JSON.into(),
            language: None,
        });
    }
    let (value, datatype) = match &lit.value {
        Value::Bool(b) => (b.to_string(), dt.unwrap_or(XSD_BOOLEAN)),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if !f.is_finite() {
                return Err(Error::InvalidDocument {
                    path: "@value".into(),
                    reason: "number out of range".into(),
                });
            }
            if is_js_double(n, f) || dt == Some(XSD_DOUBLE) {
                (canonical_double(f), dt.unwrap_or(XSD_DOUBLE))
            } else {
                (integer_string(n, f), dt.unwrap_or(XSD_INTEGER))
            }
        }
        Value::String(s) => {
            if let (Some(lang), None) = (&lit.language, dt) {
                return Ok(Term::Literal {
                    value: s.clone(),
                    datatype: RDF_LANGSTRING.into(),
                    language: Some(lang.clone()),
                });
            }
            (s.clone(), dt.unwrap_or(XSD_STRING))
        }
        _ => {
            return Err(Error::InvalidDocument {
                path: "@value".into(),
                reason: "a value must be a string, number or boolean".into(),
            });
        }
    };
    Ok(Term::Literal {
        value,
        datatype: datatype.to_string(),
        language: None,
    })
}

/// jsonld.js's `isDouble`: `String(v)` has a '.' or |v| ≥ 1e21.
fn is_js_double(n: &serde_json::Number, f: f64) -> bool {
    if n.is_i64() || n.is_u64() {
        return f.abs() >= 1e21;
    }
    let mut buf = ryu_js::Buffer::new();
    buf.format(f).contains('.') || f.abs() >= 1e21
}

/// `value.toFixed(0)` for a number jsonld.js treats as an integer.
fn integer_string(n: &serde_json::Number, f: f64) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    format!("{f:.0}")
}

/// `value.toExponential(15).replace(/(\d)0*e\+?/, '$1E')`.
fn canonical_double(f: f64) -> String {
    let s = format!("{f:.15e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mantissa = match mantissa.split_once('.') {
        Some((int, frac)) => {
            let trimmed = frac.trim_end_matches('0');
            let frac = if trimmed.is_empty() {
                &frac[..1]
            } else {
                trimmed
            };
            format!("{int}.{frac}")
        }
        None => mantissa.to_string(),
    };
    format!("{mantissa}E{exp}")
}

/// Writes one N-Quads line, escaping as rdf-canonize does.
pub(crate) fn write_quad(out: &mut String, q: &Quad, blank: &dyn Fn(u32) -> String) {
    write_term(out, &q.subject, blank);
    out.push_str(" <");
    escape_iri(out, &q.predicate);
    out.push_str("> ");
    write_term(out, &q.object, blank);
    if let Some(g) = &q.graph {
        out.push(' ');
        write_term(out, g, blank);
    }
    out.push_str(" .\n");
}

pub(crate) fn write_term(out: &mut String, t: &Term, blank: &dyn Fn(u32) -> String) {
    match t {
        Term::Iri(i) => {
            out.push('<');
            escape_iri(out, i);
            out.push('>');
        }
        Term::Blank(n) => {
            out.push_str("_:");
            out.push_str(&blank(*n));
        }
        Term::Literal {
            value,
            datatype,
            language,
        } => {
            out.push('"');
            escape_literal(out, value);
            out.push('"');
            if datatype == RDF_LANGSTRING {
                if let Some(l) = language {
                    out.push('@');
                    out.push_str(l);
                }
            } else if datatype != XSD_STRING {
                out.push_str("^^<");
                escape_iri(out, datatype);
                out.push('>');
            }
        }
    }
}

fn escape_literal(out: &mut String, s: &str) {
    if !s
        .bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == b'"' || b == b'\\')
    {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
}

fn escape_iri(out: &mut String, s: &str) {
    if !s.bytes().any(|b| {
        b <= 0x20
            || matches!(
                b,
                b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\'
            )
    }) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            c if (c as u32) <= 0x20
                || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\') =>
            {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
}
