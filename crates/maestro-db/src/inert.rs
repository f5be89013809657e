//! `inert`: the runbook's "Inert Tables Strategy", one `COMMENT ON TABLE` per
//! existing table, in one transaction. Running it again changes nothing.

use crate::db::{inspect, pg, Conn};
use crate::util::{literal, Res};

pub fn run(conn: &mut Conn, schema: &str) -> Res<()> {
    let mut tx = conn.client.transaction().map_err(pg)?;
    let objs = inspect(&mut tx, schema)?;
    let mut report = Vec::new();
    for t in &objs.tables {
        let q = objs.qualified(t.name);
        if t.oid.is_none() {
            let why = t.other_kind.as_ref().map(|k| format!(" (a {k} of this name is left alone)")).unwrap_or_default();
            report.push(format!("{q}: does not exist, skipped{why}"));
        } else if t.comment.as_deref() == Some(t.inert_comment) {
            report.push(format!("{q}: already inert, unchanged"));
        } else {
            let sql = format!("COMMENT ON TABLE {q} IS {}", literal(t.inert_comment));
            tx.batch_execute(&sql).map_err(|e| {
                pg(e).also("nothing was changed: the transaction was rolled back, no table was marked inert")
            })?;
            let was =
                t.comment.as_deref().map(|c| format!("comment was {}", literal(c))).unwrap_or("had no comment".into());
            report.push(format!("{q}: marked inert ({sql}; it {was})"));
        }
    }
    tx.commit().map_err(|e| pg(e).also("nothing was changed"))?;
    for line in report {
        println!("{line}");
    }
    if objs.table_oids().is_empty() {
        println!("none of MAESTRO's tables exist in schema {schema}; nothing to mark");
    }
    Ok(())
}
