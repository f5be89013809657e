//! `inert`: the runbook's "Inert Tables Strategy", one `COMMENT ON TABLE` per
//! existing table, in one transaction. Running it again changes nothing.
//!
//! The comment a table had before is kept in `<schema>.maestro_db_inert_comments`
//! (maestro-db's own table, made by the first `inert` that replaces a comment), so
//! `inert --undo` can put it back, `status` shows it and `drop --backup` keeps it
//! (then drops that table too). `inert --undo` drops it once it is empty.

use postgres::GenericClient;
use serde_json::json;

use crate::backup::pin_settings;
use crate::db::{inspect, pg, Conn};
use crate::util::{literal, qualified, Res};

/// maestro-db's own table of the comments `inert` replaced.
pub const STORE: &str = "maestro_db_inert_comments";

pub use crate::backup::Kept;

/// The kept comments, by table name, when the store exists: (table, original comment).
pub fn kept<C: GenericClient>(c: &mut C, schema: &str) -> Res<Option<Kept>> {
    let exists = c
        .query_opt(
            "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r'",
            &[&schema, &STORE],
        )
        .map_err(pg)?
        .is_some();
    if !exists {
        return Ok(None);
    }
    let rows = c
        .query(&format!("SELECT table_name, original_comment FROM {} ORDER BY 1", qualified(schema, STORE)), &[])
        .map_err(pg)?;
    Ok(Some(rows.iter().map(|r| (r.get(0), r.get(1))).collect()))
}

pub fn run(conn: &mut Conn, schema: &str, undo: bool, json: bool) -> Res<()> {
    let rolled_back = "nothing was changed: the transaction was rolled back, no table was marked inert";
    let mut tx = conn.client.transaction().map_err(pg)?;
    pin_settings(&mut tx)?;
    let objs = inspect(&mut tx, schema)?;
    let store = qualified(schema, STORE);
    let kept = kept(&mut tx, schema)?;
    let mut report = Vec::new();
    let mut items = Vec::new();
    let fail = |e: postgres::Error| pg(e).also(rolled_back);
    if !undo {
        for t in &objs.tables {
            let q = objs.qualified(t.name);
            let action;
            if t.oid.is_none() {
                let why =
                    t.other_kind.as_ref().map(|k| format!(" (a {k} of this name is left alone)")).unwrap_or_default();
                report.push(format!("{q}: does not exist, skipped{why}"));
                action = "missing";
            } else if t.comment.as_deref() == Some(t.inert_comment) {
                report.push(format!("{q}: already inert, unchanged"));
                action = "unchanged";
            } else {
                let sql = format!("COMMENT ON TABLE {q} IS {}", literal(t.inert_comment));
                tx.batch_execute(&sql).map_err(fail)?;
                tx.batch_execute(&format!(
                    "CREATE TABLE IF NOT EXISTS {store} (table_name text PRIMARY KEY, original_comment text, \
                     marked_at timestamptz NOT NULL DEFAULT now());
                     COMMENT ON TABLE {store} IS {};
                     ALTER TABLE {store} ENABLE ROW LEVEL SECURITY;
                     {};",
                    literal("maestro-db: the comments `maestro-db inert` replaced, for `maestro-db inert --undo`"),
                    // Private: no grants but its owner's (default privileges, such as Supabase's for
                    // anon, would put it in the API), and row-level security with no policy.
                    crate::backup::reset_grants_sql("TABLE", &store)
                ))
                .map_err(fail)?;
                tx.execute(
                    &format!(
                        "INSERT INTO {store} (table_name, original_comment) VALUES ($1, $2)
                         ON CONFLICT (table_name) DO UPDATE SET original_comment = excluded.original_comment, marked_at = now()"
                    ),
                    &[&t.name, &t.comment],
                )
                .map_err(fail)?;
                let was = t
                    .comment
                    .as_deref()
                    .map(|c| format!("its comment was {}, kept for `inert --undo`", literal(c)))
                    .unwrap_or("it had no comment".into());
                report.push(format!("{q}: marked inert ({sql}; {was})"));
                action = "marked";
            }
            items.push(json!({"table": t.name, "action": action, "comment_before": t.comment}));
        }
    } else {
        let store_exists = kept.is_some();
        let kept = kept.unwrap_or_default();
        for t in &objs.tables {
            let q = objs.qualified(t.name);
            let entry = kept.iter().find(|(n, _)| n == t.name);
            let action = match (t.oid, entry) {
                (None, _) => {
                    report.push(format!("{q}: does not exist, skipped"));
                    "missing"
                }
                (Some(_), Some((_, original))) if t.comment.as_deref() == Some(t.inert_comment) => {
                    let sql = format!(
                        "COMMENT ON TABLE {q} IS {}",
                        original.as_deref().map(literal).unwrap_or("NULL".into())
                    );
                    tx.batch_execute(&sql).map_err(fail)?;
                    report.push(format!("{q}: comment put back ({sql})"));
                    "restored"
                }
                (Some(_), Some(_)) => {
                    report.push(format!(
                        "{q}: its comment changed since `inert` ({}); left as it is",
                        t.comment.as_deref().map(literal).unwrap_or("none".into())
                    ));
                    "changed"
                }
                (Some(_), None) if t.comment.as_deref() == Some(t.inert_comment) => {
                    report.push(format!("{q}: inert, but no earlier comment was kept for it; left as it is"));
                    "unknown"
                }
                (Some(_), None) => {
                    report.push(format!("{q}: not inert, unchanged"));
                    "unchanged"
                }
            };
            if entry.is_some() && t.oid.is_some() {
                tx.execute(&format!("DELETE FROM {store} WHERE table_name = $1"), &[&t.name]).map_err(fail)?;
            }
            items.push(json!({"table": t.name, "action": action, "comment_before": t.comment,
                              "kept_comment": entry.map(|(_, c)| c.clone())}));
        }
        if store_exists {
            let left: i64 = tx.query_one(&format!("SELECT count(*) FROM {store}"), &[]).map_err(fail)?.get(0);
            if left == 0 {
                tx.batch_execute(&format!("DROP TABLE {store}")).map_err(fail)?;
                report.push(format!("{store}: empty, dropped"));
            }
        }
    }
    tx.commit().map_err(|e| {
        crate::db::commit_failed(
            e,
            "nothing was changed: the transaction was rolled back",
            "run `maestro-db status` to see each table's comment",
        )
    })?;
    if objs.table_oids().is_empty() {
        report.push(format!("none of MAESTRO's tables exist in schema {schema}; nothing to mark"));
    }
    if json {
        let doc = json!({"schema": schema, "undo": undo, "tables": items, "messages": report});
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        for line in report {
            println!("{line}");
        }
    }
    Ok(())
}
