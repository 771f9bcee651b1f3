//! Fetching documents (DID documents, status lists) is the caller's business: the verifier
//! asks a [`Fetcher`], and does no network I/O of its own.

use std::collections::HashMap;

/// Why a document could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// This fetcher does not go to the network (or not to this URL).
    #[error("{0} was not fetched: network access is off")]
    Offline(String),
    /// The URL is refused by policy (not https, a private or loopback address…).
    #[error("{url} is refused: {reason}")]
    Refused {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The request failed or timed out, or the answer was not a success.
    #[error("{url} could not be fetched: {reason}")]
    Failed {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The response was larger than allowed.
    #[error("{url} answered more than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        limit: usize,
    },
}

/// Fetches a URL's bytes. Implementations carry their own policy (timeouts, size caps, which
/// addresses they refuse) and may cache.
pub trait Fetcher: Send + Sync {
    /// The body of a successful GET.
    fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError>;
}

/// Never touches the network: every fetch is [`FetchError::Offline`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Offline;

impl Fetcher for Offline {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        Err(FetchError::Offline(url.into()))
    }
}

/// Documents known ahead of time, by URL (tests, or an operator's pinned copies), falling back
/// to another fetcher.
pub struct Preloaded<'a> {
    docs: HashMap<String, Vec<u8>>,
    fallback: &'a dyn Fetcher,
}

impl<'a> Preloaded<'a> {
    /// Serves `docs` and asks `fallback` for anything else.
    pub fn new(fallback: &'a dyn Fetcher) -> Preloaded<'a> {
        Preloaded {
            docs: HashMap::new(),
            fallback,
        }
    }

    /// Adds a document.
    pub fn insert(&mut self, url: &str, body: Vec<u8>) {
        self.docs.insert(url.into(), body);
    }
}

impl Fetcher for Preloaded<'_> {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        match self.docs.get(url) {
            Some(b) => Ok(b.clone()),
            None => self.fallback.fetch(url),
        }
    }
}
