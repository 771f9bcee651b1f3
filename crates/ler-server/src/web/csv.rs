//! CSV as RFC 4180 writes it (quoted fields, doubled quotes, CRLF or LF line ends), read into
//! rows of fields, for bulk issuing.

/// Most rows a bulk file may hold.
pub const MAX_ROWS: usize = 5_000;

/// Why a CSV file could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvError {
    /// A quoted field is never closed.
    Unclosed,
    /// More than [`MAX_ROWS`] rows.
    TooManyRows,
}

/// The rows of a CSV text, each with the line it starts on; blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut row_line = 1;
    let mut chars = text.chars().peekable();
    let mut end_row = |row: &mut Vec<String>, field: &mut String, row_line: usize| {
        row.push(std::mem::take(field));
        let blank = row.len() == 1 && row[0].trim().is_empty();
        let done = std::mem::take(row);
        if !blank {
            rows.push((row_line, done));
        }
    };
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
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                end_row(&mut row, &mut field, row_line);
                line += 1;
                row_line = line;
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(CsvError::Unclosed);
    }
    if !field.is_empty() || !row.is_empty() {
        end_row(&mut row, &mut field, row_line);
    }
    if rows.len() > MAX_ROWS + 1 {
        return Err(CsvError::TooManyRows);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quotes_commas_and_line_ends() {
        let rows =
            parse("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\n\n\"two\nlines\",z,\n").expect("csv");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], (1, vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(
            rows[1],
            (2, vec!["x, y".into(), "say \"hi\"".into(), String::new()])
        );
        assert_eq!(rows[2].0, 4);
        assert_eq!(rows[2].1[0], "two\nlines");
    }

    #[test]
    fn refuses_an_unclosed_quote() {
        assert_eq!(parse("a,\"b\n"), Err(CsvError::Unclosed));
    }

    #[test]
    fn reads_a_last_line_without_newline_and_a_bom() {
        let rows = parse("\u{feff}h1,h2\nv1,v2").expect("csv");
        assert_eq!(rows[0].1, vec!["h1", "h2"]);
        assert_eq!(rows[1].1, vec!["v1", "v2"]);
    }
}
