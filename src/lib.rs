#![doc = include_str!("README.md")]
// no_std, except in test builds: the tests use std, and the TypeScript derive
// (ts-rs, test builds only: src/types.rs) expects std's prelude.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod chart;
pub mod cleanup;
pub mod flag;
pub mod hash;
pub mod poll;
pub mod protocol;
pub mod remember;
pub mod report;
pub mod rollout;
pub mod sessions;
pub mod sw;
#[cfg(test)]
mod types;
pub mod unleash;
