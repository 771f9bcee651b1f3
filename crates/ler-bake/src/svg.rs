//! SVG: a small XML scanner, enough to find the root `<svg>` and the `<openbadges:credential>`
//! element without being fooled by comments, CDATA or quoted `>`.
//!
//! Only the five predefined entities and character references are expanded; a DTD is skipped,
//! never read, so an SVG cannot define entities that grow or fetch anything.

#[cfg(test)]
mod tests;

use crate::{BakeError, OB3_NAMESPACE, is_compact_jws};

/// The prefix ler writes.
const PREFIX: &str = "openbadges";

/// A piece of an XML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// `<name attr="v" …>` or `<name …/>`; attribute values raw (entities not expanded).
    Start {
        name: &'a str,
        attrs: Vec<(&'a str, &'a str)>,
        self_closing: bool,
    },
    /// `</name>`.
    End { name: &'a str },
    /// Character data, entities not expanded.
    Text(&'a str),
    /// The inside of `<![CDATA[…]]>`.
    CData(&'a str),
    /// A comment, processing instruction or declaration.
    Other,
}

/// A token and where it sits in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item<'a> {
    pub token: Token<'a>,
    pub span: (usize, usize),
}

fn malformed(m: impl Into<String>) -> BakeError {
    BakeError::MalformedSvg(m.into())
}

/// Splits a document into tokens.
pub(crate) fn scan(doc: &str) -> Result<Vec<Item<'_>>, BakeError> {
    let b = doc.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let find = |from: usize, pat: &str, what: &str| -> Result<usize, BakeError> {
        doc[from..]
            .find(pat)
            .map(|p| from + p)
            .ok_or_else(|| malformed(format!("{what} at byte {from} is not closed")))
    };
    while i < b.len() {
        let start = i;
        if b[i] != b'<' {
            let end = doc[i..].find('<').map_or(b.len(), |p| i + p);
            out.push(Item {
                token: Token::Text(&doc[i..end]),
                span: (i, end),
            });
            i = end;
            continue;
        }
        let rest = &doc[i..];
        if rest.starts_with("<!--") {
            i = find(i + 4, "-->", "a comment")? + 3;
            out.push(Item {
                token: Token::Other,
                span: (start, i),
            });
        } else if rest.starts_with("<![CDATA[") {
            let end = find(i + 9, "]]>", "a CDATA section")?;
            out.push(Item {
                token: Token::CData(&doc[i + 9..end]),
                span: (start, end + 3),
            });
            i = end + 3;
        } else if rest.starts_with("<?") {
            i = find(i + 2, "?>", "a processing instruction")? + 2;
            out.push(Item {
                token: Token::Other,
                span: (start, i),
            });
        } else if rest.starts_with("<!") {
            i = declaration_end(b, i)?;
            out.push(Item {
                token: Token::Other,
                span: (start, i),
            });
        } else if rest.starts_with("</") {
            let name_end = name_end(b, i + 2);
            let name = &doc[i + 2..name_end];
            let close = skip_space(b, name_end);
            if name.is_empty() || b.get(close) != Some(&b'>') {
                return Err(malformed(format!("a bad end tag at byte {start}")));
            }
            i = close + 1;
            out.push(Item {
                token: Token::End { name },
                span: (start, i),
            });
        } else {
            let (token, end) = start_tag(doc, i)?;
            out.push(Item {
                token,
                span: (start, end),
            });
            i = end;
        }
    }
    Ok(out)
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_space(c)) {
        i += 1;
    }
    i
}

fn name_end(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|&c| !is_space(c) && !matches!(c, b'>' | b'/' | b'=' | b'<' | b'"' | b'\''))
    {
        i += 1;
    }
    i
}

/// The end of `<!DOCTYPE …>` (with an internal subset in brackets) or another `<!…>`.
fn declaration_end(b: &[u8], start: usize) -> Result<usize, BakeError> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = start + 2;
    while let Some(&c) = b.get(i) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'[') => depth += 1,
            (None, b']') => depth = depth.saturating_sub(1),
            (None, b'>') if depth == 0 => return Ok(i + 1),
            _ => {}
        }
        i += 1;
    }
    Err(malformed(format!(
        "a declaration at byte {start} is not closed"
    )))
}

fn start_tag(doc: &str, start: usize) -> Result<(Token<'_>, usize), BakeError> {
    let b = doc.as_bytes();
    let tag_name_end = name_end(b, start + 1);
    let name = &doc[start + 1..tag_name_end];
    if name.is_empty() {
        return Err(malformed(format!("a bad tag at byte {start}")));
    }
    let mut attrs = Vec::new();
    let mut i = tag_name_end;
    loop {
        let at = skip_space(b, i);
        match b.get(at) {
            None => return Err(malformed(format!("the <{name}> tag is not closed"))),
            Some(b'>') => {
                return Ok((
                    Token::Start {
                        name,
                        attrs,
                        self_closing: false,
                    },
                    at + 1,
                ));
            }
            Some(b'/') if b.get(at + 1) == Some(&b'>') => {
                return Ok((
                    Token::Start {
                        name,
                        attrs,
                        self_closing: true,
                    },
                    at + 2,
                ));
            }
            Some(_) if at == i => {
                return Err(malformed(format!(
                    "the <{name}> tag has no space before an attribute at byte {at}"
                )));
            }
            Some(_) => {}
        }
        let attr_end = name_end(b, at);
        let attr = &doc[at..attr_end];
        let eq = skip_space(b, attr_end);
        if attr.is_empty() || b.get(eq) != Some(&b'=') {
            return Err(malformed(format!(
                "the <{name}> tag has a bad attribute at byte {at}"
            )));
        }
        let q = skip_space(b, eq + 1);
        let quote = match b.get(q) {
            Some(&c @ (b'"' | b'\'')) => c,
            _ => {
                return Err(malformed(format!(
                    "the {attr} attribute of <{name}> is not quoted"
                )));
            }
        };
        let value_end = doc[q + 1..]
            .find(char::from(quote))
            .map(|p| q + 1 + p)
            .ok_or_else(|| malformed(format!("the {attr} attribute of <{name}> is not closed")))?;
        attrs.push((attr, &doc[q + 1..value_end]));
        i = value_end + 1;
    }
}

/// Expands the predefined entities and character references of XML text.
pub(crate) fn unescape(text: &str) -> Result<String, BakeError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .filter(|&s| s <= 12)
            .ok_or_else(|| malformed("a bare & in the credential text"))?;
        let entity = &after[..semi];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse::<u32>().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32).ok_or_else(|| {
                    malformed(format!("the entity &{entity}; in the credential text"))
                })?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Escapes text for a double-quoted attribute value.
fn escape_attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

/// Wraps text in CDATA, splitting any `]]>` it contains across two sections.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn prefix_and_local(name: &str) -> (Option<&str>, &str) {
    match name.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, name),
    }
}

fn attr<'a>(attrs: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// The root element's index among the items.
fn root(items: &[Item<'_>]) -> Result<usize, BakeError> {
    let i = items
        .iter()
        .position(|it| matches!(it.token, Token::Start { .. }))
        .ok_or_else(|| malformed("there is no root element"))?;
    if let Token::Start { name, .. } = &items[i].token
        && prefix_and_local(name).1 != "svg"
    {
        return Err(malformed(format!(
            "the root element is <{name}>, not <svg>"
        )));
    }
    Ok(i)
}

/// The credential elements: (index of the start tag, index of its end tag or the start tag
/// itself when self-closing).
fn credential_elements(items: &[Item<'_>], root: usize) -> Result<Vec<(usize, usize)>, BakeError> {
    let Token::Start {
        attrs: root_attrs, ..
    } = &items[root].token
    else {
        return Err(malformed("there is no root element"));
    };
    let bound_on_root = |p: &str| attr(root_attrs, &format!("xmlns:{p}")) == Some(OB3_NAMESPACE);
    let mut found = Vec::new();
    let mut i = root + 1;
    while i < items.len() {
        if let Token::Start {
            name,
            attrs,
            self_closing,
        } = &items[i].token
        {
            let (prefix, local) = prefix_and_local(name);
            let is_credential = local == "credential"
                && prefix.is_some_and(|p| {
                    bound_on_root(p)
                        || attr(attrs, &format!("xmlns:{p}")) == Some(OB3_NAMESPACE)
                        || p == PREFIX
                });
            if is_credential {
                let end = if *self_closing {
                    i
                } else {
                    matching_end(items, i, name)?
                };
                found.push((i, end));
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    Ok(found)
}

/// The index of the end tag that closes the start tag at `open`.
fn matching_end(items: &[Item<'_>], open: usize, name: &str) -> Result<usize, BakeError> {
    let mut depth = 0usize;
    for (j, it) in items.iter().enumerate().skip(open + 1) {
        match &it.token {
            Token::Start {
                self_closing: false,
                ..
            } => depth += 1,
            Token::End { name: n } if depth == 0 => {
                if *n != name {
                    return Err(malformed(format!("<{name}> is closed by </{n}>")));
                }
                return Ok(j);
            }
            Token::End { .. } => depth -= 1,
            _ => {}
        }
    }
    Err(malformed(format!("<{name}> is not closed")))
}

/// The credential text of a baked SVG.
pub(crate) fn unbake(image: &[u8]) -> Result<String, BakeError> {
    let doc = std::str::from_utf8(image).map_err(|_| malformed("it is not UTF-8"))?;
    let items = scan(doc)?;
    let root = root(&items)?;
    let found = credential_elements(&items, root)?;
    let (open, close) = match found.as_slice() {
        [] => {
            return Err(BakeError::NoCredential(
                "no <openbadges:credential> element".into(),
            ));
        }
        [one] => *one,
        _ => return Err(BakeError::DuplicateCredential),
    };
    let Token::Start { attrs, .. } = &items[open].token else {
        return Err(malformed("the credential element is not a start tag"));
    };
    if let Some(v) = attr(attrs, "verify") {
        let jws = unescape(v)?.trim().to_string();
        if !jws.is_empty() {
            return Ok(jws);
        }
    }
    let mut text = String::new();
    for it in &items[open + 1..close.max(open + 1)] {
        match &it.token {
            Token::Text(t) => text.push_str(&unescape(t)?),
            Token::CData(c) => text.push_str(c),
            Token::Other => {}
            Token::Start { name, .. } => {
                return Err(malformed(format!(
                    "the credential element holds a <{name}> element, not text"
                )));
            }
            Token::End { .. } => {}
        }
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(BakeError::NoCredential(
            "the <openbadges:credential> element is empty".into(),
        ));
    }
    Ok(text.to_string())
}

/// The SVG with any credential element replaced by one holding `text`, as the root's first
/// child, and the namespace declared on the root.
pub(crate) fn bake(image: &[u8], text: &str) -> Result<Vec<u8>, BakeError> {
    let doc = std::str::from_utf8(image).map_err(|_| malformed("it is not UTF-8"))?;
    let items = scan(doc)?;
    let root = root(&items)?;
    let found = credential_elements(&items, root)?;
    let Token::Start {
        name: root_name,
        attrs: root_attrs,
        self_closing,
    } = &items[root].token
    else {
        return Err(malformed("there is no root element"));
    };
    let declaration = match attr(root_attrs, &format!("xmlns:{PREFIX}")) {
        Some(v) if v == OB3_NAMESPACE => String::new(),
        Some(v) => {
            return Err(malformed(format!(
                "the root binds the {PREFIX} prefix to {v}, not to {OB3_NAMESPACE}"
            )));
        }
        None => format!(" xmlns:{PREFIX}=\"{OB3_NAMESPACE}\""),
    };
    let element = if is_compact_jws(text) {
        format!(
            "<{PREFIX}:credential verify=\"{}\"></{PREFIX}:credential>",
            escape_attr(text)
        )
    } else {
        format!("<{PREFIX}:credential>{}</{PREFIX}:credential>", cdata(text))
    };

    let mut out = doc.to_string();
    // Removals first, from the back: they all sit after the root's start tag, so the
    // insertions below keep their positions.
    for &(open, close) in found.iter().rev() {
        out.replace_range(items[open].span.0..items[close].span.1, "");
    }
    let (tag_start, tag_end) = items[root].span;
    if *self_closing {
        let head = doc[tag_start..tag_end - 2].trim_end();
        let rebuilt = format!("{head}{declaration}>{element}</{root_name}>");
        out.replace_range(tag_start..tag_end, &rebuilt);
    } else {
        out.insert_str(tag_end, &element);
        out.insert_str(tag_end - 1, &declaration);
    }
    Ok(out.into_bytes())
}
