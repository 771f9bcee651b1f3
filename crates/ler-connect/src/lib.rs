//! Records in and out of other systems: what a learning management system exports becomes a
//! stream of [`IssueRow`]s to issue, and what a worker holds becomes what an HR system reads.
//!
//! Imports ([`import`]) read a CSV file with a [`Mapping`] (presets for the Canvas gradebook,
//! the Moodle grade export and the Moodle course-completion report), xAPI statements (a JSON
//! array, an LRS `StatementResult`, or JSON Lines), or a 1EdTech OneRoster 1.2 results set. Each
//! reader is an iterator of [`Entry`]: a row to issue, a row skipped on purpose (not completed,
//! below the pass mark, a header-like row), or a [`RowError`] naming the row, the column and
//! what is wrong — one bad row never stops the others. Readers stream: memory stays the same
//! whatever the file's length (OneRoster keeps its `users` and `lineItems` tables in memory,
//! not its results). [`preview`] summarizes the first rows and every error before anything is
//! issued.
//!
//! Exports ([`export`]) turn signed credentials into HR Open LER-RS JSON (each item pointing
//! at its credential by id), JSON Resume, and CSV.
//!
//! **Architecture invariant:** this crate is pure: bytes or values in, values out; no clock, no
//! randomness, no store, no network. The bulk issuer (`ler-batch`) drives it.
//!
//! ```
//! use ler_connect::{Entry, Mapping, import};
//!
//! let mapping = Mapping::from_toml(r#"
//!     source_key = "{Email}:{Course}"
//!     [recipient]
//!     email = "{Email}"
//!     [achievement]
//!     name = "{Course}"
//! "#)?;
//! let csv = "Email,Course\nana@example.org,Welding 1\nnot-an-email,Welding 1\n";
//! let rows: Vec<Entry> = import::csv(csv.as_bytes(), &mapping)?.collect();
//! assert!(matches!(&rows[0], Entry::Issue(r) if r.recipient.email.as_deref() == Some("ana@example.org")));
//! assert!(matches!(&rows[1], Entry::Error(e) if e.column.as_deref() == Some("Email")));
//! # Ok::<(), ler_connect::ConnectError>(())
//! ```

mod dates;
pub mod export;
pub mod import;
mod jsonstream;
mod mapping;
mod template;

use serde::Serialize;

pub use dates::{DateOrder, parse_lenient_date};
pub use mapping::{Mapping, Preset};

/// Why an import or export cannot run at all (a bad row is an [`Entry::Error`] instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The mapping file is not valid TOML or JSON, or names something unknown.
    #[error("mapping: {0}")]
    Mapping(String),
    /// A column the mapping needs is not in the file's header.
    #[error("column {column:?} is not in the header (columns: {available})")]
    MissingColumn {
        /// The column.
        column: String,
        /// The header's columns, comma-separated.
        available: String,
    },
    /// The file cannot be read as the format it should be in.
    #[error("{what}: {reason}")]
    Format {
        /// Which file or part.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// Reading failed.
    #[error("cannot read {what}")]
    Io {
        /// Which file.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Who a credential is for. At least one of `email`, `did` and `identifier` is present.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Recipient {
    /// Email address, lower case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A DID the recipient controls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did: Option<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An identifier in the source system (student id, SIS id, LMS account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
}

impl Recipient {
    /// How a person reading a list knows them: the email, else the DID, else the identifier.
    pub fn display(&self) -> Option<&str> {
        self.email
            .as_deref()
            .or(self.did.as_deref())
            .or(self.identifier.as_deref())
    }

    /// The key a store files the credential under: the DID, else the email, else the
    /// identifier.
    pub fn key(&self) -> Option<&str> {
        self.did
            .as_deref()
            .or(self.email.as_deref())
            .or(self.identifier.as_deref())
    }
}

/// Which achievement a row awards: an id to find in the issuer's catalog, a name to look up
/// there, or both (an activity IRI and its title, for an xAPI statement).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AchievementRef {
    /// The achievement's id (a URI), or a catalog key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The achievement's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// OB 3.0 `ResultStatusType` values a row may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ResultStatus {
    /// Completed (passed, where a pass mark applies).
    Completed,
    /// Failed.
    Failed,
    /// In progress.
    InProgress,
}

impl ResultStatus {
    /// The OB 3.0 value.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultStatus::Completed => "Completed",
            ResultStatus::Failed => "Failed",
            ResultStatus::InProgress => "InProgress",
        }
    }
}

/// What the learner achieved, as the source wrote it.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RowResult {
    /// A numeric score, as written (`88.00`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<String>,
    /// The highest possible score, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_score: Option<String>,
    /// A letter grade or text score (`B+`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    /// Completion status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ResultStatus>,
}

impl RowResult {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.score.is_none() && self.grade.is_none() && self.status.is_none()
    }
}

/// Dates of a row, as `xsd:dateTime` (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Dates {
    /// When it was achieved (OB 3.0 `awardedDate`, and `validFrom`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awarded: Option<String>,
    /// When the credential stops being valid (`validUntil`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

/// One credential to issue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueRow {
    /// The row's position in its source: 1 for the first data row (CSV: the line after the
    /// header; xAPI: the first statement).
    pub row: u64,
    /// The row's unique key in its source, so issuing it twice is recognized.
    pub source_key: String,
    /// Who it is for.
    pub recipient: Recipient,
    /// What it awards.
    pub achievement_ref: AchievementRef,
    /// What was achieved.
    pub result: RowResult,
    /// When.
    pub dates: Dates,
}

/// A row that is wrong; the import goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The row's position (as [`IssueRow::row`]); 0 for the file as a whole.
    pub row: u64,
    /// The column (CSV) or JSON path (xAPI) at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// What is wrong, as a stable name a caller can branch on or translate (one of
    /// [`ROW_ERROR_CODES`], or a code of the crate that built the error).
    pub code: &'static str,
    /// The values [`RowError::message`] names, by name (`text`, `key`, …), for a translation
    /// of [`RowError::code`].
    #[serde(skip)]
    pub args: Vec<(&'static str, String)>,
    /// What is wrong, in English.
    pub message: String,
}

/// The codes of the errors this crate's readers and [`preview`] give, each with the names of
/// its [`RowError::args`].
pub const ROW_ERROR_CODES: &[(&str, &[&str])] = &[
    ("csv_line", &["detail"]),
    ("not_status", &["text"]),
    ("not_number", &["text"]),
    ("not_email", &["text"]),
    ("not_did", &["text"]),
    ("no_recipient", &[]),
    ("no_achievement", &[]),
    ("empty_date", &[]),
    ("not_date", &["text"]),
    ("ambiguous_date", &["text"]),
    ("blank_key", &[]),
    ("bad_json", &["detail"]),
    ("not_json", &["detail"]),
    ("not_object", &[]),
    ("no_statement_id", &[]),
    ("group_actor", &[]),
    ("no_actor_address", &[]),
    ("no_activity_id", &[]),
    ("no_sourced_id", &[]),
    ("no_score_status", &[]),
    ("no_line_item", &[]),
    ("unknown_line_item", &["id"]),
    ("no_student", &[]),
    ("unknown_user", &["id"]),
    ("duplicate_key", &["key"]),
];

impl RowError {
    /// An error at `row` (and `column`) with its code and English message, without arguments.
    pub fn new(
        row: u64,
        column: Option<&str>,
        code: &'static str,
        message: impl Into<String>,
    ) -> RowError {
        RowError {
            row,
            column: column.map(str::to_owned),
            code,
            args: Vec::new(),
            message: message.into(),
        }
    }

    /// `row`'s source key was on an earlier row of the same import: a key names one
    /// credential.
    pub fn duplicate_key(row: &IssueRow) -> RowError {
        RowError::new(
            row.row,
            None,
            "duplicate_key",
            format!(
                "the source key {:?} appears on an earlier row",
                row.source_key
            ),
        )
        .arg("key", row.source_key.as_str())
    }

    /// The error with one more argument.
    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> RowError {
        self.args.push((name, value.into()));
        self
    }
}

/// What is wrong with a value, before it is placed at a row: a code, its arguments and the
/// English message (see [`RowError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    pub(crate) code: &'static str,
    pub(crate) args: Vec<(&'static str, String)>,
    pub(crate) message: String,
}

impl Fault {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Fault {
        Fault {
            code,
            args: Vec::new(),
            message: message.into(),
        }
    }

    pub(crate) fn arg(mut self, name: &'static str, value: impl Into<String>) -> Fault {
        self.args.push((name, value.into()));
        self
    }

    /// The fault at `row` and `column`.
    pub(crate) fn at(self, row: u64, column: Option<&str>) -> RowError {
        RowError {
            row,
            column: column.map(str::to_owned),
            code: self.code,
            args: self.args,
            message: self.message,
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "row {}, {c}: {}", self.row, self.message),
            None => write!(f, "row {}: {}", self.row, self.message),
        }
    }
}

/// A row left out on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    /// The row's position.
    pub row: u64,
    /// Why (`not completed`, `score 52 is below 70`, …).
    pub reason: String,
}

/// What a reader makes of one source row.
// Entries stream one at a time and nearly all are `Issue`: boxing it would add an allocation
// per row and save no memory.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Entry {
    /// Issue this.
    Issue(IssueRow),
    /// Left out on purpose.
    Skip(Skip),
    /// Wrong; reported.
    Error(RowError),
}

/// What an import would do, before anything is issued.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Preview {
    /// Rows to issue.
    pub to_issue: u64,
    /// Rows left out on purpose.
    pub skipped: u64,
    /// Rows in error.
    pub errors: u64,
    /// The first rows to issue (at most the limit given).
    pub sample: Vec<IssueRow>,
    /// The first errors (at most the limit given).
    pub first_errors: Vec<RowError>,
    /// Reasons rows were skipped, with counts.
    pub skip_reasons: Vec<(String, u64)>,
}

/// Reads every entry and summarizes: counts, the first `limit` rows and errors, and why rows
/// were skipped. Source keys seen twice are reported as errors (a key names one credential).
///
/// Keys are remembered to find duplicates, so this takes memory in the number of rows; the
/// bulk issuer instead relies on the store's unique key.
pub fn preview(entries: impl IntoIterator<Item = Entry>, limit: usize) -> Preview {
    let mut p = Preview::default();
    let mut seen = std::collections::HashSet::new();
    let mut reasons: Vec<(String, u64)> = Vec::new();
    for entry in entries {
        match entry {
            Entry::Issue(row) => {
                if !seen.insert(row.source_key.clone()) {
                    p.errors += 1;
                    if p.first_errors.len() < limit {
                        p.first_errors.push(RowError::duplicate_key(&row));
                    }
                    continue;
                }
                p.to_issue += 1;
                if p.sample.len() < limit {
                    p.sample.push(row);
                }
            }
            Entry::Skip(s) => {
                p.skipped += 1;
                let reason = generic_reason(&s.reason);
                match reasons.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, n)) => *n += 1,
                    None => reasons.push((reason, 1)),
                }
            }
            Entry::Error(e) => {
                p.errors += 1;
                if p.first_errors.len() < limit {
                    p.first_errors.push(e);
                }
            }
        }
    }
    p.skip_reasons = reasons;
    p
}

/// A skip reason without the row's own figures, for counting (`score 52 is below 70` →
/// `score is below 70`).
fn generic_reason(reason: &str) -> String {
    match reason.split_once(" is below ") {
        Some((what, bar)) => {
            let what = what.split_whitespace().next().unwrap_or(what);
            format!("{what} is below {bar}")
        }
        None => reason.to_owned(),
    }
}
