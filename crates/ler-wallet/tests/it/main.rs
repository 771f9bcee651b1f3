//! Integration tests for ler-wallet: sealing, consent receipts, the authorization matrix,
//! sharing, export and import, the access log, and the printable LER.

mod common;
mod export;
mod grants;
mod log;
mod print;
mod receipts;
mod records;
mod sealing;
mod sharing;
