//! An issuer's status list: its URL, purpose, status bits and used indexes, stored as JSON;
//! it hands out `BitstringStatusListEntry` objects and builds the list credential to sign.

use serde_json::{Map, Value, json};

use crate::list::{MAX_LIST_BYTES, check_status_size};
use crate::{Allocator, StatusError, StatusList};

/// The `type` of a stored state.
const STATE_TYPE: &str = "LerStatusListState";
/// The stored state's format version.
const STATE_VERSION: u64 = 1;

/// One of a message list's statuses and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    /// The status value.
    pub status: u8,
    /// What it means (for developers; the spec says not to show it to end users as is).
    pub message: String,
}

impl StatusMessage {
    /// The spec's JSON: `{"status": "0x1", "message": "…"}`.
    pub fn to_json(&self) -> Value {
        json!({"status": format!("{:#x}", self.status), "message": self.message})
    }

    /// Reads `{"status": "0x1", "message": "…"}`.
    pub fn from_json(v: &Value) -> Result<StatusMessage, StatusError> {
        let bad = || {
            StatusError::State(format!(
                "a status message must be {{\"status\": \"0x…\", \"message\": \"…\"}}, not {v}"
            ))
        };
        let status = v
            .get("status")
            .and_then(Value::as_str)
            .and_then(|s| s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")))
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .ok_or_else(bad)?;
        let message = v
            .get("message")
            .and_then(Value::as_str)
            .ok_or_else(bad)?
            .to_string();
        Ok(StatusMessage { status, message })
    }
}

/// What a list's statuses mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A set bit cancels the credential, for good.
    Revocation,
    /// A set bit holds the credential, until it is cleared.
    Suspension,
    /// Each entry holds one of the `messages` (one per value of `status_size` bits).
    Message {
        /// Bits per entry.
        status_size: u8,
        /// The meaning of each status value, in order of value.
        messages: Vec<StatusMessage>,
    },
}

impl Purpose {
    /// `revocation` or `suspension` (a message list needs [`Purpose::message`]).
    pub fn parse(name: &str) -> Result<Purpose, StatusError> {
        match name {
            "revocation" => Ok(Purpose::Revocation),
            "suspension" => Ok(Purpose::Suspension),
            other => Err(StatusError::Purpose(other.into())),
        }
    }

    /// A message list: `messages` must hold exactly one message per value of `status_size`
    /// bits, for the values 0, 1, 2, … in order.
    pub fn message(status_size: u8, messages: Vec<StatusMessage>) -> Result<Purpose, StatusError> {
        check_status_size(u64::from(status_size))?;
        let needed = 1usize << status_size;
        if messages.len() != needed {
            return Err(StatusError::Messages {
                status_size,
                needed,
                given: messages.len(),
            });
        }
        if let Some((i, m)) = messages
            .iter()
            .enumerate()
            .find(|(i, m)| usize::from(m.status) != *i)
        {
            return Err(StatusError::State(format!(
                "status message {i} is for status {:#x}; messages go in order of status",
                m.status
            )));
        }
        Ok(Purpose::Message {
            status_size,
            messages,
        })
    }

    /// The `statusPurpose` value.
    pub fn name(&self) -> &'static str {
        match self {
            Purpose::Revocation => "revocation",
            Purpose::Suspension => "suspension",
            Purpose::Message { .. } => "message",
        }
    }

    /// Bits per entry.
    pub fn status_size(&self) -> u8 {
        match self {
            Purpose::Message { status_size, .. } => *status_size,
            _ => 1,
        }
    }
}

/// An issuer's status list and the indexes it has handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListState {
    url: String,
    purpose: Purpose,
    list: StatusList,
    allocator: Allocator,
}

impl ListState {
    /// A new list published at `url` (the status list credential's `id`), with `entries`
    /// entries (at least [`crate::MIN_ENTRIES`]).
    pub fn new(url: &str, purpose: Purpose, entries: usize) -> Result<ListState, StatusError> {
        check_url(url)?;
        let list = StatusList::with_status_size(entries, purpose.status_size())?;
        let allocator = Allocator::new(list.len());
        Ok(ListState {
            url: url.into(),
            purpose,
            list,
            allocator,
        })
    }

    /// The status list credential's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The list's purpose.
    pub fn purpose(&self) -> &Purpose {
        &self.purpose
    }

    /// The status bits.
    pub fn list(&self) -> &StatusList {
        &self.list
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the list has no entries (never true for a list built here).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many indexes have been handed out.
    pub fn allocated(&self) -> usize {
        self.allocator.allocated()
    }

    /// Whether `index` has been handed out.
    pub fn is_allocated(&self, index: usize) -> bool {
        self.allocator.is_used(index)
    }

    /// How many entries have a non-zero status.
    pub fn count_set(&self) -> usize {
        self.list.count_set()
    }

    /// The status at `index`.
    pub fn status(&self, index: usize) -> Result<u8, StatusError> {
        self.list.get(index)
    }

    /// Hands out a fresh random index and returns its `BitstringStatusListEntry`, to put in a
    /// credential's `credentialStatus`. Store the state before issuing the credential, so a
    /// crash can waste an index but never hand it out twice.
    pub fn allocate(&mut self) -> Result<Value, StatusError> {
        let index = self.allocator.allocate()?;
        Ok(self.entry(index))
    }

    /// The `BitstringStatusListEntry` for `index`.
    pub fn entry(&self, index: usize) -> Value {
        let mut e = Map::new();
        e.insert("id".into(), format!("{}#{index}", self.url).into());
        e.insert("type".into(), "BitstringStatusListEntry".into());
        e.insert("statusPurpose".into(), self.purpose.name().into());
        e.insert("statusListIndex".into(), index.to_string().into());
        e.insert("statusListCredential".into(), self.url.clone().into());
        if let Purpose::Message {
            status_size,
            messages,
        } = &self.purpose
        {
            e.insert("statusSize".into(), (*status_size).into());
            e.insert(
                "statusMessage".into(),
                messages.iter().map(StatusMessage::to_json).collect(),
            );
        }
        Value::Object(e)
    }

    /// Sets the status of a handed-out index. On a revocation list a set bit is never
    /// cleared.
    pub fn set(&mut self, index: usize, value: u8) -> Result<(), StatusError> {
        if !self.allocator.is_used(index) {
            if index >= self.len() {
                return Err(StatusError::IndexOutOfRange {
                    index,
                    len: self.len(),
                });
            }
            return Err(StatusError::NotAllocated(index));
        }
        if self.purpose == Purpose::Revocation && value == 0 && self.list.get(index)? != 0 {
            return Err(StatusError::RevocationIsFinal(index));
        }
        self.list.set(index, value)
    }

    /// Revokes the credential at `index` (a revocation list only; final).
    pub fn revoke(&mut self, index: usize) -> Result<(), StatusError> {
        self.need(Purpose::Revocation, "revoke")?;
        self.set(index, 1)
    }

    /// Suspends the credential at `index` (a suspension list only).
    pub fn suspend(&mut self, index: usize) -> Result<(), StatusError> {
        self.need(Purpose::Suspension, "suspend")?;
        self.set(index, 1)
    }

    /// Lifts the suspension of the credential at `index` (a suspension list only).
    pub fn unsuspend(&mut self, index: usize) -> Result<(), StatusError> {
        self.need(Purpose::Suspension, "unsuspend")?;
        self.set(index, 0)
    }

    /// The unsigned `BitstringStatusListCredential` for this list, issued by `issuer` and valid
    /// from `valid_from`: sign it and serve it at [`ListState::url`].
    pub fn unsigned_list_credential(&self, issuer: &str, valid_from: &str) -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": self.url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer,
            "validFrom": valid_from,
            "credentialSubject": {
                "id": format!("{}#list", self.url),
                "type": "BitstringStatusList",
                "statusPurpose": self.purpose.name(),
                "encodedList": self.list.encode(),
            }
        })
    }

    /// The state to store.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "type": STATE_TYPE,
            "version": STATE_VERSION,
            "url": self.url,
            "statusPurpose": self.purpose.name(),
            "statusSize": self.purpose.status_size(),
            "entries": self.list.len(),
            "encodedList": self.list.encode(),
            "used": self.allocator.encoded_used(),
        });
        if let Purpose::Message { messages, .. } = &self.purpose {
            v["statusMessage"] = messages.iter().map(StatusMessage::to_json).collect();
        }
        v
    }

    /// Reads back [`ListState::to_json`].
    pub fn from_json(v: &Value) -> Result<ListState, StatusError> {
        let field = |k: &str| {
            v.get(k)
                .ok_or_else(|| StatusError::State(format!("{k} is missing")))
        };
        let text = |k: &str| {
            field(k)?
                .as_str()
                .ok_or_else(|| StatusError::State(format!("{k} must be a string")))
        };
        let count = |k: &str| {
            field(k)?
                .as_u64()
                .ok_or_else(|| StatusError::State(format!("{k} must be a count")))
        };
        if text("type")? != STATE_TYPE {
            return Err(StatusError::State(format!("type must be {STATE_TYPE}")));
        }
        if count("version")? != STATE_VERSION {
            return Err(StatusError::State(format!(
                "version {} is not one this ler reads ({STATE_VERSION})",
                count("version")?
            )));
        }
        let url = text("url")?;
        check_url(url)?;
        let status_size = check_status_size(count("statusSize")?)?;
        let purpose = match text("statusPurpose")? {
            "message" => {
                let messages = field("statusMessage")?
                    .as_array()
                    .ok_or_else(|| StatusError::State("statusMessage must be an array".into()))?
                    .iter()
                    .map(StatusMessage::from_json)
                    .collect::<Result<Vec<_>, _>>()?;
                Purpose::message(status_size, messages)?
            }
            other => {
                let p = Purpose::parse(other)?;
                if status_size != 1 {
                    return Err(StatusError::State(format!(
                        "a {other} list has 1-bit statuses, not {status_size}"
                    )));
                }
                p
            }
        };
        let list = StatusList::decode_sized(text("encodedList")?, status_size, MAX_LIST_BYTES)?;
        let entries = usize::try_from(count("entries")?).unwrap_or(usize::MAX);
        if entries != list.len() {
            return Err(StatusError::State(format!(
                "entries says {entries}, and the encoded list has {}",
                list.len()
            )));
        }
        let allocator = Allocator::from_parts(list.len(), text("used")?)?;
        Ok(ListState {
            url: url.into(),
            purpose,
            list,
            allocator,
        })
    }

    fn need(&self, purpose: Purpose, action: &'static str) -> Result<(), StatusError> {
        if self.purpose == purpose {
            return Ok(());
        }
        Err(StatusError::WrongPurpose {
            action,
            needs: purpose.name(),
            purpose: self.purpose.name().into(),
        })
    }
}

/// A list URL must be absolute and have no fragment (entries are `<url>#<index>`).
fn check_url(url: &str) -> Result<(), StatusError> {
    let scheme_ok = url.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if !scheme_ok || url.contains('#') || url.chars().any(char::is_whitespace) {
        return Err(StatusError::Url(url.into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
