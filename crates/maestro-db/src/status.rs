//! `status`: each object, its row count, comment and inert mark, then the
//! runbook's verification query ("Verification Steps > Check database").

use postgres::error::SqlState;
use postgres::GenericClient;
use serde_json::{json, Value};

use crate::db::{inspect, pg, Conn};
use crate::util::{interval_text, Res, AUDIT_LOGS};

pub struct Opts {
    pub schema: String,
    pub since_ms: u64,
    pub exact_limit: u64,
    pub json: bool,
}

/// Exact `count(*)` when the table's heap (all partitions) is at most `limit` bytes,
/// otherwise the planner's estimate (`EXPLAIN`).
fn row_count<C: GenericClient>(
    c: &mut C,
    qualified: &str,
    oid: u32,
    limit: u64,
) -> Result<(i64, &'static str), postgres::Error> {
    let size: i64 = c
        .query_one(
            "SELECT (pg_relation_size($1::oid::regclass)
                     + coalesce((SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree($1::oid::regclass)), 0))::int8",
            &[&oid],
        )
        ?
        .get(0);
    let from = own_rows(c, qualified, oid)?;
    if size as u64 <= limit {
        let n: i64 = c.query_one(&format!("SELECT count(*) FROM {from}"), &[])?.get(0);
        return Ok((n, "exact"));
    }
    let plan = c.query(&format!("EXPLAIN SELECT 1 FROM {from}"), &[])?;
    let first: String = plan.first().map(|r| r.get(0)).unwrap_or_default();
    let rows = first
        .split("rows=")
        .nth(1)
        .and_then(|s| s.split(|ch: char| !ch.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(-1);
    Ok((rows, "estimate"))
}

/// What to read a MAESTRO table's own rows FROM: `ONLY <table>`, so that the rows of an
/// app's table that INHERITS from it are not counted as MAESTRO's (as the backup reads
/// them); a partitioned table's rows are in its partitions, so it is read whole.
fn own_rows<C: GenericClient>(c: &mut C, qualified: &str, oid: u32) -> Result<String, postgres::Error> {
    let partitioned: bool =
        c.query_one("SELECT relkind = 'p' FROM pg_catalog.pg_class WHERE oid = $1", &[&oid])?.get(0);
    Ok(if partitioned { qualified.to_string() } else { format!("ONLY {qualified}") })
}

/// A query that the role may not be allowed to run: `Ok(None)` with a note naming
/// the missing privilege when PostgreSQL refuses it (no SELECT, or row-level
/// security that would hide rows: `row_security = off` makes it refuse rather than
/// filter), any other error as an error. Runs in a savepoint, so the transaction goes on.
fn allowed<T>(
    tx: &mut postgres::Transaction<'_>,
    user: &str,
    what: &str,
    f: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<T, postgres::Error>,
) -> Res<Result<T, String>> {
    let mut sp = tx.transaction().map_err(pg)?;
    match f(&mut sp) {
        Ok(v) => {
            sp.commit().map_err(pg)?;
            Ok(Ok(v))
        }
        Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => {
            let m = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
            let note = if m.contains("row-level security") {
                format!(
                    "role {user} cannot count {what}: row-level security would hide rows from it ({m}); counting needs \
                     the owner, a superuser or a role with BYPASSRLS"
                )
            } else if m.contains("for schema") {
                format!("role {user} cannot count {what}: it lacks the USAGE privilege on the schema ({m})")
            } else {
                format!("role {user} cannot count {what}: it lacks the SELECT privilege ({m}); GRANT SELECT to count")
            };
            Ok(Err(note))
        }
        Err(e) => Err(pg(e)),
    }
}

pub fn run(conn: &mut Conn, o: &Opts) -> Res<()> {
    let mut tx = conn.client.build_transaction().read_only(true).start().map_err(pg)?;
    crate::backup::pin_settings(&mut tx)?;
    let objs = inspect(&mut tx, &o.schema)?;
    let user: String = tx.query_one("SELECT current_user::text", &[]).map_err(pg)?.get(0);
    // The comments `inert` replaced, where they are kept (a role that cannot read them sees none).
    let readable: bool = tx
        .query_one(
            "SELECT coalesce((SELECT has_table_privilege(c.oid, 'SELECT') FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2), false)",
            &[&o.schema, &crate::inert::STORE],
        )
        .map_err(pg)?
        .get(0);
    let kept = if readable { crate::inert::kept(&mut tx, &o.schema)? } else { None };
    let mut out = Vec::new();
    for t in &objs.tables {
        let mut note: Option<String> =
            t.other_kind.as_ref().map(|k| format!("a {k} of this name exists; it is not a table and is left alone"));
        let (rows, count) = match t.oid {
            Some(oid) => {
                let q = objs.qualified(t.name);
                match allowed(&mut tx, &user, &format!("the rows of {q}"), |c| row_count(c, &q, oid, o.exact_limit))? {
                    Ok((n, kind)) => (json!(n), json!(kind)),
                    Err(n) => {
                        note = Some(n);
                        (Value::Null, Value::Null)
                    }
                }
            }
            None => (Value::Null, Value::Null),
        };
        let original = kept.as_ref().and_then(|k| k.iter().find(|(n, _)| n == t.name)).map(|(_, c)| c.clone());
        out.push(json!({
            "name": t.name,
            "kind": "table",
            "exists": t.oid.is_some(),
            "rows": rows,
            "count": count,
            "comment": t.comment,
            "inert": t.oid.map(|_| t.comment.as_deref() == Some(t.inert_comment)),
            "inert_comment": t.inert_comment,
            "comment_before_inert": original.clone().flatten(),
            "comment_before_inert_kept": original.is_some(),
            "note": note,
        }));
    }
    let comment = if objs.functions.len() == 1 { objs.functions[0].comment.clone() } else { None };
    out.push(json!({
        "name": crate::util::FUNCTION,
        "kind": "function",
        "exists": !objs.functions.is_empty(),
        "rows": null,
        "count": null,
        "comment": comment,
        "inert": null,
        "signatures": objs.functions.iter().map(|f| f.signature.clone()).collect::<Vec<_>>(),
    }));

    // The runbook's query, schema-qualified and with --since as the interval.
    // Its own rows only (ONLY): an app's table that inherits from it is not MAESTRO writing.
    let audit = objs.tables.iter().find(|t| t.name == AUDIT_LOGS).and_then(|t| t.oid);
    let from = match audit {
        Some(oid) => own_rows(&mut tx, &objs.qualified(AUDIT_LOGS), oid).map_err(pg)?,
        None => format!("ONLY {}", objs.qualified(AUDIT_LOGS)),
    };
    let sql =
        format!("SELECT COUNT(*) FROM {from} WHERE created_at > NOW() - INTERVAL '{}'", interval_text(o.since_ms));
    let (recent, note) = match audit {
        None => (Value::Null, Some(format!("{} does not exist", objs.qualified(AUDIT_LOGS)))),
        Some(oid) => {
            let has_col = tx
                .query_opt(
                    "SELECT 1 FROM pg_attribute WHERE attrelid = $1 AND attname = 'created_at' AND NOT attisdropped",
                    &[&oid],
                )
                .map_err(pg)?
                .is_some();
            if has_col {
                let q = sql.clone();
                match allowed(&mut tx, &user, &format!("the rows of {}", objs.qualified(AUDIT_LOGS)), |c| {
                    c.query_one(&q, &[]).map(|r| r.get::<_, i64>(0))
                })? {
                    Ok(n) => (json!(n), None),
                    Err(n) => (Value::Null, Some(n)),
                }
            } else {
                (Value::Null, Some(format!("{} has no created_at column", objs.qualified(AUDIT_LOGS))))
            }
        }
    };
    let link = tx
        .query_one(
            "SELECT host(inet_server_addr()), coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
            &[],
        )
        .map_err(pg)?;
    let (server_address, ssl): (Option<String>, bool) = (link.get(0), link.get(1));
    tx.rollback().map_err(pg)?;
    let doc = json!({
        "database": conn.dbname,
        "schema": o.schema,
        "connection": {"user": user, "server_address": server_address, "ssl": ssl},
        "objects": out,
        "verification": {
            "sql": sql,
            "since": crate::util::fmt_duration(o.since_ms),
            "since_seconds": o.since_ms as f64 / 1000.0,
            "recent_audit_logs": recent,
            "note": note,
        },
    });
    if o.json {
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print_table(&doc);
    }
    Ok(())
}

fn s(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn print_table(doc: &Value) {
    println!("MAESTRO objects in schema {} of database {}:", s(&doc["schema"]), s(&doc["database"]));
    let head = ["OBJECT", "KIND", "EXISTS", "ROWS", "COUNT", "INERT", "COMMENT"];
    let mut rows: Vec<[String; 7]> = vec![head.map(String::from)];
    for o in doc["objects"].as_array().into_iter().flatten() {
        let mut comment = s(&o["comment"]);
        if o["comment_before_inert_kept"] == true {
            let was = o["comment_before_inert"].as_str().map(|c| format!("'{c}'")).unwrap_or_else(|| "none".into());
            if o["inert"] == true {
                comment = format!("{comment} (before inert: {was}; `inert --undo` puts it back)");
            } else {
                // `inert --undo` found the comment changed since `inert` and left it.
                comment = format!(
                    "{comment} (before an earlier inert: {was}, still kept in {}.{}; `inert --undo` leaves the \
                     changed comment as it is)",
                    s(&doc["schema"]),
                    crate::inert::STORE
                );
            }
        }
        if let Some(n) = o["note"].as_str() {
            comment = format!("{comment} ({n})");
        }
        if let Some(sigs) = o["signatures"].as_array() {
            if sigs.len() > 1 {
                comment = format!("{} overloads: {}", sigs.len(), sigs.iter().map(s).collect::<Vec<_>>().join(", "));
            }
        }
        rows.push([
            s(&o["name"]),
            s(&o["kind"]),
            s(&o["exists"]),
            s(&o["rows"]),
            s(&o["count"]),
            s(&o["inert"]),
            comment,
        ]);
    }
    let widths: Vec<usize> = (0..6).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    for r in &rows {
        let mut line = String::new();
        for i in 0..6 {
            line.push_str(&format!("{:<w$}  ", r[i], w = widths[i]));
        }
        line.push_str(&r[6]);
        println!("{}", line.trim_end());
    }
    let v = &doc["verification"];
    println!();
    println!("Verification ({}):", s(&v["sql"]));
    match v["note"].as_str() {
        Some(n) => println!("  not run: {n}"),
        None => println!("  {} audit log rows in the last {}", s(&v["recent_audit_logs"]), s(&v["since"])),
    }
}
