//! maestro-db, the real binary, against a real PostgreSQL 15 (scripts/test-db.sh).

mod common;

use std::fs;
use std::thread;
use std::time::Duration;

use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn status_json(db: &Db, extra: &[&str]) -> Value {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    let o = db.run(&args);
    expect_code(&o, 0);
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("status --json is not JSON: {e}\n{}", stdout(&o)))
}

fn object<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["objects"].as_array().unwrap().iter().find(|o| o["name"] == name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn status_reports_each_object_and_the_runbook_query() {
    let db = fresh("status");
    let doc = status_json(&db, &[]);
    assert_eq!(doc["schema"], "public");
    assert_eq!(doc["database"], db.name.as_str());
    let names: Vec<&str> = doc["objects"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["maestro_execution_receipts", "maestro_sync_store", "maestro_audit_logs", "maestro_claim_receipt"]
    );
    for (name, rows) in [("maestro_execution_receipts", 3), ("maestro_sync_store", 2), ("maestro_audit_logs", 5)] {
        let o = object(&doc, name);
        assert_eq!(o["kind"], "table");
        assert_eq!(o["exists"], true);
        assert_eq!(o["rows"], rows, "{name}");
        assert_eq!(o["count"], "exact");
        assert_eq!(o["comment"], Value::Null);
        assert_eq!(o["inert"], false);
    }
    let f = object(&doc, "maestro_claim_receipt");
    assert_eq!(f["kind"], "function");
    assert_eq!(f["exists"], true);
    assert_eq!(f["signatures"], serde_json::json!(["maestro_claim_receipt(p_receipt_id text)"]));
    let v = &doc["verification"];
    assert_eq!(v["recent_audit_logs"], 2);
    assert_eq!(v["since_seconds"], 3600.0);
    assert_eq!(
        v["sql"],
        "SELECT COUNT(*) FROM ONLY \"public\".\"maestro_audit_logs\" WHERE created_at > NOW() - INTERVAL '1 hour'"
    );

    // --since widens the window; an exact limit of 0 bytes gives the planner's estimate.
    assert_eq!(status_json(&db, &["--since", "3h"])["verification"]["recent_audit_logs"], 3);
    assert_eq!(status_json(&db, &["--since", "2d"])["verification"]["recent_audit_logs"], 4);
    db.sql("ANALYZE");
    let est = status_json(&db, &["--exact-limit", "0"]);
    for t in TABLES {
        assert_eq!(object(&est, t)["count"], "estimate", "{t}");
    }
    assert_eq!(object(&est, "maestro_audit_logs")["rows"], 5);

    // The table for people.
    let o = db.run(&["status"]);
    expect_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("OBJECT"), "{out}");
    assert!(out.contains("maestro_execution_receipts  table     yes     3"), "{out}");
    assert!(out.contains("2 audit log rows in the last 1h"), "{out}");
    assert_look_alikes_intact(&db);
}

#[test]
fn status_and_drop_on_a_database_with_some_objects_missing() {
    let db = fresh("missing");
    db.sql("DROP TABLE public.maestro_sync_store; DROP FUNCTION public.maestro_claim_receipt(text)");
    let doc = status_json(&db, &[]);
    let s = object(&doc, "maestro_sync_store");
    assert_eq!(s["exists"], false);
    assert_eq!(s["rows"], Value::Null);
    assert_eq!(s["count"], Value::Null);
    assert_eq!(s["inert"], Value::Null);
    assert_eq!(object(&doc, "maestro_claim_receipt")["exists"], false);
    assert_eq!(object(&doc, "maestro_audit_logs")["rows"], 5);
    assert_eq!(doc["verification"]["recent_audit_logs"], 2);

    let o = db.run(&["inert"]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("\"public\".\"maestro_sync_store\": does not exist, skipped"), "{}", stdout(&o));

    let o = db.run(&["drop", "--yes", "--no-backup"]);
    expect_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("\"public\".\"maestro_sync_store\": does not exist, nothing to drop"), "{out}");
    assert!(out.contains("dropped table \"public\".\"maestro_audit_logs\""), "{out}");
    assert!(!db.table_exists("public", "maestro_audit_logs"));
    assert!(!db.table_exists("public", "maestro_execution_receipts"));

    // Nothing left: status says so, the verification query is not run, drop has nothing to do.
    let doc = status_json(&db, &[]);
    assert_eq!(doc["verification"]["recent_audit_logs"], Value::Null);
    assert!(doc["verification"]["note"].as_str().unwrap().contains("does not exist"));
    let o = db.run(&["drop", "--yes", "--no-backup"]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("nothing to drop"));
    assert_look_alikes_intact(&db);
}

#[test]
fn inert_writes_the_runbook_comments_and_is_idempotent() {
    let db = fresh("inert");
    let o = db.run(&["inert"]);
    expect_code(&o, 0);
    assert_eq!(stdout(&o).matches("marked inert").count(), 3, "{}", stdout(&o));
    let comment = |t: &str| db.opt_text(&format!("SELECT obj_description('public.{t}'::regclass, 'pg_class')"));
    assert_eq!(comment("maestro_execution_receipts").as_deref(), Some("INERT: MAESTRO disabled - safe to drop"));
    assert_eq!(comment("maestro_sync_store").as_deref(), Some("INERT: MAESTRO disabled - safe to drop"));
    assert_eq!(comment("maestro_audit_logs").as_deref(), Some("INERT: MAESTRO disabled - safe to truncate"));

    let o = db.run(&["inert"]);
    expect_code(&o, 0);
    assert_eq!(stdout(&o).matches("already inert, unchanged").count(), 3, "{}", stdout(&o));
    let doc = status_json(&db, &[]);
    for t in TABLES {
        assert_eq!(object(&doc, t)["inert"], true);
    }
    assert_eq!(object(&doc, "maestro_audit_logs")["comment"], "INERT: MAESTRO disabled - safe to truncate");
    assert_all_present(&db);
    assert_look_alikes_intact(&db);

    // --schema other marks only the other schema's tables.
    let o = db.run(&["--schema", "other", "inert"]);
    expect_code(&o, 0);
    assert_eq!(
        db.opt_text("SELECT obj_description('other.maestro_audit_logs'::regclass, 'pg_class')").as_deref(),
        Some("INERT: MAESTRO disabled - safe to truncate")
    );
    assert_eq!(
        db.opt_text("SELECT obj_description('public.maestro_notes'::regclass, 'pg_class')").as_deref(),
        Some("not MAESTRO's")
    );
}

#[test]
fn drop_without_yes_prints_the_sql_and_changes_nothing() {
    let db = fresh("dryrun");
    let o = db.run(&["drop"]);
    expect_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("dry run, nothing was changed"), "{out}");
    assert!(
        out.contains("BEGIN;\nSET LOCAL standard_conforming_strings = on;\nSET LOCAL row_security = off;\n"),
        "{out}"
    );
    assert!(out.contains("IN ACCESS EXCLUSIVE MODE;\nDROP TABLE \"public\".\"maestro_execution_receipts\", \"public\".\"maestro_sync_store\", \"public\".\"maestro_audit_logs\";\nDROP FUNCTION \"public\".\"maestro_claim_receipt\"(p_receipt_id text);\nCOMMIT;"), "{out}");
    assert!(!out.contains("maestro_notes"), "{out}");
    let dir = temp_dir("dryrun");
    let o = db.run(&["drop", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("COPY (SELECT \"id\", \"event\", \"details\", \"created_at\" FROM ONLY \"public\".\"maestro_audit_logs\") TO STDOUT WITH (FORMAT csv, HEADER);"), "{}", stdout(&o));
    assert!(!dir.exists(), "a dry run writes no backup");
    assert_all_present(&db);
    assert_look_alikes_intact(&db);
}

#[test]
fn drop_yes_asks_for_backup_or_no_backup() {
    let db = fresh("needbackup");
    let o = db.run(&["drop", "--yes"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("--backup DIR"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--no-backup"), "{}", stderr(&o));
    let o = db.run(&["drop", "--yes", "--no-backup", "--backup", "/tmp/x"]);
    expect_code(&o, 2);
    assert_all_present(&db);
}

#[test]
fn drop_removes_exactly_maestros_objects_in_one_go() {
    let db = fresh("drop");
    let o = db.run(&["drop", "--yes", "--no-backup"]);
    expect_code(&o, 0);
    let out = stdout(&o);
    for t in TABLES {
        assert!(out.contains(&format!("dropped table \"public\".\"{t}\"")), "{out}");
        assert!(!db.table_exists("public", t));
    }
    assert!(out.contains("dropped function public.maestro_claim_receipt(p_receipt_id text)"), "{out}");
    assert!(!db.function_exists("public", "maestro_claim_receipt"));
    assert_look_alikes_intact(&db);
}

#[test]
fn schema_option_works_on_the_other_schema_only() {
    let db = fresh("schema");
    let doc = status_json(&db, &["--schema", "other"]);
    assert_eq!(doc["schema"], "other");
    assert_eq!(object(&doc, "maestro_audit_logs")["rows"], 4);
    assert_eq!(doc["verification"]["recent_audit_logs"], 4);
    let o = db.run(&["drop", "--yes", "--no-backup", "--schema", "other"]);
    expect_code(&o, 0);
    for t in TABLES {
        assert!(!db.table_exists("other", t));
    }
    assert!(!db.function_exists("other", "maestro_claim_receipt"));
    assert_all_present(&db);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_notes"), 2);
}

#[test]
fn dependents_are_listed_and_block_the_drop_unless_cascade() {
    let db = fresh("deps");
    db.sql(
        "CREATE VIEW public.recent_maestro_activity AS
           SELECT event, created_at FROM public.maestro_audit_logs WHERE created_at > now() - interval '1 day';
         CREATE TABLE public.app_orders (id int PRIMARY KEY,
           receipt bigint REFERENCES public.maestro_execution_receipts (id));
         INSERT INTO public.app_orders VALUES (1, NULL);",
    );
    let o = db.run(&["drop"]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("recent_maestro_activity"), "{}", stdout(&o));

    let o = db.run(&["drop", "--yes", "--no-backup"]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("refusing to drop"), "{err}");
    assert!(err.contains("view recent_maestro_activity depends on table maestro_audit_logs"), "{err}");
    assert!(err.contains("app_orders"), "{err}");
    assert!(err.contains("nothing was dropped"), "{err}");
    assert_all_present(&db);

    // A backup is not even started when the drop would be refused.
    let dir = temp_dir("deps");
    let o = db.run(&["drop", "--yes", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 1);
    assert!(!dir.exists());
    assert_all_present(&db);

    let o = db.run(&["drop", "--yes", "--no-backup", "--cascade"]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("cascade: drop cascades to"), "{}", stdout(&o));
    assert!(stdout(&o).contains("recent_maestro_activity"), "{}", stdout(&o));
    for t in TABLES {
        assert!(!db.table_exists("public", t));
    }
    assert_eq!(db.scalar_i64("SELECT count(*) FROM pg_views WHERE viewname = 'recent_maestro_activity'"), 0);
    // CASCADE drops the foreign key, not the table that had it.
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.app_orders"), 1);
    assert_look_alikes_intact(&db);
}

#[test]
fn a_held_lock_ends_in_a_clear_timeout_with_nothing_changed() {
    let db = fresh("lock");
    let mut holder = db.client();
    let mut tx = holder.transaction().unwrap();
    tx.batch_execute("LOCK TABLE public.maestro_audit_logs IN ACCESS EXCLUSIVE MODE").unwrap();

    // (That it ended is shown by its message: the lock timeout's, not a
    // bound on how long it took, which no test asserts.)
    let o = db.run(&["drop", "--yes", "--no-backup", "--lock-timeout", "500ms"]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("lock timeout"), "{err}");
    assert!(err.contains("--lock-timeout 500ms"), "{err}");
    assert!(err.contains("nothing was dropped"), "{err}");

    // The backup path locks first, and times out the same way, writing nothing usable.
    let dir = temp_dir("lock");
    let o = db.run(&["drop", "--yes", "--backup", dir.to_str().unwrap(), "--lock-timeout", "500ms"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("lock timeout"), "{}", stderr(&o));
    assert!(!dir.join("manifest.json").exists());
    let _ = fs::remove_dir_all(&dir);

    let o = db.run(&["inert", "--lock-timeout", "500ms"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("lock timeout"), "{}", stderr(&o));
    let o = db.run(&["status", "--lock-timeout", "500ms"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("lock timeout"), "{}", stderr(&o));

    tx.rollback().unwrap();
    assert_all_present(&db);
    assert_eq!(db.opt_text("SELECT obj_description('public.maestro_execution_receipts'::regclass, 'pg_class')"), None);
}

const ROUND_TRIP: &str = r#"
CREATE TABLE public.maestro_sync_store (
  key text PRIMARY KEY,
  blob bytea,
  n integer,
  meta jsonb,
  updated_at timestamptz,
  note text,
  doubled integer GENERATED ALWAYS AS (n * 2) STORED
);
INSERT INTO public.maestro_sync_store (key, blob, n, meta, updated_at, note) VALUES
  ('emoji 🙂🚀', '\x00ff10deadbeef'::bytea, 42, '{"a": [1, 2.5, "ünï"], "b": null}', '2024-02-29 23:59:59.123456+00', 'multi
line, "quoted", comma'),
  ('中文キー', ''::bytea, -7, '[]', '1999-12-31 12:00:00+05:30', ''),
  ('nulls', NULL, NULL, NULL, NULL, NULL),
  ('backslash \ and tab	', '\x5c30'::bytea, 0, '"\\"', 'infinity', E'\\N');
COMMENT ON TABLE public.maestro_sync_store IS 'INERT: MAESTRO disabled - safe to drop';
"#;

fn rows_as_text(db: &Db, table: &str) -> Vec<String> {
    db.texts(&format!("SELECT t::text FROM public.{table} t ORDER BY t::text"))
}

fn sha256_hex(path: &std::path::Path) -> String {
    Sha256::digest(fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn drop_with_backup_then_restore_gives_back_every_row() {
    let db = Db::new("roundtrip");
    db.sql(RUNBOOK_OBJECTS);
    db.sql(ROUND_TRIP);
    db.sql(LOOK_ALIKES);
    let before: Vec<Vec<String>> = TABLES.iter().map(|t| rows_as_text(&db, t)).collect();
    let json_before = db.texts("SELECT row_to_json(t)::text FROM public.maestro_sync_store t ORDER BY key");
    assert_eq!(before[1].len(), 4);

    let dir = temp_dir("roundtrip");
    let o = db.run(&["drop", "--yes", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("backup written to"), "{}", stdout(&o));
    for t in TABLES {
        assert!(!db.table_exists("public", t));
    }
    assert!(!db.function_exists("public", "maestro_claim_receipt"));

    // The manifest: counts, and a SHA-256 of each file that matches the file.
    let manifest: Value = serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["schema"], "public");
    let tables = manifest["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 3);
    for (t, rows) in tables.iter().zip([3, 4, 5]) {
        assert_eq!(t["rows"], rows, "{t}");
        for f in [&t["data"], &t["definition"]] {
            assert_eq!(f["sha256"].as_str().unwrap(), sha256_hex(&dir.join(f["file"].as_str().unwrap())));
        }
    }
    let csv = fs::read_to_string(dir.join("maestro_sync_store.csv")).unwrap();
    assert!(csv.starts_with("key,blob,n,meta,updated_at,note\n"), "{csv}");
    let cols: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("maestro_sync_store.columns.json")).unwrap()).unwrap();
    assert_eq!(cols["columns"][1]["type"], "bytea");
    assert_eq!(cols["columns"][4]["type"], "timestamp with time zone");
    assert!(dir.join("maestro_claim_receipt.sql").exists());

    let o = db.run(&["restore", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("counts and sha256 match the manifest"), "{}", stdout(&o));
    let after: Vec<Vec<String>> = TABLES.iter().map(|t| rows_as_text(&db, t)).collect();
    assert_eq!(before, after);
    assert_eq!(json_before, db.texts("SELECT row_to_json(t)::text FROM public.maestro_sync_store t ORDER BY key"));
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_sync_store WHERE blob IS NULL AND note IS NULL"), 1);
    assert_eq!(db.opt_text("SELECT note FROM public.maestro_sync_store WHERE key = '中文キー'").as_deref(), Some(""));
    assert_eq!(
        db.opt_text("SELECT obj_description('public.maestro_sync_store'::regclass, 'pg_class')").as_deref(),
        Some("INERT: MAESTRO disabled - safe to drop")
    );
    // Sequences go on where they were, and the function is back.
    db.sql(
        "INSERT INTO public.maestro_audit_logs (event) VALUES ('after restore');
            INSERT INTO public.maestro_execution_receipts (receipt_id) VALUES ('r-4')",
    );
    assert_eq!(db.scalar_i64("SELECT max(id) FROM public.maestro_audit_logs"), 6);
    assert_eq!(db.scalar_i64("SELECT max(id) FROM public.maestro_execution_receipts"), 4);
    assert_eq!(db.scalar_i64("SELECT maestro_claim_receipt('r-4')::int::int8"), 1);
    assert_eq!(db.scalar_i64("SELECT doubled::int8 FROM public.maestro_sync_store WHERE n = 42"), 84);

    // A second restore never overwrites.
    let o = db.run(&["restore", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was restored"), "{}", stderr(&o));
    assert_look_alikes_intact(&db);

    // A backup whose file no longer matches its manifest is refused, and nothing is created.
    db.sql(
        "DROP TABLE public.maestro_execution_receipts, public.maestro_sync_store, public.maestro_audit_logs;
            DROP FUNCTION public.maestro_claim_receipt(text)",
    );
    let csv_path = dir.join("maestro_audit_logs.csv");
    let mut bytes = fs::read(&csv_path).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    fs::write(&csv_path, bytes).unwrap();
    let o = db.run(&["restore", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("does not match the manifest"), "{}", stderr(&o));
    for t in TABLES {
        assert!(!db.table_exists("public", t));
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_backup_refuses_to_drop() {
    let db = fresh("badbackup");
    // A folder that is not empty: an earlier backup is never overwritten.
    let dir = temp_dir("badbackup");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("something.txt"), "earlier").unwrap();
    let o = db.run(&["drop", "--yes", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was dropped"), "{}", stderr(&o));
    assert_all_present(&db);
    // A folder that cannot be made (its parent is a file).
    let o = db.run(&["drop", "--yes", "--backup", dir.join("something.txt").join("sub").to_str().unwrap()]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("nothing was dropped"), "{}", stderr(&o));
    assert_all_present(&db);
    assert_eq!(fs::read_to_string(dir.join("something.txt")).unwrap(), "earlier");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_role_without_drop_privilege_changes_nothing() {
    let mut db = fresh("priv");
    let role = db.role("reader");
    db.sql(&format!("GRANT USAGE ON SCHEMA public TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"));

    let o = db.run_as(&role, &["status", "--json"]);
    expect_code(&o, 0);

    // The dry run shows the plan and says the drop would fail.
    let o = db.run_as(&role, &["drop", "--backup", "/tmp/never-written"]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("the drop would fail"), "{}", stdout(&o));

    let o = db.run_as(&role, &["drop", "--yes", "--no-backup"]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("permission denied"), "{err}");
    assert!(err.contains(&format!("role {role} does not own")), "{err}");
    assert!(err.contains("nothing was dropped"), "{err}");

    let dir = temp_dir("priv");
    let o = db.run_as(&role, &["drop", "--yes", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 1);
    assert!(!dir.exists(), "no backup is written when the drop cannot happen");

    let o = db.run_as(&role, &["inert"]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("permission denied: must be owner of table maestro_execution_receipts"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");

    assert_all_present(&db);
    assert_eq!(db.opt_text("SELECT obj_description('public.maestro_execution_receipts'::regclass, 'pg_class')"), None);
    assert_look_alikes_intact(&db);
}

#[test]
fn bad_input_gets_a_clear_message_and_the_right_exit_code() {
    let db = fresh("badinput");
    // A wrong URL.
    let o = run_with(Some("postgresql://[nope"), &["status"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("invalid --database-url"), "{}", stderr(&o));
    let o = run_with(Some("host=/tmp port=5432 frobnicate=1"), &["status"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("invalid --database-url"), "{}", stderr(&o));
    // A missing database.
    let missing = conninfo("no_such_database_here", None);
    let o = run_with(Some(&missing), &["status"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    // Nobody listening.
    let nobody = format!("host={} port=1 user=postgres dbname=x", std::env::var("MAESTRO_DB_TEST_HOST").unwrap());
    let o = run_with(Some(&nobody), &["status"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("could not connect"), "{}", stderr(&o));
    // No database at all, an unknown flag, a bad duration: usage errors.
    let o = run_with(None, &["status"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("--database-url"), "{}", stderr(&o));
    let o = db.run(&["status", "--frobnicate"]);
    expect_code(&o, 2);
    let o = db.run(&["drop", "--yes", "--no-backup", "--lock-timeout", "soon"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("invalid duration"), "{}", stderr(&o));
    let o = db.run(&["frobnicate"]);
    expect_code(&o, 2);
    let o = db.run(&["migration", "--mode", "sideways"]);
    expect_code(&o, 2);
    // The --database-url flag wins over DATABASE_URL.
    let o = run_with(Some("postgresql://[nope"), &["status", "--database-url", &db.url()]);
    expect_code(&o, 0);
    assert_all_present(&db);
    assert_look_alikes_intact(&db);
}

#[test]
fn migration_lists_and_writes_a_new_file_that_carries_out_the_mode() {
    let dir = temp_dir("migrations");
    fs::create_dir_all(&dir).unwrap();
    let existing = [
        ("20240101000000_maestro_init.sql", "-- init\n"),
        ("20240102000000_profiles.sql", "-- not MAESTRO\n"),
        ("20240103000000_add_maestro_audit.sql", "-- audit\n"),
    ];
    for (n, t) in existing {
        fs::write(dir.join(n), t).unwrap();
    }
    let d = dir.to_str().unwrap();
    let o = run_with(None, &["migration", "--dir", d, "--mode", "inert"]);
    expect_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("20240101000000_maestro_init.sql"), "{out}");
    assert!(out.contains("20240103000000_add_maestro_audit.sql"), "{out}");
    assert!(!out.contains("profiles"), "{out}");
    for (n, t) in existing {
        assert_eq!(fs::read_to_string(dir.join(n)).unwrap(), t, "{n} must not change");
    }
    let new_files = |suffix: &str| -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(suffix))
            .collect();
        v.sort();
        v
    };
    let inert = new_files("_maestro_rollback_inert.sql");
    assert_eq!(inert.len(), 1);
    assert!(inert[0].as_str() > "20240103000000", "{}", inert[0]);
    assert_eq!(inert[0].len(), "YYYYMMDDHHMMSS_maestro_rollback_inert.sql".len());

    // The new migration, applied to a database, does what `inert` does.
    let db = fresh("migration");
    db.client().batch_execute(&fs::read_to_string(dir.join(&inert[0])).unwrap()).unwrap();
    let doc = status_json(&db, &[]);
    for t in TABLES {
        assert_eq!(object(&doc, t)["inert"], true, "{t}");
    }
    assert_look_alikes_intact(&db);

    // Then --mode drop: a later file, which lists the earlier one too.
    let o = run_with(None, &["migration", "--dir", d, "--mode", "drop"]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains(&inert[0]), "{}", stdout(&o));
    let dropm = new_files("_maestro_rollback_drop.sql");
    assert_eq!(dropm.len(), 1);
    assert!(dropm[0] > inert[0]);
    let sql = fs::read_to_string(dir.join(&dropm[0])).unwrap();
    // A dependent view makes it fail whole: nothing goes.
    db.sql("CREATE VIEW public.v AS SELECT * FROM public.maestro_audit_logs");
    assert!(db.client().batch_execute(&sql).is_err());
    assert_all_present(&db);
    db.sql("DROP VIEW public.v");
    db.client().batch_execute(&sql).unwrap();
    for t in TABLES {
        assert!(!db.table_exists("public", t));
    }
    assert!(!db.function_exists("public", "maestro_claim_receipt"));
    assert_look_alikes_intact(&db);
    // And again, on a database where nothing is left: it is a no-op.
    db.client().batch_execute(&sql).unwrap();

    let o = run_with(None, &["migration", "--dir", dir.join("nope").to_str().unwrap(), "--mode", "drop"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("cannot read the migrations folder"), "{}", stderr(&o));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn concurrent_readers_are_not_blocked_by_status() {
    // status runs read-only and takes no lock stronger than a reader's.
    let db = fresh("readers");
    let url = db.url();
    let writer = thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let mut tx = c.transaction().unwrap();
        tx.batch_execute("INSERT INTO public.maestro_audit_logs (event) VALUES ('in flight')").unwrap();
        thread::sleep(Duration::from_millis(1500));
        tx.commit().unwrap();
    });
    thread::sleep(Duration::from_millis(300));
    let o = db.run(&["status", "--json", "--lock-timeout", "500ms"]);
    expect_code(&o, 0);
    writer.join().unwrap();
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_audit_logs"), 6);
}

#[test]
fn tls_connections_are_encrypted_and_can_be_verified() {
    let db = fresh("tls");
    let env = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set: run the tests with bash scripts/test-db.sh"))
    };
    let port = env("MAESTRO_DB_TEST_PORT");
    let tcp = format!("host=127.0.0.1 port={port} user=postgres dbname={}", db.name);
    // The test server takes TCP connections only with TLS (pg_hba.conf: hostssl).
    let o = run_with(Some(&format!("{tcp} sslmode=disable")), &["status"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("no encryption"), "{}", stderr(&o));
    // require: encrypted, the certificate is not checked, and the tool says so.
    let o = run_with(Some(&format!("{tcp} sslmode=require")), &["status", "--json"]);
    expect_code(&o, 0);
    assert!(stderr(&o).contains("does not verify the server's certificate"), "{}", stderr(&o));
    // prefer (the default) takes TLS when the server offers it; as a URL too.
    let url = format!("postgresql://postgres@127.0.0.1:{port}/{}", db.name);
    expect_code(&run_with(Some(&url), &["status"]), 0);
    // --ca-cert verifies the chain and the host name; a certificate from another CA is refused.
    let o = run_with(Some(&tcp), &["status", "--ca-cert", &env("MAESTRO_DB_TEST_TLS_CERT")]);
    expect_code(&o, 0);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let o = run_with(Some(&tcp), &["status", "--ca-cert", &env("MAESTRO_DB_TEST_OTHER_CERT")]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("certificate"), "{}", stderr(&o));
    let o = run_with(Some(&tcp), &["status", "--ca-cert", "/nonexistent/ca.pem"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("--ca-cert /nonexistent/ca.pem"), "{}", stderr(&o));
    assert_all_present(&db);
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // `maestro-db status | head -1`: no panic when the reader goes away.
    let db = fresh("pipe");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_maestro-db"))
        .args(["status"])
        .env("DATABASE_URL", db.url())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}
