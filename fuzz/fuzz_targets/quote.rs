//! maestro-db's quoting (`crates/maestro-db/src/util.rs`). The input is a
//! name, comment or function body, as the database could hold it. Checks,
//! against a model of PostgreSQL's lexer (`fuzz/src/pg.rs`): the quoted
//! identifier, the literal (with `standard_conforming_strings` on and off)
//! and the dollar-quoted body each read back as one token with exactly that
//! text, ending where the SQL ends; a comment stays one comment. The corpus
//! is also run against a real PostgreSQL by `make test-db`
//! (crates/maestro-db/tests/fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use maestro_gate_fuzz::pg::*;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let q = ident(s);
    assert_eq!(read_ident(&q), Some((s.to_string(), q.len())), "ident({s:?}) = {q}");
    let (schema, name) = s.split_once('.').unwrap_or((s, s));
    let q = qualified(schema, name);
    let (first, n) = read_ident(&q).expect("a schema");
    assert_eq!(first, schema);
    assert_eq!(read_ident(q.get(n + 1..).expect("a dot")), Some((name.to_string(), q.len() - n - 1)));
    let l = literal(s);
    for standard in [true, false] {
        assert_eq!(read_literal(&l, standard), Some((s.to_string(), l.len())), "literal({s:?}) = {l}");
    }
    let tag = dollar_tag(s);
    let quoted = format!("{tag}{s}{tag}");
    assert_eq!(read_dollar(&quoted), Some((s.to_string(), quoted.len())), "dollar quote of {s:?}: {quoted}");
    assert!(stays_in_comment(&comment_text(s)), "comment_text({s:?})");
});
