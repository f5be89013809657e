//! The quote fuzz target's corpus (fuzz/corpus/quote, issue 25) on the real
//! PostgreSQL of scripts/test-db.sh: for every input, each way maestro-db
//! quotes it (`ident`, `literal` with `standard_conforming_strings` on and
//! off, a dollar quote from `dollar_tag`, a `--` comment of `comment_text`)
//! is one statement that reads back exactly that name or text. The fuzz
//! target checks the same against a model of the lexer (fuzz/src/pg.rs);
//! this checks the model's findings against the server itself.

mod common;

#[allow(dead_code)]
#[path = "../src/util.rs"]
mod util;

use std::fs;
use std::path::Path;

use postgres::{Client, NoTls, SimpleQueryMessage};
use util::{comment_text, dollar_tag, ident, literal};

/// The rows of one simple query's one statement (a second statement fails the test).
fn one_statement(c: &mut Client, sql: &str) -> Vec<postgres::SimpleQueryRow> {
    let messages = c.simple_query(sql).unwrap_or_else(|e| panic!("{e:?}\nin: {sql}"));
    let statements = messages.iter().filter(|m| matches!(m, SimpleQueryMessage::CommandComplete(_))).count();
    assert_eq!(statements, 1, "not one statement: {sql}");
    messages
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// The one value of the one row.
fn value(c: &mut Client, sql: &str) -> String {
    let rows = one_statement(c, sql);
    assert_eq!(rows.len(), 1, "{sql}");
    rows[0].get(0).unwrap_or_else(|| panic!("NULL from {sql}")).to_string()
}

/// PostgreSQL keeps the first 63 bytes of a name, cut at a character's start.
fn stored_name(s: &str) -> &str {
    let mut end = s.len().min(63);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[test]
fn the_quote_corpus_reads_back_on_postgresql() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/quote");
    let mut c = Client::connect(&common::conninfo("postgres", None), NoTls).expect("connect to the test cluster");
    let (mut checked, mut skipped) = (0, 0);
    let mut files: Vec<_> = fs::read_dir(&dir).expect("fuzz/corpus/quote").map(|e| e.expect("entry").path()).collect();
    files.sort();
    for path in files {
        // (A campaign running beside this test replaces files as it reduces them.)
        let Ok(bytes) = fs::read(&path) else { continue };
        // The fuzz target reads UTF-8 only; a query cannot hold NUL.
        let Some(s) = String::from_utf8(bytes).ok().filter(|s| !s.contains('\0')) else {
            skipped += 1;
            continue;
        };
        for standard in ["on", "off"] {
            c.batch_execute(&format!("SET standard_conforming_strings = {standard}")).expect("set");
            assert_eq!(value(&mut c, &format!("SELECT {} AS v", literal(&s))), s, "literal, scs {standard}");
            let tag = dollar_tag(&s);
            assert_eq!(value(&mut c, &format!("SELECT {tag}{s}{tag} AS v")), s, "dollar quote, scs {standard}");
            assert_eq!(value(&mut c, &format!("SELECT 1 AS v -- {}", comment_text(&s))), "1", "comment of {s:?}");
            if !s.is_empty() {
                let rows = one_statement(&mut c, &format!("SELECT 1 AS {}", ident(&s)));
                assert_eq!(rows.len(), 1);
                assert_eq!(rows[0].columns()[0].name(), stored_name(&s), "identifier {s:?}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 100, "only {checked} corpus inputs checked ({skipped} not UTF-8 or with NUL)");
    eprintln!("quote corpus on PostgreSQL: {checked} inputs checked, {skipped} skipped (not UTF-8, or NUL)");
}
