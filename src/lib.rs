//! The rules of maestro-gate, a fail-safe kill switch for MAESTRO, and of its
//! client-state rollback: pure `no_std` Rust that touches no JavaScript.
//!
//! - [`flag`]: what one flag value means, which source decides, latching, and
//!   every sentence the gate prints;
//! - [`cleanup`]: the rollback's options, outcomes and summary;
//! - [`hash`]: the rollout's sticky bucket (murmur3, as Unleash computes it);
//! - [`poll`]: the remote health document and the poll's timing;
//! - [`protocol`]: the messages tabs exchange over the BroadcastChannel;
//! - [`rollout`]: the gradual rollout and the error guard, which narrow an "on".
//! - [`report`]: the decision beacon's document, and the summary of many.
//! - [`unleash`]: Unleash's Frontend API as a remote source (its answer, the
//!   context, the sentences, the metrics body) and its event log.
//!
//! The three wasm modules the package ships are crates of their own, each with
//! one boundary to JavaScript: `crates/gate` (the decision every visitor
//! loads, through a small hand-written boundary), `crates/rollback` and
//! `crates/remote` (wasm-bindgen, loaded on demand). All of them call these
//! rules; none of the rules is written twice. Everything here is tested
//! natively with `cargo test`, and is written never to panic.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod cleanup;
pub mod flag;
pub mod hash;
pub mod poll;
pub mod protocol;
pub mod remember;
pub mod report;
pub mod rollout;
pub mod unleash;
