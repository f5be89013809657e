//! `migration`: lists MAESTRO's migrations (the runbook's
//! `ls supabase/migrations/*maestro*`) and writes one new, timestamped migration
//! that carries out the chosen mode, so the rollback can go through the team's
//! normal migration flow. It never edits an existing file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::util::{
    comment_text, dollar_tag, ident, literal, now_secs, qualified, secs_from_version, version_from_secs, Fail, Res,
    FUNCTION, TABLES,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    Inert,
    Drop,
}

pub struct Opts {
    pub dir: PathBuf,
    pub mode: Mode,
    pub schema: String,
    pub lock_timeout_ms: u64,
    pub json: bool,
}

/// The files whose name contains `maestro`, as the shell's `*maestro*` (no dot files), sorted.
pub fn maestro_migrations(dir: &Path) -> Res<(Vec<String>, Option<i64>)> {
    let entries = fs::read_dir(dir).map_err(|e| {
        Fail::new(format!("cannot read the migrations folder {}: {e}; nothing was written", dir.display()))
    })?;
    let mut names = Vec::new();
    let mut latest = None;
    for e in entries {
        let e = e.map_err(|e| Fail::new(format!("cannot read {}: {e}", dir.display())))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !e.path().is_file() {
            continue;
        }
        if let Some(v) = name.split('_').next().and_then(secs_from_version) {
            latest = latest.max(Some(v));
        }
        if name.contains("maestro") {
            names.push(name);
        }
    }
    names.sort();
    Ok((names, latest))
}

/// The migration's text. Names and comments are quoted (`ident`, `literal`); the
/// `DO` body's dollar quote is a tag that nothing in the body contains; `--` lines
/// show names with control characters escaped. A schema that does not exist makes
/// the migration fail, changing nothing.
pub fn content(mode: Mode, schema: &str, lock_timeout_ms: u64, version: &str) -> String {
    let mut head = String::new();
    let mut body = String::new();
    body.push_str(&format!(
        "  PERFORM set_config('lock_timeout', '{lock_timeout_ms}ms', true);\n\
         \x20 IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = {s}) THEN\n\
         \x20   RAISE EXCEPTION 'maestro-db migration: schema % does not exist; nothing was changed', {s};\n\
         \x20 END IF;\n",
        s = literal(schema)
    ));
    match mode {
        Mode::Inert => {
            head.push_str(&format!(
                "-- {version}: MAESTRO rollback, Phase 3 as inert tables (written by maestro-db migration --mode inert).\n\
                 -- Marks MAESTRO's tables in schema {} with the runbook's comments (\"DB Migration Notes > Inert Tables Strategy\").\n\
                 -- A table that does not exist is skipped, one already inert is left as it is. The comment each\n\
                 -- table had is kept first, as `maestro-db inert` keeps it, in {}\n\
                 -- (maestro-db's own table, made if missing: row-level security on, no grants but its owner's), so\n\
                 -- `maestro-db inert --undo` puts it back and `maestro-db drop --backup` keeps it for\n\
                 -- `restore --original-comments`. A table whose earlier original comment is still kept there and\n\
                 -- differs from its comment now is left unmarked, with a WARNING (only one can be kept).\n\
                 -- No data changes; nothing else is touched.\n",
                comment_text(schema),
                comment_text(&qualified(schema, crate::inert::STORE)),
            ));
            let store = qualified(schema, crate::inert::STORE);
            let store_lit = literal(&store);
            for (name, comment) in TABLES {
                body.push_str(&format!(
                    "  maestro_rel := (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n\
                     \x20   WHERE n.nspname = {s} AND c.relname = {n} AND c.relkind IN ('r', 'p'));\n\
                     \x20 maestro_comment := pg_catalog.obj_description(maestro_rel, 'pg_class');\n\
                     \x20 IF maestro_rel IS NOT NULL AND maestro_comment IS DISTINCT FROM {c} THEN\n\
                     {setup};\n\
                     \x20   FOR maestro_grantee IN SELECT DISTINCT a.grantee FROM pg_catalog.pg_class k, pg_catalog.aclexplode(k.relacl) a\n\
                     \x20       WHERE k.oid = {store_lit}::pg_catalog.regclass AND a.grantee <> k.relowner LOOP\n\
                     \x20     EXECUTE pg_catalog.format('REVOKE ALL ON TABLE %s FROM %s', {store_lit}::pg_catalog.regclass,\n\
                     \x20       CASE maestro_grantee WHEN 0 THEN 'PUBLIC'\n\
                     \x20       ELSE pg_catalog.quote_ident((SELECT rolname FROM pg_catalog.pg_roles WHERE oid = maestro_grantee)) END);\n\
                     \x20   END LOOP;\n\
                     \x20   maestro_kept := (SELECT k.original_comment FROM {store} k WHERE k.table_name = {n});\n\
                     \x20   IF maestro_kept IS DISTINCT FROM maestro_comment AND maestro_kept IS NOT NULL THEN\n\
                     \x20     RAISE WARNING 'maestro-db migration: % not marked inert, left as it is: its comment would replace the comment \
                     it had before an earlier inert, still kept in %, and only one can be kept. Put back the one to keep, \
                     delete its row there, then run maestro-db inert', maestro_rel::pg_catalog.regclass, {store_lit};\n\
                     \x20   ELSE\n\
                     \x20     {keep} ({n}, maestro_comment) {conflict};\n\
                     \x20     COMMENT ON TABLE {q} IS {c};\n\
                     \x20   END IF;\n\
                     \x20 END IF;\n",
                    s = literal(schema),
                    n = literal(name),
                    q = qualified(schema, name),
                    c = literal(comment),
                    setup = crate::inert::store_sql(schema)
                        .lines()
                        .map(|l| format!("    {l}"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    keep = crate::inert::keep_sql(schema),
                    conflict = crate::inert::KEEP_CONFLICT,
                ));
            }
        }
        Mode::Drop => {
            let tables: Vec<String> = TABLES.iter().map(|(n, _)| qualified(schema, n)).collect();
            head.push_str(&format!(
                "-- {version}: MAESTRO rollback, Phase 3: Database Cleanup (written by maestro-db migration --mode drop).\n\
                 -- IRREVERSIBLE: every row of these tables goes. Back them up first, with\n\
                 --   maestro-db drop --backup DIR   (a dry run: it lists what depends on them), or pg_dump.\n\
                 -- Tables: {}\n\
                 -- One transaction: the function and the three tables go together, or nothing goes. It locks the\n\
                 -- tables, then refuses (raises, drops nothing) if one has partitions or child tables, in any schema\n\
                 -- (DROP TABLE would take a partition with its rows), or if a constraint trigger on another table is\n\
                 -- declared FROM one (DROP TABLE would take it). Without CASCADE, it fails (and drops nothing) if a\n\
                 -- view, a foreign key or anything else depends on them.\n",
                comment_text(&tables.join(", "))
            ));
            // Locked first: nothing can be attached to them, or declared FROM them, between the look and the drop.
            body.push_str(
                "  FOREACH maestro_table IN ARRAY maestro_tables LOOP\n\
                 \x20   EXECUTE pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', maestro_table::pg_catalog.regclass);\n\
                 \x20 END LOOP;\n\
                 \x20 IF EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhparent = ANY (maestro_tables)) THEN\n\
                 \x20   RAISE EXCEPTION 'maestro-db migration: DROP TABLE would take these tables, with their rows: %; nothing was dropped. \
                 Back them up and detach or drop them first (maestro-db drop --cascade --backup DIR backs them up and drops them)',\n\
                 \x20     (SELECT pg_catalog.string_agg(i.inhrelid::pg_catalog.regclass::text\n\
                 \x20          || CASE WHEN k.relispartition THEN ' (partition of ' ELSE ' (inherits from ' END\n\
                 \x20          || i.inhparent::pg_catalog.regclass::text || ')', ', ' ORDER BY i.inhrelid::pg_catalog.regclass::text)\n\
                 \x20      FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class k ON k.oid = i.inhrelid\n\
                 \x20      WHERE i.inhparent = ANY (maestro_tables));\n\
                 \x20 END IF;\n\
                 \x20 IF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgconstrrelid = ANY (maestro_tables)\n\
                 \x20            AND NOT tgisinternal AND NOT tgrelid = ANY (maestro_tables)) THEN\n\
                 \x20   RAISE EXCEPTION 'maestro-db migration: DROP TABLE would take these constraint triggers, declared FROM MAESTRO''s tables: %; \
                 nothing was dropped. Drop them first',\n\
                 \x20     (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(tgname) || ' on ' || tgrelid::pg_catalog.regclass::text, ', '\n\
                 \x20                                   ORDER BY tgrelid::pg_catalog.regclass::text, tgname)\n\
                 \x20      FROM pg_catalog.pg_trigger WHERE tgconstrrelid = ANY (maestro_tables)\n\
                 \x20        AND NOT tgisinternal AND NOT tgrelid = ANY (maestro_tables));\n\
                 \x20 END IF;\n",
            );
            body.push_str(&format!("  DROP TABLE IF EXISTS {};\n", tables.join(", ")));
            body.push_str(&format!("  DROP FUNCTION IF EXISTS {}.{};\n", ident(schema), ident(FUNCTION)));
        }
    }
    // The drop's tables that exist (tables or partitioned tables), by oid.
    let declare = match mode {
        Mode::Inert => "DECLARE\n\
             \x20 maestro_rel pg_catalog.oid;\n\
             \x20 maestro_comment text;\n\
             \x20 maestro_kept text;\n\
             \x20 maestro_grantee pg_catalog.oid;\n"
            .to_string(),
        Mode::Drop => format!(
            "DECLARE\n\
             \x20 maestro_tables pg_catalog.oid[] := ARRAY(\n\
             \x20   SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n\
             \x20   WHERE n.nspname = {} AND c.relname IN ({}) AND c.relkind IN ('r', 'p') ORDER BY c.relname);\n\
             \x20 maestro_table pg_catalog.oid;\n",
            literal(schema),
            TABLES.iter().map(|(n, _)| literal(n)).collect::<Vec<_>>().join(", ")
        ),
    };
    let body = format!("{declare}BEGIN\n{body}END\n");
    let tag = dollar_tag(&body);
    format!("{head}DO {tag}\n{body}{tag};\n")
}

pub fn run(o: &Opts) -> Res<()> {
    let (names, latest) = maestro_migrations(&o.dir)?;
    // A new version, later than every migration already in the folder.
    let secs = latest.map_or(now_secs(), |l| now_secs().max(l + 1));
    let version = version_from_secs(secs);
    let mode = match o.mode {
        Mode::Inert => "inert",
        Mode::Drop => "drop",
    };
    let path = o.dir.join(format!("{version}_maestro_rollback_{mode}.sql"));
    let text = content(o.mode, &o.schema, o.lock_timeout_ms, &version);
    let mut f = fs::File::options()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| Fail::new(format!("cannot create {}: {e}; nothing was written", path.display())))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| Fail::new(format!("cannot write {}: {e}", path.display())))?;
    if o.json {
        let doc = serde_json::json!({
            "dir": o.dir.display().to_string(),
            "existing": names.iter().map(|n| o.dir.join(n).display().to_string()).collect::<Vec<_>>(),
            "written": path.display().to_string(),
            "mode": mode,
            "schema": o.schema,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(());
    }
    println!("MAESTRO migrations in {} (ls {}/*maestro*):", o.dir.display(), o.dir.display());
    if names.is_empty() {
        println!("  none");
    }
    for n in &names {
        println!("  {}", o.dir.join(n).display());
    }
    println!("wrote {} (mode {mode}); no existing migration was changed", path.display());
    println!(
        "apply it through your migration flow, for example `supabase db push` (or `supabase migration up` locally); \
         it fails, changing nothing, if schema {} does not exist",
        comment_text(&o.schema)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_migration_has_the_runbook_comments() {
        let s = content(Mode::Inert, "public", 5000, "20250101000000");
        assert!(s.contains(
            "COMMENT ON TABLE \"public\".\"maestro_execution_receipts\" IS 'INERT: MAESTRO disabled - safe to drop';"
        ));
        assert!(s.contains(
            "COMMENT ON TABLE \"public\".\"maestro_sync_store\" IS 'INERT: MAESTRO disabled - safe to drop';"
        ));
        assert!(s.contains(
            "COMMENT ON TABLE \"public\".\"maestro_audit_logs\" IS 'INERT: MAESTRO disabled - safe to truncate';"
        ));
        assert!(!s.contains("DROP"));
    }

    #[test]
    fn drop_migration_names_exact_objects() {
        let s = content(Mode::Drop, "app", 500, "20250101000000");
        assert!(s.contains(
            "DROP TABLE IF EXISTS \"app\".\"maestro_execution_receipts\", \"app\".\"maestro_sync_store\", \"app\".\"maestro_audit_logs\";"
        ));
        assert!(s.contains("DROP FUNCTION IF EXISTS \"app\".\"maestro_claim_receipt\";"));
        assert!(!s.contains("CASCADE;"));
        // Three RAISE placeholders and format's `%s`: the schema and the names found are parameters, never
        // formatted into a message's text.
        assert_eq!(s.matches('%').count(), 4, "{s}");
        assert_eq!(s.matches("RAISE EXCEPTION").count(), 3, "{s}");
        assert!(
            s.contains("RAISE EXCEPTION 'maestro-db migration: schema % does not exist; nothing was changed', 'app';")
        );
    }
}
