//! A property test, on the real PostgreSQL of scripts/test-db.sh: no schema name,
//! table comment, function body or function comment can break out of the SQL
//! that maestro-db writes or runs (inert, drop --backup, restore, and the
//! migrations it writes), on a database whose sessions start with
//! `standard_conforming_strings = off`.

mod common;

use std::fs;

use common::*;
use proptest::prelude::*;
use serde_json::Value;

/// Pieces that end strings, comments and dollar quotes, or look like SQL.
const PIECES: &[&str] = &[
    "'",
    "''",
    "\\",
    "\\'",
    "\"",
    "\"\"",
    "$maestro$",
    "$maestro_1$",
    "$function$",
    "$$",
    "$",
    "--",
    "/*",
    "*/",
    ";",
    "%",
    "%s",
    "%I",
    "E'",
    " ",
    "x",
    "é",
    "🙂",
    "DROP TABLE public.canary;",
    "); DROP TABLE public.canary; --",
    "'; DROP TABLE public.canary; --",
    "\n",
    "\t",
    "\r",
    "\\n",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 1..7).prop_map(|v| v.concat())
}

/// A schema name as the command line takes it: no control characters, at most 63 bytes.
fn schema_name() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 1..6).prop_map(|v| {
        let mut s = String::new();
        for p in v.iter().filter(|p| !p.chars().any(|c| c.is_control())) {
            if s.len() + p.len() > 63 {
                break;
            }
            s.push_str(p);
        }
        if s.is_empty() {
            s.push('x');
        }
        s
    })
}

fn canary_intact(db: &Db) {
    assert!(db.table_exists("public", "canary"), "public.canary was dropped by injected SQL");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.canary"), 1);
}

fn table_comment(db: &Db, schema: &str, table: &str) -> Option<String> {
    db.client()
        .query_one(
            "SELECT obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = $2",
            &[&schema, &table],
        )
        .unwrap()
        .get(0)
}

fn function_text(db: &Db, schema: &str) -> (String, Option<String>) {
    let r = db
        .client()
        .query_one(
            "SELECT p.prosrc, obj_description(p.oid, 'pg_proc') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = $1 AND p.proname = 'maestro_claim_receipt'",
            &[&schema],
        )
        .unwrap();
    (r.get(0), r.get(1))
}

fn check(schema: &str, comment: &str, body: &str) {
    // `--schema=...`: a name can start with `--`.
    let flag = format!("--schema={schema}");
    let db = Db::new("prop");
    let mut c = db.client();
    c.batch_execute("CREATE TABLE public.canary (id int); INSERT INTO public.canary VALUES (1)").unwrap();
    // The objects, made with PostgreSQL's own quoting (format %I and %L).
    for (sql, args) in [
        ("SELECT format('CREATE SCHEMA %I', $1::text)", vec![schema]),
        (
            "SELECT format('CREATE TABLE %I.maestro_sync_store (key text PRIMARY KEY, blob bytea)', $1::text)",
            vec![schema],
        ),
        (
            "SELECT format('CREATE TABLE %I.maestro_audit_logs (id int, created_at timestamptz)', $1::text)",
            vec![schema],
        ),
        ("SELECT format('COMMENT ON TABLE %I.maestro_sync_store IS %L', $1::text, $2::text)", vec![schema, comment]),
        (
            "SELECT format('CREATE FUNCTION %I.maestro_claim_receipt(p text) RETURNS text LANGUAGE sql AS %L',
                           $1::text, 'SELECT ' || quote_literal($2::text) || '::text')",
            vec![schema, body],
        ),
        (
            "SELECT format('COMMENT ON FUNCTION %I.maestro_claim_receipt(text) IS %L', $1::text, $2::text)",
            vec![schema, comment],
        ),
        (
            "SELECT format('INSERT INTO %I.maestro_sync_store VALUES (%L, %L)', $1::text, $2::text, 'x')",
            vec![schema, body],
        ),
    ] {
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            args.iter().map(|a| a as &(dyn postgres::types::ToSql + Sync)).collect();
        let stmt: String = c.query_one(sql, &params).unwrap().get(0);
        c.batch_execute(&stmt).unwrap_or_else(|e| panic!("{e:?}\n{stmt}"));
    }
    let fn_before = function_text(&db, schema);
    c.batch_execute(&format!("ALTER DATABASE {} SET standard_conforming_strings = off", db.name)).unwrap();
    drop(c);

    // inert, status, inert --undo, inert again.
    for args in [vec!["inert"], vec!["status", "--json"], vec!["inert", "--undo"], vec!["inert"]] {
        let mut a = vec![flag.as_str()];
        a.extend(args.iter().copied());
        let o = db.run(&a);
        expect_code(&o, 0);
        canary_intact(&db);
    }
    let o = db.run(&[&flag, "status", "--json"]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sync = doc["objects"].as_array().unwrap().iter().find(|o| o["name"] == "maestro_sync_store").unwrap();
    assert_eq!(sync["comment_before_inert"], comment, "{doc}");

    // drop --backup and restore --original-comments: the same comments, body and row.
    let dir = temp_dir("prop");
    let o = db.run(&[&flag, "drop", "--yes", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 0);
    canary_intact(&db);
    let o = db.run(&["restore", "--backup", dir.to_str().unwrap(), "--original-comments"]);
    expect_code(&o, 0);
    canary_intact(&db);
    assert_eq!(table_comment(&db, schema, "maestro_sync_store").as_deref(), Some(comment));
    assert_eq!(function_text(&db, schema), fn_before);
    let key: String = db
        .client()
        .query_one(&format!("SELECT key FROM {}.maestro_sync_store", quote_ident(schema)), &[])
        .unwrap()
        .get(0);
    assert_eq!(key, body);
    let _ = fs::remove_dir_all(&dir);

    // The migrations it writes, applied on a session with standard_conforming_strings off.
    let mdir = temp_dir("propmig");
    fs::create_dir_all(&mdir).unwrap();
    for mode in ["inert", "drop"] {
        let o = run_with(None, &[&flag, "migration", "--dir", mdir.to_str().unwrap(), "--mode", mode]);
        expect_code(&o, 0);
        let file = fs::read_dir(&mdir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_str().unwrap().ends_with(&format!("_{mode}.sql")))
            .unwrap();
        let sql = fs::read_to_string(&file).unwrap();
        db.client().batch_execute(&sql).unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
        canary_intact(&db);
        if mode == "inert" {
            assert_eq!(
                table_comment(&db, schema, "maestro_audit_logs").as_deref(),
                Some("INERT: MAESTRO disabled - safe to truncate")
            );
        } else {
            assert!(!db.table_exists(schema, "maestro_sync_store"));
        }
    }
    let _ = fs::remove_dir_all(&mdir);
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_name_comment_or_body_breaks_out_of_the_sql(schema in schema_name(), comment in text(), body in text()) {
        check(&schema, &comment, &body);
    }
}

/// The two cases of issue 19 by hand, whatever the generator picks.
#[test]
fn the_issues_injections_by_hand() {
    check(
        "app$maestro$; DROP TABLE public.canary; --",
        "x\\'; DROP TABLE public.canary; --",
        "$function$; DROP TABLE public.canary; --",
    );
}
