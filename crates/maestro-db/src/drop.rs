//! `drop`: the runbook's Phase 3, in one transaction. Without `--yes` it prints
//! the SQL and changes nothing; with `--backup DIR` it first writes every row and
//! every definition, read after the tables are locked.

use std::path::PathBuf;

use postgres::GenericClient;
use serde_json::json;

use crate::backup::{self, Contents, SETTINGS};
use crate::catalog::{self, DepKind, Survey};
use crate::db::{inspect, pg, Conn, Objects};
use crate::util::{ident, Fail, Res, FUNCTION};

pub struct Opts {
    pub schema: String,
    pub yes: bool,
    pub backup: Option<PathBuf>,
    pub no_backup: bool,
    pub cascade: bool,
    pub lock_timeout_ms: u64,
    pub json: bool,
}

/// Checked before connecting.
pub fn check_usage(o: &Opts) -> Res<()> {
    if o.yes && o.backup.is_none() && !o.no_backup {
        return Err(Fail::usage(
            "drop --yes needs --backup DIR (the runbook promises no data loss: the rows are written there first) \
             or, to drop without a backup, --no-backup; nothing was done",
        ));
    }
    Ok(())
}

fn lock_sql(objs: &Objects) -> Option<String> {
    let tables: Vec<String> = objs.existing_tables().map(|t| objs.qualified(t.name)).collect();
    (!tables.is_empty()).then(|| format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", tables.join(", ")))
}

fn drop_sql(sv: &Survey, cascade: bool) -> Vec<String> {
    let objs = &sv.objs;
    let cascade = if cascade { " CASCADE" } else { "" };
    let tables: Vec<String> = objs.existing_tables().map(|t| objs.qualified(t.name)).collect();
    let drop_tables = (!tables.is_empty()).then(|| format!("DROP TABLE {}{cascade}", tables.join(", ")));
    let drop_functions: Vec<String> = objs
        .functions
        .iter()
        .map(|f| {
            let sig = f.signature.replacen(FUNCTION, &ident(FUNCTION), 1);
            format!("DROP {} {}.{sig}{cascade}", f.kind, ident(&objs.schema))
        })
        .collect();
    let mut out = Vec::new();
    if sv.function_first {
        out.extend(drop_functions);
        out.extend(drop_tables);
    } else {
        out.extend(drop_tables);
        out.extend(drop_functions);
    }
    out
}

/// The definitions of what the drop takes, read in the caller's transaction.
fn contents<C: GenericClient>(c: &mut C, sv: &Survey) -> Res<Contents> {
    let mut tables = Vec::new();
    for t in sv.objs.existing_tables() {
        tables.push((catalog::table_def(c, t.oid.unwrap_or(0))?, "maestro"));
    }
    for ch in &sv.children {
        tables.push((catalog::table_def(c, ch.oid)?, if ch.partition { "partition" } else { "child" }));
    }
    let mut views = Vec::new();
    for v in &sv.view_order {
        views.push(catalog::view_def(c, *v)?);
    }
    let mut foreign_keys_in = Vec::new();
    for d in &sv.dependents {
        if let DepKind::ForeignKey(oid) = d.kind {
            foreign_keys_in.push(catalog::foreign_key_in(c, oid)?);
        }
    }
    let original_comments = crate::inert::kept(c, &sv.objs.schema)?;
    Ok(Contents { tables, views, foreign_keys_in, original_comments })
}

/// Why the drop must not go ahead, if it must not.
fn refusal(sv: &Survey, o: &Opts) -> Option<Fail> {
    let outside = sv.outside();
    if !outside.is_empty() && !o.cascade {
        return Some(Fail::new(format!(
            "refusing to drop: other objects depend on MAESTRO's or go with them:\n{}\nnothing was dropped. Change or \
             drop them first, or run again with --cascade to drop them too{}",
            outside.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"),
            if o.backup.is_some() { " (the backup then holds each of them)" } else { "" }
        )));
    }
    let unsupported = sv.unsupported();
    if o.cascade && o.backup.is_some() && !unsupported.is_empty() {
        return Some(Fail::new(format!(
            "refusing to drop: --cascade would drop objects the backup cannot hold, so restore could not bring them \
             back:\n{}\nnothing was dropped. Change or drop them first (or, knowingly, use --no-backup)",
            unsupported.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n")
        )));
    }
    None
}

pub fn run(conn: &mut Conn, o: &Opts) -> Res<()> {
    check_usage(o)?;
    let objs = inspect(&mut conn.client, &o.schema)?;
    let schema = &o.schema;
    let mut out: Vec<String> = Vec::new();
    for t in objs.tables.iter().filter(|t| t.oid.is_none()) {
        let why = t.other_kind.as_ref().map(|k| format!("; a {k} of this name is left alone")).unwrap_or_default();
        out.push(format!("{}: does not exist, nothing to drop{why}", objs.qualified(t.name)));
    }
    if objs.functions.is_empty() {
        out.push(format!("{}: does not exist, nothing to drop", objs.qualified(FUNCTION)));
    }
    let emit = |lines: &[String], doc: serde_json::Value| {
        if o.json {
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        } else {
            for l in lines {
                println!("{l}");
            }
        }
    };
    if objs.none_exist() {
        out.push(format!("nothing to drop: none of MAESTRO's objects exist in schema {schema}; nothing was changed"));
        emit(&out, json!({"schema": schema, "dropped": false, "messages": out}));
        return Ok(());
    }
    let sv = catalog::survey(&mut conn.client, objs)?;

    // The plan: exactly what runs, in order.
    let mut plan = format!("SET lock_timeout = {};  -- for the session (milliseconds)\nBEGIN;\n", o.lock_timeout_ms);
    for s in SETTINGS {
        plan.push_str(&format!("{s};\n"));
    }
    if let Some(l) = lock_sql(&sv.objs) {
        plan.push_str(&format!("{l};\n"));
    }
    if let Some(dir) = &o.backup {
        plan.push_str(&format!("{};\n", backup::QUALIFY));
        plan.push_str("-- then, under that lock, every definition is read from the catalog, and the rows:\n");
        for t in sv.objs.existing_tables() {
            let def = catalog::table_def(&mut conn.client, t.oid.unwrap_or(0))?;
            plan.push_str(&format!("{};\n", backup::copy_out_sql(&def)));
        }
        if o.cascade {
            for ch in &sv.children {
                let def = catalog::table_def(&mut conn.client, ch.oid)?;
                plan.push_str(&format!("{};\n", backup::copy_out_sql(&def)));
            }
        }
        if !sv.objs.functions.is_empty() {
            plan.push_str("-- SELECT pg_get_functiondef(oid) for each function named maestro_claim_receipt\n");
        }
        plan.push_str(&format!(
            "-- -> files in {}, with manifest.json\n",
            crate::util::comment_text(&dir.display().to_string())
        ));
        plan.push_str(&format!("{};\n", backup::UNQUALIFY));
    }
    for s in drop_sql(&sv, o.cascade) {
        plan.push_str(&format!("{s};\n"));
    }
    if crate::inert::kept(&mut conn.client, schema)?.is_some() {
        plan.push_str(&format!(
            "DROP TABLE {};  -- maestro-db's record of the comments `inert` replaced{}\n",
            crate::util::qualified(schema, crate::inert::STORE),
            if o.backup.is_some() { " (kept in the backup)" } else { "" }
        ));
    }
    plan.push_str("COMMIT;");
    let not_owned: Vec<String> = sv
        .objs
        .existing_tables()
        .filter(|t| !t.owned)
        .map(|t| format!("table {}", sv.objs.qualified(t.name)))
        .chain(sv.objs.functions.iter().filter(|f| !f.owned).map(|f| format!("function {}.{}", schema, f.signature)))
        .collect();
    let user: String = conn.client.query_one("SELECT current_user::text", &[]).map_err(pg)?.get(0);
    let outside = sv.outside();

    if !o.yes {
        out.push(format!("dry run, nothing was changed. `drop --yes` would run, in one transaction:\n{plan}"));
        if !outside.is_empty() {
            out.push(format!(
                "{}\nother objects depend on MAESTRO's or go with them, listed above: without --cascade, `drop --yes` \
                 refuses and drops nothing; with --cascade they are dropped too{}",
                outside.iter().map(|d| format!("  dependent: {d}")).collect::<Vec<_>>().join("\n"),
                if o.backup.is_some() {
                    ", and the backup holds each (views and foreign keys as definitions, partitions and children as tables of their own)"
                } else {
                    ""
                }
            ));
        }
        let unsupported = sv.unsupported();
        if !unsupported.is_empty() && o.backup.is_some() {
            out.push(format!(
                "the backup cannot hold these, so `drop --yes --cascade --backup` refuses:\n{}",
                unsupported.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n")
            ));
        }
        if !not_owned.is_empty() {
            out.push(format!("role {user} does not own {}: the drop would fail", not_owned.join(", ")));
        }
        if o.backup.is_none() && !o.no_backup {
            out.push("with --yes, give --backup DIR to write the rows first, or --no-backup".into());
        }
        emit(
            &out,
            json!({"schema": schema, "dry_run": true, "dropped": false, "sql": plan, "dependents": outside,
                   "not_owned": not_owned, "messages": out}),
        );
        return Ok(());
    }

    if let Some(f) = refusal(&sv, o) {
        return Err(f);
    }
    if !not_owned.is_empty() {
        return Err(Fail::new(format!(
            "permission denied: role {user} does not own {} (DROP needs the owner or a superuser); nothing was dropped{}",
            not_owned.join(", "),
            if o.backup.is_some() { " and no backup was written" } else { "" }
        )));
    }
    let created_at: String = conn
        .client
        .query_one("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", &[])
        .map_err(pg)?
        .get(0);
    let dbname = conn.dbname.clone();
    let rolled_back = "nothing was dropped: the transaction was rolled back";
    let mut written = Vec::new();
    let dropped;
    {
        let mut tx = conn.client.transaction().map_err(pg)?;
        backup::pin_settings(&mut tx).map_err(|f| f.also(rolled_back))?;
        if let Some(l) = lock_sql(&sv.objs) {
            tx.batch_execute(&l).map_err(|e| {
                let mut f = pg(e).also(rolled_back);
                if o.backup.is_some() {
                    f = f.also("the backup was not started");
                }
                f
            })?;
        }
        // Everything again, now that nothing can change under the lock: a column a
        // migration added while the drop waited, a partition attached meanwhile.
        if o.backup.is_some() {
            tx.batch_execute(backup::QUALIFY).map_err(|e| pg(e).also(rolled_back))?;
        }
        let objs = inspect(&mut tx, schema)?;
        let mut sv = catalog::survey(&mut tx, objs)?;
        // What --cascade drops elsewhere is locked too before its definition is read
        // (DROP would lock it anyway): a view replaced meanwhile is not backed up stale.
        // Then everything is looked at again, until nothing new turns up (a view made
        // on a dependent view before it was locked).
        let mut locked: Vec<u32> = Vec::new();
        loop {
            if let Some(f) = refusal(&sv, o) {
                return Err(f.also("(found once the tables were locked)"));
            }
            if !o.cascade {
                break;
            }
            let mut rels: Vec<u32> = sv.view_order.clone();
            for d in &sv.dependents {
                if let DepKind::ForeignKey(k) = d.kind {
                    let r: u32 =
                        tx.query_one("SELECT conrelid FROM pg_constraint WHERE oid = $1", &[&k]).map_err(pg)?.get(0);
                    rels.push(r);
                }
            }
            rels.retain(|r| !locked.contains(r));
            if rels.is_empty() {
                break;
            }
            // (LOCK TABLE takes no materialized view.)
            let names: Option<String> = tx
                .query_one(
                    "SELECT string_agg(oid::regclass::text, ', ') FROM pg_class WHERE oid = ANY($1) AND relkind <> 'm'",
                    &[&rels],
                )
                .map_err(pg)?
                .get(0);
            if let Some(names) = names {
                tx.batch_execute(&format!("LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
                    .map_err(|e| pg(e).also(rolled_back))?;
            }
            locked.extend(rels);
            let objs = inspect(&mut tx, schema)?;
            sv = catalog::survey(&mut tx, objs)?;
        }
        if let Some(dir) = &o.backup {
            let why = |f: Fail| {
                f.also(format!(
                    "the backup failed, so nothing was dropped (the transaction was rolled back); the partial files in {} are not a usable backup",
                    dir.display()
                ))
            };
            let c = contents(&mut tx, &sv).map_err(why)?;
            backup::prepare_dir(dir).map_err(|f| f.also("refusing to drop without a backup: nothing was dropped"))?;
            let w = backup::write(&mut tx, &sv.objs, &c, dir, &created_at, &dbname).map_err(why)?;
            written = w.lines;
        }
        // The definitions are read; the DROP runs under the session's own search_path,
        // as event triggers that a DROP fires expect (the names it uses are qualified).
        if o.backup.is_some() {
            tx.batch_execute(backup::UNQUALIFY).map_err(|e| pg(e).also(rolled_back))?;
        }
        let mut statements = drop_sql(&sv, o.cascade);
        if crate::inert::kept(&mut tx, schema)?.is_some() {
            // maestro-db's own record of the comments `inert` replaced (kept in the backup).
            statements.push(format!("DROP TABLE {}", crate::util::qualified(schema, crate::inert::STORE)));
        }
        for s in statements {
            tx.batch_execute(&s).map_err(|e| {
                let mut f = pg(e).also(rolled_back);
                if let Some(dir) = &o.backup {
                    f = f.also(format!("the backup in {} is complete and kept", dir.display()));
                }
                f
            })?;
        }
        let kept = match &o.backup {
            Some(dir) => format!("the backup in {} is complete and kept", dir.display()),
            None => "no backup was written (--no-backup)".to_string(),
        };
        tx.commit().map_err(|e| {
            crate::db::commit_failed(
                e,
                rolled_back,
                "run `maestro-db status` to see whether MAESTRO's tables and function are still there",
            )
            .also(&kept)
        })?;
        dropped = sv;
    }
    let mut lines = Vec::new();
    if let Some(dir) = &o.backup {
        lines.push(format!("backup written to {}:", dir.display()));
        for l in &written {
            lines.push(format!("  {l}"));
        }
    }
    lines.extend(out.iter().cloned());
    for t in dropped.objs.existing_tables() {
        lines.push(format!("dropped table {}", dropped.objs.qualified(t.name)));
    }
    for f in &dropped.objs.functions {
        lines.push(format!("dropped {} {}.{}", f.kind.to_lowercase(), schema, f.signature));
    }
    let cascaded: Vec<String> =
        conn.take_notices().iter().filter(|n| n.contains("drop cascades")).map(|n| format!("cascade: {n}")).collect();
    lines.extend(cascaded.iter().cloned());
    emit(
        &lines,
        json!({"schema": schema, "dry_run": false, "dropped": true,
               "backup": o.backup.as_ref().map(|d| d.display().to_string()),
               "tables": dropped.objs.existing_tables().map(|t| t.name).collect::<Vec<_>>(),
               "functions": dropped.objs.functions.iter().map(|f| f.signature.clone()).collect::<Vec<_>>(),
               "cascaded": cascaded, "messages": lines}),
    );
    Ok(())
}
