//! CSV as RFC 4180 writes it (quoted fields, doubled quotes, CRLF or LF), read into a table
//! with named columns, and written back with formula-looking cells defused.

use crate::CboError;

#[cfg(test)]
mod tests;

/// A CSV file: its header and its rows (each as long as the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Most rows an import reads.
pub(crate) const MAX_ROWS: usize = 200_000;

impl Table {
    /// Parses `text` (a UTF-8 byte-order mark is skipped); `format` names the file in errors.
    pub(crate) fn parse(text: &str, format: &'static str) -> Result<Table, CboError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut records = records(text, format)?.into_iter();
        let header: Vec<String> = records
            .next()
            .ok_or_else(|| CboError::import(format, "line 1", "the file is empty"))?
            .into_iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let mut rows = Vec::new();
        for (i, mut row) in records.enumerate() {
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if row.len() > header.len() {
                return Err(CboError::import(
                    format,
                    format!("row {}", i + 2),
                    format!("{} cells for {} columns", row.len(), header.len()),
                ));
            }
            row.resize(header.len(), String::new());
            rows.push(row);
        }
        Ok(Table { header, rows })
    }

    /// The index of the first column whose name (case and surrounding space ignored) is one of
    /// `names`.
    pub(crate) fn column(&self, names: &[&str]) -> Option<usize> {
        self.header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    }

    /// The rows, each with its line number for messages (the header is row 1).
    pub(crate) fn rows(&self) -> impl Iterator<Item = (usize, &[String])> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i + 2, r.as_slice()))
    }
}

/// The cell of `row` at `column`, trimmed; `None` when the column is absent or the cell blank.
pub(crate) fn cell(row: &[String], column: Option<usize>) -> Option<&str> {
    let text = row.get(column?)?.trim();
    (!text.is_empty()).then_some(text)
}

/// Splits `text` into records of fields.
fn records(text: &str, format: &'static str) -> Result<Vec<Vec<String>>, CboError> {
    let mut out = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    let mut quoted = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut record));
                if out.len() > MAX_ROWS {
                    return Err(CboError::import(
                        format,
                        format!("line {line}"),
                        format!("more than {MAX_ROWS} rows"),
                    ));
                }
                line += 1;
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err(CboError::import(
            format,
            format!("line {line}"),
            "a quoted field is not closed",
        ));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        out.push(record);
    }
    Ok(out)
}

/// Writes rows as CSV (CRLF line ends, as RFC 4180 says). Cells that a spreadsheet would run as
/// a formula (starting with `=`, `+`, `-`, `@`, tab or CR) get a leading `'` unless they are
/// numbers.
pub(crate) fn write(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let defused;
            let cell = if cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
                && cell.parse::<f64>().is_err()
            {
                defused = format!("'{cell}");
                &defused
            } else {
                cell
            };
            if cell.contains([',', '"', '\n', '\r']) {
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(cell);
            }
        }
        out.push_str("\r\n");
    }
    out
}
