//! The backup that `drop --backup DIR` writes before it drops, and `restore`,
//! which reads it back.
//!
//! A backup folder holds, for each existing table, `<table>.csv` (its rows,
//! `COPY ... TO STDOUT` as CSV with a header) and `<table>.columns.json` (its
//! column definitions, constraints and comment); `maestro_claim_receipt.sql`
//! (the function's definition, when it exists); and `manifest.json` with the
//! row counts and the SHA-256 of every file. The manifest is written last.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

use postgres::GenericClient;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::db::{pg, Objects};
use crate::util::{ident, literal, qualified, Fail, Res, FUNCTION, TABLES};

pub const FORMAT: &str = "maestro-db-backup/1";
pub const MANIFEST: &str = "manifest.json";

/// Session settings under which rows are written and read back, so that the
/// text of every value (dates, bytea, floats) is the same on both sides.
pub const SETTINGS: [&str; 6] = [
    "SET LOCAL datestyle = 'ISO, YMD'",
    "SET LOCAL timezone = 'UTC'",
    "SET LOCAL intervalstyle = 'postgres'",
    "SET LOCAL extra_float_digits = 3",
    "SET LOCAL bytea_output = 'hex'",
    "SET LOCAL synchronize_seqscans = off",
];

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// `a` (ALWAYS), `d` (BY DEFAULT) or empty.
    pub identity: String,
    /// `s` for a stored generated column (its expression is in `default`), or empty.
    pub generated: String,
    /// The sequence this column owns (a `serial` column): (qualified name, data type).
    /// It goes with the table, so a restore creates it again.
    pub sequence: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Definition {
    pub columns: Vec<Column>,
    /// (name, definition) of primary key, unique, check and exclusion constraints.
    pub constraints: Vec<(String, String)>,
    /// Foreign keys, which a restore does not recreate (their other tables may be gone).
    pub foreign_keys: Vec<(String, String)>,
    pub comment: Option<String>,
}

impl Definition {
    /// The columns that hold data (not the generated ones), in order.
    pub fn data_columns(&self) -> Vec<&Column> {
        self.columns.iter().filter(|c| c.generated.is_empty()).collect()
    }
    pub fn column_list(&self) -> String {
        self.data_columns().iter().map(|c| ident(&c.name)).collect::<Vec<_>>().join(", ")
    }
    fn to_json(&self, schema: &str, table: &str) -> Value {
        json!({
            "format": FORMAT,
            "schema": schema,
            "table": table,
            "columns": self.columns.iter().map(|c| json!({
                "name": c.name, "type": c.ty, "not_null": c.not_null, "default": c.default,
                "identity": c.identity, "generated": c.generated,
                "sequence": c.sequence.as_ref().map(|(n, t)| json!({"name": n, "type": t})),
            })).collect::<Vec<_>>(),
            "constraints": self.constraints.iter().map(|(n, d)| json!({"name": n, "definition": d})).collect::<Vec<_>>(),
            "foreign_keys": self.foreign_keys.iter().map(|(n, d)| json!({"name": n, "definition": d})).collect::<Vec<_>>(),
            "comment": self.comment,
        })
    }
    fn from_json(v: &Value) -> Option<Definition> {
        let pairs = |k: &str| -> Option<Vec<(String, String)>> {
            v[k].as_array()?
                .iter()
                .map(|c| Some((c["name"].as_str()?.to_string(), c["definition"].as_str()?.to_string())))
                .collect()
        };
        Some(Definition {
            columns: v["columns"]
                .as_array()?
                .iter()
                .map(|c| {
                    Some(Column {
                        name: c["name"].as_str()?.to_string(),
                        ty: c["type"].as_str()?.to_string(),
                        not_null: c["not_null"].as_bool()?,
                        default: c["default"].as_str().map(String::from),
                        identity: c["identity"].as_str().unwrap_or("").to_string(),
                        generated: c["generated"].as_str().unwrap_or("").to_string(),
                        sequence: c["sequence"]["name"]
                            .as_str()
                            .map(|n| (n.to_string(), c["sequence"]["type"].as_str().unwrap_or("bigint").to_string())),
                    })
                })
                .collect::<Option<Vec<_>>>()?,
            constraints: pairs("constraints")?,
            foreign_keys: pairs("foreign_keys").unwrap_or_default(),
            comment: v["comment"].as_str().map(String::from),
        })
    }
}

pub fn definition<C: GenericClient>(c: &mut C, oid: u32) -> Res<Definition> {
    let columns = c
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                    pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                    s.oid::regclass::text, format_type(sq.seqtypid, NULL)
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             LEFT JOIN pg_depend dep ON dep.refclassid = 'pg_class'::regclass AND dep.refobjid = a.attrelid
                  AND dep.refobjsubid = a.attnum AND dep.classid = 'pg_class'::regclass AND dep.deptype = 'a'
                  AND a.attidentity = ''
             LEFT JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
             LEFT JOIN pg_sequence sq ON sq.seqrelid = s.oid
             WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(|r| Column {
            name: r.get(0),
            ty: r.get(1),
            not_null: r.get(2),
            default: r.get(3),
            identity: r.get(4),
            generated: r.get(5),
            sequence: r.get::<_, Option<String>>(6).map(|n| (n, r.get::<_, Option<String>>(7).unwrap_or_default())),
        })
        .collect();
    let mut constraints = Vec::new();
    let mut foreign_keys = Vec::new();
    for r in c
        .query(
            "SELECT conname::text, pg_get_constraintdef(oid), contype::text FROM pg_constraint
             WHERE conrelid = $1 AND contype IN ('p', 'u', 'c', 'x', 'f') ORDER BY contype <> 'p', conname",
            &[&oid],
        )
        .map_err(pg)?
    {
        let pair = (r.get(0), r.get(1));
        if r.get::<_, String>(2) == "f" {
            foreign_keys.push(pair);
        } else {
            constraints.push(pair);
        }
    }
    let comment = c.query_one("SELECT obj_description($1, 'pg_class')", &[&oid]).map_err(pg)?.get(0);
    Ok(Definition { columns, constraints, foreign_keys, comment })
}

/// The statement that writes a table's rows.
pub fn copy_out_sql(schema: &str, table: &str, def: &Definition) -> String {
    format!("COPY (SELECT {} FROM {}) TO STDOUT WITH (FORMAT csv, HEADER)", def.column_list(), qualified(schema, table))
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

/// Writes `data` to a new file (never over an existing one), synced to disk.
fn write_new(path: &Path, data: &[u8]) -> Res<(String, u64)> {
    let mut f = File::options().write(true).create_new(true).open(path).map_err(|e| io_fail("create", path, e))?;
    f.write_all(data).and_then(|_| f.sync_all()).map_err(|e| io_fail("write", path, e))?;
    Ok((hex(&Sha256::digest(data)), data.len() as u64))
}

/// The backup folder must be new or empty: a backup never mixes with another.
pub fn prepare_dir(dir: &Path) -> Res<()> {
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(|e| io_fail("read the backup folder", dir, e))?;
        if entries.next().is_some() {
            return Err(Fail::new(format!(
                "the backup folder {} is not empty; give a new or empty folder, so no earlier backup is overwritten",
                dir.display()
            )));
        }
        Ok(())
    } else {
        fs::create_dir_all(dir).map_err(|e| io_fail("create the backup folder", dir, e))
    }
}

pub struct Written {
    pub lines: Vec<String>,
}

/// Writes the backup of `objs` (already locked by the caller's transaction) into `dir`.
pub fn write<C: GenericClient>(
    c: &mut C,
    objs: &Objects,
    defs: &[(&'static str, Definition)],
    dir: &Path,
    created_at: &str,
    dbname: &str,
) -> Res<Written> {
    let mut tables = Vec::new();
    let mut lines = Vec::new();
    for (name, def) in defs {
        let q = objs.qualified(name);
        let rows: i64 = c.query_one(&format!("SELECT count(*) FROM {q}"), &[]).map_err(pg)?.get(0);
        let def_file = format!("{name}.columns.json");
        let def_text = serde_json::to_string_pretty(&def.to_json(&objs.schema, name)).unwrap_or_default() + "\n";
        let (def_sha, def_bytes) = write_new(&dir.join(&def_file), def_text.as_bytes())?;
        let data_file = format!("{name}.csv");
        let path = dir.join(&data_file);
        let f = File::options().write(true).create_new(true).open(&path).map_err(|e| io_fail("create", &path, e))?;
        let mut w = Hashing { inner: io::BufWriter::new(f), hash: Sha256::new(), bytes: 0 };
        let mut reader = c.copy_out(&copy_out_sql(&objs.schema, name, def)).map_err(pg)?;
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
        lines.push(format!("{q}: {rows} rows -> {}", path.display()));
        tables.push(json!({
            "table": name,
            "rows": rows,
            "data": {"file": data_file, "bytes": bytes, "sha256": sha},
            "definition": {"file": def_file, "bytes": def_bytes, "sha256": def_sha},
        }));
    }
    let mut function = Value::Null;
    if !objs.functions.is_empty() {
        let mut text = String::new();
        for f in &objs.functions {
            let d: String = c.query_one("SELECT pg_get_functiondef($1)", &[&f.oid]).map_err(pg)?.get(0);
            text.push_str(d.trim_end());
            text.push_str(";\n");
            if let Some(cm) = &f.comment {
                text.push_str(&format!(
                    "COMMENT ON {} {}.{} IS {};\n",
                    f.kind,
                    ident(&objs.schema),
                    f.signature.replacen(FUNCTION, &ident(FUNCTION), 1),
                    literal(cm)
                ));
            }
        }
        let file = format!("{FUNCTION}.sql");
        let (sha, bytes) = write_new(&dir.join(&file), text.as_bytes())?;
        lines.push(format!("{}: definition -> {}", objs.qualified(FUNCTION), dir.join(&file).display()));
        function = json!({
            "file": file, "bytes": bytes, "sha256": sha,
            "signatures": objs.functions.iter().map(|f| f.signature.clone()).collect::<Vec<_>>(),
        });
    }
    let manifest = json!({
        "format": FORMAT,
        "created_at": created_at,
        "database": dbname,
        "schema": objs.schema,
        "tables": tables,
        "function": function,
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

/// Every file the manifest names, checked against its SHA-256 and size.
fn verify_files(dir: &Path, manifest: &Value) -> Res<()> {
    let mut files: Vec<&Value> = Vec::new();
    for t in manifest["tables"].as_array().into_iter().flatten() {
        files.push(&t["data"]);
        files.push(&t["definition"]);
    }
    if !manifest["function"].is_null() {
        files.push(&manifest["function"]);
    }
    for f in files {
        let name = f["file"].as_str().ok_or_else(|| Fail::new("the manifest names a file without a name"))?;
        if name.contains('/') || name.contains('\\') || name.starts_with('.') {
            return Err(Fail::new(format!("the manifest names an unexpected file `{name}`")));
        }
        let path = dir.join(name);
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

/// The statements that recreate a table: its owned sequences, then the table.
fn create_table_sql(q: &str, def: &Definition) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut skipped = Vec::new();
    let mut sequences = String::new();
    for c in &def.columns {
        if let Some((seq, ty)) = &c.sequence {
            sequences.push_str(&format!("CREATE SEQUENCE {seq} AS {ty};\n"));
        }
    }
    for c in &def.columns {
        let mut s = format!("{} {}", ident(&c.name), c.ty);
        if c.generated == "s" {
            if let Some(e) = &c.default {
                s.push_str(&format!(" GENERATED ALWAYS AS ({e}) STORED"));
            }
        } else if c.identity == "a" {
            s.push_str(" GENERATED ALWAYS AS IDENTITY");
        } else if c.identity == "d" {
            s.push_str(" GENERATED BY DEFAULT AS IDENTITY");
        } else if let Some(e) = &c.default {
            s.push_str(&format!(" DEFAULT {e}"));
        }
        if c.not_null {
            s.push_str(" NOT NULL");
        }
        parts.push(s);
    }
    for (n, d) in &def.constraints {
        parts.push(format!("CONSTRAINT {} {d}", ident(n)));
    }
    for (n, d) in &def.foreign_keys {
        skipped.push(format!("the foreign key {n} ({d})"));
    }
    (format!("{sequences}CREATE TABLE {q} (\n  {}\n)", parts.join(",\n  ")), skipped)
}

pub fn restore(conn: &mut crate::db::Conn, dir: &Path, schema_flag: Option<&str>) -> Res<()> {
    let nothing = "nothing was restored";
    let mpath = dir.join(MANIFEST);
    let text = fs::read_to_string(&mpath).map_err(|e| io_fail("read", &mpath, e).also(nothing))?;
    let manifest: Value = serde_json::from_str(&text)
        .map_err(|e| Fail::new(format!("{} is not valid JSON: {e}", mpath.display())).also(nothing))?;
    if manifest["format"] != FORMAT {
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
    verify_files(dir, &manifest).map_err(|f| f.also(nothing))?;

    let mut tx = conn.client.transaction().map_err(pg)?;
    for s in SETTINGS {
        tx.batch_execute(s).map_err(pg)?;
    }
    let existing = crate::db::inspect(&mut tx, &schema)?;
    let mut report = Vec::new();
    let tables = manifest["tables"].as_array().cloned().unwrap_or_default();
    for t in &tables {
        let name = t["table"].as_str().unwrap_or("");
        // Only MAESTRO's own table names are ever created.
        let Some(known) = TABLES.iter().find(|(n, _)| *n == name) else {
            return Err(Fail::new(format!("the manifest names a table `{name}` that is not MAESTRO's")).also(nothing));
        };
        if existing.tables.iter().any(|e| e.name == known.0 && (e.oid.is_some() || e.other_kind.is_some())) {
            return Err(Fail::new(format!(
                "{} already exists; restore never overwrites a table (drop or rename it first)",
                qualified(&schema, name)
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
    for t in &tables {
        let name = t["table"].as_str().unwrap_or("");
        let q = qualified(&schema, name);
        let def_path = dir.join(t["definition"]["file"].as_str().unwrap_or(""));
        let def_text = fs::read_to_string(&def_path).map_err(|e| io_fail("read", &def_path, e).also(nothing))?;
        let def = serde_json::from_str::<Value>(&def_text).ok().as_ref().and_then(Definition::from_json).ok_or_else(
            || Fail::new(format!("{} is not a column definition file", def_path.display())).also(nothing),
        )?;
        let (create, skipped) = create_table_sql(&q, &def);
        let fail = |e: postgres::Error| pg(e).also(format!("{nothing}: the transaction was rolled back"));
        tx.batch_execute(&create).map_err(fail)?;
        if let Some(cm) = &def.comment {
            tx.batch_execute(&format!("COMMENT ON TABLE {q} IS {}", literal(cm))).map_err(fail)?;
        }
        let data_path = dir.join(t["data"]["file"].as_str().unwrap_or(""));
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
        let mut r = tx.copy_out(&copy_out_sql(&schema, name, &def)).map_err(fail)?;
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
            tx.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence({}, {}), max({col})) FROM {q} HAVING max({col}) IS NOT NULL",
                literal(&q),
                literal(&c.name),
            ))
            .map_err(fail)?;
        }
        report.push(format!("{q}: recreated, {rows} rows loaded, counts and sha256 match the manifest"));
        for s in skipped {
            report.push(format!("  not restored: {s}"));
        }
    }
    if !manifest["function"].is_null() {
        let path = dir.join(manifest["function"]["file"].as_str().unwrap_or(""));
        let sql = fs::read_to_string(&path).map_err(|e| io_fail("read", &path, e).also(nothing))?;
        tx.batch_execute(&sql).map_err(|e| pg(e).also(format!("{nothing}: the transaction was rolled back")))?;
        report.push(format!("{}: recreated from {}", qualified(&schema, FUNCTION), path.display()));
    }
    tx.commit().map_err(|e| pg(e).also(nothing))?;
    println!(
        "restored from {} (made {} from database {}):",
        dir.display(),
        s(&manifest["created_at"]),
        s(&manifest["database"])
    );
    for l in report {
        println!("{l}");
    }
    println!("not restored by design: indexes other than constraints, foreign keys, triggers, policies, grants and ownership; re-apply them from your migrations if needed");
    Ok(())
}

fn s(v: &Value) -> String {
    v.as_str().map(String::from).unwrap_or_else(|| v.to_string())
}
