//! `inert`: the runbook's "Inert Tables Strategy", one `COMMENT ON TABLE` per
//! existing table, in one transaction. Running it again changes nothing.
//!
//! The comment a table had before is kept in `<schema>.maestro_db_inert_comments`
//! (maestro-db's own table, made by the first `inert` that replaces a comment), so
//! `inert --undo` can put it back, `status` shows it and `drop --backup` keeps it
//! (then drops that table too). `inert --undo` drops it once it is empty. A kept
//! comment is never deleted unless it was put back: when a table's comment changed
//! since `inert`, `--undo` leaves that comment and keeps the original (and `inert`
//! will not replace it with the new one: it leaves that table unmarked and says so).

use postgres::GenericClient;
use serde_json::json;

use crate::backup::pin_settings;
use crate::db::{inspect, pg, Conn};
use crate::util::{literal, qualified, Res};

/// maestro-db's own table of the comments `inert` replaced.
pub const STORE: &str = "maestro_db_inert_comments";

pub use crate::backup::Kept;

/// Makes the store if it is missing (with its comment and row-level security on): the
/// same for `inert` and the migration `migration --mode inert` writes.
pub fn store_sql(schema: &str) -> String {
    let store = qualified(schema, STORE);
    format!(
        "CREATE TABLE IF NOT EXISTS {store} (table_name text PRIMARY KEY, original_comment text, \
         marked_at timestamptz NOT NULL DEFAULT now());\n\
         COMMENT ON TABLE {store} IS {};\n\
         ALTER TABLE {store} ENABLE ROW LEVEL SECURITY",
        literal("maestro-db: the comments `maestro-db inert` replaced, for `maestro-db inert --undo`")
    )
}

/// Keeps a table's comment: this, then `(name, comment)`, then [`KEEP_CONFLICT`].
pub fn keep_sql(schema: &str) -> String {
    format!("INSERT INTO {} (table_name, original_comment) VALUES", qualified(schema, STORE))
}

pub const KEEP_CONFLICT: &str =
    "ON CONFLICT (table_name) DO UPDATE SET original_comment = excluded.original_comment, marked_at = now()";

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
    let kept_for = |name: &str| kept.as_ref().and_then(|k| k.iter().find(|(n, _)| n == name)).map(|(_, c)| c.clone());
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
            } else if let Some(k) = kept_for(t.name).filter(|k| k.is_some() && k.as_deref() != t.comment.as_deref()) {
                // An earlier `inert`'s original is still kept (its `--undo` found the comment
                // changed): replacing it would lose it, and the store holds one per table.
                let was = k.as_deref().map(literal).unwrap_or("none".into());
                report.push(format!(
                    "{q}: not marked, left as it is: its comment ({}) would be kept in place of the comment it had                      before an earlier `inert` ({was}), still kept in {store}, and only one can be kept. Put back                      the one to keep (COMMENT ON TABLE {q} IS ...), delete its row (DELETE FROM {store} WHERE                      table_name = {}), then run `inert` again",
                    t.comment.as_deref().map(literal).unwrap_or("none".into()),
                    literal(t.name)
                ));
                action = "skipped";
            } else {
                let sql = format!("COMMENT ON TABLE {q} IS {}", literal(t.inert_comment));
                tx.batch_execute(&sql).map_err(fail)?;
                tx.batch_execute(&format!(
                    "{};\n{};",
                    store_sql(schema),
                    // Private: no grants but its owner's (default privileges, such as Supabase's for
                    // anon, would put it in the API), and row-level security with no policy.
                    crate::backup::reset_grants_sql("TABLE", &store)
                ))
                .map_err(fail)?;
                tx.execute(&format!("{} ($1, $2) {KEEP_CONFLICT}", keep_sql(schema)), &[&t.name, &t.comment])
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
                (Some(_), Some((_, None))) => {
                    report.push(format!(
                        "{q}: its comment changed since `inert` ({}); left as it is (it had no comment before `inert`)",
                        t.comment.as_deref().map(literal).unwrap_or("none".into())
                    ));
                    "changed"
                }
                (Some(_), Some((_, original))) => {
                    // The comment it had before `inert` stays kept: deleting it would lose it for good.
                    report.push(format!(
                        "{q}: its comment changed since `inert` ({}); left as it is. The comment it had before \
                         `inert`, {}, is still kept in {store} (`status` shows it; `drop --backup` keeps it and \
                         `restore --original-comments` gives it back); to put it back now: COMMENT ON TABLE {q} IS {}; \
                         to forget it: DELETE FROM {store} WHERE table_name = {}",
                        t.comment.as_deref().map(literal).unwrap_or("none".into()),
                        original.as_deref().map(literal).unwrap_or("none".into()),
                        original.as_deref().map(literal).unwrap_or("NULL".into()),
                        literal(t.name)
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
            // Deleted once put back, or when there was none; kept when the table is missing or its
            // comment changed since `inert` (deleting it would lose it for good).
            let still_kept = entry.is_some_and(|(_, c)| t.oid.is_none() || (action == "changed" && c.is_some()));
            if entry.is_some() && !still_kept {
                tx.execute(&format!("DELETE FROM {store} WHERE table_name = $1"), &[&t.name]).map_err(fail)?;
            }
            items.push(json!({"table": t.name, "action": action, "comment_before": t.comment,
                              "kept_comment": entry.map(|(_, c)| c.clone()),
                              "kept_comment_still_in": still_kept.then(|| format!("{schema}.{STORE}"))}));
        }
        if store_exists {
            let left: Vec<String> = tx
                .query(&format!("SELECT table_name FROM {store} ORDER BY 1"), &[])
                .map_err(fail)?
                .iter()
                .map(|r| r.get(0))
                .collect();
            if left.is_empty() {
                tx.batch_execute(&format!("DROP TABLE {store}")).map_err(fail)?;
                report.push(format!("{store}: empty, dropped"));
            } else {
                report.push(format!(
                    "{store}: kept, it still holds the comments from before `inert` of: {}",
                    left.join(", ")
                ));
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
