//! The import readers: [`csv`] with a [`Mapping`], [`xapi`] statements and [`oneroster`]
//! results. Each returns an iterator of [`Entry`] that reads its input as it goes.

use std::collections::HashMap;
use std::io::{BufRead, Read};

use serde_json::Value;

use crate::dates::lenient_date;
use crate::jsonstream::JsonValues;
use crate::mapping::{Field, Mapping};
use crate::template::{Bound, find_column};
use crate::{
    AchievementRef, ConnectError, Dates, Entry, Fault, IssueRow, Recipient, ResultStatus,
    RowResult, Skip,
};

/// The formats [`crate::import`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with a mapping.
    Csv,
    /// xAPI statements.
    Xapi,
    /// OneRoster 1.2 results, line items and users.
    OneRoster,
}

impl Format {
    /// Parses `csv`, `xapi` or `oneroster`.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "csv" => Some(Format::Csv),
            "xapi" => Some(Format::Xapi),
            "oneroster" => Some(Format::OneRoster),
            _ => None,
        }
    }
}

fn error(row: u64, column: Option<&str>, fault: Fault) -> Entry {
    Entry::Error(fault.at(row, column))
}

fn skip(row: u64, reason: impl Into<String>) -> Entry {
    Entry::Skip(Skip {
        row,
        reason: reason.into(),
    })
}

/// A checked email address, lower-cased.
fn email(text: &str) -> Result<String, Fault> {
    let t = text.trim().trim_start_matches("mailto:");
    let ok = t.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
    }) && !t.contains(char::is_whitespace)
        && t.len() <= 254;
    if ok {
        Ok(t.to_lowercase())
    } else {
        Err(Fault::new("not_email", format!("{t:?} is not an email address")).arg("text", t))
    }
}

/// A checked DID (`did:<method>:<id>`).
fn did(text: &str) -> Result<String, Fault> {
    let t = text.trim();
    let ok = t.strip_prefix("did:").is_some_and(|rest| {
        rest.split_once(':').is_some_and(|(method, id)| {
            !method.is_empty()
                && method
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && !id.is_empty()
        })
    }) && !t.contains(char::is_whitespace);
    if ok {
        Ok(t.to_owned())
    } else {
        Err(Fault::new("not_did", format!("{t:?} is not a DID (did:<method>:<id>)")).arg("text", t))
    }
}

/// A score as a number.
fn number(text: &str) -> Result<f64, Fault> {
    let t = text.trim().trim_end_matches('%');
    t.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| {
            Fault::new("not_number", format!("{:?} is not a number", text.trim()))
                .arg("text", text.trim())
        })
}

/// A status as written by a learning system.
fn status(text: &str) -> Result<ResultStatus, Fault> {
    let t = text.trim().to_lowercase();
    Ok(match t.as_str() {
        "completed"
        | "complete"
        | "passed"
        | "pass"
        | "yes"
        | "y"
        | "true"
        | "1"
        | "completed (achieved pass grade)"
        | "achieved" => ResultStatus::Completed,
        "failed" | "fail" | "completed (did not achieve pass grade)" => ResultStatus::Failed,
        "not completed" | "incomplete" | "in progress" | "inprogress" | "no" | "n" | "false"
        | "0" => ResultStatus::InProgress,
        _ => {
            return Err(Fault::new(
                "not_status",
                format!(
                    "{:?} is not a status (completed, passed, failed, in progress)",
                    text.trim()
                ),
            )
            .arg("text", text.trim()));
        }
    })
}

// --- CSV -------------------------------------------------------------------------------------

/// A field bound to the header, or `None` when a preset's optional column is absent.
fn bind(field: &Option<Field>, header: &[String]) -> Result<Option<Bound>, ConnectError> {
    match field {
        None => Ok(None),
        Some(f) => match f.template.bind(header) {
            Ok(b) => Ok(Some(b)),
            Err(ConnectError::MissingColumn { .. }) if !f.required => Ok(None),
            Err(e) => Err(e),
        },
    }
}

struct BoundMapping {
    source_key: Bound,
    skip_blank: Vec<(usize, String)>,
    email: Option<Bound>,
    did: Option<Bound>,
    email_or_did: Option<Bound>,
    name: Option<Bound>,
    identifier: Option<Bound>,
    achievement_id: Option<Bound>,
    achievement_name: Option<Bound>,
    score: Option<Bound>,
    max_score: Option<Bound>,
    grade: Option<Bound>,
    status: Option<Bound>,
    pass_score: Option<f64>,
    awarded: Option<Bound>,
    valid_until: Option<Bound>,
    date_order: Option<crate::DateOrder>,
}

/// Rows of a CSV file read with a mapping; see [`csv`].
pub struct CsvRows<R: Read> {
    records: csv::StringRecordsIntoIter<R>,
    m: BoundMapping,
}

/// Reads CSV (RFC 4180, a UTF-8 byte-order mark ignored) with `mapping`. Fails at once when
/// the header lacks a column the mapping needs; a bad row is an [`Entry::Error`]. Rows are
/// numbered by their line in the file (the header is line 1).
pub fn csv<R: Read>(reader: R, mapping: &Mapping) -> Result<CsvRows<R>, ConnectError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(mapping.delimiter)
        .flexible(true)
        .from_reader(reader);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ConnectError::Format {
            what: "the CSV header".into(),
            reason: e.to_string(),
        })?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                h.trim_start_matches('\u{feff}').to_owned()
            } else {
                h.to_owned()
            }
        })
        .collect();
    let source_key = mapping.source_key.template.bind(&header)?;
    let skip_blank = mapping
        .skip_blank
        .iter()
        .map(|c| find_column(&header, c).map(|i| (i, header[i].clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let m = BoundMapping {
        source_key,
        skip_blank,
        email: bind(&mapping.email, &header)?,
        did: bind(&mapping.did, &header)?,
        email_or_did: bind(&mapping.email_or_did, &header)?,
        name: bind(&mapping.name, &header)?,
        identifier: bind(&mapping.identifier, &header)?,
        achievement_id: bind(&mapping.achievement_id, &header)?,
        achievement_name: bind(&mapping.achievement_name, &header)?,
        score: bind(&mapping.score, &header)?,
        max_score: bind(&mapping.max_score, &header)?,
        grade: bind(&mapping.grade, &header)?,
        status: bind(&mapping.status, &header)?,
        pass_score: mapping.pass_score,
        awarded: bind(&mapping.awarded, &header)?,
        valid_until: bind(&mapping.valid_until, &header)?,
        date_order: mapping.date_order,
    };
    if m.email.is_none() && m.did.is_none() && m.email_or_did.is_none() && m.identifier.is_none() {
        return Err(ConnectError::Mapping(format!(
            "none of the recipient's columns (email, did, email_or_did, identifier) is in the header: {}",
            header.join(", ")
        )));
    }
    Ok(CsvRows {
        records: reader.into_records(),
        m,
    })
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        let record = self.records.next()?;
        Some(match record {
            Ok(record) => {
                let row = record.position().map_or(0, |p| p.line());
                self.m.row(row, &record)
            }
            Err(e) => {
                let row = e.position().map_or(0, |p| p.line());
                error(
                    row,
                    None,
                    Fault::new("csv_line", format!("the line cannot be read as CSV: {e}"))
                        .arg("detail", e.to_string()),
                )
            }
        })
    }
}

impl BoundMapping {
    fn row(&self, row: u64, r: &csv::StringRecord) -> Entry {
        if r.iter().all(|f| f.trim().is_empty()) {
            return skip(row, "the row is empty");
        }
        for (i, name) in &self.skip_blank {
            if r.get(*i).is_none_or(|v| v.trim().is_empty()) {
                return skip(row, format!("{name} is blank"));
            }
        }
        let render = |b: &Option<Bound>, ach: Option<&str>| {
            b.as_ref()
                .and_then(|b| b.render(r, ach).map(|v| (v, b.column.clone())))
        };
        let col = |b: &Option<Bound>| b.as_ref().and_then(|b| b.column.clone());

        // Status and pass mark first: a row that is not to be issued is not checked further.
        let mut result = RowResult::default();
        if let Some((text, column)) = render(&self.status, None) {
            match status(&text) {
                Ok(ResultStatus::Completed) => result.status = Some(ResultStatus::Completed),
                Ok(ResultStatus::Failed) => return skip(row, "failed"),
                Ok(ResultStatus::InProgress) => return skip(row, "not completed"),
                Err(e) => return error(row, column.as_deref(), e),
            }
        }
        // Moodle writes `-` for "no grade".
        let score = render(&self.score, None).filter(|(t, _)| t != "-");
        if let Some((text, column)) = score {
            match number(&text) {
                Ok(n) => {
                    if let Some(pass) = self.pass_score
                        && n < pass
                    {
                        return skip(row, format!("score {n} is below {pass}"));
                    }
                    result.score = Some(text);
                }
                Err(e) => return error(row, column.as_deref(), e),
            }
        } else if self.pass_score.is_some() {
            return skip(row, "no score");
        }
        if let Some((text, column)) = render(&self.max_score, None) {
            if let Err(e) = number(&text) {
                return error(row, column.as_deref(), e);
            }
            if result.score.is_some() {
                result.max_score = Some(text);
            }
        }
        result.grade = render(&self.grade, None).map(|(t, _)| t);

        let mut recipient = Recipient::default();
        if let Some((text, column)) = render(&self.email, None) {
            match email(&text) {
                Ok(e) => recipient.email = Some(e),
                Err(e) => return error(row, column.as_deref(), e),
            }
        }
        if let Some((text, column)) = render(&self.did, None) {
            match did(&text) {
                Ok(d) => recipient.did = Some(d),
                Err(e) => return error(row, column.as_deref(), e),
            }
        }
        if let Some((text, column)) = render(&self.email_or_did, None) {
            let checked = if text.trim_start().starts_with("did:") {
                did(&text).map(|d| recipient.did = Some(d))
            } else {
                email(&text).map(|e| recipient.email = Some(e))
            };
            if let Err(e) = checked {
                return error(row, column.as_deref(), e);
            }
        }
        recipient.name = render(&self.name, None).map(|(t, _)| t);
        recipient.identifier = render(&self.identifier, None).map(|(t, _)| t);
        if recipient.key().is_none() {
            let column = col(&self.email)
                .or_else(|| col(&self.did))
                .or_else(|| col(&self.email_or_did))
                .or_else(|| col(&self.identifier));
            return error(
                row,
                column.as_deref(),
                Fault::new(
                    "no_recipient",
                    "the recipient has no email, DID or identifier",
                ),
            );
        }

        let achievement = AchievementRef {
            id: render(&self.achievement_id, None).map(|(t, _)| t),
            name: render(&self.achievement_name, None).map(|(t, _)| t),
        };
        let Some(achievement_key) = achievement.id.clone().or_else(|| achievement.name.clone())
        else {
            let column = col(&self.achievement_id).or_else(|| col(&self.achievement_name));
            return error(
                row,
                column.as_deref(),
                Fault::new("no_achievement", "the row names no achievement"),
            );
        };

        let mut dates = Dates::default();
        for (bound, slot) in [
            (&self.awarded, &mut dates.awarded),
            (&self.valid_until, &mut dates.valid_until),
        ] {
            if let Some((text, column)) = render(bound, None) {
                match lenient_date(&text, self.date_order) {
                    Ok(d) => *slot = Some(d),
                    Err(e) => return error(row, column.as_deref(), e),
                }
            }
        }

        let Some(source_key) = self.source_key.render(r, Some(&achievement_key)) else {
            return error(
                row,
                self.source_key.column.as_deref(),
                Fault::new("blank_key", "the source key is blank"),
            );
        };
        Entry::Issue(IssueRow {
            row,
            source_key,
            recipient,
            achievement_ref: achievement,
            result,
            dates,
        })
    }
}

// --- xAPI ------------------------------------------------------------------------------------

/// Statements read from an xAPI export; see [`xapi`].
pub struct XapiStatements<R: BufRead> {
    values: JsonValues<R>,
    index: u64,
}

/// Reads xAPI statements: a JSON array of statements, an LRS `StatementResult`
/// (`{"statements": [...], "more": ...}`), or statements one per line. Statements whose verb is
/// ADL's `completed` or `passed` (and whose result is not a failure) become rows; every other
/// verb is skipped. The source key is `xapi:<statement id>`; the achievement is the activity
/// (its IRI and name); rows are numbered by statement.
pub fn xapi<R: BufRead>(reader: R) -> XapiStatements<R> {
    XapiStatements {
        values: JsonValues::new(reader),
        index: 0,
    }
}

impl<R: BufRead> Iterator for XapiStatements<R> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        let next = self.values.next()?;
        self.index += 1;
        let row = self.index;
        Some(match next {
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(statement) => statement_row(row, &statement),
                Err(e) => error(
                    row,
                    None,
                    Fault::new("not_json", format!("the statement is not JSON: {e}"))
                        .arg("detail", e.to_string()),
                ),
            },
            Err(e) => error(row, None, Fault::new("bad_json", &e).arg("detail", e)),
        })
    }
}

/// A language map's text: `en-US`, else `en`, else the first.
fn lang(map: Option<&Value>) -> Option<String> {
    let m = map?.as_object()?;
    m.get("en-US")
        .or_else(|| m.get("en"))
        .or_else(|| m.values().next())
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn statement_row(row: u64, s: &Value) -> Entry {
    let Some(obj) = s.as_object() else {
        return error(
            row,
            None,
            Fault::new("not_object", "a statement must be a JSON object"),
        );
    };
    let verb = obj
        .get("verb")
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let verb_name = verb.rsplit('/').next().unwrap_or("");
    let adl = verb.starts_with("http://adlnet.gov/expapi/verbs/")
        || verb.starts_with("https://w3id.org/xapi/adl/verbs/");
    if !(adl && matches!(verb_name, "completed" | "passed")) {
        let shown =
            lang(obj.get("verb").and_then(|v| v.get("display"))).unwrap_or_else(|| verb.to_owned());
        return skip(row, format!("verb {shown} is not completed or passed"));
    }
    let result = obj.get("result");
    if result.and_then(|r| r.get("success")) == Some(&Value::Bool(false)) {
        return skip(row, "not passed (result.success is false)");
    }
    let Some(id) = obj
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return error(
            row,
            Some("id"),
            Fault::new(
                "no_statement_id",
                "the statement has no id (the id is its source key)",
            ),
        );
    };

    let actor = obj.get("actor");
    if actor
        .and_then(|a| a.get("objectType"))
        .and_then(Value::as_str)
        == Some("Group")
    {
        return error(
            row,
            Some("actor"),
            Fault::new(
                "group_actor",
                "a group cannot receive a credential: send one statement per learner",
            ),
        );
    }
    let mut recipient = Recipient {
        name: actor
            .and_then(|a| a.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        ..Recipient::default()
    };
    if let Some(mbox) = actor.and_then(|a| a.get("mbox")).and_then(Value::as_str) {
        match email(mbox) {
            Ok(e) => recipient.email = Some(e),
            Err(e) => return error(row, Some("actor.mbox"), e),
        }
    }
    if let Some(account) = actor.and_then(|a| a.get("account")) {
        recipient.identifier = account
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned);
    }
    if recipient.key().is_none() {
        return error(
            row,
            Some("actor"),
            Fault::new(
                "no_actor_address",
                "the actor has no mbox or account (a hashed mbox cannot receive a credential)",
            ),
        );
    }

    let object = obj.get("object");
    let achievement = AchievementRef {
        id: object
            .and_then(|o| o.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        name: lang(
            object
                .and_then(|o| o.get("definition"))
                .and_then(|d| d.get("name")),
        ),
    };
    if achievement.id.is_none() {
        return error(
            row,
            Some("object.id"),
            Fault::new(
                "no_activity_id",
                "the statement's object has no activity id",
            ),
        );
    }

    let mut r = RowResult {
        status: Some(ResultStatus::Completed),
        ..RowResult::default()
    };
    if let Some(score) = result.and_then(|r| r.get("score")) {
        let num = |k: &str| score.get(k).filter(|v| v.is_number()).map(Value::to_string);
        match (num("raw"), num("scaled")) {
            (Some(raw), _) => {
                r.score = Some(raw);
                r.max_score = num("max");
            }
            (None, Some(scaled)) => {
                r.score = Some(scaled);
                r.max_score = Some("1".into());
            }
            (None, None) => {}
        }
    }
    let mut dates = Dates::default();
    if let Some(ts) = obj.get("timestamp").and_then(Value::as_str) {
        match lenient_date(ts, None) {
            Ok(d) => dates.awarded = Some(d),
            Err(e) => return error(row, Some("timestamp"), e),
        }
    }
    Entry::Issue(IssueRow {
        row,
        source_key: format!("xapi:{id}"),
        recipient,
        achievement_ref: achievement,
        result: r,
        dates,
    })
}

// --- OneRoster -------------------------------------------------------------------------------

/// What a OneRoster import leaves out.
#[derive(Debug, Clone, Default)]
pub struct OneRosterOptions {
    /// Results scoring below this share of the line item's maximum (0 to 100) are skipped.
    pub pass_percent: Option<f64>,
}

struct LineItem {
    title: String,
    max: Option<String>,
}

struct User {
    email: Option<String>,
    name: Option<String>,
    identifier: Option<String>,
}

/// Results of a OneRoster set; see [`oneroster`].
pub struct OneRosterResults<R: Read> {
    records: csv::StringRecordsIntoIter<R>,
    cols: ResultColumns,
    line_items: HashMap<String, LineItem>,
    users: HashMap<String, User>,
    options: OneRosterOptions,
}

struct ResultColumns {
    sourced_id: usize,
    status: usize,
    line_item: usize,
    student: usize,
    score_status: usize,
    score: usize,
    score_date: usize,
    text_score: usize,
}

fn csv_reader<R: Read>(r: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new().flexible(true).from_reader(r)
}

fn header_of<R: Read>(r: &mut csv::Reader<R>, what: &str) -> Result<Vec<String>, ConnectError> {
    Ok(r.headers()
        .map_err(|e| ConnectError::Format {
            what: what.into(),
            reason: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect())
}

fn field(r: &csv::StringRecord, i: usize) -> Option<String> {
    r.get(i)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Reads a OneRoster 1.2 CSV gradebook: `results.csv` streamed, with `lineItems.csv` (the
/// achievement: its `sourcedId` and `title`) and `users.csv` (the recipient: `email`, names and
/// `identifier`) held in memory. Results that are not `fully graded`, or marked
/// `tobedeleted`, are skipped. The source key is `oneroster:<result sourcedId>`.
pub fn oneroster<R: Read>(
    results: R,
    line_items: impl Read,
    users: impl Read,
    options: OneRosterOptions,
) -> Result<OneRosterResults<R>, ConnectError> {
    let mut li = csv_reader(line_items);
    let h = header_of(&mut li, "lineItems.csv")?;
    let (li_id, li_title, li_max) = (
        find_column(&h, "sourcedId")?,
        find_column(&h, "title")?,
        find_column(&h, "resultValueMax")?,
    );
    let mut line_items = HashMap::new();
    for rec in li.into_records() {
        let rec = rec.map_err(|e| ConnectError::Format {
            what: "lineItems.csv".into(),
            reason: e.to_string(),
        })?;
        if let Some(id) = field(&rec, li_id) {
            line_items.insert(
                id,
                LineItem {
                    title: field(&rec, li_title).unwrap_or_default(),
                    max: field(&rec, li_max),
                },
            );
        }
    }
    let mut us = csv_reader(users);
    let h = header_of(&mut us, "users.csv")?;
    let (u_id, u_email, u_given, u_family, u_ident) = (
        find_column(&h, "sourcedId")?,
        find_column(&h, "email")?,
        find_column(&h, "givenName")?,
        find_column(&h, "familyName")?,
        find_column(&h, "identifier")?,
    );
    let mut user_map = HashMap::new();
    for rec in us.into_records() {
        let rec = rec.map_err(|e| ConnectError::Format {
            what: "users.csv".into(),
            reason: e.to_string(),
        })?;
        if let Some(id) = field(&rec, u_id) {
            let name = [field(&rec, u_given), field(&rec, u_family)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            user_map.insert(
                id,
                User {
                    email: field(&rec, u_email),
                    name: Some(name).filter(|n| !n.is_empty()),
                    identifier: field(&rec, u_ident),
                },
            );
        }
    }
    let mut rs = csv_reader(results);
    let h = header_of(&mut rs, "results.csv")?;
    let cols = ResultColumns {
        sourced_id: find_column(&h, "sourcedId")?,
        status: find_column(&h, "status")?,
        line_item: find_column(&h, "lineItemSourcedId")?,
        student: find_column(&h, "studentSourcedId")?,
        score_status: find_column(&h, "scoreStatus")?,
        score: find_column(&h, "score")?,
        score_date: find_column(&h, "scoreDate")?,
        text_score: find_column(&h, "textScore")?,
    };
    Ok(OneRosterResults {
        records: rs.into_records(),
        cols,
        line_items,
        users: user_map,
        options,
    })
}

impl<R: Read> Iterator for OneRosterResults<R> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        let rec = self.records.next()?;
        Some(match rec {
            Ok(rec) => {
                let row = rec.position().map_or(0, |p| p.line());
                self.result_row(row, &rec)
            }
            Err(e) => error(
                e.position().map_or(0, |p| p.line()),
                None,
                Fault::new("csv_line", format!("the line cannot be read as CSV: {e}"))
                    .arg("detail", e.to_string()),
            ),
        })
    }
}

impl<R: Read> OneRosterResults<R> {
    fn result_row(&self, row: u64, r: &csv::StringRecord) -> Entry {
        let c = &self.cols;
        if field(r, c.status).as_deref() == Some("tobedeleted") {
            return skip(row, "marked tobedeleted");
        }
        let Some(id) = field(r, c.sourced_id) else {
            return error(
                row,
                Some("sourcedId"),
                Fault::new("no_sourced_id", "the result has no sourcedId"),
            );
        };
        match field(r, c.score_status).as_deref() {
            Some("fully graded") => {}
            Some(other) => return skip(row, format!("score status {other}")),
            None => {
                return error(
                    row,
                    Some("scoreStatus"),
                    Fault::new("no_score_status", "the result has no scoreStatus"),
                );
            }
        }
        let Some(li_id) = field(r, c.line_item) else {
            return error(
                row,
                Some("lineItemSourcedId"),
                Fault::new("no_line_item", "the result has no line item"),
            );
        };
        let Some(li) = self.line_items.get(&li_id) else {
            return error(
                row,
                Some("lineItemSourcedId"),
                Fault::new(
                    "unknown_line_item",
                    format!("line item {li_id:?} is not in lineItems.csv"),
                )
                .arg("id", li_id.as_str()),
            );
        };
        let Some(student) = field(r, c.student) else {
            return error(
                row,
                Some("studentSourcedId"),
                Fault::new("no_student", "the result has no student"),
            );
        };
        let Some(user) = self.users.get(&student) else {
            return error(
                row,
                Some("studentSourcedId"),
                Fault::new(
                    "unknown_user",
                    format!("user {student:?} is not in users.csv"),
                )
                .arg("id", student.as_str()),
            );
        };
        let mut recipient = Recipient {
            name: user.name.clone(),
            identifier: user.identifier.clone().or(Some(student)),
            ..Recipient::default()
        };
        if let Some(e) = &user.email {
            match email(e) {
                Ok(e) => recipient.email = Some(e),
                Err(e) => {
                    let fault = Fault {
                        message: format!("users.csv: {}", e.message),
                        ..e
                    };
                    return error(row, Some("studentSourcedId"), fault);
                }
            }
        }
        let mut result = RowResult {
            status: Some(ResultStatus::Completed),
            grade: field(r, c.text_score),
            ..RowResult::default()
        };
        if let Some(score) = field(r, c.score) {
            let n = match number(&score) {
                Ok(n) => n,
                Err(e) => return error(row, Some("score"), e),
            };
            if let (Some(pass), Some(max)) = (
                self.options.pass_percent,
                li.max.as_deref().and_then(|m| number(m).ok()),
            ) && max > 0.0
                && n * 100.0 / max < pass
            {
                return skip(row, format!("score {n} is below {pass}% of {max}"));
            }
            result.score = Some(score);
            result.max_score = li.max.clone();
        }
        let mut dates = Dates::default();
        if let Some(d) = field(r, c.score_date) {
            match lenient_date(&d, None) {
                Ok(d) => dates.awarded = Some(d),
                Err(e) => return error(row, Some("scoreDate"), e),
            }
        }
        Entry::Issue(IssueRow {
            row,
            source_key: format!("oneroster:{id}"),
            recipient,
            achievement_ref: AchievementRef {
                id: Some(li_id),
                name: Some(li.title.clone()).filter(|t| !t.is_empty()),
            },
            result,
            dates,
        })
    }
}
