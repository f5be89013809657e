//! `drop`: the runbook's Phase 3, in one transaction. Without `--yes` it prints
//! the SQL and changes nothing; with `--backup DIR` it first writes every row.

use std::path::PathBuf;

use crate::backup::{self, Definition, SETTINGS};
use crate::db::{dependents, inspect, pg, Conn};
use crate::util::{Fail, Res};

pub struct Opts {
    pub schema: String,
    pub yes: bool,
    pub backup: Option<PathBuf>,
    pub no_backup: bool,
    pub cascade: bool,
    pub lock_timeout_ms: u64,
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

enum Step {
    Sql(String),
    /// Writes the backup; the COPY statements are printed in the plan.
    Backup(Vec<String>),
}

pub fn run(conn: &mut Conn, o: &Opts) -> Res<()> {
    check_usage(o)?;
    let objs = inspect(&mut conn.client, &o.schema)?;
    let schema = &o.schema;
    for t in objs.tables.iter().filter(|t| t.oid.is_none()) {
        let why = t.other_kind.as_ref().map(|k| format!("; a {k} of this name is left alone")).unwrap_or_default();
        println!("{}: does not exist, nothing to drop{why}", objs.qualified(t.name));
    }
    if objs.functions.is_empty() {
        println!("{}: does not exist, nothing to drop", objs.qualified(crate::util::FUNCTION));
    }
    if objs.none_exist() {
        println!("nothing to drop: none of MAESTRO's objects exist in schema {schema}; nothing was changed");
        return Ok(());
    }
    let deps = dependents(&mut conn.client, &objs)?;
    let mut defs: Vec<(&'static str, Definition)> = Vec::new();
    if o.backup.is_some() {
        for t in objs.existing_tables() {
            defs.push((t.name, backup::definition(&mut conn.client, t.oid.unwrap_or(0))?));
        }
    }

    // The plan: exactly what runs, in order.
    let cascade = if o.cascade { " CASCADE" } else { "" };
    let table_list: Vec<String> = objs.existing_tables().map(|t| objs.qualified(t.name)).collect();
    let mut steps = Vec::new();
    if let Some(dir) = &o.backup {
        steps.extend(SETTINGS.iter().map(|s| Step::Sql(s.to_string())));
        if !table_list.is_empty() {
            steps.push(Step::Sql(format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", table_list.join(", "))));
        }
        let mut copies: Vec<String> = defs.iter().map(|(n, d)| backup::copy_out_sql(schema, n, d)).collect();
        if !objs.functions.is_empty() {
            copies.push("SELECT pg_get_functiondef(oid) for each function named maestro_claim_receipt".into());
        }
        copies.push(format!("-> files in {}, with manifest.json", dir.display()));
        steps.push(Step::Backup(copies));
    }
    let drop_tables =
        (!table_list.is_empty()).then(|| Step::Sql(format!("DROP TABLE {}{cascade}", table_list.join(", "))));
    let drop_functions: Vec<Step> = objs
        .functions
        .iter()
        .map(|f| {
            let sig = f.signature.replacen(crate::util::FUNCTION, &crate::util::ident(crate::util::FUNCTION), 1);
            Step::Sql(format!("DROP {} {}.{sig}{cascade}", f.kind, crate::util::ident(schema)))
        })
        .collect();
    if deps.function_first {
        steps.extend(drop_functions);
        steps.extend(drop_tables);
    } else {
        steps.extend(drop_tables);
        steps.extend(drop_functions);
    }

    let plan = {
        let mut p = format!("SET lock_timeout = {};  -- for the session (milliseconds)\nBEGIN;\n", o.lock_timeout_ms);
        for s in &steps {
            match s {
                Step::Sql(sql) => p.push_str(&format!("{sql};\n")),
                Step::Backup(lines) => {
                    for l in lines {
                        if l.starts_with("->") || l.starts_with("SELECT pg_get") {
                            p.push_str(&format!("-- {l}\n"));
                        } else {
                            p.push_str(&format!("{l};\n"));
                        }
                    }
                }
            }
        }
        p.push_str("COMMIT;");
        p
    };
    let not_owned: Vec<String> = objs
        .existing_tables()
        .filter(|t| !t.owned)
        .map(|t| format!("table {}", objs.qualified(t.name)))
        .chain(objs.functions.iter().filter(|f| !f.owned).map(|f| format!("function {}.{}", schema, f.signature)))
        .collect();
    let user: String = conn.client.query_one("SELECT current_user::text", &[]).map_err(pg)?.get(0);

    if !o.yes {
        println!("dry run, nothing was changed. `drop --yes` would run, in one transaction:\n{plan}");
        if !deps.outside.is_empty() {
            println!(
                "{}\nother objects depend on MAESTRO's, listed above: without --cascade, `drop --yes` refuses and drops nothing; with --cascade they are dropped too",
                deps.outside.iter().map(|d| format!("  dependent: {d}")).collect::<Vec<_>>().join("\n")
            );
        }
        if !not_owned.is_empty() {
            println!("role {user} does not own {}: the drop would fail", not_owned.join(", "));
        }
        if o.backup.is_none() && !o.no_backup {
            println!("with --yes, give --backup DIR to write the rows first, or --no-backup");
        }
        return Ok(());
    }

    if !deps.outside.is_empty() && !o.cascade {
        return Err(Fail::new(format!(
            "refusing to drop: other objects depend on MAESTRO's:\n{}\nnothing was dropped. Change or drop them first, \
             or run again with --cascade to drop them too",
            deps.outside.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n")
        )));
    }
    if !not_owned.is_empty() {
        return Err(Fail::new(format!(
            "permission denied: role {user} does not own {} (DROP needs the owner or a superuser); nothing was dropped{}",
            not_owned.join(", "),
            if o.backup.is_some() { " and no backup was written" } else { "" }
        )));
    }
    if let Some(dir) = &o.backup {
        backup::prepare_dir(dir).map_err(|f| f.also("refusing to drop without a backup: nothing was dropped"))?;
    }
    let created_at: String = conn
        .client
        .query_one("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", &[])
        .map_err(pg)?
        .get(0);
    let dbname = conn.dbname.clone();
    let rolled_back = "nothing was dropped: the transaction was rolled back";
    let mut written = Vec::new();
    {
        let mut tx = conn.client.transaction().map_err(pg)?;
        for s in &steps {
            match s {
                Step::Sql(sql) => tx.batch_execute(sql).map_err(|e| {
                    let mut f = pg(e).also(rolled_back);
                    if o.backup.is_some() && written.is_empty() {
                        f = f.also("the backup was not completed");
                    } else if let Some(dir) = &o.backup {
                        f = f.also(format!("the backup in {} is complete and kept", dir.display()));
                    }
                    f
                })?,
                Step::Backup(_) => {
                    let dir = o.backup.as_ref().expect("a backup step has a folder");
                    let w = backup::write(&mut tx, &objs, &defs, dir, &created_at, &dbname).map_err(|f| {
                        f.also(format!(
                            "the backup failed, so nothing was dropped (the transaction was rolled back); the partial files in {} are not a usable backup",
                            dir.display()
                        ))
                    })?;
                    written = w.lines;
                }
            }
        }
        tx.commit().map_err(|e| pg(e).also(rolled_back))?;
    }
    if let Some(dir) = &o.backup {
        println!("backup written to {}:", dir.display());
        for l in &written {
            println!("  {l}");
        }
    }
    for t in objs.existing_tables() {
        println!("dropped table {}", objs.qualified(t.name));
    }
    for f in &objs.functions {
        println!("dropped {} {}.{}", f.kind.to_lowercase(), schema, f.signature);
    }
    for n in conn.take_notices().iter().filter(|n| n.contains("drop cascades")) {
        println!("cascade: {n}");
    }
    Ok(())
}
