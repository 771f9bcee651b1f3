//! Integration tests for ler-server: the router driven with `oneshot` against a fresh SQLite
//! store (and PostgreSQL, in a schema of its own, when `LER_TEST_POSTGRES` is set), and a few
//! end-to-end runs over a real socket.

mod harness;

mod access;
mod batch;
mod catalog;
mod cbo;
mod ob3;
mod ops;
mod socket;
mod vcalm;
mod wallet;
mod web;
mod webhooks;
