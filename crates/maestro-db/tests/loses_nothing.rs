//! Issue 19: the drop loses nothing (rows hidden by row-level security, a column
//! added while the drop waits, partitions and inheriting children), runs nothing
//! injected, and restore gives back what the drop took, with `pg_dump
//! --schema-only` as the oracle. Against a real PostgreSQL 15 (scripts/test-db.sh).

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn pgbin(tool: &str) -> String {
    let dir = std::env::var("PGBIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    format!("{dir}/{tool}")
}

/// `pg_dump --schema-only` of the whole test database.
fn schema_dump(db: &Db) -> String {
    let host = std::env::var("MAESTRO_DB_TEST_HOST").expect("MAESTRO_DB_TEST_HOST");
    let port = std::env::var("MAESTRO_DB_TEST_PORT").unwrap_or_else(|_| "5432".into());
    let user = std::env::var("MAESTRO_DB_TEST_USER").unwrap_or_else(|_| "postgres".into());
    let o = Command::new(pgbin("pg_dump"))
        .args(["--schema-only", "-h", &host, "-p", &port, "-U", &user, "-d", &db.name])
        .output()
        .expect("run pg_dump");
    assert!(o.status.success(), "pg_dump: {}", String::from_utf8_lossy(&o.stderr));
    // pg_dump 15.14 and later frame the dump with a random \restrict key.
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_same_dump(before: &str, after: &str) {
    if before != after {
        let b: Vec<&str> = before.lines().collect();
        let a: Vec<&str> = after.lines().collect();
        let only_b: Vec<&&str> = b.iter().filter(|l| !a.contains(l)).collect();
        let only_a: Vec<&&str> = a.iter().filter(|l| !b.contains(l)).collect();
        panic!("pg_dump --schema-only differs\nonly before: {only_b:#?}\nonly after: {only_a:#?}\n--- after:\n{after}");
    }
}

fn rows(db: &Db, table: &str) -> Vec<String> {
    db.texts(&format!("SELECT t::text FROM {table} t ORDER BY t::text"))
}

fn only_rows(db: &Db, table: &str) -> Vec<String> {
    db.texts(&format!("SELECT t::text FROM ONLY {table} t ORDER BY t::text"))
}

fn drop_backup(db: &Db, dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["drop", "--yes", "--backup", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    db.run(&args)
}

fn restore(db: &Db, dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["restore", "--backup", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    db.run(&args)
}

/// The "Done when" test: RLS and a policy, grants, an index, a trigger, a foreign key
/// from an app table and a view; drop --cascade --backup; restore; pg_dump and rows identical.
#[test]
fn drop_cascade_backup_then_restore_gives_back_the_same_schema_and_rows() {
    let mut db = Db::new("dumpeq");
    let app = db.role("app");
    let owner = db.role("owner");
    db.sql(RUNBOOK_OBJECTS);
    db.sql(SYNC_STORE);
    db.sql(&format!(
        "CREATE FUNCTION public.app_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
         CREATE TRIGGER sync_touch BEFORE UPDATE ON public.maestro_sync_store FOR EACH ROW EXECUTE FUNCTION public.app_touch();
         COMMENT ON TRIGGER sync_touch ON public.maestro_sync_store IS 'keeps updated_at';
         ALTER TABLE public.maestro_sync_store ENABLE ROW LEVEL SECURITY;
         ALTER TABLE public.maestro_sync_store FORCE ROW LEVEL SECURITY;
         CREATE POLICY tenant_read ON public.maestro_sync_store FOR SELECT TO {app}
           USING (key LIKE current_setting('app.tenant', true) || '%');
         COMMENT ON POLICY tenant_read ON public.maestro_sync_store IS 'per tenant';
         CREATE INDEX maestro_audit_logs_event_idx ON public.maestro_audit_logs (event, created_at DESC);
         COMMENT ON INDEX public.maestro_audit_logs_event_idx IS 'by event';
         CREATE INDEX receipts_lower_idx ON public.maestro_execution_receipts (lower(receipt_id)) WHERE NOT claimed;
         ALTER TABLE public.maestro_audit_logs ADD CONSTRAINT event_not_blank CHECK (event <> '');
         COMMENT ON COLUMN public.maestro_audit_logs.details IS 'free-form JSON';
         COMMENT ON TABLE public.maestro_execution_receipts IS 'receipts';
         GRANT SELECT, INSERT ON public.maestro_sync_store TO {app};
         GRANT SELECT ON public.maestro_audit_logs TO {app} WITH GRANT OPTION;
         REVOKE ALL ON FUNCTION public.maestro_claim_receipt(text) FROM PUBLIC;
         GRANT EXECUTE ON FUNCTION public.maestro_claim_receipt(text) TO {app};
         ALTER TABLE public.maestro_execution_receipts OWNER TO {owner};
         CREATE TABLE public.app_orders (id int PRIMARY KEY,
           receipt bigint CONSTRAINT app_orders_receipt_fk REFERENCES public.maestro_execution_receipts (id) ON DELETE SET NULL);
         COMMENT ON CONSTRAINT app_orders_receipt_fk ON public.app_orders IS 'which receipt paid';
         INSERT INTO public.app_orders VALUES (1, 1), (2, NULL), (3, 3);
         CREATE VIEW public.app_dashboard WITH (security_barrier = true) AS
           SELECT a.event, count(*) AS n, max(r.receipt_id) AS last_receipt
           FROM public.maestro_audit_logs a LEFT JOIN public.maestro_execution_receipts r ON r.id = a.id
           GROUP BY a.event;
         CREATE VIEW public.app_dashboard_top AS SELECT event FROM public.app_dashboard WHERE n > 1;
         GRANT SELECT ON public.app_dashboard TO {app};
         COMMENT ON VIEW public.app_dashboard IS 'ops dashboard';
         CREATE MATERIALIZED VIEW public.app_event_counts AS SELECT event, count(*) AS n FROM public.maestro_audit_logs GROUP BY event;
         CREATE UNIQUE INDEX app_event_counts_event ON public.app_event_counts (event);
         COMMENT ON COLUMN public.app_dashboard.n IS 'events';
         CREATE FUNCTION public.app_dashboard_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
         CREATE TRIGGER app_dashboard_write INSTEAD OF INSERT ON public.app_dashboard
           FOR EACH ROW EXECUTE FUNCTION public.app_dashboard_write();
         GRANT UPDATE (event), SELECT (event, details) ON public.maestro_audit_logs TO {app};
         GRANT USAGE, SELECT ON SEQUENCE public.maestro_audit_logs_id_seq TO {app};
         GRANT USAGE ON SEQUENCE public.maestro_execution_receipts_id_seq TO {app};
         ALTER TABLE public.maestro_audit_logs ADD COLUMN receipt bigint
           CONSTRAINT audit_receipt_fk REFERENCES public.maestro_execution_receipts (id);
         UPDATE public.maestro_audit_logs SET receipt = 1 WHERE id = 1;
         CREATE TABLE public.app_customers (id int PRIMARY KEY);
         INSERT INTO public.app_customers VALUES (7);
         ALTER TABLE public.maestro_sync_store ADD COLUMN customer int REFERENCES public.app_customers (id);
         UPDATE public.maestro_sync_store SET customer = 7 WHERE key = 'k-1';
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {app};
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {app};
         CREATE FUNCTION public.maestro_claim_receipt(p_receipt_id text, p_by text) RETURNS boolean
           LANGUAGE sql AS $$ SELECT public.maestro_claim_receipt(p_receipt_id) $$;
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO {app};
         ALTER TABLE public.maestro_sync_store REPLICA IDENTITY FULL;
         ALTER TABLE public.maestro_audit_logs SET UNLOGGED;
         ALTER TABLE public.maestro_audit_logs SET (fillfactor = 80, autovacuum_enabled = false);
         CREATE STATISTICS public.audit_event_stats (dependencies) ON event, details FROM public.maestro_audit_logs;
         CREATE TABLE public.app_claims_log (receipt_id text, at timestamptz);
         CREATE RULE log_claims AS ON UPDATE TO public.maestro_execution_receipts
           WHERE NEW.claimed AND NOT OLD.claimed DO ALSO INSERT INTO public.app_claims_log VALUES (NEW.receipt_id, now());
         CREATE PUBLICATION app_realtime FOR TABLE public.maestro_sync_store (key, blob) WHERE (key <> 'secret'),
           public.maestro_execution_receipts;"
    ));
    let tables = [
        "public.maestro_execution_receipts",
        "public.maestro_sync_store",
        "public.maestro_audit_logs",
        "public.app_orders",
        "public.app_event_counts",
    ];
    let before_dump = schema_dump(&db);
    let before_rows: Vec<Vec<String>> = tables.iter().map(|t| rows(&db, t)).collect();

    let dir = temp_dir("dumpeq");
    // The dry run lists the view, the view on it and the foreign key.
    let o = db.run(&["drop", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 0);
    let out = stdout(&o);
    for d in ["view app_dashboard depends on", "view app_dashboard_top depends on", "app_orders_receipt_fk"] {
        assert!(out.contains(d), "{d}\n{out}");
    }
    let o = drop_backup(&db, &dir, &["--cascade"]);
    expect_code(&o, 0);
    assert!(!db.table_exists("public", "maestro_sync_store"));
    assert_eq!(db.scalar_i64("SELECT count(*) FROM pg_views WHERE viewname LIKE 'app_dashboard%'"), 0);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM pg_constraint WHERE conname = 'app_orders_receipt_fk'"), 0);

    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert_same_dump(&before_dump, &schema_dump(&db));
    let after_rows: Vec<Vec<String>> = tables.iter().map(|t| rows(&db, t)).collect();
    assert_eq!(before_rows, after_rows);
    let _ = fs::remove_dir_all(&dir);
}

/// A table owned by a role that row-level security applies to (FORCE): the drop
/// must not back up only the rows that role can see.
#[test]
fn forced_row_level_security_never_hides_rows_from_the_backup() {
    let mut db = fresh("forcedrls");
    let owner = db.role("owner");
    db.sql(&format!(
        "GRANT USAGE, CREATE ON SCHEMA public TO {owner};
         ALTER TABLE public.maestro_sync_store ADD COLUMN tenant text;
         INSERT INTO public.maestro_sync_store (key, tenant) SELECT 'k-t' || g, 'tenant-' || (g % 3) FROM generate_series(1, 8) g;
         ALTER TABLE public.maestro_sync_store ENABLE ROW LEVEL SECURITY;
         ALTER TABLE public.maestro_sync_store FORCE ROW LEVEL SECURITY;
         CREATE POLICY tenant ON public.maestro_sync_store USING (tenant = current_setting('app.tenant', true));
         ALTER TABLE public.maestro_execution_receipts OWNER TO {owner};
         ALTER TABLE public.maestro_sync_store OWNER TO {owner};
         ALTER TABLE public.maestro_audit_logs OWNER TO {owner};
         ALTER FUNCTION public.maestro_claim_receipt(text) OWNER TO {owner};"
    ));
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_sync_store"), 10);

    // status: no "0 rows exact" where the role sees none of them.
    let o = db.run_as(&owner, &["status", "--json"]);
    expect_code(&o, 0);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sync = doc["objects"].as_array().unwrap().iter().find(|o| o["name"] == "maestro_sync_store").unwrap();
    assert_eq!(sync["rows"], Value::Null, "{doc}");
    assert!(sync["note"].as_str().unwrap().contains("row-level security"), "{doc}");

    // drop: refused, with the reason; nothing dropped, no backup.
    let dir = temp_dir("forcedrls");
    let o = db.run_as(&owner, &["drop", "--yes", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("row-level security"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was dropped"), "{}", stderr(&o));
    assert!(!dir.join("manifest.json").exists());
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_sync_store"), 10);
    assert_all_present(&db);

    // A role that bypasses it (a superuser) backs up all 10, and restore puts RLS back on, forced, with the policy.
    let _ = fs::remove_dir_all(&dir);
    let dump_before = schema_dump(&db);
    let o = drop_backup(&db, &dir, &[]);
    expect_code(&o, 0);
    let manifest: Value = serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let sync = manifest["tables"].as_array().unwrap().iter().find(|t| t["table"] == "maestro_sync_store").unwrap();
    assert_eq!(sync["rows"], 10);
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_sync_store"), 10);
    assert_eq!(
        db.scalar_i64(
            "SELECT (relrowsecurity AND relforcerowsecurity)::int::int8 FROM pg_class WHERE oid = 'public.maestro_sync_store'::regclass"
        ),
        1
    );
    assert_eq!(db.texts("SELECT policyname::text FROM pg_policies WHERE tablename = 'maestro_sync_store'"), ["tenant"]);
    assert_eq!(
        db.opt_text(
            "SELECT pg_get_userbyid(relowner)::text FROM pg_class WHERE oid = 'public.maestro_sync_store'::regclass"
        ),
        Some(owner.clone())
    );
    assert_same_dump(&dump_before, &schema_dump(&db));
    let _ = fs::remove_dir_all(&dir);
}

/// A migration commits ADD COLUMN while the drop waits for its lock: the column is in the backup.
#[test]
fn a_column_added_while_the_drop_waits_for_its_lock_is_in_the_backup() {
    let db = fresh("race");
    let mut migration = db.client();
    let mut tx = migration.transaction().unwrap();
    tx.batch_execute("ALTER TABLE public.maestro_sync_store ADD COLUMN customer_note text").unwrap();

    let dir = temp_dir("race");
    let url = db.url();
    let d = dir.clone();
    let drop = thread::spawn(move || {
        run_with(Some(&url), &["drop", "--yes", "--backup", d.to_str().unwrap(), "--lock-timeout", "30s"])
    });
    // Wait until the drop is waiting for the lock.
    let start = Instant::now();
    while db.scalar_i64(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'maestro-db' AND wait_event_type = 'Lock'",
    ) == 0
    {
        assert!(start.elapsed() < Duration::from_secs(20), "the drop never waited for its lock");
        thread::sleep(Duration::from_millis(50));
    }
    tx.batch_execute("UPDATE public.maestro_sync_store SET customer_note = 'note for ' || key").unwrap();
    tx.commit().unwrap();
    let o = drop.join().unwrap();
    expect_code(&o, 0);

    let cols: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("maestro_sync_store.columns.json")).unwrap()).unwrap();
    assert!(cols["columns"].as_array().unwrap().iter().any(|c| c["name"] == "customer_note"), "{cols}");
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert_eq!(
        db.texts("SELECT coalesce(customer_note, '-') FROM public.maestro_sync_store ORDER BY key"),
        ["note for k-1", "note for k-2"]
    );
    let _ = fs::remove_dir_all(&dir);
}

/// A partition of MAESTRO's audit log in another schema is listed, guarded by
/// --cascade, and backed up and restored as a partition of its own.
#[test]
fn a_partition_in_another_schema_is_a_dependent_backed_up_as_its_own_table() {
    let db = Db::new("partition");
    db.sql(
        "CREATE TABLE public.maestro_audit_logs (
           id bigserial, event text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
         CREATE TABLE public.maestro_audit_logs_recent PARTITION OF public.maestro_audit_logs DEFAULT;
         CREATE SCHEMA archive;
         CREATE TABLE archive.compliance_2025 PARTITION OF public.maestro_audit_logs
           FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         COMMENT ON TABLE archive.compliance_2025 IS 'kept 7 years';
         CREATE INDEX maestro_audit_logs_event_idx ON public.maestro_audit_logs (event);
         CREATE INDEX compliance_2025_created_idx ON archive.compliance_2025 (created_at DESC);
         ALTER TABLE public.maestro_audit_logs ADD CONSTRAINT event_known CHECK (event <> '');
         INSERT INTO public.maestro_audit_logs (event, created_at) VALUES
           ('old-1', '2025-03-01'), ('old-2', '2025-06-01'), ('new', now());",
    );
    let before_all = rows(&db, "public.maestro_audit_logs");
    let before_archive = rows(&db, "archive.compliance_2025");
    let before_dump = schema_dump(&db);
    let dir = temp_dir("partition");

    let o = db.run(&["drop", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("archive.compliance_2025 (partition of public.maestro_audit_logs)"), "{}", stdout(&o));
    let o = drop_backup(&db, &dir, &[]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("archive.compliance_2025"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--cascade"), "{}", stderr(&o));
    assert!(db.table_exists("archive", "compliance_2025"));
    assert_eq!(rows(&db, "archive.compliance_2025"), before_archive);

    let o = drop_backup(&db, &dir, &["--cascade"]);
    expect_code(&o, 0);
    assert!(!db.table_exists("archive", "compliance_2025"));
    // MAESTRO's own CSV holds none of the partition's rows.
    let own = fs::read_to_string(dir.join("maestro_audit_logs.csv")).unwrap();
    assert!(!own.contains("old-1"), "{own}");
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert_eq!(rows(&db, "public.maestro_audit_logs"), before_all);
    assert_eq!(rows(&db, "archive.compliance_2025"), before_archive);
    assert_eq!(
        db.opt_text(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = 'archive.compliance_2025'::regclass AND relispartition"
        )
        .as_deref(),
        Some("FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00')")
    );
    assert_same_dump(&before_dump, &schema_dump(&db));
    let _ = fs::remove_dir_all(&dir);
}

/// A table that INHERITS MAESTRO's: its rows stay its own, in the backup and after restore.
#[test]
fn an_inheriting_childs_rows_are_never_mixed_into_maestros() {
    let db = fresh("inherits");
    db.sql(
        "CREATE TABLE public.app_audit_extra (source text) INHERITS (public.maestro_audit_logs);
         INSERT INTO public.app_audit_extra (event, source) VALUES ('app-1', 'web'), ('app-2', 'cron');",
    );
    db.sql(
        "ALTER TABLE public.maestro_audit_logs ADD CONSTRAINT event_known CHECK (event <> '');
         CREATE INDEX app_audit_extra_source_idx ON public.app_audit_extra (source);
         ALTER TABLE public.app_audit_extra ADD CONSTRAINT source_known CHECK (source IN ('web', 'cron'));",
    );
    let dump_before = schema_dump(&db);
    let own_before = only_rows(&db, "public.maestro_audit_logs");
    let child_before = rows(&db, "public.app_audit_extra");
    assert_eq!(own_before.len(), 5);
    let dir = temp_dir("inherits");
    let o = db.run(&["drop", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("public.app_audit_extra (inherits from public.maestro_audit_logs)"), "{}", stdout(&o));
    let o = drop_backup(&db, &dir, &["--cascade"]);
    expect_code(&o, 0);
    let manifest: Value = serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let audit = manifest["tables"].as_array().unwrap().iter().find(|t| t["table"] == "maestro_audit_logs").unwrap();
    assert_eq!(audit["rows"], 5, "{manifest}");
    let child = manifest["tables"].as_array().unwrap().iter().find(|t| t["table"] == "app_audit_extra").unwrap();
    assert_eq!(child["rows"], 2, "{manifest}");
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert_eq!(only_rows(&db, "public.maestro_audit_logs"), own_before);
    assert_eq!(rows(&db, "public.app_audit_extra"), child_before);
    assert_eq!(
        db.opt_text(
            "SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = 'public.app_audit_extra'::regclass"
        )
        .as_deref(),
        Some("maestro_audit_logs")
    );
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_audit_logs"), 7);
    assert_same_dump(&dump_before, &schema_dump(&db));
    let _ = fs::remove_dir_all(&dir);
}

const CUSTOMERS: &str = "CREATE TABLE public.customers (id int PRIMARY KEY, name text);
    INSERT INTO public.customers VALUES (1, 'Ada'), (2, 'Grace');";

fn customers_intact(db: &Db) {
    assert!(db.table_exists("public", "customers"), "public.customers was dropped by injected SQL");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.customers"), 2);
}

/// `migration --schema` with a newline cannot smuggle SQL into the migration: refused.
#[test]
fn a_control_character_in_the_schema_name_is_refused() {
    let dir = temp_dir("injmig");
    fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap();
    // A control character in a name on the command line is refused.
    let o = run_with(
        None,
        &["migration", "--dir", d, "--mode", "inert", "--schema", "app\nDROP TABLE public.customers; --"],
    );
    expect_code(&o, 2);
    assert!(stderr(&o).contains("control character"), "{}", stderr(&o));
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "nothing is written");
    let _ = fs::remove_dir_all(&dir);
}

/// A name that holds the DO body's dollar quote cannot end it.
#[test]
fn a_dollar_quote_in_the_schema_name_cannot_end_the_migrations_body() {
    let dir = temp_dir("injdollar");
    fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap();
    let schema = "app$maestro$; DROP TABLE public.customers; --";
    for mode in ["inert", "drop"] {
        let db = Db::new("injmig");
        db.sql(CUSTOMERS);
        db.sql(&format!(
            "CREATE SCHEMA \"{schema}\";
             CREATE TABLE \"{schema}\".maestro_audit_logs (id int, created_at timestamptz);
             CREATE TABLE \"{schema}\".maestro_sync_store (key text);"
        ));
        let o = run_with(None, &["migration", "--dir", d, "--mode", mode, "--schema", schema]);
        expect_code(&o, 0);
        let file = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_str().unwrap().ends_with(&format!("_{mode}.sql")))
            .unwrap();
        let sql = fs::read_to_string(&file).unwrap();
        db.client().batch_execute(&sql).unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
        customers_intact(&db);
        if mode == "inert" {
            assert_eq!(
                db.opt_text(&format!(
                    "SELECT obj_description('\"{schema}\".maestro_audit_logs'::regclass, 'pg_class')"
                ))
                .as_deref(),
                Some("INERT: MAESTRO disabled - safe to truncate")
            );
        } else {
            assert!(!db.table_exists(schema, "maestro_audit_logs"));
        }
        fs::remove_file(&file).unwrap();
    }
    let _ = fs::remove_dir_all(&dir);
}

/// A table comment that ends a string under standard_conforming_strings = off is
/// restored as a comment, not run as SQL.
#[test]
fn a_table_comment_cannot_inject_sql_on_restore() {
    let db = fresh("injcomment");
    db.sql(CUSTOMERS);
    // The text: x\'; DROP TABLE public.customers; --
    db.sql("COMMENT ON TABLE public.maestro_sync_store IS 'x\\''; DROP TABLE public.customers; --'");
    db.sql(&format!("ALTER DATABASE {} SET standard_conforming_strings = off", db.name));
    let comment = db.opt_text("SELECT obj_description('public.maestro_sync_store'::regclass, 'pg_class')").unwrap();
    assert_eq!(comment, "x\\'; DROP TABLE public.customers; --");
    let dir = temp_dir("injcomment");
    let o = drop_backup(&db, &dir, &[]);
    expect_code(&o, 0);
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    customers_intact(&db);
    assert_eq!(
        db.opt_text("SELECT obj_description('public.maestro_sync_store'::regclass, 'pg_class')").as_deref(),
        Some(comment.as_str())
    );
    let _ = fs::remove_dir_all(&dir);
}

/// A NOT VALID check constraint that old rows break: the backup restores (rows first,
/// then the constraint, still NOT VALID).
#[test]
fn a_not_valid_constraint_over_old_rows_restores() {
    let db = fresh("notvalid");
    db.sql(
        "INSERT INTO public.maestro_audit_logs (event) VALUES ('');
         ALTER TABLE public.maestro_audit_logs ADD CONSTRAINT event_not_blank CHECK (event <> '') NOT VALID;",
    );
    let before = rows(&db, "public.maestro_audit_logs");
    let dump_before = schema_dump(&db);
    let dir = temp_dir("notvalid");
    let o = drop_backup(&db, &dir, &[]);
    expect_code(&o, 0);
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert_eq!(rows(&db, "public.maestro_audit_logs"), before);
    assert_eq!(
        db.scalar_i64("SELECT (NOT convalidated)::int::int8 FROM pg_constraint WHERE conname = 'event_not_blank'"),
        1
    );
    assert_same_dump(&dump_before, &schema_dump(&db));
    let _ = fs::remove_dir_all(&dir);
}

/// A column's collation comes back.
#[test]
fn a_columns_collation_comes_back() {
    let db = fresh("collation");
    db.sql("ALTER TABLE public.maestro_sync_store ALTER COLUMN key TYPE text COLLATE \"C\"");
    let dump_before = schema_dump(&db);
    let dir = temp_dir("collation");
    let o = drop_backup(&db, &dir, &[]);
    expect_code(&o, 0);
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert_eq!(
        db.opt_text(
            "SELECT collname::text FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
             WHERE attrelid = 'public.maestro_sync_store'::regclass AND attname = 'key'"
        )
        .as_deref(),
        Some("C")
    );
    assert_same_dump(&dump_before, &schema_dump(&db));
    let _ = fs::remove_dir_all(&dir);
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The backup is private whatever the umask, and restore refuses one others can write.
#[cfg(unix)]
#[test]
fn backups_are_private_and_restore_refuses_one_others_can_write() {
    use std::os::unix::fs::PermissionsExt;
    let db = fresh("private");
    let dir = temp_dir("private");
    let bin = std::env::var("MAESTRO_DB_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_maestro-db").to_string());
    let o = Command::new("sh")
        .args(["-c", "umask 000; exec \"$0\" \"$@\"", &bin, "drop", "--yes", "--backup", dir.to_str().unwrap()])
        .env("DATABASE_URL", db.url())
        .output()
        .unwrap();
    expect_code(&o, 0);
    assert_eq!(mode(&dir), 0o700, "the folder");
    for e in fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    // A file others can write: refused, nothing restored.
    let csv = dir.join("maestro_sync_store.csv");
    fs::set_permissions(&csv, fs::Permissions::from_mode(0o620)).unwrap();
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("writable by others"), "{}", stderr(&o));
    assert!(!db.table_exists("public", "maestro_sync_store"));
    fs::set_permissions(&csv, fs::Permissions::from_mode(0o600)).unwrap();
    // The folder too.
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("writable by others"), "{}", stderr(&o));
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert_all_present(&db);
    let _ = fs::remove_dir_all(&dir);
}

/// A schema that does not exist is an error in every command, not a finished cleanup.
#[test]
fn a_schema_that_does_not_exist_is_an_error_in_every_command() {
    let db = fresh("nosuch");
    let dir = temp_dir("nosuch");
    for args in [
        vec!["--schema", "nosuch", "status"],
        vec!["--schema", "nosuch", "status", "--json"],
        vec!["--schema", "nosuch", "inert"],
        vec!["--schema", "nosuch", "inert", "--undo"],
        vec!["--schema", "nosuch", "drop"],
        vec!["--schema", "nosuch", "drop", "--yes", "--no-backup"],
    ] {
        let o = db.run(&args);
        expect_code(&o, 1);
        assert!(stderr(&o).contains("schema \"nosuch\" does not exist"), "{args:?}: {}", stderr(&o));
    }
    // restore: the backup's schema is gone.
    db.sql("CREATE SCHEMA gone; CREATE TABLE gone.maestro_audit_logs (id int); INSERT INTO gone.maestro_audit_logs VALUES (1)");
    let o = db.run(&["--schema", "gone", "drop", "--yes", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 0);
    db.sql("DROP SCHEMA gone");
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("schema \"gone\" does not exist"), "{}", stderr(&o));
    // migration: the file it writes fails on such a database, changing nothing.
    let mdir = temp_dir("nosuchmig");
    fs::create_dir_all(&mdir).unwrap();
    let o = run_with(None, &["migration", "--dir", mdir.to_str().unwrap(), "--mode", "drop", "--schema", "nosuch"]);
    expect_code(&o, 0);
    let file = fs::read_dir(&mdir).unwrap().next().unwrap().unwrap().path();
    let err = db.client().batch_execute(&fs::read_to_string(file).unwrap()).unwrap_err();
    assert!(format!("{err:?}").contains("schema % does not exist") || format!("{err:?}").contains("nosuch"), "{err:?}");
    assert_all_present(&db);
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&mdir);
}

/// A role that can read the catalog but not the rows: status works, counts are null
/// with a note naming the missing privilege.
#[test]
fn status_with_a_role_that_cannot_read_the_rows() {
    let mut db = fresh("reader");
    let role = db.role("catalog_only");
    db.sql(&format!("GRANT USAGE ON SCHEMA public TO {role}"));
    let o = db.run_as(&role, &["status", "--json"]);
    expect_code(&o, 0);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    for o in doc["objects"].as_array().unwrap().iter().filter(|o| o["kind"] == "table") {
        assert_eq!(o["exists"], true, "{o}");
        assert_eq!(o["rows"], Value::Null, "{o}");
        let note = o["note"].as_str().unwrap();
        assert!(note.contains("SELECT privilege") && note.contains(&role), "{note}");
    }
    assert_eq!(doc["verification"]["recent_audit_logs"], Value::Null);
    assert!(doc["verification"]["note"].as_str().unwrap().contains("SELECT"), "{doc}");
    let o = db.run_as(&role, &["status"]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("lacks the SELECT privilege"), "{}", stdout(&o));
    // Without USAGE on the schema: the objects still, and that privilege named.
    db.sql(&format!("REVOKE USAGE ON SCHEMA public FROM {role}; REVOKE USAGE ON SCHEMA public FROM PUBLIC"));
    let o = db.run_as(&role, &["status", "--json"]);
    expect_code(&o, 0);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let t = &doc["objects"][0];
    assert_eq!(t["exists"], true, "{doc}");
    assert!(t["note"].as_str().unwrap().contains("USAGE privilege on the schema"), "{doc}");
}

/// inert keeps the comments it replaces: status shows them, --undo puts them back,
/// restore --original-comments too; the wording is "its comment was".
#[test]
fn inert_can_be_undone_and_restore_can_give_back_the_original_comments() {
    let mut db = fresh("undo");
    let anon = db.role("anon");
    db.sql(&format!(
        "COMMENT ON TABLE public.maestro_sync_store IS 'blobs, encrypted';
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {anon};"
    ));
    let o = db.run(&["inert"]);
    expect_code(&o, 0);
    // Where the comments are kept is private: no grant from default privileges, RLS on.
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT (has_table_privilege('{anon}', 'public.maestro_db_inert_comments', 'SELECT'))::int::int8"
        )),
        0
    );
    assert_eq!(
        db.scalar_i64(
            "SELECT relrowsecurity::int::int8 FROM pg_class WHERE oid = 'public.maestro_db_inert_comments'::regclass"
        ),
        1
    );
    assert!(stdout(&o).contains("its comment was 'blobs, encrypted'"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("it comment was"), "{}", stdout(&o));
    let o = db.run(&["status", "--json"]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sync = doc["objects"].as_array().unwrap().iter().find(|o| o["name"] == "maestro_sync_store").unwrap();
    assert_eq!(sync["inert"], true);
    assert_eq!(sync["comment_before_inert"], "blobs, encrypted");
    let o = db.run(&["status"]);
    assert!(stdout(&o).contains("(before inert: 'blobs, encrypted'; `inert --undo` puts it back)"), "{}", stdout(&o));

    let o = db.run(&["inert", "--undo", "--json"]);
    expect_code(&o, 0);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["undo"], true);
    let comment = |t: &str| db.opt_text(&format!("SELECT obj_description('public.{t}'::regclass, 'pg_class')"));
    assert_eq!(comment("maestro_sync_store").as_deref(), Some("blobs, encrypted"));
    assert_eq!(comment("maestro_audit_logs"), None);
    assert!(!db.table_exists("public", "maestro_db_inert_comments"), "the store goes once empty");

    // inert, drop with a backup, restore --original-comments.
    expect_code(&db.run(&["inert"]), 0);
    let dir = temp_dir("undo");
    let o = drop_backup(&db, &dir, &[]);
    expect_code(&o, 0);
    assert!(!db.table_exists("public", "maestro_db_inert_comments"));
    let o = restore(&db, &dir, &["--original-comments", "--json"]);
    expect_code(&o, 0);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["restored"], true);
    assert_eq!(comment("maestro_sync_store").as_deref(), Some("blobs, encrypted"));
    assert_eq!(comment("maestro_execution_receipts"), None);
    assert_look_alikes_intact(&db);
    let _ = fs::remove_dir_all(&dir);
}

/// Every command takes --json.
#[test]
fn every_command_takes_json() {
    let db = fresh("json");
    let dir = temp_dir("json");
    let mdir = temp_dir("jsonmig");
    fs::create_dir_all(&mdir).unwrap();
    for args in [
        vec!["status", "--json"],
        vec!["inert", "--json"],
        vec!["drop", "--json"],
        vec!["drop", "--yes", "--backup", dir.to_str().unwrap(), "--json"],
        vec!["restore", "--backup", dir.to_str().unwrap(), "--json"],
        vec!["migration", "--dir", mdir.to_str().unwrap(), "--mode", "inert", "--json"],
    ] {
        let o = db.run(&args);
        expect_code(&o, 0);
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", stdout(&o)));
        assert!(v.is_object(), "{args:?}");
    }
    // An error is JSON too (and on stderr as text).
    let o = db.run(&["--schema", "nosuch", "drop", "--json"]);
    expect_code(&o, 1);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["error"].as_str().unwrap().contains("does not exist"), "{v}");
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&mdir);
}

/// What cannot be restored (a role that no longer exists) stops restore before it
/// changes anything, naming it; --keep-going restores the rest, row-level security included.
#[test]
fn restore_names_what_it_cannot_restore_and_changes_nothing_unless_told() {
    let mut db = fresh("gone");
    let role = db.role("gone");
    db.sql(&format!(
        "ALTER TABLE public.maestro_sync_store ENABLE ROW LEVEL SECURITY;
         CREATE POLICY mine ON public.maestro_sync_store TO {role} USING (true);
         GRANT SELECT ON public.maestro_sync_store TO {role};"
    ));
    let dir = temp_dir("gone");
    expect_code(&drop_backup(&db, &dir, &[]), 0);
    db.sql(&format!("DROP OWNED BY {role}; DROP ROLE {role}"));
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("policy \"mine\""), "{err}");
    assert!(err.contains("the grants on \"public\".\"maestro_sync_store\""), "{err}");
    assert!(err.contains(&role), "{err}");
    assert!(err.contains("nothing was restored"), "{err}");
    assert!(!db.table_exists("public", "maestro_sync_store"));
    let o = restore(&db, &dir, &["--keep-going"]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("not restored (--keep-going): policy \"mine\""), "{}", stdout(&o));
    assert_eq!(
        db.scalar_i64(
            "SELECT relrowsecurity::int::int8 FROM pg_class WHERE oid = 'public.maestro_sync_store'::regclass"
        ),
        1
    );
    assert_all_present(&db);
    let _ = fs::remove_dir_all(&dir);
}

/// README: the install line is locked.
#[test]
fn the_readmes_install_lines_are_locked() {
    for path in
        [concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"), concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")]
    {
        let text = fs::read_to_string(path).unwrap();
        let installs: Vec<&str> =
            text.lines().filter(|l| l.contains("cargo install") && l.contains("maestro-db")).collect();
        assert!(!installs.is_empty(), "{path}");
        for l in installs {
            assert!(l.contains("--locked"), "{path}: {l}");
        }
    }
}

/// A backup written by the earlier version (maestro-db-backup/1) is still restored,
/// and restore says what it did not hold.
#[test]
fn a_format_1_backup_is_still_restored_with_a_warning() {
    use sha2::{Digest, Sha256};
    let db = Db::new("format1");
    let dir = temp_dir("format1");
    fs::create_dir_all(&dir).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    }
    let csv = "id,event\n1,claim\n2,sync\n";
    let def = r#"{"format": "maestro-db-backup/1", "schema": "public", "table": "maestro_audit_logs",
      "columns": [{"name": "id", "type": "bigint", "not_null": true, "default": null, "identity": "", "generated": "", "sequence": null},
                  {"name": "event", "type": "text", "not_null": true, "default": null, "identity": "", "generated": "", "sequence": null}],
      "constraints": [{"name": "maestro_audit_logs_pkey", "definition": "PRIMARY KEY (id)"}],
      "foreign_keys": [], "comment": "INERT: MAESTRO disabled - safe to truncate"}"#;
    let sha = |t: &str| Sha256::digest(t.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let write = |name: &str, text: &str| {
        fs::write(dir.join(name), text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir.join(name), fs::Permissions::from_mode(0o600)).unwrap();
        }
    };
    write("maestro_audit_logs.csv", csv);
    write("maestro_audit_logs.columns.json", def);
    let manifest = serde_json::json!({
        "format": "maestro-db-backup/1", "created_at": "2026-01-01T00:00:00Z", "database": "old", "schema": "public",
        "tables": [{"table": "maestro_audit_logs", "rows": 2,
            "data": {"file": "maestro_audit_logs.csv", "bytes": csv.len(), "sha256": sha(csv)},
            "definition": {"file": "maestro_audit_logs.columns.json", "bytes": def.len(), "sha256": sha(def)}}],
        "function": null,
    });
    write("manifest.json", &manifest.to_string());
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("warning: this backup (maestro-db-backup/1) did not record"), "{}", stdout(&o));
    assert_eq!(rows(&db, "public.maestro_audit_logs"), ["(1,claim)", "(2,sync)"]);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM pg_constraint WHERE conname = 'maestro_audit_logs_pkey'"), 1);
    let _ = fs::remove_dir_all(&dir);
}

/// The runbook's objects (identity, serial, a generated column, an ALWAYS identity):
/// pg_dump --schema-only and the rows are the same after drop --backup and restore,
/// and the sequences go on where they were.
#[test]
fn the_runbooks_objects_come_back_identical_in_pg_dump() {
    let db = fresh("rbdump");
    db.sql(
        "ALTER TABLE public.maestro_sync_store ADD COLUMN n int, ADD COLUMN doubled int GENERATED ALWAYS AS (n * 2) STORED;
         UPDATE public.maestro_sync_store SET n = 21 WHERE key = 'k-1';
         ALTER TABLE public.maestro_audit_logs ADD COLUMN seq_no int GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5);",
    );
    // Numbers given out and then deleted are not given out again.
    db.sql("INSERT INTO public.maestro_execution_receipts (receipt_id) VALUES ('r-gone'); DELETE FROM public.maestro_execution_receipts WHERE receipt_id = 'r-gone'");
    let tables = ["public.maestro_execution_receipts", "public.maestro_sync_store", "public.maestro_audit_logs"];
    let before_rows: Vec<Vec<String>> = tables.iter().map(|t| rows(&db, t)).collect();
    let dump_before = schema_dump(&db);
    let dir = temp_dir("rbdump");
    expect_code(&drop_backup(&db, &dir, &[]), 0);
    expect_code(&restore(&db, &dir, &[]), 0);
    assert_same_dump(&dump_before, &schema_dump(&db));
    assert_eq!(before_rows, tables.iter().map(|t| rows(&db, t)).collect::<Vec<_>>());
    db.sql("INSERT INTO public.maestro_audit_logs (event) VALUES ('after')");
    assert_eq!(db.scalar_i64("SELECT max(seq_no)::int8 FROM public.maestro_audit_logs"), 125);
    db.sql("INSERT INTO public.maestro_execution_receipts (receipt_id) VALUES ('r-new')");
    assert_eq!(db.scalar_i64("SELECT id FROM public.maestro_execution_receipts WHERE receipt_id = 'r-new'"), 5);
    assert_look_alikes_intact(&db);
    let _ = fs::remove_dir_all(&dir);
}

/// With --cascade, a view replaced while the drop waits for it is backed up as it is
/// when dropped, not as it was when the drop started.
#[test]
fn a_view_replaced_while_the_drop_waits_is_backed_up_as_dropped() {
    let db = fresh("viewrace");
    // app_top is built on app_recent, not on MAESTRO's tables: replacing it locks
    // app_top alone, so the drop gets its table locks and waits for app_top.
    db.sql(
        "CREATE VIEW public.app_recent AS SELECT id, event, created_at FROM public.maestro_audit_logs;
         CREATE VIEW public.app_top AS SELECT id, event FROM public.app_recent",
    );
    let mut app = db.client();
    let mut tx = app.transaction().unwrap();
    tx.batch_execute("CREATE OR REPLACE VIEW public.app_top AS SELECT id, event, created_at FROM public.app_recent")
        .unwrap();
    let dir = temp_dir("viewrace");
    let url = db.url();
    let d = dir.clone();
    let drop = thread::spawn(move || {
        run_with(Some(&url), &["drop", "--yes", "--cascade", "--backup", d.to_str().unwrap(), "--lock-timeout", "30s"])
    });
    let start = Instant::now();
    while db.scalar_i64(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'maestro-db' AND wait_event_type = 'Lock'",
    ) == 0
    {
        assert!(start.elapsed() < Duration::from_secs(20), "the drop never waited for its lock");
        thread::sleep(Duration::from_millis(50));
    }
    tx.commit().unwrap();
    let o = drop.join().unwrap();
    expect_code(&o, 0);
    expect_code(&restore(&db, &dir, &[]), 0);
    assert_eq!(
        db.texts("SELECT column_name::text FROM information_schema.columns WHERE table_name = 'app_top' ORDER BY ordinal_position"),
        ["id", "event", "created_at"]
    );
    let _ = fs::remove_dir_all(&dir);
}

/// Event triggers (Supabase has several) run under the session's search_path during the
/// drop and the restore, as they expect: one that names its table unqualified still works.
#[test]
fn event_triggers_see_the_sessions_search_path() {
    let db = fresh("evtrig");
    db.sql(
        "CREATE TABLE public.ddl_log (tag text);
         CREATE FUNCTION public.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS
           $$ BEGIN INSERT INTO ddl_log VALUES (tg_tag); END $$;
         CREATE EVENT TRIGGER log_drops ON sql_drop EXECUTE FUNCTION public.log_ddl();
         CREATE EVENT TRIGGER log_creates ON ddl_command_end EXECUTE FUNCTION public.log_ddl();",
    );
    expect_code(&db.run(&["inert"]), 0);
    assert!(db.scalar_i64("SELECT count(*) FROM public.ddl_log WHERE tag = 'COMMENT'") >= 1);
    expect_code(&db.run(&["inert", "--undo"]), 0);
    let dir = temp_dir("evtrig");
    let o = drop_backup(&db, &dir, &[]);
    expect_code(&o, 0);
    assert!(db.scalar_i64("SELECT count(*) FROM public.ddl_log WHERE tag = 'DROP TABLE'") >= 1);
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert!(db.scalar_i64("SELECT count(*) FROM public.ddl_log WHERE tag = 'CREATE TABLE'") >= 1);
    assert_all_present(&db);
    let _ = fs::remove_dir_all(&dir);
}

/// With --cascade --backup, a dependent the backup cannot hold (a default on another
/// table that calls MAESTRO's function) refuses the drop, named; nothing is dropped.
#[test]
fn cascade_refuses_what_the_backup_cannot_hold() {
    let db = fresh("cannothold");
    db.sql("CREATE TABLE public.app_claims (id int, ok boolean DEFAULT public.maestro_claim_receipt('r-1'))");
    let dir = temp_dir("cannothold");
    let o = db.run(&["drop", "--cascade", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("the backup cannot hold these"), "{}", stdout(&o));
    assert!(stdout(&o).contains("default value for column ok of table app_claims"), "{}", stdout(&o));
    let o = drop_backup(&db, &dir, &["--cascade"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("the backup cannot hold"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was dropped"), "{}", stderr(&o));
    assert!(!dir.exists());
    assert_all_present(&db);
    assert!(db.opt_text("SELECT column_default::text FROM information_schema.columns WHERE table_name = 'app_claims' AND column_name = 'ok'").is_some());
}

/// A column in two plain indexes (and a serial column in one) is backed up once:
/// the drop's backup restores, every row and every column back, each once.
#[test]
fn a_column_in_several_indexes_is_backed_up_once_and_restores() {
    let db = fresh("twoindexes");
    db.sql(
        "CREATE INDEX ON public.maestro_audit_logs (created_at);
         CREATE INDEX ON public.maestro_audit_logs (event, created_at DESC);
         CREATE INDEX ON public.maestro_audit_logs (id, event);",
    );
    let columns = |db: &Db| {
        db.texts(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = 'public.maestro_audit_logs'::regclass
             AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        )
    };
    let before = rows(&db, "public.maestro_audit_logs");
    let columns_before = columns(&db);
    let dump_before = schema_dump(&db);
    let dir = temp_dir("twoindexes");
    let o = drop_backup(&db, &dir, &[]);
    expect_code(&o, 0);
    let def: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("maestro_audit_logs.columns.json")).unwrap()).unwrap();
    let names: Vec<&str> = def["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, columns_before, "{def}");
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 0);
    assert_eq!(rows(&db, "public.maestro_audit_logs"), before);
    assert_eq!(columns(&db), columns_before);
    assert_all_present(&db);
    assert_same_dump(&dump_before, &schema_dump(&db));
    let _ = fs::remove_dir_all(&dir);
}

/// What uses the tables' own sequences, their array types, or is a constraint trigger
/// declared FROM one of them goes with a DROP ... CASCADE (an app's column and its rows):
/// the dry run lists it, and the drop refuses, with or without --cascade; nothing is dropped.
#[test]
fn cascade_refuses_what_uses_maestros_sequences_array_types_or_constraint_triggers() {
    let db = fresh("seqarray");
    db.sql(
        "CREATE TABLE public.app_invoices (
           id int PRIMARY KEY,
           receipt_no bigint DEFAULT nextval('public.maestro_execution_receipts_id_seq'),
           audit_no bigint DEFAULT nextval('public.maestro_audit_logs_id_seq'),
           hist public.maestro_execution_receipts[]);
         INSERT INTO public.app_invoices (id, hist)
           SELECT 1, array_agg(r ORDER BY r.id) FROM public.maestro_execution_receipts r;
         INSERT INTO public.app_invoices (id) VALUES (2);
         CREATE FUNCTION public.app_receipt_count(h public.maestro_execution_receipts[]) RETURNS int
           LANGUAGE sql AS 'SELECT cardinality(h)';
         CREATE FUNCTION public.app_check_invoice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
         CREATE CONSTRAINT TRIGGER app_invoice_receipt AFTER INSERT ON public.app_invoices
           FROM public.maestro_execution_receipts FOR EACH ROW EXECUTE FUNCTION public.app_check_invoice();",
    );
    let invoices_before = rows(&db, "public.app_invoices");
    let app_intact = |db: &Db| {
        assert_eq!(rows(db, "public.app_invoices"), invoices_before);
        assert_eq!(
            db.scalar_i64("SELECT public.app_receipt_count(hist)::int8 FROM public.app_invoices WHERE id = 1"),
            3
        );
        assert_eq!(
            db.texts(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_name = 'app_invoices' AND column_default LIKE 'nextval%' ORDER BY 1"
            ),
            ["audit_no", "receipt_no"]
        );
        assert_eq!(db.scalar_i64("SELECT count(*) FROM pg_trigger WHERE tgname = 'app_invoice_receipt'"), 1);
        assert_all_present(db);
        assert_look_alikes_intact(db);
    };
    let dir = temp_dir("seqarray");
    let o = db.run(&["drop", "--cascade", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 0);
    let out = stdout(&o);
    let (_, cannot) = out.split_once("the backup cannot hold these").unwrap_or_else(|| panic!("{out}"));
    for d in [
        "default value for column receipt_no of table app_invoices depends on sequence maestro_execution_receipts_id_seq",
        "default value for column audit_no of table app_invoices depends on sequence maestro_audit_logs_id_seq",
        "column hist of table app_invoices depends on type maestro_execution_receipts[]",
        "function app_receipt_count(maestro_execution_receipts[]) depends on type maestro_execution_receipts[]",
        "trigger app_invoice_receipt on table app_invoices depends on table maestro_execution_receipts",
    ] {
        assert!(cannot.contains(d), "{d}\n{out}");
    }
    let o = drop_backup(&db, &dir, &["--cascade"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("the backup cannot hold"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was dropped"), "{}", stderr(&o));
    assert!(!dir.exists());
    app_intact(&db);
    // Without --cascade too (DROP TABLE alone would take the constraint trigger).
    let o = drop_backup(&db, &dir, &[]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("app_invoice_receipt"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was dropped"), "{}", stderr(&o));
    assert!(!dir.exists());
    app_intact(&db);
}

/// The file `migration --mode drop` writes, applied to a database where a partition in
/// another schema holds rows of MAESTRO's audit log (DROP TABLE alone would take it with
/// them), or where a constraint trigger on an app table is declared FROM a MAESTRO table:
/// it raises, naming them, and drops nothing.
#[test]
fn the_drop_migration_refuses_partitions_children_and_constraint_triggers() {
    let dir = temp_dir("migpart");
    fs::create_dir_all(&dir).unwrap();
    let o = run_with(None, &["migration", "--dir", dir.to_str().unwrap(), "--mode", "drop"]);
    expect_code(&o, 0);
    let file = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).find(|p| p.is_file()).unwrap();
    let sql = fs::read_to_string(&file).unwrap();

    let db = Db::new("migpart");
    db.sql(
        "CREATE TABLE public.maestro_audit_logs (
           id bigserial, event text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
         CREATE TABLE public.maestro_audit_logs_recent PARTITION OF public.maestro_audit_logs DEFAULT;
         CREATE SCHEMA archive;
         CREATE TABLE archive.compliance_2025 PARTITION OF public.maestro_audit_logs
           FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         INSERT INTO public.maestro_audit_logs (event, created_at) VALUES
           ('old-1', '2025-03-01'), ('old-2', '2025-06-01'), ('new', now());",
    );
    db.sql(
        &RUNBOOK_OBJECTS.replace("CREATE TABLE public.maestro_audit_logs (", "CREATE TABLE public.unused_audit_logs ("),
    );
    db.sql(SYNC_STORE);
    let archive_before = rows(&db, "archive.compliance_2025");
    let all_before = rows(&db, "public.maestro_audit_logs");
    assert_eq!(archive_before.len(), 2);
    let err = db.client().batch_execute(&sql).expect_err("the migration must refuse");
    let msg = err.as_db_error().map(|e| e.message().to_string()).unwrap_or_else(|| err.to_string());
    assert!(msg.contains("archive.compliance_2025 (partition of maestro_audit_logs)"), "{msg}");
    assert!(msg.contains("nothing was dropped"), "{msg}");
    assert_eq!(rows(&db, "archive.compliance_2025"), archive_before);
    assert_eq!(rows(&db, "public.maestro_audit_logs"), all_before);
    assert!(db.table_exists("public", "maestro_execution_receipts"));
    assert!(db.table_exists("public", "maestro_sync_store"));
    assert!(db.function_exists("public", "maestro_claim_receipt"));

    // An inheriting child.
    let db = fresh("migchild");
    db.sql(
        "CREATE TABLE public.app_audit_extra (source text) INHERITS (public.maestro_audit_logs);
         INSERT INTO public.app_audit_extra (event, source) VALUES ('app-1', 'web');",
    );
    let err = db.client().batch_execute(&sql).expect_err("the migration must refuse");
    let msg = err.as_db_error().map(|e| e.message().to_string()).unwrap_or_else(|| err.to_string());
    assert!(msg.contains("app_audit_extra (inherits from maestro_audit_logs)"), "{msg}");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.app_audit_extra"), 1);
    assert_eq!(only_rows(&db, "public.maestro_audit_logs").len(), 5);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_execution_receipts"), 3);
    assert!(db.table_exists("public", "maestro_sync_store"));
    assert!(db.function_exists("public", "maestro_claim_receipt"));

    // A constraint trigger declared FROM a MAESTRO table.
    let db = fresh("migtrigger");
    db.sql(
        "CREATE TABLE public.app_invoices (id int PRIMARY KEY);
         CREATE FUNCTION public.app_check_invoice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
         CREATE CONSTRAINT TRIGGER app_invoice_receipt AFTER INSERT ON public.app_invoices
           FROM public.maestro_execution_receipts FOR EACH ROW EXECUTE FUNCTION public.app_check_invoice();",
    );
    let err = db.client().batch_execute(&sql).expect_err("the migration must refuse");
    let msg = err.as_db_error().map(|e| e.message().to_string()).unwrap_or_else(|| err.to_string());
    assert!(msg.contains("app_invoice_receipt on app_invoices"), "{msg}");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM pg_trigger WHERE tgname = 'app_invoice_receipt'"), 1);
    assert_all_present(&db);

    // Without them, it drops MAESTRO's objects and nothing else.
    let db = fresh("migplain");
    db.client().batch_execute(&sql).unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
    for t in TABLES {
        assert!(!db.table_exists("public", t));
    }
    assert!(!db.function_exists("public", "maestro_claim_receipt"));
    assert_look_alikes_intact(&db);
    let _ = fs::remove_dir_all(&dir);
}

/// restore --keep-going says "recreated" only of the views and foreign keys it recreated:
/// a foreign key that an order added since the drop breaks, and a view whose name the app
/// has since given a table, are listed as not restored; the app's rows stay as they are.
/// What belongs to a skipped view or foreign key (grants, comments) is skipped with it, so
/// the app's table and constraint that now have those names keep their grants and comments.
#[test]
fn keep_going_says_recreated_only_of_what_was() {
    let mut db = fresh("keepgoing");
    let anon = db.role("anon");
    let authenticated = db.role("authenticated");
    db.sql(&format!(
        "CREATE TABLE public.app_orders (id int PRIMARY KEY,
           receipt bigint CONSTRAINT app_orders_receipt_fk REFERENCES public.maestro_execution_receipts (id));
         COMMENT ON CONSTRAINT app_orders_receipt_fk ON public.app_orders IS 'maestro''s receipt';
         INSERT INTO public.app_orders VALUES (1, 1), (2, NULL);
         CREATE VIEW public.app_dashboard AS SELECT event, count(*) AS n FROM public.maestro_audit_logs GROUP BY event;
         GRANT SELECT ON public.app_dashboard TO {anon};
         COMMENT ON VIEW public.app_dashboard IS 'maestro''s dashboard';
         COMMENT ON COLUMN public.app_dashboard.event IS 'maestro''s event';
         CREATE VIEW public.app_recent AS SELECT id, event FROM public.maestro_audit_logs;"
    ));
    let dir = temp_dir("keepgoing");
    expect_code(&drop_backup(&db, &dir, &["--cascade"]), 0);
    // Since the drop: an order that names a receipt that no longer exists, a table named as the view
    // was, with its own grants and comments, and a check named as the foreign key was.
    db.sql(&format!(
        "INSERT INTO public.app_orders VALUES (3, 99);
         ALTER TABLE public.app_orders ADD CONSTRAINT app_orders_receipt_fk CHECK (receipt > 0);
         COMMENT ON CONSTRAINT app_orders_receipt_fk ON public.app_orders IS 'the app''s check';
         CREATE TABLE public.app_dashboard (event text, n bigint);
         INSERT INTO public.app_dashboard VALUES ('mine', 1);
         GRANT SELECT, INSERT ON public.app_dashboard TO {anon}, {authenticated};
         COMMENT ON TABLE public.app_dashboard IS 'the app''s dashboard';
         COMMENT ON COLUMN public.app_dashboard.event IS 'the app''s event';"
    ));
    let apps = |db: &Db| {
        [
            "SELECT relacl::text FROM pg_class WHERE oid = 'public.app_dashboard'::regclass",
            "SELECT obj_description('public.app_dashboard'::regclass, 'pg_class')",
            "SELECT col_description('public.app_dashboard'::regclass, 1)",
            "SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint WHERE conname = 'app_orders_receipt_fk'",
        ]
        .map(|q| db.opt_text(q))
    };
    let apps_before = apps(&db);
    assert!(apps_before[0].as_deref().unwrap_or("").contains(&format!("{authenticated}=ar")), "{apps_before:?}");
    let orders_before = rows(&db, "public.app_orders");
    let o = restore(&db, &dir, &[]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("nothing was restored"), "{}", stderr(&o));
    assert!(!db.table_exists("public", "maestro_audit_logs"));

    let o = restore(&db, &dir, &["--keep-going"]);
    expect_code(&o, 0);
    let out = stdout(&o);
    // The app's table and check that have those names keep their grants and comments.
    assert_eq!(apps(&db), apps_before, "{out}");
    assert!(!out.contains("foreign key \"app_orders_receipt_fk\" on \"public\".\"app_orders\": recreated"), "{out}");
    assert!(!out.contains("\"public\".\"app_dashboard\": view recreated"), "{out}");
    assert!(out.contains("\"public\".\"app_recent\": view recreated"), "{out}");
    assert!(
        out.contains(
            "not restored (--keep-going): foreign key \"app_orders_receipt_fk\" on \"public\".\"app_orders\": "
        ),
        "{out}"
    );
    assert!(out.contains("not restored (--keep-going): view \"public\".\"app_dashboard\": "), "{out}");
    for what in [
        "the grants on view \"public\".\"app_dashboard\"",
        "the comment of view \"public\".\"app_dashboard\"",
        "the comment of column \"public\".\"app_dashboard\".\"event\"",
    ] {
        let line = format!(
            "not restored (--keep-going): {what}: not run, since view \"public\".\"app_dashboard\" was not restored"
        );
        assert!(out.contains(&line), "{line}\n{out}");
    }
    assert!(
        out.contains(
            "not restored (--keep-going): the comment of foreign key \"app_orders_receipt_fk\": not run, since \
             foreign key \"app_orders_receipt_fk\" on \"public\".\"app_orders\" was not restored"
        ),
        "{out}"
    );
    // What restore says matches the database.
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM pg_constraint WHERE conname = 'app_orders_receipt_fk' AND contype = 'f'"),
        0
    );
    assert_eq!(
        db.opt_text("SELECT relkind::text FROM pg_class WHERE oid = 'public.app_dashboard'::regclass").as_deref(),
        Some("r")
    );
    assert_eq!(
        db.opt_text("SELECT relkind::text FROM pg_class WHERE oid = 'public.app_recent'::regclass").as_deref(),
        Some("v")
    );
    assert_eq!(rows(&db, "public.app_dashboard"), ["(mine,1)"]);
    assert_eq!(rows(&db, "public.app_orders"), orders_before);
    assert_all_present(&db);
    let _ = fs::remove_dir_all(&dir);
}

/// An app's event trigger logs DDL into a table whose deferred trigger runs at COMMIT; in
/// maestro-db's session it waits there (`WAIT_AT_COMMIT`), so a test can end that session
/// during its COMMIT (as a lost connection would), or fails there (`FAIL_AT_COMMIT`).
const LOG_DDL: &str = "
    CREATE TABLE public.app_ddl_log (tag text);
    CREATE FUNCTION public.app_check_ddl() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
    CREATE CONSTRAINT TRIGGER app_ddl_log_check AFTER INSERT ON public.app_ddl_log
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.app_check_ddl();
    CREATE FUNCTION public.app_log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS
      $$ BEGIN INSERT INTO public.app_ddl_log VALUES (tg_tag); END $$;
    CREATE EVENT TRIGGER app_log_drops ON sql_drop EXECUTE FUNCTION public.app_log_ddl();
    CREATE EVENT TRIGGER app_log_ddl ON ddl_command_end EXECUTE FUNCTION public.app_log_ddl();";

const WAIT_AT_COMMIT: &str = "
    CREATE OR REPLACE FUNCTION public.app_check_ddl() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('application_name') = 'maestro-db' THEN PERFORM pg_sleep(60); END IF;
      RETURN NULL;
    END $$";

const FAIL_AT_COMMIT: &str = "
    CREATE OR REPLACE FUNCTION public.app_check_ddl() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('application_name') = 'maestro-db' THEN RAISE EXCEPTION 'no DDL today'; END IF;
      RETURN NULL;
    END $$";

/// Runs maestro-db with `args` and ends its session while it waits in its COMMIT.
fn ended_during_commit(db: &Db, args: &[&str]) -> std::process::Output {
    let url = db.url();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let run = thread::spawn(move || run_with(Some(&url), &args.iter().map(String::as_str).collect::<Vec<_>>()));
    let start = Instant::now();
    while db.scalar_i64(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE application_name = 'maestro-db' AND query = 'COMMIT' AND wait_event = 'PgSleep'",
    ) == 0
    {
        assert!(start.elapsed() < Duration::from_secs(30), "maestro-db never waited in its COMMIT");
        thread::sleep(Duration::from_millis(50));
    }
    run.join().unwrap()
}

/// A COMMIT whose connection is lost may or may not have been committed: drop, inert and
/// restore say the outcome is unknown and to check with `status` (never "rolled back"),
/// and whether the backup is complete and kept; what they say matches the database.
#[test]
fn a_commit_that_loses_its_connection_is_reported_as_unknown_not_rolled_back() {
    let db = fresh("commitlost");
    db.sql(LOG_DDL);
    let unknown = "the connection failed during COMMIT, so whether it was committed is unknown";

    // An ERROR during the COMMIT (a deferred check) is a rollback, and is said to be one.
    db.sql(FAIL_AT_COMMIT);
    let dir = temp_dir("commiterror");
    let o = drop_backup(&db, &dir, &[]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("no DDL today"), "{err}");
    assert!(err.contains("nothing was dropped: the transaction was rolled back"), "{err}");
    assert!(err.contains(&format!("the backup in {} is complete and kept", dir.display())), "{err}");
    assert!(!err.contains(unknown), "{err}");
    assert_all_present(&db);
    let _ = fs::remove_dir_all(&dir);
    db.sql(WAIT_AT_COMMIT);

    // drop: the backup is complete and kept; the server rolled back, so everything is there.
    let dir = temp_dir("commitlost");
    let o = ended_during_commit(&db, &["drop", "--yes", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains(unknown), "{err}");
    assert!(err.contains("maestro-db status"), "{err}");
    assert!(err.contains(&format!("the backup in {} is complete and kept", dir.display())), "{err}");
    assert!(!err.contains("nothing was dropped"), "{err}");
    assert!(!err.contains("rolled back"), "{err}");
    assert_all_present(&db);
    assert_look_alikes_intact(&db);
    let manifest: Value = serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let receipts =
        manifest["tables"].as_array().unwrap().iter().find(|t| t["table"] == "maestro_execution_receipts").unwrap();
    assert_eq!(receipts["rows"], 3, "{manifest}");
    let _ = fs::remove_dir_all(&dir);

    // inert: not "nothing was changed".
    let o = ended_during_commit(&db, &["inert"]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains(unknown), "{err}");
    assert!(err.contains("maestro-db status"), "{err}");
    assert!(!err.contains("nothing was changed"), "{err}");
    assert_eq!(db.opt_text("SELECT obj_description('public.maestro_sync_store'::regclass, 'pg_class')"), None);

    // restore: the backup is unchanged, and restore runs again once status shows the tables missing.
    db.sql("ALTER EVENT TRIGGER app_log_drops DISABLE; ALTER EVENT TRIGGER app_log_ddl DISABLE");
    expect_code(&drop_backup(&db, &dir, &[]), 0);
    db.sql("ALTER EVENT TRIGGER app_log_drops ENABLE; ALTER EVENT TRIGGER app_log_ddl ENABLE");
    let o = ended_during_commit(&db, &["restore", "--backup", dir.to_str().unwrap()]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains(unknown), "{err}");
    assert!(err.contains("maestro-db status"), "{err}");
    assert!(err.contains(&format!("the backup in {} is unchanged", dir.display())), "{err}");
    assert!(!err.contains("nothing was restored"), "{err}");
    assert!(!db.table_exists("public", "maestro_audit_logs"));
    db.sql("DROP EVENT TRIGGER app_log_drops; DROP EVENT TRIGGER app_log_ddl");
    expect_code(&restore(&db, &dir, &[]), 0);
    assert_all_present(&db);
    let _ = fs::remove_dir_all(&dir);
}

/// A comment changed since `inert`: `inert --undo` leaves it, and keeps the original (the
/// store stays while it holds anything) and says where; `inert` again does not replace
/// the kept original with the new comment; drop --backup and restore --original-comments
/// still give it back.
#[test]
fn undo_keeps_the_original_comment_when_the_comment_changed_since_inert() {
    let db = fresh("undochanged");
    db.sql("COMMENT ON TABLE public.maestro_sync_store IS 'blobs, encrypted'");
    expect_code(&db.run(&["inert"]), 0);
    db.sql("COMMENT ON TABLE public.maestro_sync_store IS 'x'");
    let comment = |t: &str| db.opt_text(&format!("SELECT obj_description('public.{t}'::regclass, 'pg_class')"));
    let kept = || {
        db.texts("SELECT table_name || '=' || coalesce(original_comment, 'NULL') FROM public.maestro_db_inert_comments ORDER BY 1")
    };

    let o = db.run(&["inert", "--undo"]);
    expect_code(&o, 0);
    let out = stdout(&o);
    assert_eq!(comment("maestro_sync_store").as_deref(), Some("x"), "the changed comment stays");
    assert_eq!(comment("maestro_audit_logs"), None, "the others are put back");
    assert!(db.table_exists("public", "maestro_db_inert_comments"), "the store stays while it holds anything");
    assert_eq!(kept(), ["maestro_sync_store=blobs, encrypted"]);
    assert!(out.contains("its comment changed since `inert` ('x'); left as it is"), "{out}");
    assert!(out.contains("'blobs, encrypted', is still kept in \"public\".\"maestro_db_inert_comments\""), "{out}");
    assert!(out.contains("`restore --original-comments` gives it back"), "{out}");
    assert!(out.contains("COMMENT ON TABLE \"public\".\"maestro_sync_store\" IS 'blobs, encrypted'"), "{out}");
    assert!(out.contains("\"public\".\"maestro_db_inert_comments\": kept, it still holds"), "{out}");
    assert!(!out.contains("empty, dropped"), "{out}");
    let o = db.run(&["status", "--json"]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sync = doc["objects"].as_array().unwrap().iter().find(|o| o["name"] == "maestro_sync_store").unwrap();
    assert_eq!(sync["comment_before_inert"], "blobs, encrypted", "{doc}");
    let o = db.run(&["status"]);
    assert!(stdout(&o).contains("before an earlier inert: 'blobs, encrypted', still kept in"), "{}", stdout(&o));

    // inert again: the kept original is not replaced by 'x'; that table is left unmarked, the others marked.
    let o = db.run(&["inert", "--json"]);
    expect_code(&o, 0);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sync = doc["tables"].as_array().unwrap().iter().find(|t| t["table"] == "maestro_sync_store").unwrap();
    assert_eq!(sync["action"], "skipped", "{doc}");
    assert_eq!(comment("maestro_sync_store").as_deref(), Some("x"));
    assert_eq!(comment("maestro_audit_logs").as_deref(), Some("INERT: MAESTRO disabled - safe to truncate"));
    assert_eq!(
        kept(),
        ["maestro_audit_logs=NULL", "maestro_execution_receipts=NULL", "maestro_sync_store=blobs, encrypted"]
    );

    // The backup holds the original; restore --original-comments gives it back.
    let dir = temp_dir("undochanged");
    expect_code(&drop_backup(&db, &dir, &[]), 0);
    expect_code(&restore(&db, &dir, &["--original-comments"]), 0);
    assert_eq!(comment("maestro_sync_store").as_deref(), Some("blobs, encrypted"));
    assert_look_alikes_intact(&db);
    let _ = fs::remove_dir_all(&dir);
}

/// The migration `migration --mode inert` writes keeps each table's comment, as `inert` does:
/// after applying it, `inert --undo` gives back the original; applied again it changes nothing,
/// and it never replaces an original that an earlier `inert --undo` kept.
#[test]
fn the_inert_migration_keeps_the_comments_it_replaces() {
    let mut db = fresh("miginert");
    let anon = db.role("anon");
    db.sql(&format!(
        "COMMENT ON TABLE public.maestro_sync_store IS 'blobs, encrypted';
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {anon};"
    ));
    let dir = temp_dir("miginert");
    fs::create_dir_all(&dir).unwrap();
    expect_code(&run_with(None, &["migration", "--dir", dir.to_str().unwrap(), "--mode", "inert"]), 0);
    let file = fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let sql = fs::read_to_string(&file).unwrap();
    let comment = |t: &str| db.opt_text(&format!("SELECT obj_description('public.{t}'::regclass, 'pg_class')"));
    let kept = || {
        db.texts(
            "SELECT table_name || '=' || coalesce(original_comment, 'NULL') FROM public.maestro_db_inert_comments ORDER BY 1",
        )
    };
    db.client().batch_execute(&sql).unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
    assert_eq!(comment("maestro_sync_store").as_deref(), Some("INERT: MAESTRO disabled - safe to drop"));
    assert_eq!(
        kept(),
        ["maestro_audit_logs=NULL", "maestro_execution_receipts=NULL", "maestro_sync_store=blobs, encrypted"]
    );
    // As private as `inert`'s: no grant from default privileges, row-level security on.
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT (has_table_privilege('{anon}', 'public.maestro_db_inert_comments', 'SELECT'))::int::int8"
        )),
        0
    );
    assert_eq!(
        db.scalar_i64(
            "SELECT relrowsecurity::int::int8 FROM pg_class WHERE oid = 'public.maestro_db_inert_comments'::regclass"
        ),
        1
    );
    assert!(sql.contains("kept first, as `maestro-db inert` keeps it"), "{sql}");
    // Applied again: the tables are inert already, the originals stay.
    db.client().batch_execute(&sql).unwrap();
    assert_eq!(kept()[2], "maestro_sync_store=blobs, encrypted");
    let o = db.run(&["status"]);
    assert!(stdout(&o).contains("(before inert: 'blobs, encrypted'; `inert --undo` puts it back)"), "{}", stdout(&o));
    let o = db.run(&["inert", "--undo"]);
    expect_code(&o, 0);
    assert_eq!(comment("maestro_sync_store").as_deref(), Some("blobs, encrypted"));
    assert_eq!(comment("maestro_audit_logs"), None);
    assert!(!db.table_exists("public", "maestro_db_inert_comments"));

    // An original an earlier `inert --undo` kept (the comment changed since) is not replaced: that table stays unmarked.
    expect_code(&db.run(&["inert"]), 0);
    db.sql("COMMENT ON TABLE public.maestro_sync_store IS 'x'");
    expect_code(&db.run(&["inert", "--undo"]), 0);
    let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = notices.clone();
    let mut c = db
        .url()
        .parse::<postgres::Config>()
        .unwrap()
        .notice_callback(move |n| seen.lock().unwrap().push(format!("{}: {}", n.severity(), n.message())))
        .connect(postgres::NoTls)
        .unwrap();
    c.batch_execute(&sql).unwrap();
    let notices = notices.lock().unwrap().join("\n");
    assert!(
        notices.contains("WARNING: maestro-db migration: maestro_sync_store not marked inert, left as it is")
            && notices.contains("still kept in \"public\".\"maestro_db_inert_comments\""),
        "{notices}"
    );
    assert_eq!(comment("maestro_sync_store").as_deref(), Some("x"));
    assert_eq!(comment("maestro_audit_logs").as_deref(), Some("INERT: MAESTRO disabled - safe to truncate"));
    assert_eq!(kept()[2], "maestro_sync_store=blobs, encrypted");
    assert_look_alikes_intact(&db);
    let _ = fs::remove_dir_all(&dir);
}

/// An app's table that INHERITS MAESTRO's audit log: `status` counts only MAESTRO's own rows
/// (text and --json), and the verification query ignores the child's recent rows, so the count
/// does not rise from the app's writes as if MAESTRO still wrote.
#[test]
fn status_counts_only_maestros_own_rows_not_an_inheriting_childs() {
    let db = fresh("statusonly");
    db.sql(
        "CREATE TABLE public.app_audit_extra (source text) INHERITS (public.maestro_audit_logs);
         INSERT INTO public.app_audit_extra (event, source, created_at) VALUES
           ('app-1', 'web', now()), ('app-2', 'cron', now() - interval '10 minutes'), ('app-3', 'web', now());",
    );
    // The child's rows are seen through the parent without ONLY: 5 of MAESTRO's + 3.
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_audit_logs"), 8);
    let o = db.run(&["status", "--json"]);
    expect_code(&o, 0);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let audit = doc["objects"].as_array().unwrap().iter().find(|o| o["name"] == "maestro_audit_logs").unwrap();
    assert_eq!(audit["rows"], 5, "{doc}");
    assert_eq!(audit["count"], "exact", "{doc}");
    assert_eq!(doc["verification"]["recent_audit_logs"], 2, "{doc}");
    let sql = doc["verification"]["sql"].as_str().unwrap();
    assert!(sql.starts_with("SELECT COUNT(*) FROM ONLY \"public\".\"maestro_audit_logs\" WHERE"), "{doc}");
    // The query it shows gives the count it reports.
    assert_eq!(db.scalar_i64(sql), 2);
    // The planner's estimate for a table above --exact-limit is of its own rows too.
    db.sql("ANALYZE public.maestro_audit_logs; ANALYZE public.app_audit_extra");
    let o = db.run(&["status", "--json", "--exact-limit", "0"]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let audit = doc["objects"].as_array().unwrap().iter().find(|o| o["name"] == "maestro_audit_logs").unwrap();
    assert_eq!((audit["rows"].clone(), audit["count"].clone()), (Value::from(5), Value::from("estimate")), "{doc}");
    let o = db.run(&["status"]);
    expect_code(&o, 0);
    let out = stdout(&o);
    let line = out.lines().find(|l| l.starts_with("maestro_audit_logs")).unwrap();
    assert_eq!(line.split_whitespace().nth(3), Some("5"), "{out}");
    assert!(out.contains("  2 audit log rows in the last 1h"), "{out}");
    // The app's rows are untouched.
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.app_audit_extra"), 3);

    // A partitioned audit log's rows are in its partitions: they are all counted.
    let db = Db::new("statusparts");
    db.sql(
        "CREATE TABLE public.maestro_audit_logs (id bigint, event text, created_at timestamptz NOT NULL DEFAULT now())
           PARTITION BY RANGE (created_at);
         CREATE TABLE public.maestro_audit_logs_all PARTITION OF public.maestro_audit_logs DEFAULT;
         INSERT INTO public.maestro_audit_logs (id, event) VALUES (1, 'a'), (2, 'b');",
    );
    let o = db.run(&["status", "--json"]);
    expect_code(&o, 0);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let audit = doc["objects"].as_array().unwrap().iter().find(|o| o["name"] == "maestro_audit_logs").unwrap();
    assert_eq!(audit["rows"], 2, "{doc}");
    assert_eq!(doc["verification"]["recent_audit_logs"], 2, "{doc}");
}
