//! The gate module's boundary to JavaScript, in one file: the operations the
//! wasm imports (`js/core.js` implements them), the handle type every
//! JavaScript value is held by, and the numbers both sides must agree on.
//!
//! The gate does not use wasm-bindgen: it is the module every visitor
//! downloads, and eighteen small imports cost far less than wasm-bindgen's
//! glue. Every JavaScript value is a handle, an index into the glue's table
//! of values, and text stays in JavaScript, so that the decision path
//! neither allocates in wasm nor formats anything. `js.rs` builds the
//! helpers the gate uses on top of this.

/// The numbers and names `js/core.js` must agree on: the one table of them.
/// Its test writes them into `js/core.js` (`UPDATE_ABI=1 cargo test -p
/// maestro-gate-wasm`) and fails when the file holds anything else, so that
/// the two cannot drift apart.
pub mod table {
    /// The fixed handles: the glue's table starts with these values and
    /// never releases them. 0 is never a handle, so that an
    /// `Option<JsValue>` is one number.
    pub mod handle {
        pub const UNDEFINED: i32 = 1;
        pub const NULL: i32 = 2;
        pub const TRUE: i32 = 3;
        pub const FALSE: i32 = 4;
        /// `globalThis`.
        pub const GLOBAL: i32 = 5;
        /// The first handle the glue hands out for other values.
        pub const FIRST_FREE: i32 = 6;
    }

    /// What the import `type_of` answers.
    pub mod ty {
        pub const UNDEFINED: i32 = 0;
        pub const NULL: i32 = 1;
        pub const TRUE: i32 = 2;
        pub const FALSE: i32 = 3;
        pub const NUMBER: i32 = 4;
        pub const STRING: i32 = 5;
        pub const FUNCTION: i32 = 6;
        pub const OBJECT: i32 = 7;
        /// A symbol or a bigint.
        pub const OTHER: i32 = 8;
    }

    /// The thrown-value convention: an import that can throw answers a
    /// handle to its result, or the bitwise complement (`!h`, `~h` in
    /// JavaScript: always negative) of a handle to what was thrown.
    pub const THROWN: &str = "~handle";

    /// The imports (module `m`), by the one-letter names the wasm uses.
    pub const IMPORTS: [(&str, &str); 18] = [
        ("a", "type_of"),
        ("b", "number"),
        ("c", "from_number"),
        ("d", "from_utf8"),
        ("e", "reflect_get"),
        ("f", "reflect_set"),
        ("g", "call"),
        ("h", "construct"),
        ("i", "release"),
        ("j", "duplicate"),
        ("k", "console"),
        ("l", "strict_equals"),
        ("m", "code_at"),
        ("n", "decision_record"),
        ("o", "handler"),
        ("p", "concat"),
        ("q", "shorten"),
        ("r", "notify"),
    ];

    /// The exports, by the one-letter names the glue calls, and the names
    /// `js/core.js` exports them under. (`C` and `D` are retired: the health
    /// document is the glue's view of the decision, and a later narrowing goes
    /// through `decide` again; so are `F` and `K`: the subscriber lists are
    /// the glue's, which the gate tells through the import `notify`; and `H`:
    /// a remote off reaches the gate as a narrowing through `decide`; and `J`
    /// and `L`: the channel opens when the glue hands over `onMessage`, and a
    /// channel never hears its own tab's cleanup requests; and `G`: the remote
    /// hook is handed over with `onMessage`'s, in the same call, one crossing
    /// fewer before the first decision.)
    pub const EXPORTS: [(&str, &str); 6] = [
        ("A", "decide"),
        ("B", "decision"),
        ("E", "isEnabled"),
        ("I", "onMessage"),
        ("M", "dispatch"),
        ("N", "wouldBeOn"),
    ];

    /// The beacon module's exports (the same crate built with the `beacon`
    /// feature: `beacon.rs`), which `js/report.js` calls on its instance.
    pub const BEACON_EXPORTS: [(&str, &str); 1] = [("R", "report")];

    /// The first-answer module's exports (the same crate built with the
    /// `answer` feature: `answer.rs`, and `first_rollout.rs`'s `narrow` and
    /// `bucket`), which `js/answer.js` calls on its instance: each writes its
    /// answer into its first argument's `v`. (`M`, `metrics`: the Unleash
    /// builds' only; `N` and `B` alone: the `narrow` build's,
    /// `first_rollout.rs` without a document's reading; neither in the
    /// `answer-slim` and `answer-unleash-slim` builds, `answer.rs` without
    /// `first_rollout.rs`, whose glue asks the narrowing build for them.)
    pub const ANSWER_EXPORTS: [(&str, &str); 9] = [
        ("P", "plan"),
        ("T", "head"),
        ("D", "document"),
        ("H", "heard"),
        ("F", "finish"),
        ("S", "state"),
        ("N", "narrow"),
        ("B", "bucket"),
        ("M", "metrics"),
    ];

    /// The keeping module's exports (the same crate built with the `keep`
    /// feature: `keep.rs`), which `js/answer.js` calls on its own instance
    /// of it, as it calls the first-answer module's: the first answer's
    /// memory, written after the first decision, read when no answer came.
    pub const KEEP_EXPORTS: [(&str, &str); 2] = [("K", "keep"), ("R", "remembered")];

    /// The one narrowing code the glue makes itself (a module that could
    /// not load, for a page that narrows: `js/gate.js`, through `js/core.js`'s
    /// block, and `js/extras.js`), from the rules' table
    /// (`maestro_gate::rollout::Verdict`); every other code the glue passes
    /// through as the modules hand it.
    pub mod narrowing {
        use maestro_gate::rollout::Verdict;
        pub const ROLLOUT_FAIL_SAFE: u32 = Verdict::RolloutFailSafe.code();
    }

    #[cfg(all(test, not(target_arch = "wasm32")))]
    mod tests {
        extern crate std;
        use super::*;
        use std::string::String;
        use std::vec::Vec;
        use std::{format, fs};

        const CORE_JS: &str = "../../js/core.js";
        const EXTRAS_JS: &str = "../../js/extras.js";
        const REPORT_JS: &str = "../../js/report.js";
        const ANSWER_JS: &str = "../../js/answer.js";
        const BEGIN: &str = "// <abi>\n";
        const END: &str = "// </abi>\n";

        /// `isEnabled` and `type_of` as `IS_ENABLED` and `TYPE_OF`.
        fn constant(name: &str) -> String {
            let mut out = String::new();
            for c in name.chars() {
                if c.is_ascii_uppercase() && !out.is_empty() {
                    out.push('_');
                }
                out.push(c.to_ascii_uppercase());
            }
            out
        }

        /// The block of constants `js/core.js` holds between `// <abi>` and
        /// `// </abi>`: written from this table, never by hand.
        fn block() -> String {
            let line = |items: Vec<String>| format!("const {};\n", items.join(", "));
            let handles = [
                ("UNDEFINED", handle::UNDEFINED),
                ("NULL", handle::NULL),
                ("TRUE", handle::TRUE),
                ("FALSE", handle::FALSE),
                ("GLOBAL", handle::GLOBAL),
                ("FIRST_FREE", handle::FIRST_FREE),
            ];
            let types = [
                ("UNDEFINED", ty::UNDEFINED),
                ("NULL", ty::NULL),
                ("TRUE", ty::TRUE),
                ("FALSE", ty::FALSE),
                ("NUMBER", ty::NUMBER),
                ("STRING", ty::STRING),
                ("FUNCTION", ty::FUNCTION),
                ("OBJECT", ty::OBJECT),
                ("OTHER", ty::OTHER),
            ];
            [
                line(handles.iter().map(|(k, v)| format!("HANDLE_{k} = {v}")).collect()),
                line(types.iter().map(|(k, v)| format!("TYPE_{k} = {v}")).collect()),
                line(IMPORTS.iter().map(|(l, n)| format!("IMPORT_{} = '{l}'", constant(n))).collect()),
                line(EXPORTS.iter().map(|(l, n)| format!("EXPORT_{} = '{l}'", constant(n))).collect()),
                narrowing_line(true),
            ]
            .concat()
        }

        /// The block of `js/report.js`, which instantiates the beacon module:
        /// its exports' letters.
        fn beacon_block() -> String {
            BEACON_EXPORTS.iter().map(|(l, n)| format!("const EXPORT_{} = '{l}';\n", constant(n))).collect()
        }

        /// The block of `js/answer.js`, the first-answer module's glue: its
        /// exports' letters.
        fn answer_block() -> String {
            ANSWER_EXPORTS
                .iter()
                .chain(&KEEP_EXPORTS)
                .map(|(l, n)| format!("const EXPORT_{} = '{l}';\n", constant(n)))
                .collect()
        }

        /// The narrowing code the glue makes: exported by `js/core.js` (for
        /// `js/gate.js`, which a bundler inlines), a constant of `js/extras.js`.
        fn narrowing_line(export: bool) -> String {
            let export = if export { "export " } else { "" };
            format!("{export}const NARROWING_ROLLOUT_FAIL_SAFE = {};\n", narrowing::ROLLOUT_FAIL_SAFE)
        }

        /// The letters of the gate's imports `names` (its boundary's, which
        /// `js/extras.js` and `js/report.js` call for a console line: `js/core.js`'s `log`).
        fn imports_line(names: &[&str]) -> String {
            let items: Vec<String> = names
                .iter()
                .map(|name| {
                    let (letter, _) = IMPORTS.iter().find(|(_, n)| n == name).expect("an import of the table");
                    format!("IMPORT_{} = '{letter}'", constant(name))
                })
                .collect();
            format!("const {};\n", items.join(", "))
        }

        /// Writes (`UPDATE_ABI`) or checks the block of `file`.
        fn holds(file: &str, block: String) {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let text = fs::read_to_string(&path).unwrap();
            let (Some(start), Some(end)) = (text.find(BEGIN), text.find(END)) else {
                panic!("{file} has no {BEGIN:?} … {END:?} block");
            };
            let (head, tail) = (&text[..start + BEGIN.len()], &text[end..]);
            let next = format!("{head}{block}{tail}");
            if std::env::var_os("UPDATE_ABI").is_some() {
                fs::write(&path, &next).unwrap();
            } else {
                assert!(next == text, "{file}'s ABI constants differ from abi.rs's table: run UPDATE_ABI=1 cargo test -p maestro-gate-wasm");
            }
        }

        /// The lean modules' sources: no `JsValue` may outlive a call there
        /// (see [`JsValue`]): the glue releases its handle when the call returns.
        const LEAN_SOURCES: [&str; 6] = [
            "src/answer.rs",
            "src/answer_unleash.rs",
            "src/first_rollout.rs",
            "src/keep.rs",
            "src/beacon.rs",
            "src/lean.rs",
        ];

        /// The statics of `source` whose type holds a `JsValue`: the type
        /// written after `static NAME:`, and the definition of every type of
        /// the same file that it names (a `struct State { v: Cell<JsValue> }`
        /// kept in a `static STATE: State`).
        fn statics_holding_handles(source: &str) -> Vec<String> {
            // The definition of `struct Name`: up to its closing brace, or
            // to the `;` of a tuple struct.
            let definition = |name: &str| -> String {
                let mut out = String::new();
                for (head, end) in [(" {", "\n}"), ("(", ";"), ("<", "\n}")] {
                    if let Some(at) = source.find(&format!("struct {name}{head}")) {
                        let rest = &source[at..];
                        out.push_str(&rest[..rest.find(end).unwrap_or(rest.len())]);
                    }
                }
                out
            };
            let mut found = Vec::new();
            for line in source.lines() {
                let Some((before, after)) = line.trim_start().split_once("static ") else { continue };
                if !(before.is_empty() || before.starts_with("pub")) {
                    continue;
                }
                let Some((name, rest)) = after.split_once(':') else { continue };
                let ty = rest.split('=').next().unwrap_or_default();
                let named: String = ty
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                    .map(definition)
                    .collect();
                if ty.contains("JsValue") || named.contains("JsValue") {
                    found.push(name.trim().into());
                }
            }
            found
        }

        /// A lean module (the first answers, the keeping module, the beacon)
        /// keeps no `JsValue` in a static: its glue releases every handle
        /// it handed a call when the call returns, so a kept one would name
        /// a released slot, or another value after the slot's reuse. (The
        /// gate keeps values with `kept`, which only its build has.)
        #[test]
        fn lean_modules_keep_no_handle_past_a_call() {
            for file in LEAN_SOURCES {
                let text = fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
                assert!(text.contains("static "), "{file}: the check reads its statics; has it moved?");
                assert_eq!(statics_holding_handles(&text), Vec::<String>::new(), "{file} keeps a JsValue past a call");
            }
            // The check finds one, directly or through a struct of the file.
            let direct = "static HOOK: Cell<Option<JsValue>> = Cell::new(None);\n";
            assert_eq!(statics_holding_handles(direct), ["HOOK"]);
            let through = "struct Kept {\n    at: Cell<f64>,\n    value: Cell<Option<JsValue>>,\n}\n\nstatic KEPT: Kept = Kept { at: Cell::new(0.0), value: Cell::new(None) };\n";
            assert_eq!(statics_holding_handles(through), ["KEPT"]);
            let tuple = "pub(crate) struct Hook(Cell<Option<JsValue>>);\npub(crate) static HOOK: Hook = Hook(Cell::new(None));\n";
            assert_eq!(statics_holding_handles(tuple), ["HOOK"]);
            let fine = "struct State {\n    failed: Cell<bool>,\n}\nstatic STATE: State = State { failed: Cell::new(false) };\n";
            assert_eq!(statics_holding_handles(fine), Vec::<String>::new());
        }

        /// `js/core.js`'s constants (and `js/extras.js`'s, `js/report.js`'s and `js/answer.js`'s) are this table's:
        /// `UPDATE_ABI=1 cargo test -p maestro-gate-wasm` writes them;
        /// otherwise a difference fails.
        #[test]
        fn the_glue_holds_this_table() {
            holds(CORE_JS, block());
            holds(EXTRAS_JS, narrowing_line(false) + &imports_line(&["console", "release"]));
            holds(REPORT_JS, beacon_block() + &imports_line(&["console", "release"]));
            holds(ANSWER_JS, answer_block());
        }

        /// The orders `js/core.js` reads by position: the four fixed values'
        /// handles are their types plus one (`fixedType`), and the types of
        /// the others follow `typeofs`, from `NUMBER` on.
        #[test]
        fn the_glue_reads_handles_and_types_by_position() {
            let fixed = [
                (handle::UNDEFINED, ty::UNDEFINED),
                (handle::NULL, ty::NULL),
                (handle::TRUE, ty::TRUE),
                (handle::FALSE, ty::FALSE),
            ];
            for (i, (h, t)) in fixed.into_iter().enumerate() {
                assert_eq!((h, t), (i as i32 + 1, i as i32));
            }
            assert_eq!([ty::NUMBER + 1, ty::NUMBER + 2, ty::NUMBER + 3], [ty::STRING, ty::FUNCTION, ty::OBJECT]);
            let text = fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CORE_JS)).unwrap();
            assert!(text.contains("const typeofs = ['number', 'string', 'function', 'object'];"));
            assert!(text.contains("const fixed = heap.slice(HANDLE_UNDEFINED, HANDLE_FALSE + 1);"));
        }

        /// Every import and export the table names is used by its constant
        /// (the glue's import object and its export wrappers), and an import
        /// that can throw answers by the thrown-value convention.
        #[test]
        fn the_glue_uses_every_name() {
            let text = fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CORE_JS)).unwrap();
            for (letter, name) in IMPORTS {
                let key = format!("[IMPORT_{}]:", constant(name));
                assert_eq!(
                    text.matches(&key).count(),
                    1,
                    "js/core.js must provide import {letter} ({name}) once, as {key}"
                );
            }
            for (letter, name) in EXPORTS {
                let call = format!("wasm[EXPORT_{}](", constant(name));
                assert!(text.contains(&call), "js/core.js never calls export {letter} ({name})");
            }
            let report = fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(REPORT_JS)).unwrap();
            for (letter, name) in BEACON_EXPORTS {
                let call = format!("x()[EXPORT_{}](", constant(name));
                assert!(report.contains(&call), "js/report.js never calls the beacon's export {letter} ({name})");
            }
            let answer = fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(ANSWER_JS)).unwrap();
            for (letter, name) in ANSWER_EXPORTS {
                let uses = answer.matches(&format!("(EXPORT_{}", constant(name))).count();
                assert!(uses > 0, "js/answer.js never calls the first-answer module's export {letter} ({name})");
            }
            for (letter, name) in KEEP_EXPORTS {
                let uses = answer.matches(&format!("keep(EXPORT_{}", constant(name))).count();
                assert!(uses > 0, "js/answer.js never calls the keeping module's export {letter} ({name})");
            }
            assert!(
                text.contains(&format!("return {}", THROWN.replace("handle", "k(e)"))),
                "attempt() must answer ~k(e) (`k`: the instance's keeper)"
            );
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use wasm::*;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::table;
    use core::num::NonZeroU32;

    // Every import but `from_utf8`, `reflect_get` and `reflect_set` (which
    // read a text of this instance's memory) is a `safe fn`: each takes and answers
    // numbers (handles into the glue's table, which holds no memory of this
    // instance), so no argument can make it touch memory it should not. An
    // import declared to answer a `JsValue` answers a handle from the glue's
    // `keep`, which is never 0 (the contract this block vouches for, as
    // `unsafe extern` says: the glue's `imports` in `js/core.js`).
    #[link(wasm_import_module = "m")]
    unsafe extern "C" {
        /// What a value is: see [`table::ty`].
        #[link_name = "a"]
        pub(crate) safe fn type_of(h: i32) -> i32;
        /// A number's (or boolean's) value.
        #[link_name = "b"]
        pub(crate) safe fn number(h: i32) -> f64;
        /// A handle to the number `x`.
        #[link_name = "c"]
        pub(crate) safe fn from_number(x: f64) -> JsValue;
        /// A handle to the UTF-8 text at `ptr` (`len` bytes): unsafe, since it
        /// reads this instance's memory there.
        #[link_name = "d"]
        pub(crate) fn from_utf8(ptr: *const u8, len: usize) -> JsValue;
        /// `Reflect.get(Object(obj), key)` of the UTF-8 key at `ptr` (`len`
        /// bytes; unsafe, as `from_utf8`): a handle, or `!handle` of what it threw.
        #[link_name = "e"]
        pub(crate) fn reflect_get(obj: i32, ptr: *const u8, len: usize) -> i32;
        /// `Reflect.set(obj, key, value)` of the UTF-8 key at `ptr` (`len`
        /// bytes; unsafe, as `from_utf8`), ignoring what it throws.
        #[link_name = "f"]
        pub(crate) fn reflect_set(obj: i32, ptr: *const u8, len: usize, value: i32);
        /// `f.call(this, ...[a, b, c].slice(0, n))`: a handle, or `!handle` of what it threw.
        #[link_name = "g"]
        pub(crate) safe fn call_raw(f: i32, this: i32, n: i32, a: i32, b: i32, c: i32) -> i32;
        /// `new f(a)`: a handle, or `!handle` of what it threw.
        #[link_name = "h"]
        pub(crate) safe fn construct_raw(f: i32, a: i32) -> i32;
        /// Releases a handle.
        #[link_name = "i"]
        pub(crate) safe fn release(h: i32);
        /// A second handle to the same value, held until it is released (for
        /// the gate: a value it keeps past the call, see [`JsValue`]).
        #[link_name = "j"]
        pub(crate) safe fn duplicate(h: i32) -> JsValue;
        /// `console[warn ? "warn" : "info"]("[MAESTRO] " + text)`, now or from
        /// a task (`later`); a missing or throwing console is ignored.
        #[link_name = "k"]
        pub(crate) safe fn console(warn: bool, text: i32, later: bool);
        /// `a === b`.
        #[link_name = "l"]
        pub(crate) safe fn strict_equals(a: i32, b: i32) -> bool;
        /// `s.charCodeAt(i)` of a string `s` (0 past its end).
        #[link_name = "m"]
        pub(crate) safe fn code_at(s: i32, i: usize) -> u32;
        /// `a + b` of two strings.
        #[link_name = "p"]
        pub(crate) safe fn concat(a: i32, b: i32) -> JsValue;
        /// `s.slice(0, end) + "… (" + count + " characters)"` of a string `s`:
        /// a value cut where `flag::cut` says, and its length in characters
        /// (the words `flag::cut_said` writes, which the conformance table
        /// checks the two agree on).
        #[link_name = "q"]
        pub(crate) safe fn shorten(s: i32, end: usize, count: usize) -> JsValue;
        /// A function that, called with `event`, calls the export `dispatch(tag, event)`
        /// through the glue's dispatcher.
        #[link_name = "o"]
        pub(crate) safe fn handler(tag: f64) -> JsValue;
        /// A frozen `{ enabled, source, value, reason, rollout }` (the glue's
        /// `record`; `rollout` is the rollout module's answer, which the glue keeps).
        #[link_name = "n"]
        pub(crate) safe fn decision_record(enabled: bool, source: i32, value: i32, reason: i32) -> JsValue;
        /// Calls each of the glue's subscribers of `list` (0 `onChange`, 1
        /// `onCleanupRequest`) with `arg`; one that throws is skipped.
        #[link_name = "r"]
        pub(crate) safe fn notify(list: i32, arg: i32);
    }

    /// A JavaScript value, held by handle. Handles start at 1, so that an
    /// `Option<JsValue>` is one number; 1-5 are the glue's fixed values,
    /// which it never releases.
    ///
    /// How long a handle lives depends on the module. The gate's (feature
    /// `decision`): every handle the glue hands it lives until the outermost
    /// call into the gate returns (`call` in `js/core.js`), then the glue
    /// releases them all; a value the gate keeps past that (its options, its
    /// decision's texts, the channel, the hooks) is [`kept`] (a handle of
    /// its own, until [`release`]). So a `JsValue` is a plain number here:
    /// no release at each drop, no call at each clone (measured: about 680 B
    /// gzip of the gate's wasm went to those). The lean modules' handles
    /// (features `answer`, `keep`, `beacon`) last one call of their exports
    /// the same way: the glue (`js/extras.js`'s and `js/report.js`'s
    /// `instantiate`) releases every handle it handed the call or its
    /// imports made when the call returns, and no module keeps a `JsValue`
    /// past it (measured, gzip -9: the first answer 11,995 -> 11,425 B, its
    /// Unleash build 18,118 -> 17,386, the keeping module 4,425 -> 4,181,
    /// the beacon module 4,403 -> 4,137). So a `JsValue` has no drop
    /// and a clone is the same number in every build.
    ///
    /// The helpers below that take values by reference are inlined wrappers over
    /// functions that take handles, so that a value need not be stored in memory
    /// to be passed.
    #[repr(transparent)]
    pub struct JsValue(NonZeroU32);

    /// The handle `h` as a value (unchecked: checking cost a compare and a
    /// select at each of some 70 places, about 150 B gzip).
    ///
    /// # Safety
    ///
    /// `h` is not 0: a handle the glue's `keep` answered (its table's slot 0
    /// is never handed out), or one of the fixed handles.
    #[inline(always)]
    pub(crate) const unsafe fn handle(h: i32) -> JsValue {
        // SAFETY: the caller's promise, above.
        JsValue(unsafe { NonZeroU32::new_unchecked(h as u32) })
    }

    /// A fixed handle, checked when the constant is built (no cost at run time).
    const fn fixed_handle(h: i32) -> JsValue {
        match NonZeroU32::new(h as u32) {
            Some(h) => JsValue(h),
            None => panic!("0 is never a handle"),
        }
    }

    /// The fixed handles as statics, to be lent (a `&fixed::TRUE` is one
    /// static; a `&JsValue::TRUE`, a temporary).
    pub(crate) mod fixed {
        use super::{fixed_handle, table, JsValue};
        pub(crate) static UNDEFINED: JsValue = fixed_handle(table::handle::UNDEFINED);
        pub(crate) static NULL: JsValue = fixed_handle(table::handle::NULL);
        pub(crate) static TRUE: JsValue = fixed_handle(table::handle::TRUE);
        /// `globalThis`.
        pub(crate) static GLOBAL: JsValue = fixed_handle(table::handle::GLOBAL);
    }

    impl JsValue {
        pub const UNDEFINED: JsValue = fixed_handle(table::handle::UNDEFINED);
        pub const NULL: JsValue = fixed_handle(table::handle::NULL);
        pub const TRUE: JsValue = fixed_handle(table::handle::TRUE);
        pub const FALSE: JsValue = fixed_handle(table::handle::FALSE);

        #[inline(always)]
        pub(crate) fn h(&self) -> i32 {
            self.0.get() as i32
        }

        pub fn from_bool(b: bool) -> JsValue {
            if b {
                JsValue::TRUE
            } else {
                JsValue::FALSE
            }
        }
        pub fn from_f64(x: f64) -> JsValue {
            from_number(x)
        }
        #[allow(clippy::should_implement_trait)] // named as wasm-bindgen's `JsValue::from_str`
        pub fn from_str(s: &str) -> JsValue {
            // SAFETY: `s` is a live `&str` of this instance's memory, `len` bytes at `ptr`.
            unsafe { from_utf8(s.as_ptr(), s.len()) }
        }
        #[inline(always)]
        pub(crate) fn ty(&self) -> i32 {
            type_of(self.h())
        }
        #[inline(always)]
        pub fn is_undefined(&self) -> bool {
            self.ty() == table::ty::UNDEFINED
        }
        #[inline(always)]
        pub fn is_null(&self) -> bool {
            self.ty() == table::ty::NULL
        }
        #[inline(always)]
        pub fn is_function(&self) -> bool {
            self.ty() == table::ty::FUNCTION
        }
        #[inline(always)]
        pub fn is_string(&self) -> bool {
            self.ty() == table::ty::STRING
        }
        #[inline(always)]
        pub fn is_object(&self) -> bool {
            self.ty() == table::ty::OBJECT
        }
        #[inline(always)]
        pub fn as_bool(&self) -> Option<bool> {
            as_bool(self.h())
        }
        #[inline(always)]
        pub fn as_f64(&self) -> Option<f64> {
            as_f64(self.h())
        }
    }

    pub(crate) fn as_bool(h: i32) -> Option<bool> {
        match type_of(h) {
            table::ty::TRUE => Some(true),
            table::ty::FALSE => Some(false),
            _ => None,
        }
    }

    pub(crate) fn as_f64(h: i32) -> Option<f64> {
        (type_of(h) == table::ty::NUMBER).then(|| number(h))
    }

    impl Clone for JsValue {
        #[inline(always)]
        fn clone(&self) -> JsValue {
            JsValue(self.0)
        }
    }

    /// `v` kept past the current call into the gate: a handle of its own,
    /// which the glue releases only at [`release`] (see [`JsValue`]).
    #[cfg(feature = "decision")]
    pub(crate) fn kept(v: &JsValue) -> JsValue {
        duplicate(v.h())
    }

    /// A temporary handle the module is done with: nothing to do, in every
    /// build; the glue releases it with the others when the call returns
    /// (releasing it here too would free its slot twice).
    #[inline(always)]
    pub(crate) fn done(h: i32) {
        let _ = h;
    }

    /// An import's answer: a handle, or (the thrown-value convention,
    /// [`table::THROWN`]) `!handle` of what was thrown.
    ///
    /// # Safety
    ///
    /// `h` is what an import that can throw answered: `keep`'s handle (1 or
    /// more), or its complement (-2 or less), whose complement is 1 or more.
    #[inline(always)]
    pub(crate) unsafe fn result(h: i32) -> Result<JsValue, JsValue> {
        // SAFETY: neither `h` nor `!h` is 0 (the caller's promise, above).
        unsafe {
            if h < 0 {
                Err(handle(!h))
            } else {
                Ok(handle(h))
            }
        }
    }
}
