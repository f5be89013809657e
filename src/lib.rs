//! maestro-gate: a fail-safe kill switch for MAESTRO, and its client-state rollback.
//!
//! The decision logic lives in plain Rust modules ([`flag`]) that build and test on
//! the host. The `web` module is the thin surface over them: through
//! wasm-bindgen, or (feature `lean`, the shipped gate) through a small
//! hand-written boundary.
//!
//! The shipped build (`--features slim`) is `no_std` with a small allocator and a
//! panic handler that traps; the code is written so that it never panics.
#![no_std]

extern crate alloc;
#[cfg(not(feature = "slim"))]
extern crate std;

pub mod cleanup;
pub mod flag;
pub mod poll;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(all(feature = "slim", target_arch = "wasm32"))]
mod slim {
    use lol_alloc::{AssumeSingleThreaded, FreeListAllocator};

    // SAFETY: the gate runs on one thread; wasm-bindgen's glue never shares
    // this instance's memory with another thread.
    #[global_allocator]
    static ALLOCATOR: AssumeSingleThreaded<FreeListAllocator> =
        unsafe { AssumeSingleThreaded::new(FreeListAllocator::new()) };

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        core::arch::wasm32::unreachable()
    }
}
