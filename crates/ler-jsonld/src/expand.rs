//! JSON-LD 1.1 expansion (API §5.1.2) in safe mode, producing the items RDF conversion reads.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::context::{
    self, ActiveContext, ProcessOpts, container, expand_iri_ro, is_absolute_iri, is_keyword,
};
use crate::documents::Documents;
use crate::{Error, Limits};

/// An expanded item: a node object, a value object or a list object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Node(Node),
    Value(Literal),
    List(Vec<Item>),
}

/// An expanded node object.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Node {
    /// An absolute IRI or a blank node identifier (`_:x`).
    pub id: Option<String>,
    pub types: Vec<String>,
    pub props: Vec<(String, Vec<Item>)>,
    pub graph: Option<Vec<Item>>,
}

/// An expanded value object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Literal {
    pub value: Value,
    /// A datatype IRI, or `@json`.
    pub datatype: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

struct Expander<'a> {
    docs: &'a Documents,
    limits: &'a Limits,
    path: Vec<Seg<'a>>,
}

/// Expands a whole document; the result is the document's top-level node objects.
pub(crate) fn expand_document(
    doc: &Value,
    docs: &Documents,
    limits: &Limits,
) -> Result<Vec<Item>, Error> {
    let mut ex = Expander {
        docs,
        limits,
        path: Vec::new(),
    };
    let root = docs.root_context();
    let items = ex.expand(&root, None, doc, 0)?;
    // A top-level object with only @graph stands for its graph's contents.
    if let [Item::Node(n)] = items.as_slice()
        && n.id.is_none()
        && n.types.is_empty()
        && n.props.is_empty()
        && let Some(g) = &n.graph
    {
        return Ok(g.clone());
    }
    Ok(items)
}

impl<'a> Expander<'a> {
    fn path(&self) -> String {
        let mut s = String::from("$");
        for seg in &self.path {
            match seg {
                Seg::Key(k) => {
                    s.push('.');
                    s.push_str(k);
                }
                Seg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }

    fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::InvalidDocument {
            path: self.path(),
            reason: reason.into(),
        }
    }

    fn expand(
        &mut self,
        active: &Arc<ActiveContext>,
        prop: Option<&'a str>,
        el: &'a Value,
        depth: usize,
    ) -> Result<Vec<Item>, Error> {
        if depth > self.limits.max_depth {
            return Err(Error::LimitExceeded(format!(
                "JSON nested deeper than {} levels at {}",
                self.limits.max_depth,
                self.path()
            )));
        }
        match el {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => {
                let is_list = prop
                    .and_then(|p| active.term(p))
                    .is_some_and(|d| d.container & container::LIST != 0);
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    let mut ex = self.expand(active, prop, item, depth + 1)?;
                    if is_list && item.is_array() {
                        out.push(Item::List(ex));
                    } else {
                        out.append(&mut ex);
                    }
                    self.path.pop();
                }
                Ok(out)
            }
            Value::Object(map) => self.expand_object(active, prop, map, depth),
            scalar => {
                let expanded_prop = prop.and_then(|p| expand_iri_ro(active, p, false, true));
                if prop.is_none() || expanded_prop.as_deref() == Some("@graph") {
                    return Err(self.invalid("a value outside any property (free-floating scalar)"));
                }
                let mut active = Arc::clone(active);
                if let Some(ctx) = prop
                    .and_then(|p| active.term(p))
                    .and_then(|d| d.context.clone())
                {
                    let opts = ProcessOpts {
                        override_protected: true,
                        no_propagate: false,
                    };
                    active = context::process_scoped(self.docs, &active, &ctx, opts, self.limits)?;
                }
                Ok(vec![self.expand_value(&active, prop, scalar)?])
            }
        }
    }

    /// Value expansion (API §5.3.2).
    fn expand_value(
        &self,
        active: &ActiveContext,
        prop: Option<&str>,
        value: &Value,
    ) -> Result<Item, Error> {
        let def = prop.and_then(|p| active.term(p));
        let type_mapping = def.and_then(|d| d.type_mapping.as_deref());
        if let (Some(mode @ ("@id" | "@vocab")), Value::String(s)) = (type_mapping, value) {
            let iri = expand_iri_ro(active, s, true, mode == "@vocab");
            return match iri {
                Some(i) if is_absolute_iri(&i) || i.starts_with("_:") => Ok(Item::Node(Node {
                    id: Some(i),
                    ..Node::default()
                })),
                _ => Err(Error::RelativeIri {
                    iri: s.clone(),
                    path: self.path(),
                }),
            };
        }
        let mut lit = Literal {
            value: value.clone(),
            datatype: None,
            language: None,
        };
        match type_mapping {
            Some("@id" | "@vocab" | "@none") | None => {
                if value.is_string() {
                    lit.language = match def.and_then(|d| d.language.clone()) {
                        Some(explicit) => explicit,
                        None => active.language.clone(),
                    };
                }
            }
            Some(t) => lit.datatype = Some(t.to_string()),
        }
        Ok(Item::Value(lit))
    }

    fn expand_object(
        &mut self,
        incoming: &Arc<ActiveContext>,
        prop: Option<&'a str>,
        map: &'a Map<String, Value>,
        depth: usize,
    ) -> Result<Vec<Item>, Error> {
        let prop_def = prop.and_then(|p| incoming.term(p));
        let prop_ctx = prop_def.and_then(|d| d.context.clone());
        let graph_container = prop_def.is_some_and(|d| d.container & container::GRAPH != 0);
        let expanded_prop = prop.and_then(|p| expand_iri_ro(incoming, p, false, true));
        let free_floating_position =
            prop.is_none() || expanded_prop.as_deref() == Some("@graph") || graph_container;

        let mut active = Arc::clone(incoming);
        // Step 7: a type-scoped context does not propagate into nested node objects.
        if let Some(prev) = &active.previous {
            let expands_to =
                |k: &str, kw: &str| expand_iri_ro(incoming, k, false, true).as_deref() == Some(kw);
            let has_value = map.keys().any(|k| expands_to(k, "@value"));
            let only_id = map.len() == 1 && map.keys().all(|k| expands_to(k, "@id"));
            if !has_value && !only_id {
                active = Arc::clone(prev);
            }
        }
        if let Some(ctx) = prop_ctx {
            let opts = ProcessOpts {
                override_protected: true,
                no_propagate: false,
            };
            active = context::process_scoped(self.docs, &active, &ctx, opts, self.limits)?;
        }
        if let Some(local) = map.get("@context") {
            self.path.push(Seg::Key("@context"));
            active = context::process_inline(
                self.docs,
                &active,
                local,
                ProcessOpts::default(),
                self.limits,
            )?;
            self.path.pop();
        }
        let type_scoped = Arc::clone(&active);
        let mut type_keys: Vec<&'a String> = map
            .keys()
            .filter(|k| expand_iri_ro(&active, k, false, true).as_deref() == Some("@type"))
            .collect();
        type_keys.sort();
        for key in type_keys {
            let mut terms: Vec<&str> = match &map[key] {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            terms.sort_unstable();
            for term in terms {
                if let Some(ctx) = type_scoped.term(term).and_then(|d| d.context.clone()) {
                    let opts = ProcessOpts {
                        override_protected: false,
                        no_propagate: true,
                    };
                    active = context::process_scoped(self.docs, &active, &ctx, opts, self.limits)?;
                }
            }
        }

        let mut node = Node::default();
        let mut value: Option<&Value> = None;
        let mut language: Option<String> = None;
        let mut list: Option<Vec<Item>> = None;
        let mut set: Option<Vec<Item>> = None;
        let mut keyword_count = 0usize;
        let mut has_index = false;

        for (key, val) in map {
            if key == "@context" {
                continue;
            }
            self.path.push(Seg::Key(key));
            let Some(exp) = expand_iri_ro(&active, key, false, true) else {
                return Err(Error::UndefinedTerm {
                    term: key.clone(),
                    path: self.parent_path(),
                });
            };
            if is_keyword(&exp) {
                keyword_count += 1;
                match exp.as_str() {
                    "@id" => {
                        let Value::String(s) = val else {
                            return Err(self.invalid("@id must be a string"));
                        };
                        if node.id.is_some() {
                            return Err(self.invalid("colliding @id keywords"));
                        }
                        node.id = Some(self.expand_id(&active, s)?);
                    }
                    "@type" => {
                        let values: Vec<&'a str> = match val {
                            Value::String(s) => vec![s.as_str()],
                            Value::Array(a) if a.iter().all(Value::is_string) => {
                                a.iter().filter_map(Value::as_str).collect()
                            }
                            _ => {
                                return Err(
                                    self.invalid("@type must be a string or an array of strings")
                                );
                            }
                        };
                        for t in values {
                            let iri = expand_iri_ro(&type_scoped, t, true, true);
                            match iri {
                                Some(i)
                                    if i == "@json"
                                        || is_absolute_iri(&i)
                                        || i.starts_with("_:") =>
                                {
                                    node.types.push(i)
                                }
                                _ => {
                                    return Err(Error::RelativeIri {
                                        iri: t.to_string(),
                                        path: self.path(),
                                    });
                                }
                            }
                        }
                    }
                    "@graph" => {
                        let g = self.expand(&active, Some("@graph"), val, depth + 1)?;
                        node.graph.get_or_insert_with(Vec::new).extend(g);
                    }
                    "@value" => value = Some(val),
                    "@language" => match val {
                        Value::String(s) => language = Some(s.to_lowercase()),
                        _ => return Err(self.invalid("@language must be a string")),
                    },
                    "@index" => {
                        if !val.is_string() {
                            return Err(self.invalid("@index must be a string"));
                        }
                        has_index = true;
                    }
                    "@list" => {
                        if expanded_prop.as_deref() == Some("@graph") || prop.is_none() {
                            return Err(self.invalid("a list outside any property"));
                        }
                        list = Some(self.expand(&active, prop, val, depth + 1)?);
                    }
                    "@set" => set = Some(self.expand(&active, prop, val, depth + 1)?),
                    other => {
                        return Err(Error::Unsupported {
                            path: self.path(),
                            feature: other.to_string(),
                        });
                    }
                }
                self.path.pop();
                continue;
            }
            if !is_absolute_iri(&exp) {
                return Err(Error::UndefinedTerm {
                    term: key.clone(),
                    path: self.parent_path(),
                });
            }
            let def = active.term(key);
            let cont = def.map_or(0, |d| d.container);
            let mut items = if def.and_then(|d| d.type_mapping.as_deref()) == Some("@json") {
                vec![Item::Value(Literal {
                    value: val.clone(),
                    datatype: Some("@json".into()),
                    language: None,
                })]
            } else if val.is_object()
                && cont & (container::LANGUAGE | container::INDEX | container::ID | container::TYPE)
                    != 0
            {
                return Err(Error::Unsupported {
                    path: self.path(),
                    feature: "language, index, id and type maps".into(),
                });
            } else {
                if val.is_null() {
                    self.path.pop();
                    continue;
                }
                self.expand(&active, Some(key), val, depth + 1)?
            };
            if cont & container::LIST != 0 {
                let already_list = !val.is_array() && matches!(items.as_slice(), [Item::List(_)]);
                if !already_list {
                    items = vec![Item::List(items)];
                }
            }
            if cont & container::GRAPH != 0 && cont & (container::ID | container::INDEX) == 0 {
                items = items
                    .into_iter()
                    .map(|it| {
                        Item::Node(Node {
                            graph: Some(vec![it]),
                            ..Node::default()
                        })
                    })
                    .collect();
            }
            match node.props.iter_mut().find(|(p, _)| *p == exp) {
                Some((_, existing)) => existing.extend(items),
                None => node.props.push((exp, items)),
            }
            self.path.pop();
        }

        let count = map.len() - usize::from(map.contains_key("@context"));
        if let Some(v) = value {
            if node.id.is_some() || !node.props.is_empty() || node.graph.is_some() || list.is_some()
            {
                return Err(self
                    .invalid("a value object can only hold @value, @type, @language and @index"));
            }
            if node.types.len() > 1 {
                return Err(self.invalid("a value object has at most one @type"));
            }
            let datatype = node.types.pop();
            if free_floating_position {
                return Err(self.invalid("a value object outside any property"));
            }
            if datatype.as_deref() == Some("@json") {
                return Ok(vec![Item::Value(Literal {
                    value: v.clone(),
                    datatype,
                    language: None,
                })]);
            }
            match v {
                Value::Null => return Err(self.invalid("@value is null")),
                Value::Array(_) | Value::Object(_) => {
                    return Err(self.invalid("@value must be a string, number or boolean"));
                }
                _ => {}
            }
            if language.is_some() && (!v.is_string() || datatype.is_some()) {
                return Err(self.invalid("@language needs a string @value and no @type"));
            }
            return Ok(vec![Item::Value(Literal {
                value: v.clone(),
                datatype,
                language,
            })]);
        }
        if let Some(items) = list.or(set.clone()) {
            let others = keyword_count + node.props.len() - usize::from(has_index);
            if others > 1 {
                return Err(self.invalid("@list and @set can only be combined with @index"));
            }
            if set.is_some() {
                return Ok(items);
            }
            if free_floating_position {
                return Err(self.invalid("a list outside any property"));
            }
            return Ok(vec![Item::List(items)]);
        }
        if language.is_some() && count == 1 {
            return Err(self.invalid("an object with only @language"));
        }
        if free_floating_position {
            if count == 0 {
                return Err(self.invalid("an empty object where a node is expected"));
            }
            if count == 1 && node.id.is_some() {
                return Err(self.invalid("an object with only an id where a node is expected"));
            }
        }
        Ok(vec![Item::Node(node)])
    }

    fn expand_id(&self, active: &ActiveContext, s: &str) -> Result<String, Error> {
        match expand_iri_ro(active, s, true, false) {
            Some(i) if is_absolute_iri(&i) || i.starts_with("_:") => Ok(i),
            _ => Err(Error::RelativeIri {
                iri: s.to_string(),
                path: self.path(),
            }),
        }
    }

    /// The path of the object holding the current key.
    fn parent_path(&self) -> String {
        let mut s = String::from("$");
        let n = self.path.len().saturating_sub(1);
        for seg in &self.path[..n] {
            match seg {
                Seg::Key(k) => {
                    s.push('.');
                    s.push_str(k);
                }
                Seg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }
}
