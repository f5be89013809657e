//! maestro-db: the database side of the MAESTRO rollback runbook, for PostgreSQL.
//!
//! Exit codes: 0 success, 1 error, 2 usage.

mod backup;
mod catalog;
mod conninfo;
mod db;
mod drop;
mod inert;
mod migration;
mod status;
mod util;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use util::{parse_duration, parse_size, Res};

#[derive(Parser)]
#[command(
    name = "maestro-db",
    version,
    about = "The database side of the MAESTRO rollback runbook (Phase 3), for PostgreSQL",
    long_about = "The database side of the MAESTRO rollback runbook (Phase 3), for PostgreSQL.\n\n\
        MAESTRO's objects are exactly the tables maestro_execution_receipts, maestro_sync_store and \
        maestro_audit_logs and the function maestro_claim_receipt, in schema public (or --schema). \
        Nothing else is touched, but what `drop --cascade` lists and maestro-db's own table \
        maestro_db_inert_comments (the comments `inert` replaced).\n\nExit codes: 0 success, 1 error, 2 usage."
)]
struct Cli {
    /// libpq connection string: postgresql://user:password@host:port/dbname or "host=... dbname=..."
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true, value_name = "URL")]
    database_url: Option<String>,
    /// PEM root certificate(s) to verify the server's TLS certificate and host name (for example Supabase's CA)
    #[arg(long, env = "PGSSLROOTCERT", global = true, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// The schema that holds MAESTRO's objects [default: public]
    #[arg(long, global = true, value_name = "NAME")]
    schema: Option<String>,
    /// How long to wait for a lock before giving up (sets the session's lock_timeout): 500ms, 5s, 1m
    #[arg(long, global = true, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    lock_timeout: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Each object: exists, rows (exact or estimate), comment, inert; then the runbook's verification query
    Status {
        /// Count audit log rows with created_at in this last period
        #[arg(long, default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
        since: u64,
        /// Count rows exactly only in tables up to this size; larger ones get the planner's estimate
        #[arg(long, default_value = "64MB", value_parser = parse_size, value_name = "SIZE")]
        exact_limit: u64,
        /// Print a JSON document instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Mark each existing table with the runbook's INERT comment (idempotent); the comment it replaces is kept
    Inert {
        /// Put back the comments `inert` replaced (kept in the table maestro_db_inert_comments, which goes when empty)
        #[arg(long)]
        undo: bool,
        /// Print a JSON document instead of lines
        #[arg(long)]
        json: bool,
    },
    /// Drop the function and the three tables in one transaction (prints the SQL only, unless --yes)
    Drop {
        /// Really drop. Without it, print the SQL and change nothing
        #[arg(long)]
        yes: bool,
        /// First write every table's rows, column definitions and a manifest into this new or empty folder
        #[arg(long, value_name = "DIR", conflicts_with = "no_backup")]
        backup: Option<PathBuf>,
        /// Drop without a backup (the runbook promises no data loss: say so explicitly)
        #[arg(long)]
        no_backup: bool,
        /// Also drop the objects that depend on MAESTRO's or go with its tables (views, foreign keys of other
        /// tables, partitions, inheriting children); with --backup, each is in the backup
        #[arg(long)]
        cascade: bool,
        /// Print a JSON document instead of lines
        #[arg(long)]
        json: bool,
    },
    /// Recreate the tables (and the function) from a backup made by `drop --backup`
    Restore {
        /// The backup folder
        #[arg(long, value_name = "DIR")]
        backup: PathBuf,
        /// Restore what can be restored and report the rest, instead of stopping (a role or a table that a
        /// grant, policy or foreign key names no longer exists, say). Row-level security is never skipped
        #[arg(long)]
        keep_going: bool,
        /// Give the tables the comments they had before `maestro-db inert`, instead of the inert ones
        #[arg(long)]
        original_comments: bool,
        /// Print a JSON document instead of lines
        #[arg(long)]
        json: bool,
    },
    /// List MAESTRO's migrations and write a new one that carries out --mode
    Migration {
        /// The migrations folder
        #[arg(long, default_value = "supabase/migrations", value_name = "DIR")]
        dir: PathBuf,
        /// inert: the runbook's comments; drop: Phase 3's DROP statements
        #[arg(long, value_enum)]
        mode: migration::Mode,
        /// Print a JSON document instead of lines
        #[arg(long)]
        json: bool,
    },
}

fn run(cli: Cli) -> Res<()> {
    let schema_flag = cli.schema.clone();
    if let Some(s) = &schema_flag {
        util::check_name("--schema", s)?;
    }
    let schema = schema_flag.clone().unwrap_or_else(|| "public".to_string());
    let url = cli.database_url.as_deref();
    let lt = cli.lock_timeout;
    let ca = cli.ca_cert.clone();
    let connect = |url, lt| db::connect(url, lt, ca.as_deref());
    match cli.command {
        Command::Status { since, exact_limit, json } => {
            let mut conn = connect(url, lt)?;
            status::run(&mut conn, &status::Opts { schema, since_ms: since, exact_limit, json })
        }
        Command::Inert { undo, json } => {
            let mut conn = connect(url, lt)?;
            inert::run(&mut conn, &schema, undo, json)
        }
        Command::Drop { yes, backup, no_backup, cascade, json } => {
            let o = drop::Opts { schema, yes, backup, no_backup, cascade, lock_timeout_ms: lt, json };
            drop::check_usage(&o)?;
            let mut conn = connect(url, lt)?;
            drop::run(&mut conn, &o)
        }
        Command::Restore { backup, keep_going, original_comments, json } => {
            let mut conn = connect(url, lt)?;
            let lines = backup::restore(
                &mut conn,
                &backup,
                schema_flag.as_deref(),
                &backup::RestoreOpts { keep_going, original_comments },
            )?;
            if json {
                let doc =
                    serde_json::json!({"restored": true, "backup": backup.display().to_string(), "messages": lines});
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            } else {
                for l in lines {
                    println!("{l}");
                }
            }
            Ok(())
        }
        Command::Migration { dir, mode, json } => {
            migration::run(&migration::Opts { dir, mode, schema, lock_timeout_ms: lt, json })
        }
    }
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`maestro-db status | head`)
    // would panic; like other command-line tools, end quietly instead.
    #[cfg(unix)]
    // SAFETY: called first thing, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // clap exits 2 on a usage error and 0 for --help and --version.
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Status { json, .. }
        | Command::Inert { json, .. }
        | Command::Drop { json, .. }
        | Command::Restore { json, .. }
        | Command::Migration { json, .. } => *json,
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if json {
                let doc = serde_json::json!({"error": f.msg, "exit_code": f.code.clamp(1, 255)});
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            }
            eprintln!("maestro-db: error: {}", f.msg);
            ExitCode::from(f.code.clamp(1, 255) as u8)
        }
    }
}
