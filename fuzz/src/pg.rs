//! maestro-db's quoting (`crates/maestro-db/src/util.rs`, included as it is)
//! and a model of the PostgreSQL lexer's rules for what it writes
//! (`src/backend/parser/scan.l`: quoted identifiers, standard and escape
//! strings, dollar quotes, `--` comments). Each reader returns what the
//! token means and where it ends, or `None` when the lexer would not read
//! one token there.

// (Its durations use `%`: maestro-db's rust-version, 1.85, has no `is_multiple_of`.)
#[allow(dead_code, clippy::manual_is_multiple_of)]
#[path = "../../crates/maestro-db/src/util.rs"]
mod util;

pub use util::{comment_text, dollar_tag, ident, literal, qualified};

/// A quoted identifier at the start of `sql` (`"a""b"`): its name and length.
pub fn read_ident(sql: &str) -> Option<(String, usize)> {
    let rest = sql.strip_prefix('"')?;
    let mut name = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            if chars.peek().map(|&(_, c)| c) == Some('"') {
                chars.next();
                name.push('"');
                continue;
            }
            return Some((name, 1 + i + 1));
        }
        name.push(c);
    }
    None
}

/// A string literal at the start of `sql`, `'...'` or `E'...'`, read with
/// `standard_conforming_strings` as given: its text and length. An escape
/// other than `\\` and `\'` is `None` (it would mean another character).
pub fn read_literal(sql: &str, standard: bool) -> Option<(String, usize)> {
    let (escapes, rest, start) = match sql.strip_prefix(['E', 'e']) {
        Some(rest) => (true, rest.strip_prefix('\'')?, 2),
        None => (!standard, sql.strip_prefix('\'')?, 1),
    };
    let mut text = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if chars.peek().map(|&(_, c)| c) == Some('\'') => {
                chars.next();
                text.push('\'');
            }
            '\'' => return Some((text, start + i + 1)),
            '\\' if escapes => match chars.next() {
                Some((_, c @ ('\\' | '\''))) => text.push(c),
                _ => return None,
            },
            c => text.push(c),
        }
    }
    None
}

fn dolq_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn dolq_cont(b: u8) -> bool {
    dolq_start(b) || b.is_ascii_digit()
}

/// A dollar-quoted string at the start of `sql` (`$tag$...$tag$`): its
/// text and length, as scan.l's `xdolq` rules read it (a `$tag$` other than
/// the opening one gives back its last `$`).
pub fn read_dollar(sql: &str) -> Option<(String, usize)> {
    let b = sql.as_bytes();
    let delim = |at: usize| -> Option<usize> {
        // `\$({dolq_start}{dolq_cont}*)?\$`: its length.
        if b.get(at) != Some(&b'$') {
            return None;
        }
        let mut j = at + 1;
        if b.get(j).is_some_and(|&c| dolq_start(c)) {
            j += 1;
            while b.get(j).is_some_and(|&c| dolq_cont(c)) {
                j += 1;
            }
        }
        (b.get(j) == Some(&b'$')).then_some(j + 1 - at)
    };
    let open = delim(0)?;
    let tag = &b[..open];
    let mut i = open;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        match delim(i) {
            Some(n) if &b[i..i + n] == tag => return Some((sql[open..i].to_string(), i + n)),
            Some(n) => i += n - 1,
            None => {
                i += 1;
                while b.get(i).is_some_and(|&c| dolq_cont(c)) && b[i] != b'$' {
                    i += 1;
                }
            }
        }
    }
    None
}

/// Whether `text` stays inside a `--` comment: scan.l ends one at `\n` or
/// `\r`, and a query string cannot hold NUL.
pub fn stays_in_comment(text: &str) -> bool {
    !text.contains(['\n', '\r', '\0'])
}
