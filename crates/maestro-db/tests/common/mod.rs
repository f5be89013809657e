//! A database of its own for each test, on the throwaway cluster that
//! scripts/test-db.sh starts (MAESTRO_DB_TEST_HOST, _PORT, _USER).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use postgres::{Client, NoTls};

static N: AtomicUsize = AtomicUsize::new(0);

fn server() -> (String, String, String) {
    let host = std::env::var("MAESTRO_DB_TEST_HOST").unwrap_or_else(|_| {
        panic!(
            "MAESTRO_DB_TEST_HOST is not set: these tests need a real PostgreSQL. Run them with \
             `bash scripts/test-db.sh` (or `make test-db`), which starts a throwaway PostgreSQL 15 and sets it"
        )
    });
    let port = std::env::var("MAESTRO_DB_TEST_PORT").unwrap_or_else(|_| "5432".into());
    let user = std::env::var("MAESTRO_DB_TEST_USER").unwrap_or_else(|_| "postgres".into());
    (host, port, user)
}

pub fn conninfo(dbname: &str, user: Option<&str>) -> String {
    let (host, port, su) = server();
    format!("host={host} port={port} user={} dbname={dbname}", user.unwrap_or(&su))
}

pub struct Db {
    pub name: String,
    roles: Vec<String>,
}

impl Db {
    pub fn new(tag: &str) -> Db {
        let name = format!("mdb_{tag}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
        let mut admin = Client::connect(&conninfo("postgres", None), NoTls).expect("connect to the test cluster");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create the test database");
        Db { name, roles: Vec::new() }
    }

    pub fn url(&self) -> String {
        conninfo(&self.name, None)
    }

    pub fn client(&self) -> Client {
        Client::connect(&self.url(), NoTls).expect("connect to the test database")
    }

    pub fn sql(&self, sql: &str) {
        self.client().batch_execute(sql).unwrap_or_else(|e| panic!("{e:?}\nin: {sql}"));
    }

    /// A login role of this test's own (roles are shared by the cluster), without any privilege.
    pub fn role(&mut self, suffix: &str) -> String {
        let role = format!("{}_{suffix}", self.name);
        self.sql(&format!("CREATE ROLE {role} LOGIN; GRANT CONNECT ON DATABASE {} TO {role}", self.name));
        self.roles.push(role.clone());
        role
    }

    /// Runs the real binary with DATABASE_URL pointing at this database.
    pub fn run(&self, args: &[&str]) -> Output {
        run_with(Some(&self.url()), args)
    }

    pub fn run_as(&self, role: &str, args: &[&str]) -> Output {
        run_with(Some(&conninfo(&self.name, Some(role))), args)
    }

    pub fn scalar_i64(&self, sql: &str) -> i64 {
        self.client().query_one(sql, &[]).unwrap_or_else(|e| panic!("{e:?}\nin: {sql}")).get(0)
    }

    pub fn opt_text(&self, sql: &str) -> Option<String> {
        self.client().query_one(sql, &[]).unwrap_or_else(|e| panic!("{e:?}\nin: {sql}")).get(0)
    }

    pub fn texts(&self, sql: &str) -> Vec<String> {
        self.client().query(sql, &[]).unwrap_or_else(|e| panic!("{e:?}\nin: {sql}")).iter().map(|r| r.get(0)).collect()
    }

    pub fn table_exists(&self, schema: &str, table: &str) -> bool {
        self.client()
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r')",
                &[&schema, &table],
            )
            .unwrap()
            .get(0)
    }

    pub fn function_exists(&self, schema: &str, name: &str) -> bool {
        self.client()
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname = $1 AND p.proname = $2)",
                &[&schema, &name],
            )
            .unwrap()
            .get(0)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&conninfo("postgres", None), NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
            for r in &self.roles {
                let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS {r}"));
            }
        }
    }
}

pub fn run_with(url: Option<&str>, args: &[&str]) -> Output {
    // MAESTRO_DB_BIN runs the tests against another build (an older one, to see a test fail there).
    let bin = std::env::var("MAESTRO_DB_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_maestro-db").to_string());
    let mut cmd = Command::new(bin);
    cmd.args(args).env_remove("DATABASE_URL").env_remove("PGUSER");
    if let Some(u) = url {
        cmd.env("DATABASE_URL", u);
    }
    cmd.output().expect("run maestro-db")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code, showing both streams when it is not the expected one.
pub fn expect_code(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "exit code\n--- stdout:\n{}\n--- stderr:\n{}", stdout(o), stderr(o));
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "maestro-db-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// MAESTRO's objects as the runbook names them (with SYNC_STORE), with a few rows; two audit log rows
/// fall in the last hour, three are older.
pub const RUNBOOK_OBJECTS: &str = r#"
CREATE TABLE public.maestro_execution_receipts (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  receipt_id text NOT NULL UNIQUE,
  claimed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.maestro_audit_logs (
  id bigserial PRIMARY KEY,
  event text NOT NULL,
  details jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION public.maestro_claim_receipt(p_receipt_id text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  UPDATE public.maestro_execution_receipts SET claimed = true WHERE receipt_id = p_receipt_id AND NOT claimed;
  RETURN FOUND;
END $$;
INSERT INTO public.maestro_execution_receipts (receipt_id) VALUES ('r-1'), ('r-2'), ('r-3');
INSERT INTO public.maestro_audit_logs (event, created_at) VALUES
  ('claim', now() - interval '5 minutes'), ('claim', now() - interval '30 minutes'),
  ('sync', now() - interval '2 hours'), ('sync', now() - interval '1 day'), ('init', now() - interval '30 days');
"#;

/// The runbook's sync store, with two rows.
pub const SYNC_STORE: &str = r#"
CREATE TABLE public.maestro_sync_store (
  key text PRIMARY KEY,
  blob bytea,
  updated_at timestamptz DEFAULT now()
);
INSERT INTO public.maestro_sync_store (key, blob) VALUES ('k-1', '\x00ff'), ('k-2', NULL);
"#;

/// Objects that look like MAESTRO's but are not: they must never be touched.
pub const LOOK_ALIKES: &str = r#"
CREATE TABLE public.maestro_notes (id int PRIMARY KEY, note text);
INSERT INTO public.maestro_notes VALUES (1, 'keep'), (2, 'me');
COMMENT ON TABLE public.maestro_notes IS 'not MAESTRO''s';
CREATE SCHEMA other;
CREATE TABLE other.maestro_execution_receipts (id int);
CREATE TABLE other.maestro_sync_store (id int);
CREATE TABLE other.maestro_audit_logs (id int, created_at timestamptz DEFAULT now());
INSERT INTO other.maestro_audit_logs (id) VALUES (1), (2), (3), (4);
COMMENT ON TABLE other.maestro_audit_logs IS 'other schema';
CREATE FUNCTION other.maestro_claim_receipt(p text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
"#;

pub fn fresh(tag: &str) -> Db {
    let db = Db::new(tag);
    db.sql(RUNBOOK_OBJECTS);
    db.sql(SYNC_STORE);
    db.sql(LOOK_ALIKES);
    db
}

pub const TABLES: [&str; 3] = ["maestro_execution_receipts", "maestro_sync_store", "maestro_audit_logs"];

pub fn assert_all_present(db: &Db) {
    for t in TABLES {
        assert!(db.table_exists("public", t), "public.{t} should still exist");
    }
    assert!(db.function_exists("public", "maestro_claim_receipt"), "the function should still exist");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_execution_receipts"), 3);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_audit_logs"), 5);
}

pub fn assert_look_alikes_intact(db: &Db) {
    assert_eq!(db.scalar_i64("SELECT count(*) FROM public.maestro_notes"), 2);
    assert_eq!(
        db.opt_text("SELECT obj_description('public.maestro_notes'::regclass, 'pg_class')").as_deref(),
        Some("not MAESTRO's")
    );
    for t in TABLES {
        assert!(db.table_exists("other", t), "other.{t} must survive");
    }
    assert_eq!(db.scalar_i64("SELECT count(*) FROM other.maestro_audit_logs"), 4);
    assert_eq!(
        db.opt_text("SELECT obj_description('other.maestro_audit_logs'::regclass, 'pg_class')").as_deref(),
        Some("other schema")
    );
    assert_eq!(db.opt_text("SELECT obj_description('other.maestro_sync_store'::regclass, 'pg_class')"), None);
    assert!(db.function_exists("other", "maestro_claim_receipt"));
}
