//! The backup that `drop --backup DIR` writes before it drops, and `restore`,
//! which reads it back.
//!
//! A backup folder holds, for each table the drop takes (MAESTRO's, and with
//! `--cascade` each partition or inheriting child as its own object), its rows
//! (`COPY (SELECT ... FROM ONLY ...) TO STDOUT` as CSV with a header) and its
//! definition (JSON: columns with collations, constraints, indexes, foreign
//! keys, triggers, row-level security and policies, owner, grants, comments,
//! partition key and parents); `maestro_claim_receipt.sql` (the function, its
//! owner, grants and comment); `dependents.json` (the views and foreign keys of
//! other tables that `--cascade` drops); and `manifest.json` with the row counts
//! and the SHA-256 of every file, written last. The folder is 0700 and every
//! file 0600.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

use postgres::GenericClient;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::catalog::{ForeignKeyIn, Grant, TableDef, ViewDef};
use crate::db::{pg, Objects};
use crate::util::{ident, literal, qualified, Fail, Res, FUNCTION, TABLES};

pub const FORMAT: &str = "maestro-db-backup/2";
/// Backups written before definitions were complete: still restored.
pub const FORMAT_1: &str = "maestro-db-backup/1";
pub const MANIFEST: &str = "manifest.json";
pub const DEPENDENTS: &str = "dependents.json";

/// Session settings under which everything is read and written back, in every
/// transaction: the text of every value (dates, bytea, floats) is the same on
/// both sides; string literals mean what they say (`standard_conforming_strings`);
/// PostgreSQL refuses to hide rows rather than filter them (`row_security = off`).
pub const SETTINGS: [&str; 8] = [
    "SET LOCAL standard_conforming_strings = on",
    "SET LOCAL row_security = off",
    "SET LOCAL datestyle = 'ISO, YMD'",
    "SET LOCAL timezone = 'UTC'",
    "SET LOCAL intervalstyle = 'postgres'",
    "SET LOCAL extra_float_digits = 3",
    "SET LOCAL bytea_output = 'hex'",
    "SET LOCAL synchronize_seqscans = off",
];

/// While the drop reads definitions: every name PostgreSQL deparses comes out
/// schema-qualified, so the backup's SQL means the same under any search_path.
/// (DDL itself runs under the session's own search_path, as event triggers expect.)
pub const QUALIFY: &str = "SET LOCAL search_path = ''";
pub const UNQUALIFY: &str = "SET LOCAL search_path TO DEFAULT";

pub fn pin_settings<C: GenericClient>(c: &mut C) -> Res<()> {
    for s in SETTINGS {
        c.batch_execute(s).map_err(pg)?;
    }
    Ok(())
}

/// The statement that writes a table's own rows (not its partitions' or children's).
pub fn copy_out_sql(def: &TableDef) -> String {
    format!("COPY (SELECT {} FROM ONLY {}) TO STDOUT WITH (FORMAT csv, HEADER)", def.column_list(), def.qualified())
}

/// A writer that hashes and counts what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn file_sha256(path: &Path) -> io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((hex(&h.finalize()), bytes))
}

fn io_fail(what: &str, path: &Path, e: io::Error) -> Fail {
    Fail::new(format!("could not {what} {}: {e}", path.display()))
}

/// A new private file (0600 whatever the umask), never over an existing one.
fn create_private(path: &Path) -> Res<File> {
    let mut o = File::options();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(path).map_err(|e| io_fail("create", path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(0o600)).map_err(|e| io_fail("set the mode of", path, e))?;
    }
    Ok(f)
}

/// Writes `data` to a new private file, synced to disk.
fn write_new(path: &Path, data: &[u8]) -> Res<(String, u64)> {
    let mut f = create_private(path)?;
    f.write_all(data).and_then(|_| f.sync_all()).map_err(|e| io_fail("write", path, e))?;
    Ok((hex(&Sha256::digest(data)), data.len() as u64))
}

/// The backup folder must be new or empty (a backup never mixes with another);
/// it is made private: 0700, whatever the umask.
pub fn prepare_dir(dir: &Path) -> Res<()> {
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(|e| io_fail("read the backup folder", dir, e))?;
        if entries.next().is_some() {
            return Err(Fail::new(format!(
                "the backup folder {} is not empty; give a new or empty folder, so no earlier backup is overwritten",
                dir.display()
            )));
        }
    } else {
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| io_fail("create the backup folder", dir, e))?;
        }
        let mut b = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(|e| io_fail("create the backup folder", dir, e))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| io_fail("make private (0700) the backup folder", dir, e))?;
    }
    Ok(())
}

/// Restore reads nothing that others could have written: the folder and every
/// file it reads must not be group- or world-writable.
fn check_private(path: &Path) -> Res<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let m = fs::metadata(path).map_err(|e| io_fail("read", path, e))?;
        let mode = m.permissions().mode() & 0o7777;
        if mode & 0o022 != 0 {
            return Err(Fail::new(format!(
                "{} is writable by others (mode {mode:04o}): anyone could have changed the backup; make it private \
                 (chmod go-w, and check its content) before restoring",
                path.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// (table, the comment `inert` replaced), for each table `inert` marked (kept
/// in `inert`'s store, `crate::inert::STORE`).
pub type Kept = Vec<(String, Option<String>)>;

/// What the backup holds, read in the drop's transaction after its lock.
pub struct Contents {
    /// MAESTRO's tables (kind `maestro`), then their partitions and children (`partition`, `child`).
    pub tables: Vec<(TableDef, &'static str)>,
    pub views: Vec<ViewDef>,
    pub foreign_keys_in: Vec<ForeignKeyIn>,
    /// The comments `inert` replaced (from maestro_db_inert_comments), by table.
    pub original_comments: Option<Kept>,
}

pub struct Written {
    pub lines: Vec<String>,
}

/// The function's file: its definition, owner, grants and comment, for each overload.
fn function_sql<C: GenericClient>(c: &mut C, objs: &Objects) -> Res<String> {
    let mut text = String::new();
    for f in &objs.functions {
        let d: String = c.query_one("SELECT pg_get_functiondef($1)", &[&f.oid]).map_err(pg)?.get(0);
        text.push_str(d.trim_end());
        text.push_str(";\n");
        let extra = crate::catalog::function_extra(c, f.oid)?;
        let target = format!("{} {}", f.kind, extra.regprocedure);
        if let Some(o) = &extra.owner {
            text.push_str(&format!("ALTER {target} OWNER TO {};\n", ident(o)));
        }
        // Grants that default privileges gave the new function (PUBLIC's EXECUTE is the default itself).
        let body = format!(
            "DECLARE g oid;\nBEGIN\n  FOR g IN SELECT DISTINCT a.grantee FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a\n\
             \x20   WHERE p.oid = {rp}::pg_catalog.regprocedure AND a.grantee NOT IN (0, p.proowner) LOOP\n\
             \x20   EXECUTE pg_catalog.format('REVOKE ALL ON {kind} %s FROM %s', {rp}::pg_catalog.regprocedure,\n\
             \x20     pg_catalog.quote_ident((SELECT rolname FROM pg_catalog.pg_roles WHERE oid = g)));\n\
             \x20 END LOOP;\nEND\n",
            rp = literal(&extra.regprocedure),
            kind = f.kind
        );
        let tag = crate::util::dollar_tag(&body);
        text.push_str(&format!("DO {tag}\n{body}{tag};\n"));
        for s in acl_sql(&target, extra.owner.as_deref(), &extra.acl) {
            text.push_str(&s);
            text.push_str(";\n");
        }
        if let Some(cm) = &f.comment {
            text.push_str(&format!("COMMENT ON {target} IS {};\n", literal(cm)));
        }
    }
    Ok(text)
}

/// Writes the backup (the objects are already locked by the caller's transaction) into `dir`.
pub fn write<C: GenericClient>(
    c: &mut C,
    objs: &Objects,
    contents: &Contents,
    dir: &Path,
    created_at: &str,
    dbname: &str,
) -> Res<Written> {
    let mut tables = Vec::new();
    let mut lines = Vec::new();
    let mut n_child = 0;
    for (def, kind) in &contents.tables {
        let q = def.qualified();
        let base = if *kind == "maestro" {
            def.table.clone()
        } else {
            n_child += 1;
            format!("{kind}_{n_child}")
        };
        let rows: i64 = c.query_one(&format!("SELECT count(*) FROM ONLY {q}"), &[]).map_err(pg)?.get(0);
        let def_file = format!("{base}.columns.json");
        let def_text = serde_json::to_string_pretty(&def.to_json(FORMAT)).unwrap_or_default() + "\n";
        let (def_sha, def_bytes) = write_new(&dir.join(&def_file), def_text.as_bytes())?;
        let data_file = format!("{base}.csv");
        let path = dir.join(&data_file);
        let f = create_private(&path)?;
        let mut w = Hashing { inner: io::BufWriter::new(f), hash: Sha256::new(), bytes: 0 };
        let mut reader = c.copy_out(&copy_out_sql(def)).map_err(pg)?;
        io::copy(&mut reader, &mut w).map_err(|e| io_fail("write", &path, e))?;
        drop(reader);
        w.flush().map_err(|e| io_fail("write", &path, e))?;
        let Hashing { inner, hash, bytes } = w;
        inner
            .into_inner()
            .map_err(|e| io_fail("write", &path, e.into_error()))?
            .sync_all()
            .map_err(|e| io_fail("sync", &path, e))?;
        let sha = hex(&hash.finalize());
        let what = if *kind == "maestro" { String::new() } else { format!(" ({kind})") };
        lines.push(format!("{q}{what}: {rows} rows -> {}", path.display()));
        tables.push(json!({
            "table": def.table,
            "schema": def.schema,
            "kind": kind,
            "rows": rows,
            "data": {"file": data_file, "bytes": bytes, "sha256": sha},
            "definition": {"file": def_file, "bytes": def_bytes, "sha256": def_sha},
        }));
    }
    let mut function = Value::Null;
    if !objs.functions.is_empty() {
        let text = function_sql(c, objs)?;
        let file = format!("{FUNCTION}.sql");
        let (sha, bytes) = write_new(&dir.join(&file), text.as_bytes())?;
        lines.push(format!("{}: definition -> {}", objs.qualified(FUNCTION), dir.join(&file).display()));
        function = json!({
            "file": file, "bytes": bytes, "sha256": sha,
            "signatures": objs.functions.iter().map(|f| f.signature.clone()).collect::<Vec<_>>(),
        });
    }
    let mut dependents = Value::Null;
    if !contents.views.is_empty() || !contents.foreign_keys_in.is_empty() {
        let doc = json!({
            "format": FORMAT,
            "views": contents.views.iter().map(ViewDef::to_json).collect::<Vec<_>>(),
            "foreign_keys": contents.foreign_keys_in.iter().map(ForeignKeyIn::to_json).collect::<Vec<_>>(),
        });
        let (sha, bytes) = write_new(
            &dir.join(DEPENDENTS),
            (serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n").as_bytes(),
        )?;
        for v in &contents.views {
            lines.push(format!(
                "{} ({}): definition -> {}",
                qualified(&v.schema, &v.name),
                if v.materialized { "materialized view" } else { "view" },
                dir.join(DEPENDENTS).display()
            ));
        }
        for k in &contents.foreign_keys_in {
            lines.push(format!(
                "foreign key {} of {}: definition -> {}",
                ident(&k.fk.name),
                qualified(&k.schema, &k.table),
                dir.join(DEPENDENTS).display()
            ));
        }
        dependents = json!({"file": DEPENDENTS, "bytes": bytes, "sha256": sha});
    }
    let manifest = json!({
        "format": FORMAT,
        "created_at": created_at,
        "database": dbname,
        "schema": objs.schema,
        "tables": tables,
        "function": function,
        "dependents": dependents,
        "original_comments": contents.original_comments.as_ref().map(|k| {
            k.iter().map(|(t, c)| (t.clone(), json!(c))).collect::<serde_json::Map<String, Value>>()
        }),
    });
    let tmp = dir.join("manifest.json.partial");
    write_new(&tmp, (serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n").as_bytes())?;
    // Read every file back before anything is dropped.
    verify_files(dir, &manifest)?;
    fs::rename(&tmp, dir.join(MANIFEST)).map_err(|e| io_fail("write", &dir.join(MANIFEST), e))?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    lines.push(format!("manifest -> {}", dir.join(MANIFEST).display()));
    Ok(Written { lines })
}

/// The files the manifest names.
fn manifest_files(manifest: &Value) -> Vec<&Value> {
    let mut files: Vec<&Value> = Vec::new();
    for t in manifest["tables"].as_array().into_iter().flatten() {
        files.push(&t["data"]);
        files.push(&t["definition"]);
    }
    for k in ["function", "dependents"] {
        if !manifest[k].is_null() {
            files.push(&manifest[k]);
        }
    }
    files
}

fn file_name(f: &Value) -> Res<&str> {
    let name = f["file"].as_str().ok_or_else(|| Fail::new("the manifest names a file without a name"))?;
    if name.is_empty() || name.contains('/') || name.contains('\\') || name.starts_with('.') {
        return Err(Fail::new(format!("the manifest names an unexpected file `{name}`")));
    }
    Ok(name)
}

/// Every file the manifest names, checked against its SHA-256 and size.
fn verify_files(dir: &Path, manifest: &Value) -> Res<()> {
    for f in manifest_files(manifest) {
        let path = dir.join(file_name(f)?);
        let (sha, bytes) = file_sha256(&path).map_err(|e| io_fail("read", &path, e))?;
        if Some(sha.as_str()) != f["sha256"].as_str() || Some(bytes) != f["bytes"].as_u64() {
            return Err(Fail::new(format!(
                "{} does not match the manifest: sha256 {sha} ({bytes} bytes), the manifest says {} ({} bytes)",
                path.display(),
                f["sha256"],
                f["bytes"]
            )));
        }
    }
    Ok(())
}

// The SQL that restore runs. Names are quoted with `ident`, comments with
// `literal`; definitions and expressions are PostgreSQL's own deparsed text.

/// One statement of a restore and what it restores, for the report.
#[derive(Debug, Clone)]
pub struct Stmt {
    pub sql: String,
    pub what: String,
    /// Restore always stops when this one fails (creating a table, loading it,
    /// attaching a partition, turning row-level security on).
    pub must: bool,
    /// The `what` of the statement that creates the object this one belongs to (a
    /// view's grants, comments and indexes, a foreign key's comment): when that one was
    /// skipped (--keep-going), this one is skipped too, since it would change whatever
    /// else now has that name (an app's table named as the view was).
    pub part_of: Option<String>,
}

fn stmt(sql: String, what: String, must: bool) -> Stmt {
    Stmt { sql, what, must, part_of: None }
}

/// Marks the statements from `start` on as belonging to the object `what` creates.
fn part_of(stmts: &mut [Stmt], start: usize, what: &str) {
    for s in stmts.iter_mut().skip(start) {
        s.part_of = Some(what.to_string());
    }
}

/// What restore calls a view's `CREATE` and a foreign key's `ADD CONSTRAINT`: it says
/// "recreated" for those whose statement ran.
fn view_what(q: &str) -> String {
    format!("view {q}")
}

fn foreign_key_what(k: &ForeignKeyIn) -> String {
    format!("foreign key {} on {}", ident(&k.fk.name), qualified(&k.schema, &k.table))
}

fn comment_stmt(on: String, comment: &Option<String>, what: &str) -> Option<Stmt> {
    comment
        .as_ref()
        .map(|c| stmt(format!("COMMENT ON {on} IS {}", literal(c)), format!("the comment of {what}"), false))
}

/// `CREATE SEQUENCE` for serial columns, then `CREATE TABLE` with the columns only:
/// constraints, indexes and the rest come after the rows.
pub fn create_table_sql(def: &TableDef) -> Vec<Stmt> {
    let q = def.qualified();
    let mut out = Vec::new();
    for c in &def.columns {
        if let Some((seq, ty)) = &c.sequence {
            // The options are numbers and PostgreSQL's own words, written by the server.
            let opts = c.sequence_options.as_ref().map(|o| format!(" {o}")).unwrap_or_default();
            // An unlogged table's own sequences are unlogged too.
            let unlogged = if def.unlogged { "UNLOGGED " } else { "" };
            out.push(stmt(format!("CREATE {unlogged}SEQUENCE {seq} AS {ty}{opts}"), format!("sequence {seq}"), true));
        }
    }
    // An inheriting child is made with INHERITS, its own columns only, so its
    // inherited columns and constraints are inherited again, as they were.
    let inherits = !def.parents.is_empty() && def.parents.iter().all(|p| p.bound.is_none());
    let mut parts = Vec::new();
    let mut after = Vec::new();
    for c in &def.columns {
        if inherits && c.inherited {
            if let Some(e) = c.default.as_ref().filter(|_| c.generated.is_empty() && c.identity.is_empty()) {
                after.push(stmt(
                    format!("ALTER TABLE ONLY {q} ALTER COLUMN {} SET DEFAULT {e}", ident(&c.name)),
                    format!("the default of {q}.{}", ident(&c.name)),
                    true,
                ));
            }
            if c.not_null {
                after.push(stmt(
                    format!("ALTER TABLE ONLY {q} ALTER COLUMN {} SET NOT NULL", ident(&c.name)),
                    format!("NOT NULL on {q}.{}", ident(&c.name)),
                    true,
                ));
            }
            continue;
        }
        let mut s = format!("{} {}", ident(&c.name), c.ty);
        if let Some(coll) = &c.collation {
            s.push_str(&format!(" COLLATE {coll}"));
        }
        if c.generated == "s" {
            if let Some(e) = &c.default {
                s.push_str(&format!(" GENERATED ALWAYS AS ({e}) STORED"));
            }
        } else if c.identity == "a" || c.identity == "d" {
            s.push_str(if c.identity == "a" {
                " GENERATED ALWAYS AS IDENTITY"
            } else {
                " GENERATED BY DEFAULT AS IDENTITY"
            });
            if let (Some(name), Some(o)) = (&c.sequence_name, &c.sequence_options) {
                s.push_str(&format!(" (SEQUENCE NAME {name} {o})"));
            }
        } else if let Some(e) = &c.default {
            s.push_str(&format!(" DEFAULT {e}"));
        }
        if c.not_null {
            s.push_str(" NOT NULL");
        }
        parts.push(s);
    }
    let by = def.partition_key.as_ref().map(|k| format!(" PARTITION BY {k}")).unwrap_or_default();
    let parents = if inherits {
        format!(
            " INHERITS ({})",
            def.parents.iter().map(|p| qualified(&p.schema, &p.table)).collect::<Vec<_>>().join(", ")
        )
    } else {
        String::new()
    };
    out.push(stmt(
        format!(
            "CREATE {}TABLE {q} (\n  {}\n){parents}{by}",
            if def.unlogged { "UNLOGGED " } else { "" },
            parts.join(",\n  ")
        ),
        format!("table {q}"),
        true,
    ));
    out.extend(after);
    out
}

/// Owner-relative grants: `REVOKE ALL` from PUBLIC and the owner, then each grant
/// in the ACL's order (so the ACL reads as it did). Nothing when the ACL is the default.
pub fn acl_sql(target: &str, owner: Option<&str>, acl: &Option<Vec<Grant>>) -> Vec<String> {
    let Some(acl) = acl else { return Vec::new() };
    let on = match target.split_once(' ') {
        Some(("MATERIALIZED", rest)) => format!("TABLE {}", rest.trim_start_matches("VIEW ")),
        Some(("VIEW", rest)) => format!("TABLE {rest}"),
        _ => target.to_string(),
    };
    let mut out = vec![format!("REVOKE ALL ON {on} FROM PUBLIC")];
    if let Some(o) = owner {
        out.push(format!("REVOKE ALL ON {on} FROM {}", ident(o)));
    }
    for g in acl {
        out.push(format!(
            "GRANT {} ON {on} TO {}{}",
            g.privilege,
            g.grantee.as_deref().map(ident).unwrap_or_else(|| "PUBLIC".into()),
            if g.grantable { " WITH GRANT OPTION" } else { "" }
        ));
    }
    out
}

/// Takes back every privilege a new relation got that is not its owner's (default
/// privileges, `ALTER DEFAULT PRIVILEGES`, give new tables grants the dropped one may
/// not have had), so its grants end up exactly the recorded ones.
pub fn reset_grants_sql(kind: &str, q: &str) -> String {
    let body = format!(
        "DECLARE g oid;\nBEGIN\n  FOR g IN SELECT DISTINCT a.grantee FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a\n\
         \x20   WHERE c.oid = {rel}::pg_catalog.regclass AND a.grantee <> c.relowner LOOP\n\
         \x20   EXECUTE pg_catalog.format('REVOKE ALL ON {kind} %s FROM %s', {rel}::pg_catalog.regclass,\n\
         \x20     CASE g WHEN 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident((SELECT rolname FROM pg_catalog.pg_roles WHERE oid = g)) END);\n\
         \x20 END LOOP;\nEND\n",
        rel = literal(q)
    );
    let tag = crate::util::dollar_tag(&body);
    format!("DO {tag}\n{body}{tag}")
}

/// The grants on a column's own sequence (serial or identity), found by its column.
fn sequence_grants_sql(q: &str, col: &str, acl: &Option<Vec<Grant>>) -> Vec<String> {
    let Some(acl) = acl else { return Vec::new() };
    let seq = format!("pg_catalog.pg_get_serial_sequence({}, {})::pg_catalog.regclass", literal(q), literal(col));
    let run = |sql_fmt: &str, who: String| {
        let body =
            format!("BEGIN\n  EXECUTE pg_catalog.format({}, {seq}, {});\nEND\n", literal(sql_fmt), literal(&who));
        let tag = crate::util::dollar_tag(&body);
        format!("DO {tag}\n{body}{tag}")
    };
    let mut out = Vec::new();
    for g in acl {
        let who = g.grantee.as_deref().map(ident).unwrap_or_else(|| "PUBLIC".into());
        let opt = if g.grantable { " WITH GRANT OPTION" } else { "" };
        // The privilege is one of PostgreSQL's own words (aclexplode), never a name.
        out.push(run(&format!("GRANT {} ON SEQUENCE %s TO %s{opt}", g.privilege), who));
    }
    out
}

/// `reloptions` (`name=value`, PostgreSQL's own names) as `"name" = 'value'`.
fn reloptions_sql(options: &[String]) -> String {
    options
        .iter()
        .map(|o| match o.split_once('=') {
            Some((k, val)) => format!("{} = {}", ident(k), literal(val)),
            None => ident(o),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Everything after the rows, for all tables at once, in an order that works:
/// partitions and children attached; constraints (a `NOT VALID` one over rows
/// that break it too); indexes; foreign keys; triggers; the function comes
/// before (see `restore`); then views and foreign keys of other tables, policies,
/// row-level security, owner and grants, and comments.
pub fn after_rows_sql(defs: &[TableDef], views: &[ViewDef], fks_in: &[ForeignKeyIn]) -> (Vec<Stmt>, Vec<Stmt>) {
    let mut attach = Vec::new();
    let mut rest = Vec::new();
    for d in defs {
        let q = d.qualified();
        for p in &d.parents {
            let pq = qualified(&p.schema, &p.table);
            match &p.bound {
                Some(b) => attach.push(stmt(
                    format!("ALTER TABLE {pq} ATTACH PARTITION {q} {b}"),
                    format!("partition {q} of {pq}"),
                    true,
                )),
                // Made with INHERITS (create_table_sql), unless it mixes partitions and inheritance.
                None if d.parents.iter().all(|p| p.bound.is_none()) => {}
                None => attach.push(stmt(
                    format!("ALTER TABLE {q} INHERIT {pq}"),
                    format!("table {q} inheriting from {pq}"),
                    true,
                )),
            }
        }
    }
    for d in defs {
        let q = d.qualified();
        for k in &d.constraints {
            rest.push(stmt(
                format!("ALTER TABLE {q} ADD CONSTRAINT {} {}", ident(&k.name), k.definition),
                format!("constraint {} on {q}", ident(&k.name)),
                false,
            ));
        }
    }
    for d in defs {
        for ix in &d.indexes {
            rest.push(stmt(ix.definition.clone(), format!("index {}", ident(&ix.name)), false));
        }
    }
    for d in defs {
        let q = d.qualified();
        for k in &d.foreign_keys {
            rest.push(stmt(
                format!("ALTER TABLE {q} ADD CONSTRAINT {} {}", ident(&k.name), k.definition),
                format!("foreign key {} on {q}", ident(&k.name)),
                false,
            ));
        }
    }
    for d in defs {
        let q = d.qualified();
        for t in &d.triggers {
            rest.push(stmt(t.definition.clone(), format!("trigger {} on {q}", ident(&t.name)), false));
            let state = match t.enabled.as_deref() {
                Some("D") => Some("DISABLE TRIGGER"),
                Some("R") => Some("ENABLE REPLICA TRIGGER"),
                Some("A") => Some("ENABLE ALWAYS TRIGGER"),
                _ => None,
            };
            if let Some(s) = state {
                rest.push(stmt(
                    format!("ALTER TABLE {q} {s} {}", ident(&t.name)),
                    format!("the state of trigger {} on {q}", ident(&t.name)),
                    false,
                ));
            }
        }
    }
    for d in defs {
        let q = d.qualified();
        for x in &d.statistics {
            rest.push(stmt(x.definition.clone(), format!("statistics {} on {q}", ident(&x.name)), false));
            rest.extend(comment_stmt(
                format!("STATISTICS {}", qualified(&d.schema, &x.name)),
                &x.comment,
                &format!("statistics {}", ident(&x.name)),
            ));
        }
        for r in &d.rules {
            rest.push(stmt(
                r.definition.trim_end().trim_end_matches(';').to_string(),
                format!("rule {} on {q}", ident(&r.name)),
                false,
            ));
            rest.extend(comment_stmt(
                format!("RULE {} ON {q}", ident(&r.name)),
                &r.comment,
                &format!("rule {}", ident(&r.name)),
            ));
        }
    }
    for v in views {
        let q = qualified(&v.schema, &v.name);
        let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
        let with = if v.options.is_empty() {
            String::new()
        } else {
            // reloptions are `name=value` with PostgreSQL's own names and values.
            format!(" WITH ({})", reloptions_sql(&v.options))
        };
        let data = if v.materialized {
            if v.populated {
                " WITH DATA"
            } else {
                " WITH NO DATA"
            }
        } else {
            ""
        };
        let query = v.query.trim_end().trim_end_matches(';');
        rest.push(stmt(format!("CREATE {kind} {q}{with} AS\n{query}{data}"), view_what(&q), false));
        let own = rest.len();
        if let Some(o) = &v.owner {
            rest.push(stmt(format!("ALTER {kind} {q} OWNER TO {}", ident(o)), format!("the owner of view {q}"), false));
        }
        rest.push(stmt(reset_grants_sql("TABLE", &q), format!("the grants on view {q}"), false));
        for s in acl_sql(&format!("{kind} {q}"), v.owner.as_deref(), &v.acl) {
            rest.push(stmt(s, format!("the grants on view {q}"), false));
        }
        rest.extend(comment_stmt(format!("{kind} {q}"), &v.comment, &format!("view {q}")));
        for (col, text) in &v.column_comments {
            rest.extend(comment_stmt(
                format!("COLUMN {q}.{}", ident(col)),
                &Some(text.clone()),
                &format!("column {q}.{}", ident(col)),
            ));
        }
        for ix in &v.indexes {
            rest.push(stmt(ix.definition.clone(), format!("index {} on {q}", ident(&ix.name)), false));
            rest.extend(comment_stmt(
                format!("INDEX {}", qualified(&v.schema, &ix.name)),
                &ix.comment,
                &format!("index {}", ident(&ix.name)),
            ));
        }
        for t in &v.triggers {
            rest.push(stmt(t.definition.clone(), format!("trigger {} on {q}", ident(&t.name)), false));
            rest.extend(comment_stmt(
                format!("TRIGGER {} ON {q}", ident(&t.name)),
                &t.comment,
                &format!("trigger {}", ident(&t.name)),
            ));
        }
        part_of(&mut rest, own, &view_what(&q));
    }
    for k in fks_in {
        let q = qualified(&k.schema, &k.table);
        rest.push(stmt(
            format!("ALTER TABLE {q} ADD CONSTRAINT {} {}", ident(&k.fk.name), k.fk.definition),
            foreign_key_what(k),
            false,
        ));
        let own = rest.len();
        rest.extend(comment_stmt(
            format!("CONSTRAINT {} ON {q}", ident(&k.fk.name)),
            &k.fk.comment,
            &format!("foreign key {}", ident(&k.fk.name)),
        ));
        part_of(&mut rest, own, &foreign_key_what(k));
    }
    for d in defs {
        let q = d.qualified();
        if !d.options.is_empty() {
            rest.push(stmt(
                format!("ALTER TABLE {q} SET ({})", reloptions_sql(&d.options)),
                format!("the storage parameters of {q}"),
                false,
            ));
        }
        if let Some(r) = &d.replica_identity {
            rest.push(stmt(
                format!("ALTER TABLE {q} REPLICA IDENTITY {r}"),
                format!("the replica identity of {q}"),
                false,
            ));
        }
        for p in &d.publications {
            rest.push(stmt(p.clone(), format!("{q} in a publication"), false));
        }
    }
    for d in defs {
        let q = d.qualified();
        for p in &d.policies {
            let roles = if p.roles.is_empty() {
                "PUBLIC".to_string()
            } else {
                p.roles
                    .iter()
                    .map(|r| r.as_deref().map(ident).unwrap_or("PUBLIC".into()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut s = format!(
                "CREATE POLICY {} ON {q} AS {} FOR {} TO {roles}",
                ident(&p.name),
                if p.permissive { "PERMISSIVE" } else { "RESTRICTIVE" },
                p.command
            );
            if let Some(u) = &p.using {
                s.push_str(&format!(" USING ({u})"));
            }
            if let Some(w) = &p.with_check {
                s.push_str(&format!(" WITH CHECK ({w})"));
            }
            rest.push(stmt(s, format!("policy {} on {q}", ident(&p.name)), false));
        }
        if d.rls_enabled {
            rest.push(stmt(
                format!("ALTER TABLE {q} ENABLE ROW LEVEL SECURITY"),
                format!("row-level security on {q}"),
                true,
            ));
        }
        if d.rls_forced {
            rest.push(stmt(
                format!("ALTER TABLE {q} FORCE ROW LEVEL SECURITY"),
                format!("forced row-level security on {q}"),
                true,
            ));
        }
    }
    for d in defs {
        let q = d.qualified();
        if let Some(o) = &d.owner {
            rest.push(stmt(format!("ALTER TABLE {q} OWNER TO {}", ident(o)), format!("the owner of {q}"), false));
        }
        if d.complete {
            rest.push(stmt(reset_grants_sql("TABLE", &q), format!("the grants on {q}"), false));
        }
        for s in acl_sql(&format!("TABLE {q}"), d.owner.as_deref(), &d.acl) {
            rest.push(stmt(s, format!("the grants on {q}"), false));
        }
        for c in &d.columns {
            let col = ident(&c.name);
            for g in c.acl.iter().flatten() {
                rest.push(stmt(
                    format!(
                        "GRANT {} ({col}) ON TABLE {q} TO {}{}",
                        g.privilege,
                        g.grantee.as_deref().map(ident).unwrap_or_else(|| "PUBLIC".into()),
                        if g.grantable { " WITH GRANT OPTION" } else { "" }
                    ),
                    format!("the grants on column {q}.{col}"),
                    false,
                ));
            }
            if d.complete && (!c.identity.is_empty() || c.sequence.is_some()) {
                let seq = format!(
                    "pg_catalog.pg_get_serial_sequence({}, {})::pg_catalog.regclass",
                    literal(&q),
                    literal(&c.name)
                );
                let body = format!(
                    "DECLARE s regclass := {seq}; g oid;\nBEGIN\n  FOR g IN SELECT DISTINCT a.grantee FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a\n\
                     \x20   WHERE c.oid = s AND a.grantee <> c.relowner LOOP\n\
                     \x20   EXECUTE pg_catalog.format('REVOKE ALL ON SEQUENCE %s FROM %s', s,\n\
                     \x20     CASE g WHEN 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident((SELECT rolname FROM pg_catalog.pg_roles WHERE oid = g)) END);\n\
                     \x20 END LOOP;\nEND\n"
                );
                let tag = crate::util::dollar_tag(&body);
                rest.push(stmt(
                    format!("DO {tag}\n{body}{tag}"),
                    format!("the grants on the sequence of {q}.{col}"),
                    false,
                ));
                for s in sequence_grants_sql(&q, &c.name, &c.sequence_acl) {
                    rest.push(stmt(s, format!("the grants on the sequence of {q}.{col}"), false));
                }
            }
        }
    }
    for d in defs {
        let q = d.qualified();
        rest.extend(comment_stmt(format!("TABLE {q}"), &d.comment, &q));
        for c in &d.columns {
            rest.extend(comment_stmt(
                format!("COLUMN {q}.{}", ident(&c.name)),
                &c.comment,
                &format!("column {q}.{}", ident(&c.name)),
            ));
        }
        for k in d.constraints.iter().chain(&d.foreign_keys) {
            rest.extend(comment_stmt(
                format!("CONSTRAINT {} ON {q}", ident(&k.name)),
                &k.comment,
                &format!("constraint {}", ident(&k.name)),
            ));
        }
        for ix in &d.indexes {
            rest.extend(comment_stmt(
                format!("INDEX {}", qualified(&d.schema, &ix.name)),
                &ix.comment,
                &format!("index {}", ident(&ix.name)),
            ));
        }
        for t in &d.triggers {
            rest.extend(comment_stmt(
                format!("TRIGGER {} ON {q}", ident(&t.name)),
                &t.comment,
                &format!("trigger {}", ident(&t.name)),
            ));
        }
        for p in &d.policies {
            rest.extend(comment_stmt(
                format!("POLICY {} ON {q}", ident(&p.name)),
                &p.comment,
                &format!("policy {}", ident(&p.name)),
            ));
        }
    }
    (attach, rest)
}

pub struct RestoreOpts {
    pub keep_going: bool,
    /// Put back the comments `inert` replaced, kept in the backup, instead of the inert ones.
    pub original_comments: bool,
}

fn read_json(path: &Path, nothing: &str) -> Res<Value> {
    check_private(path).map_err(|f| f.also(nothing))?;
    let text = fs::read_to_string(path).map_err(|e| io_fail("read", path, e).also(nothing))?;
    serde_json::from_str(&text)
        .map_err(|e| Fail::new(format!("{} is not valid JSON: {e}", path.display())).also(nothing))
}

fn table_exists<C: GenericClient>(c: &mut C, schema: &str, name: &str) -> Res<bool> {
    Ok(c.query_one(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2)",
        &[&schema, &name],
    )
    .map_err(pg)?
    .get(0))
}

pub fn restore(conn: &mut crate::db::Conn, dir: &Path, schema_flag: Option<&str>, o: &RestoreOpts) -> Res<Vec<String>> {
    let nothing = "nothing was restored";
    check_private(dir).map_err(|f| f.also(nothing))?;
    let mpath = dir.join(MANIFEST);
    let manifest = read_json(&mpath, nothing)?;
    let format = manifest["format"].as_str().unwrap_or("");
    if format != FORMAT && format != FORMAT_1 {
        return Err(
            Fail::new(format!("{} is not a maestro-db backup manifest ({FORMAT})", mpath.display())).also(nothing)
        );
    }
    let schema = manifest["schema"].as_str().unwrap_or("public").to_string();
    if let Some(s) = schema_flag {
        if s != schema {
            return Err(Fail::new(format!(
                "this backup was made from schema {schema}; restore recreates the objects where they were (--schema {s} differs)"
            ))
            .also(nothing));
        }
    }
    for f in manifest_files(&manifest) {
        check_private(&dir.join(file_name(f)?)).map_err(|f| f.also(nothing))?;
    }
    verify_files(dir, &manifest).map_err(|f| f.also(nothing))?;

    // Every definition, read and checked before anything is changed.
    let entries = manifest["tables"].as_array().cloned().unwrap_or_default();
    let mut defs: Vec<(TableDef, Value)> = Vec::new();
    for t in &entries {
        let def_path = dir.join(file_name(&t["definition"])?);
        let v = read_json(&def_path, nothing)?;
        let def = TableDef::from_json(&v, &schema)
            .ok_or_else(|| Fail::new(format!("{} is not a table definition file", def_path.display())).also(nothing))?;
        let kind = t["kind"].as_str().unwrap_or("maestro");
        // Only MAESTRO's own tables, and the partitions and children that went with them.
        if kind == "maestro" && !(def.schema == schema && TABLES.iter().any(|(n, _)| *n == def.table)) {
            return Err(
                Fail::new(format!("the manifest names a table `{}` that is not MAESTRO's", def.table)).also(nothing)
            );
        }
        if kind != "maestro" && def.parents.is_empty() {
            return Err(Fail::new(format!(
                "the manifest names a table `{}` that is neither MAESTRO's nor a partition or child of it",
                def.table
            ))
            .also(nothing));
        }
        defs.push((def, t.clone()));
    }
    let (views, fks_in) = if manifest["dependents"].is_null() {
        (Vec::new(), Vec::new())
    } else {
        let v = read_json(&dir.join(file_name(&manifest["dependents"])?), nothing)?;
        let views = v["views"].as_array().into_iter().flatten().map(ViewDef::from_json).collect::<Option<Vec<_>>>();
        let fks =
            v["foreign_keys"].as_array().into_iter().flatten().map(ForeignKeyIn::from_json).collect::<Option<Vec<_>>>();
        match (views, fks) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(Fail::new(format!("{DEPENDENTS} is not a dependents file")).also(nothing)),
        }
    };
    // The comments `inert` replaced, kept in the backup.
    let originals: Vec<(String, Option<String>)> = manifest["original_comments"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().map(String::from))).collect())
        .unwrap_or_default();

    let mut tx = conn.client.transaction().map_err(pg)?;
    // Every name in a format-2 backup's SQL is qualified (read with search_path = ''),
    // so it runs under the session's own search_path, as event triggers expect; format 1
    // wrote definitions with the connection's own search_path too.
    pin_settings(&mut tx)?;
    tx.batch_execute("SET LOCAL check_function_bodies = off").map_err(pg)?;
    let existing = crate::db::inspect(&mut tx, &schema)?;
    for (def, _) in &defs {
        if table_exists(&mut tx, &def.schema, &def.table)? {
            return Err(Fail::new(format!(
                "{} already exists; restore never overwrites a table (drop or rename it first)",
                def.qualified()
            ))
            .also(nothing));
        }
    }
    if !manifest["function"].is_null() && !existing.functions.is_empty() {
        return Err(Fail::new(format!(
            "{} already exists; restore never replaces a function",
            qualified(&schema, FUNCTION)
        ))
        .also(nothing));
    }
    let rolled_back = format!("{nothing}: the transaction was rolled back");
    let mut report = Vec::new();
    for (def, t) in &defs {
        let q = def.qualified();
        let fail = |e: postgres::Error| pg(e).also(&rolled_back);
        for s in create_table_sql(def) {
            tx.batch_execute(&s.sql).map_err(|e| fail(e).also(format!("(restoring {})", s.what)))?;
        }
        let data_path = dir.join(file_name(&t["data"])?);
        let mut file = File::open(&data_path).map_err(|e| io_fail("read", &data_path, e).also(nothing))?;
        let mut w = tx
            .copy_in(&format!("COPY {q} ({}) FROM STDIN WITH (FORMAT csv, HEADER)", def.column_list()))
            .map_err(fail)?;
        io::copy(&mut file, &mut w).map_err(|e| io_fail("load", &data_path, e).also(nothing))?;
        let rows = w.finish().map_err(fail)?;
        let want = t["rows"].as_u64().unwrap_or(u64::MAX);
        if rows != want {
            return Err(Fail::new(format!("{q}: loaded {rows} rows, the manifest says {want}")).also(nothing));
        }
        // Read the rows back exactly as the backup wrote them and compare the hash.
        let mut h = Hashing { inner: io::sink(), hash: Sha256::new(), bytes: 0 };
        let mut r = tx.copy_out(&copy_out_sql(def)).map_err(fail)?;
        io::copy(&mut r, &mut h).map_err(|e| Fail::new(format!("reading {q} back: {e}")).also(nothing))?;
        drop(r);
        let sha = hex(&h.hash.finalize());
        if Some(sha.as_str()) != t["data"]["sha256"].as_str() {
            return Err(Fail::new(format!(
                "{q}: the restored rows read back with sha256 {sha}, the manifest says {}",
                t["data"]["sha256"]
            ))
            .also(nothing));
        }
        // Sequences go on after the restored rows: identity columns' own, and the
        // recreated ones of serial columns, which belong to their column again.
        for c in def.columns.iter().filter(|c| !c.identity.is_empty() || c.sequence.is_some()) {
            let col = ident(&c.name);
            if let Some((seq, _)) = &c.sequence {
                tx.batch_execute(&format!("ALTER SEQUENCE {seq} OWNED BY {q}.{col}")).map_err(fail)?;
            }
            let seq = format!("pg_get_serial_sequence({}, {})", literal(&q), literal(&c.name));
            match c.sequence_state {
                // Where the sequence stood: no number it gave out is given again.
                Some((v, called)) => tx.batch_execute(&format!("SELECT setval({seq}, {v}, {called})")),
                // A format-1 backup: after the highest value restored.
                None => tx.batch_execute(&format!(
                    "SELECT setval({seq}, max({col})) FROM ONLY {q} HAVING max({col}) IS NOT NULL"
                )),
            }
            .map_err(fail)?;
        }
        let kind = t["kind"].as_str().unwrap_or("maestro");
        let what = if kind == "maestro" { String::new() } else { format!(" ({kind})") };
        report.push(format!("{q}{what}: recreated, {rows} rows loaded, counts and sha256 match the manifest"));
    }
    let plain: Vec<TableDef> = defs.iter().map(|(d, _)| d.clone()).collect();
    let mut plain_with_comments = plain.clone();
    if o.original_comments {
        for d in plain_with_comments.iter_mut() {
            if let Some((_, c)) = originals.iter().find(|(k, _)| *k == d.table && d.schema == schema) {
                d.comment = c.clone();
            }
        }
    }
    let (attach, rest) = after_rows_sql(&plain_with_comments, &views, &fks_in);
    let mut skipped = Vec::new();
    // The statements skipped (their `what`), to say "recreated" only of what was.
    let mut skipped_what: BTreeSet<String> = BTreeSet::new();
    // How many statements did not run (`skipped` says each reason once).
    let mut not_run = 0;
    let mut run = |tx: &mut postgres::Transaction, s: &Stmt| -> Res<()> {
        if let Some(owner) = s.part_of.as_ref().filter(|o| skipped_what.contains(*o)) {
            // Never run on whatever now has that name: it is not the object restored.
            let line = format!("{}: not run, since {owner} was not restored", s.what);
            if !skipped.contains(&line) {
                skipped.push(line);
            }
            not_run += 1;
            return Ok(());
        }
        let mut sp = tx.transaction().map_err(pg)?;
        match sp.batch_execute(&s.sql) {
            Ok(()) => sp.commit().map_err(pg),
            Err(e) => {
                let msg = crate::db::pg_message(&e).lines().next().unwrap_or("").to_string();
                drop(sp);
                if s.must {
                    return Err(Fail::new(format!("could not restore {}: {msg}", s.what)).also(&rolled_back));
                }
                skipped.push(format!("{}: {msg}", s.what));
                skipped_what.insert(s.what.clone());
                not_run += 1;
                Ok(())
            }
        }
    };
    for s in &attach {
        run(&mut tx, s)?;
    }
    if !manifest["function"].is_null() {
        let path = dir.join(file_name(&manifest["function"])?);
        let sql = fs::read_to_string(&path).map_err(|e| io_fail("read", &path, e).also(nothing))?;
        tx.batch_execute(&sql).map_err(|e| pg(e).also(&rolled_back))?;
        report.push(format!("{}: recreated from {}", qualified(&schema, FUNCTION), path.display()));
    }
    for s in &rest {
        run(&mut tx, s)?;
    }
    if !skipped.is_empty() && !o.keep_going {
        return Err(Fail::new(format!(
            "some of what the drop took cannot be restored here:\n{}\n{rolled_back}. Fix these (a role or a table they \
             name that no longer exists, say) and run restore again, or run it with --keep-going to restore the rest \
             without them",
            skipped.iter().map(|s| format!("  {s}")).collect::<Vec<_>>().join("\n")
        )));
    }
    tx.commit().map_err(|e| {
        crate::db::commit_failed(
            e,
            &rolled_back,
            "run `maestro-db status` to see whether MAESTRO's tables are back (restore never overwrites a table, \
             so running it again is safe)",
        )
        .also(format!("the backup in {} is unchanged", dir.display()))
    })?;
    let mut lines = vec![format!(
        "restored from {} (made {} from database {}):",
        dir.display(),
        s(&manifest["created_at"]),
        s(&manifest["database"])
    )];
    lines.extend(report);
    // Only what was: a view or a foreign key skipped (--keep-going) is under "not restored" below.
    for v in views.iter().filter(|v| !skipped_what.contains(&view_what(&qualified(&v.schema, &v.name)))) {
        lines.push(format!("{}: view recreated", qualified(&v.schema, &v.name)));
    }
    for k in fks_in.iter().filter(|k| !skipped_what.contains(&foreign_key_what(k))) {
        lines.push(format!("foreign key {} on {}: recreated", ident(&k.fk.name), qualified(&k.schema, &k.table)));
    }
    let n = rest.len() + attach.len() - not_run;
    if format == FORMAT_1 {
        lines.push(
            "warning: this backup (maestro-db-backup/1) did not record indexes other than constraints, foreign keys, \
             triggers, row-level security, policies, grants or ownership: the tables are back without them. Re-apply \
             them from your migrations before the app or the API can reach these tables (a table that had row-level \
             security is now readable by every role that has grants on it)"
                .into(),
        );
    } else {
        lines.push(format!(
            "restored {n} definitions after the rows (constraints, indexes, foreign keys, triggers, row-level security and policies, owner, grants, comments)"
        ));
    }
    for s in &skipped {
        lines.push(format!("not restored (--keep-going): {s}"));
    }
    if o.original_comments && !originals.is_empty() {
        lines.push("the tables have the comments they had before `maestro-db inert` (--original-comments)".into());
    }
    Ok(lines)
}

fn s(v: &Value) -> String {
    v.as_str().map(String::from).unwrap_or_else(|| v.to_string())
}
