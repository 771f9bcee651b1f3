//! RDFC-1.0 (RDF Dataset Canonicalization), matching rdf-canonize, with a work limit.

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

use crate::rdf::{Dataset, Quad, Term, write_quad};
use crate::{Error, Limits};

/// Issues identifiers (`c14n0`, `b0`, …) in order.
#[derive(Debug, Clone, Default)]
struct Issuer {
    issued: HashMap<u32, u32>,
    order: Vec<u32>,
}

impl Issuer {
    fn get(&self, node: u32) -> Option<u32> {
        self.issued.get(&node).copied()
    }
    fn issue(&mut self, node: u32) -> u32 {
        if let Some(n) = self.issued.get(&node) {
            return *n;
        }
        let n = self.order.len() as u32;
        self.issued.insert(node, n);
        self.order.push(node);
        n
    }
}

struct State<'d> {
    quads: &'d [Quad],
    /// For each blank node, the quads that mention it.
    quads_of: Vec<Vec<usize>>,
    first_degree: Vec<Option<String>>,
    canonical: Issuer,
    remaining_deep: usize,
    remaining_permutations: usize,
}

/// RDFC-1.0 canonical N-Quads of a dataset (SHA-256), sorted and joined.
///
/// Like rdf-canonize's default (`maxWorkFactor` 1), the number of "hash N-degree quads" calls is
/// capped at the number of blank nodes whose first-degree hash is shared; past that, and past
/// the permutation budget in [`Limits`], the dataset is refused as a poison graph.
pub fn canonicalize_dataset(ds: &Dataset, limits: &Limits) -> Result<String, Error> {
    let n = ds.blank_nodes as usize;
    let mut quads_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut appearance: Vec<u32> = Vec::new();
    for (qi, q) in ds.quads.iter().enumerate() {
        for t in [Some(&q.subject), Some(&q.object), q.graph.as_ref()]
            .into_iter()
            .flatten()
        {
            if let Term::Blank(b) = t {
                let list = &mut quads_of[*b as usize];
                if list.is_empty() {
                    appearance.push(*b);
                }
                if list.last() != Some(&qi) {
                    list.push(qi);
                }
            }
        }
    }
    let mut st = State {
        quads: &ds.quads,
        quads_of,
        first_degree: vec![None; n],
        canonical: Issuer::default(),
        remaining_deep: 0,
        remaining_permutations: limits.max_ndegree_calls.saturating_mul(64),
    };
    let mut by_hash: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for &b in &appearance {
        let h = st.hash_first_degree(b);
        by_hash.entry(h).or_default().push(b);
    }
    let mut non_unique: Vec<Vec<u32>> = Vec::new();
    for list in by_hash.into_values() {
        if list.len() == 1 {
            st.canonical.issue(list[0]);
        } else {
            non_unique.push(list);
        }
    }
    let count: usize = non_unique.iter().map(Vec::len).sum();
    st.remaining_deep = count.min(limits.max_ndegree_calls);
    for list in non_unique {
        let mut results: Vec<(String, Issuer)> = Vec::new();
        for b in list {
            if st.canonical.get(b).is_some() {
                continue;
            }
            let mut issuer = Issuer::default();
            issuer.issue(b);
            results.push(st.hash_n_degree(b, issuer)?);
        }
        results.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, issuer) in results {
            for old in issuer.order {
                st.canonical.issue(old);
            }
        }
    }
    let canonical = &mut st.canonical;
    let mut lines: Vec<String> = Vec::with_capacity(ds.quads.len());
    for q in &ds.quads {
        // Every blank node in a quad was issued a canonical id above.
        for t in [Some(&q.subject), Some(&q.object), q.graph.as_ref()]
            .into_iter()
            .flatten()
        {
            if let Term::Blank(b) = t {
                canonical.issue(*b);
            }
        }
        let mut line = String::new();
        let c = &*canonical;
        write_quad(&mut line, q, &|b| {
            format!("c14n{}", c.get(b).unwrap_or(u32::MAX))
        });
        lines.push(line);
    }
    lines.sort_unstable();
    lines.dedup();
    Ok(lines.concat())
}

fn hex(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(digest.len() * 2);
    for b in digest {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

impl State<'_> {
    /// Hash First Degree Quads (RDFC-1.0 §4.6).
    fn hash_first_degree(&mut self, node: u32) -> String {
        if let Some(h) = &self.first_degree[node as usize] {
            return h.clone();
        }
        let mut lines: Vec<String> = self.quads_of[node as usize]
            .iter()
            .map(|&qi| {
                let mut s = String::new();
                write_quad(&mut s, &self.quads[qi], &|b| {
                    if b == node { "a".into() } else { "z".into() }
                });
                s
            })
            .collect();
        lines.sort_unstable();
        let mut h = Sha256::new();
        for l in &lines {
            h.update(l.as_bytes());
        }
        let hash = hex(&h.finalize());
        self.first_degree[node as usize] = Some(hash.clone());
        hash
    }

    /// Hash Related Blank Node (RDFC-1.0 §4.7).
    fn hash_related(
        &mut self,
        related: u32,
        quad: usize,
        issuer: &Issuer,
        position: &str,
    ) -> String {
        let mut h = Sha256::new();
        h.update(position.as_bytes());
        if position != "g" {
            h.update(b"<");
            h.update(self.quads[quad].predicate.as_bytes());
            h.update(b">");
        }
        let id = if let Some(c) = self.canonical.get(related) {
            format!("_:c14n{c}")
        } else if let Some(t) = issuer.get(related) {
            format!("_:b{t}")
        } else {
            self.hash_first_degree(related)
        };
        h.update(id.as_bytes());
        hex(&h.finalize())
    }

    /// Hash N-Degree Quads (RDFC-1.0 §4.8).
    fn hash_n_degree(&mut self, node: u32, mut issuer: Issuer) -> Result<(String, Issuer), Error> {
        if self.remaining_deep == 0 {
            return Err(Error::LimitExceeded(
                "RDFC-1.0 work limit reached: the document's blank nodes cannot be told apart cheaply (poison graph)"
                    .into(),
            ));
        }
        self.remaining_deep -= 1;
        let mut related_by_hash: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let quad_ids = self.quads_of[node as usize].clone();
        for qi in quad_ids {
            let q = &self.quads[qi];
            let comps = [
                (Some(&q.subject), "s"),
                (Some(&q.object), "o"),
                (q.graph.as_ref(), "g"),
            ];
            let related: Vec<(u32, &str)> = comps
                .into_iter()
                .filter_map(|(t, pos)| match t {
                    Some(Term::Blank(b)) if *b != node => Some((*b, pos)),
                    _ => None,
                })
                .collect();
            for (r, pos) in related {
                let h = self.hash_related(r, qi, &issuer, pos);
                related_by_hash.entry(h).or_default().push(r);
            }
        }
        let mut data = Sha256::new();
        for (hash, mut list) in related_by_hash {
            data.update(hash.as_bytes());
            let mut chosen_path = String::new();
            let mut chosen_issuer: Option<Issuer> = None;
            list.sort_unstable();
            let mut perm = list.clone();
            let mut more = true;
            while more {
                if self.remaining_permutations == 0 {
                    return Err(Error::LimitExceeded(
                        "RDFC-1.0 permutation budget exhausted (poison graph)".into(),
                    ));
                }
                self.remaining_permutations -= 1;
                if let Some((path, issuer_copy)) =
                    self.try_permutation(&perm, &issuer, &chosen_path)?
                    && (chosen_path.is_empty() || path < chosen_path)
                {
                    chosen_path = path;
                    chosen_issuer = Some(issuer_copy);
                }
                more = next_permutation(&mut perm);
            }
            data.update(chosen_path.as_bytes());
            if let Some(ci) = chosen_issuer {
                issuer = ci;
            }
        }
        Ok((hex(&data.finalize()), issuer))
    }

    /// Steps 5.4.1–5.4.5 for one permutation; `None` when it cannot beat the chosen path.
    fn try_permutation(
        &mut self,
        perm: &[u32],
        issuer: &Issuer,
        chosen: &str,
    ) -> Result<Option<(String, Issuer)>, Error> {
        let mut issuer_copy = issuer.clone();
        let mut path = String::new();
        let mut recursion = Vec::new();
        for &r in perm {
            if let Some(c) = self.canonical.get(r) {
                path.push_str(&format!("_:c14n{c}"));
            } else {
                if issuer_copy.get(r).is_none() {
                    recursion.push(r);
                }
                path.push_str(&format!("_:b{}", issuer_copy.issue(r)));
            }
            if !chosen.is_empty() && path.as_str() > chosen {
                return Ok(None);
            }
        }
        for r in recursion {
            let (hash, result_issuer) = self.hash_n_degree(r, issuer_copy.clone())?;
            path.push_str(&format!("_:b{}", issuer_copy.issue(r)));
            path.push('<');
            path.push_str(&hash);
            path.push('>');
            issuer_copy = result_issuer;
            if !chosen.is_empty() && path.as_str() > chosen {
                return Ok(None);
            }
        }
        Ok(Some((path, issuer_copy)))
    }
}

/// Lexicographic next permutation; `false` after the last one. Every ordering is visited once
/// (duplicates collapse), and since the chosen path is a minimum, the order does not matter.
fn next_permutation(v: &mut [u32]) -> bool {
    if v.len() < 2 {
        return false;
    }
    let mut i = v.len() - 1;
    while i > 0 && v[i - 1] >= v[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = v.len() - 1;
    while v[j] <= v[i - 1] {
        j -= 1;
    }
    v.swap(i - 1, j);
    v[i..].reverse();
    true
}
