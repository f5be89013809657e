//! maestro-gate's gate module (`pkg/maestro_gate_bg.wasm`): the decision
//! every visitor loads. `init({ env })` reads the sources, logs the decision
//! once, and keeps watching `window.MAESTRO_ENABLED`; it hears other tabs'
//! cleanup requests and remote results on the BroadcastChannel, and keeps
//! the app's `onChange` and `onCleanupRequest` subscribers.
//!
//! Its one boundary to JavaScript is `abi.rs` (the glue is `js/core.js`); no
//! wasm-bindgen, no allocator use and no formatting on the decision path.
//! Every rule it applies is in the root crate, `maestro_gate`.
//!
//! `no_std` on wasm32, with a panic handler that traps: the code is written never to
//! panic, and the glue turns a trap into "disabled" (`onTrap`).
#![cfg_attr(target_arch = "wasm32", no_std)]
// The beacon and first-answer modules use a few of `js.rs`'s helpers only.
#![cfg_attr(not(feature = "decision"), allow(dead_code))]

extern crate alloc;

#[cfg(target_feature = "atomics")]
compile_error!(
    "the gate module assumes one thread: its `Slot` globals are `Sync` only because wasm32 \
     without atomics never shares memory. Build it without `+atomics`."
);

pub mod abi;

#[cfg(all(target_arch = "wasm32", feature = "decision"))]
mod exports;
#[cfg(all(target_arch = "wasm32", feature = "decision"))]
mod gate;
#[cfg(target_arch = "wasm32")]
mod js;

// The beacon module: the same boundary, built with `--no-default-features
// --features beacon` (scripts/build-pkg.sh), exports only `report`.
#[cfg(all(target_arch = "wasm32", feature = "beacon"))]
mod beacon;
// The first-answer module: the same boundary, built with `--no-default-features
// --features answer` (or `answer-unleash`, `answer-unleash-slim`), exports
// only the first answer's steps.
#[cfg(all(target_arch = "wasm32", feature = "first"))]
mod answer;
// (And the rollout's and the guard's start-up, before the first decision:
// with `answer`, or alone, `--features narrow`, for a page without a
// document to read.)
#[cfg(all(target_arch = "wasm32", feature = "narrow"))]
mod first_rollout;
// The keeping module: the same boundary, built with `--no-default-features
// --features keep`: the first answer's memory, after the decision.
#[cfg(all(target_arch = "wasm32", feature = "keep"))]
mod keep;
#[cfg(all(target_arch = "wasm32", any(feature = "beacon", feature = "first", feature = "narrow", feature = "keep")))]
mod lean;
// (Their UTF-16 decoder, `lean`'s and the beacon's: plain Rust, tested natively.)
#[cfg(all(target_arch = "wasm32", feature = "decision"))]
mod reactor;
#[cfg(all(target_arch = "wasm32", feature = "decision"))]
mod remembered;
#[cfg(all(target_arch = "wasm32", feature = "decision"))]
mod subscribers;
#[cfg(all(target_arch = "wasm32", feature = "decision"))]
mod tabs;
#[cfg(any(
    test,
    all(target_arch = "wasm32", any(feature = "beacon", feature = "first", feature = "narrow", feature = "keep"))
))]
mod utf16;

/// A global that only this (single-threaded) wasm instance touches.
#[cfg(target_arch = "wasm32")]
pub(crate) struct Slot<T>(pub core::cell::RefCell<T>);
// SAFETY: wasm32 without atomics (checked above): one thread, and the
// instance's memory is never shared.
#[cfg(target_arch = "wasm32")]
unsafe impl<T> Sync for Slot<T> {}

#[cfg(target_arch = "wasm32")]
mod runtime {
    // The decision path never allocates; this is here for the rest.
    // SAFETY: one thread (see `Slot`).
    #[cfg(feature = "decision")]
    #[global_allocator]
    static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
        unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
    // The beacon, first-answer and keeping modules: a bump allocator,
    // emptied as each call returns (`crate::beacon`'s `Call`,
    // `crate::lean::scoped`), which is all either needs.
    #[cfg(not(feature = "decision"))]
    #[global_allocator]
    pub(crate) static ALLOCATOR: crate::lean::Bump = crate::lean::Bump(core::cell::Cell::new(0));

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        core::arch::wasm32::unreachable()
    }
}
