//! Integration tests for ler-fetch against servers on loopback that the tests start
//! themselves: the SSRF guard, limits, cache, and did:web resolution end to end.

mod did_web;
mod policy;
mod server;
mod status;
