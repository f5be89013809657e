#![doc = include_str!("README.md")]
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(test)]
extern crate std;

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
pub mod unleash;
