//! `--context-map FILE`: operator contexts, as a JSON object mapping URL to a file path
//! relative to the map.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ler_jsonld::Documents;

/// The embedded contexts plus, when given, those of a context map.
pub fn load(map: Option<&Path>) -> anyhow::Result<Documents> {
    let mut docs = Documents::new_embedded();
    let Some(map) = map else { return Ok(docs) };
    let text = std::fs::read_to_string(map)
        .with_context(|| format!("cannot read context map {}", map.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("context map {} is not JSON", map.display()))?;
    let Some(entries) = value.as_object() else {
        bail!(
            "context map {} must be a JSON object mapping context URL to file path",
            map.display()
        );
    };
    let base = map.parent().unwrap_or(Path::new("."));
    for (url, file) in entries {
        let Some(file) = file.as_str() else {
            bail!(
                "context map {}: the path for {url} must be a string",
                map.display()
            );
        };
        let path: PathBuf = base.join(file);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "context map {}: cannot read {} for {url}",
                map.display(),
                path.display()
            )
        })?;
        docs.add(url, &text)
            .with_context(|| format!("context map {}: {}", map.display(), path.display()))?;
    }
    Ok(docs)
}
