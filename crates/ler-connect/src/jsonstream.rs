//! The values of a JSON stream one at a time, without reading the whole input: the elements of
//! a top-level array, the elements of a top-level object's `statements` array (an xAPI
//! `StatementResult`), or top-level values one after another (JSON Lines). Each value comes
//! out as its bytes, for `serde_json` to parse; only one value is held at a time.

use std::io::BufRead;

/// The largest single value accepted (a statement is a few kilobytes).
const MAX_VALUE: usize = 16 << 20;

enum Mode {
    Start,
    Array,
    Lines,
    Done,
}

/// An iterator over the values of a JSON stream.
pub(crate) struct JsonValues<R: BufRead> {
    reader: R,
    mode: Mode,
    /// A value found while scanning a top-level object that turned out to be a value itself.
    pending: Option<Vec<u8>>,
}

impl<R: BufRead> JsonValues<R> {
    pub(crate) fn new(reader: R) -> JsonValues<R> {
        JsonValues {
            reader,
            mode: Mode::Start,
            pending: None,
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, String> {
        let buf = self
            .reader
            .fill_buf()
            .map_err(|e| format!("cannot read: {e}"))?;
        Ok(buf.first().copied())
    }

    fn bump(&mut self) {
        self.reader.consume(1);
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, String> {
        loop {
            match self.peek()? {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.bump(),
                other => return Ok(other),
            }
        }
    }

    /// Reads one whole value (object, array, string or scalar) into `out`.
    fn value(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        let first = self
            .skip_ws()?
            .ok_or("the input ends where a value should be")?;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let Some(b) = self.peek()? else {
                return Err("the input ends inside a value".into());
            };
            if !matches!(first, b'{' | b'[' | b'"') && depth == 0 && !in_string {
                // A scalar ends at a delimiter, which is left for the caller.
                if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                    return Ok(());
                }
            }
            self.bump();
            out.push(b);
            if out.len() > MAX_VALUE {
                return Err(format!("a value is larger than {MAX_VALUE} bytes"));
            }
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => {
                        in_string = false;
                        if depth == 0 {
                            return Ok(());
                        }
                    }
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1).ok_or("unbalanced brackets")?;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }

    /// At the start of a top-level object: finds a `statements` array (then streams it), or
    /// reads the object whole as one value.
    fn object(&mut self) -> Result<Option<Vec<u8>>, String> {
        self.bump();
        let mut whole = vec![b'{'];
        loop {
            match self.skip_ws()? {
                Some(b'}') => {
                    self.bump();
                    whole.push(b'}');
                    self.mode = Mode::Lines;
                    return Ok(Some(whole));
                }
                Some(b',') => {
                    self.bump();
                    whole.push(b',');
                }
                Some(b'"') => {
                    let mut key = Vec::new();
                    self.value(&mut key)?;
                    if self.skip_ws()? != Some(b':') {
                        return Err("a key is not followed by `:`".into());
                    }
                    self.bump();
                    if key == b"\"statements\"" && self.skip_ws()? == Some(b'[') {
                        self.bump();
                        self.mode = Mode::Array;
                        return Ok(None);
                    }
                    whole.extend_from_slice(&key);
                    whole.push(b':');
                    self.value(&mut whole)?;
                    if whole.len() > MAX_VALUE {
                        return Err(format!("a value is larger than {MAX_VALUE} bytes"));
                    }
                }
                Some(other) => {
                    return Err(format!("unexpected {:?} in an object", char::from(other)));
                }
                None => return Err("the input ends inside an object".into()),
            }
        }
    }

    fn step(&mut self) -> Result<Option<Vec<u8>>, String> {
        loop {
            if let Some(v) = self.pending.take() {
                return Ok(Some(v));
            }
            match self.mode {
                Mode::Done => return Ok(None),
                Mode::Start => {
                    // A UTF-8 byte-order mark is allowed before the first value.
                    if self.peek()? == Some(0xEF) {
                        for expected in [0xEF, 0xBB, 0xBF] {
                            if self.peek()? != Some(expected) {
                                return Err("the input starts with a broken byte-order mark".into());
                            }
                            self.bump();
                        }
                    }
                    match self.skip_ws()? {
                        Some(b'[') => {
                            self.bump();
                            self.mode = Mode::Array;
                        }
                        Some(b'{') => {
                            if let Some(v) = self.object()? {
                                return Ok(Some(v));
                            }
                        }
                        Some(_) => {
                            return Err("expected a JSON array or object of statements".into());
                        }
                        None => {
                            self.mode = Mode::Done;
                            return Ok(None);
                        }
                    }
                }
                Mode::Array => match self.skip_ws()? {
                    Some(b']') => {
                        self.bump();
                        // Whatever follows (an LRS's `more` link) is not a statement.
                        self.mode = Mode::Done;
                    }
                    Some(b',') => self.bump(),
                    Some(_) => {
                        let mut v = Vec::new();
                        self.value(&mut v)?;
                        return Ok(Some(v));
                    }
                    None => return Err("the input ends inside the array".into()),
                },
                Mode::Lines => match self.skip_ws()? {
                    None => {
                        self.mode = Mode::Done;
                        return Ok(None);
                    }
                    Some(_) => {
                        let mut v = Vec::new();
                        self.value(&mut v)?;
                        return Ok(Some(v));
                    }
                },
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonValues<R> {
    type Item = Result<Vec<u8>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(v) => v.map(Ok),
            Err(e) => {
                // The structure is broken: nothing after this point can be trusted.
                self.mode = Mode::Done;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests;
