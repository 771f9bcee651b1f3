//! PNG: walking the chunks with their CRCs, and the `openbadgecredential` `iTXt` chunk.

#[cfg(test)]
mod tests;

use crate::{BakeError, PNG_KEYWORD};

/// The eight bytes every PNG starts with.
pub(crate) const SIGNATURE: [u8; 8] = *b"\x89PNG\r\n\x1a\n";

/// The largest chunk length PNG allows (2^31 − 1).
const MAX_CHUNK_LEN: usize = 0x7fff_ffff;

/// CRC-32 (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320), as PNG uses it.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// The CRC-32 of the concatenated parts.
pub(crate) fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for part in parts {
        for &b in *part {
            c = CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
        }
    }
    c ^ 0xffff_ffff
}

/// One chunk of a PNG datastream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk<'a> {
    /// The four-letter type.
    pub kind: [u8; 4],
    /// The data.
    pub data: &'a [u8],
    /// Where the whole chunk (length, type, data, CRC) starts and ends in the file.
    pub span: (usize, usize),
}

/// Every chunk up to and including `IEND`, each length and CRC checked. Bytes after `IEND`
/// are not part of the image and are ignored.
pub(crate) fn chunks(png: &[u8]) -> Result<Vec<Chunk<'_>>, BakeError> {
    let corrupt = |m: String| BakeError::CorruptPng(m);
    if !png.starts_with(&SIGNATURE) {
        return Err(corrupt("it does not start with the PNG signature".into()));
    }
    let mut out = Vec::new();
    let mut at = SIGNATURE.len();
    loop {
        let header = png
            .get(at..at + 8)
            .ok_or_else(|| corrupt(format!("truncated at byte {at}: no IEND chunk")))?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = [header[4], header[5], header[6], header[7]];
        let name = String::from_utf8_lossy(&kind).into_owned();
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(corrupt(format!(
                "byte {at} does not start a chunk (type {name:?})"
            )));
        }
        if len > MAX_CHUNK_LEN {
            return Err(corrupt(format!("the {name} chunk claims {len} bytes")));
        }
        let data_start = at + 8;
        let end = data_start
            .checked_add(len)
            .and_then(|e| e.checked_add(4))
            .filter(|&e| e <= png.len())
            .ok_or_else(|| {
                corrupt(format!(
                    "the {name} chunk at byte {at} claims {len} bytes, past the end of the file"
                ))
            })?;
        let data = &png[data_start..data_start + len];
        let stored = u32::from_be_bytes([png[end - 4], png[end - 3], png[end - 2], png[end - 1]]);
        if crc32(&[&kind, data]) != stored {
            return Err(corrupt(format!(
                "the {name} chunk at byte {at} fails its CRC check"
            )));
        }
        if out.is_empty() && &kind != b"IHDR" {
            return Err(corrupt(format!("the first chunk is {name}, not IHDR")));
        }
        out.push(Chunk {
            kind,
            data,
            span: (at, end),
        });
        if &kind == b"IEND" {
            return Ok(out);
        }
        at = end;
    }
}

/// An `iTXt` chunk's fields.
struct Itxt<'a> {
    keyword: &'a [u8],
    compressed: bool,
    text: &'a [u8],
}

fn parse_itxt(data: &[u8]) -> Option<Itxt<'_>> {
    let nul = data.iter().position(|&b| b == 0)?;
    let keyword = &data[..nul];
    let compressed = *data.get(nul + 1)? != 0;
    let rest = data.get(nul + 3..)?;
    let lang_end = rest.iter().position(|&b| b == 0)?;
    let rest = &rest[lang_end + 1..];
    let translated_end = rest.iter().position(|&b| b == 0)?;
    Some(Itxt {
        keyword,
        compressed,
        text: &rest[translated_end + 1..],
    })
}

fn is_credential_chunk(c: &Chunk<'_>) -> bool {
    &c.kind == b"iTXt" && parse_itxt(c.data).is_some_and(|t| t.keyword == PNG_KEYWORD.as_bytes())
}

/// One chunk, encoded: length, type, data, CRC.
fn encode_chunk(kind: &[u8; 4], data: &[u8], out: &mut Vec<u8>) -> Result<(), BakeError> {
    let len = u32::try_from(data.len())
        .ok()
        .filter(|&l| l as usize <= MAX_CHUNK_LEN)
        .ok_or(BakeError::TooLarge {
            size: data.len(),
            max: MAX_CHUNK_LEN,
        })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
    Ok(())
}

/// The image with its credential chunks dropped and a new one before `IEND`.
pub(crate) fn bake(png: &[u8], text: &str) -> Result<Vec<u8>, BakeError> {
    let all = chunks(png)?;
    let mut data = Vec::with_capacity(PNG_KEYWORD.len() + 5 + text.len());
    data.extend_from_slice(PNG_KEYWORD.as_bytes());
    // Keyword terminator, compression flag 0, method 0, empty language tag and translated
    // keyword (each with its terminator).
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(text.as_bytes());
    let mut out = Vec::with_capacity(png.len() + data.len() + 12);
    out.extend_from_slice(&SIGNATURE);
    for c in &all {
        if is_credential_chunk(c) {
            continue;
        }
        if &c.kind == b"IEND" {
            encode_chunk(b"iTXt", &data, &mut out)?;
        }
        out.extend_from_slice(&png[c.span.0..c.span.1]);
    }
    Ok(out)
}

/// The text of the one `openbadgecredential` chunk.
pub(crate) fn unbake(png: &[u8]) -> Result<String, BakeError> {
    let mut found: Option<Itxt<'_>> = None;
    let mut legacy = false;
    for c in chunks(png)? {
        if &c.kind != b"iTXt" {
            legacy |=
                (&c.kind == b"tEXt" || &c.kind == b"zTXt") && c.data.starts_with(b"openbadges\0");
            continue;
        }
        let Some(t) = parse_itxt(c.data) else {
            return Err(BakeError::CorruptPng(format!(
                "an iTXt chunk at byte {} is malformed",
                c.span.0
            )));
        };
        if t.keyword == b"openbadges" {
            legacy = true;
        }
        if t.keyword != PNG_KEYWORD.as_bytes() {
            continue;
        }
        if found.is_some() {
            return Err(BakeError::DuplicateCredential);
        }
        found = Some(t);
    }
    let Some(t) = found else {
        let why = if legacy {
            "it has only an Open Badges 2.0 openbadges chunk, which ler does not read"
        } else {
            "no iTXt chunk with the keyword openbadgecredential"
        };
        return Err(BakeError::NoCredential(why.into()));
    };
    if t.compressed {
        return Err(BakeError::CompressedCredential);
    }
    let text = std::str::from_utf8(t.text).map_err(|_| BakeError::NotText)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(BakeError::NoCredential(
            "the openbadgecredential chunk is empty".into(),
        ));
    }
    Ok(text.to_string())
}
