//! maestro-db: the database side of the MAESTRO rollback runbook, for PostgreSQL.
//!
//! Exit codes: 0 success, 1 error, 2 usage.

mod backup;
mod db;
mod drop;
mod inert;
mod migration;
mod status;
mod util;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use util::{parse_duration, parse_size, Fail, Res};

#[derive(Parser)]
#[command(
    name = "maestro-db",
    version,
    about = "The database side of the MAESTRO rollback runbook (Phase 3), for PostgreSQL",
    long_about = "The database side of the MAESTRO rollback runbook (Phase 3), for PostgreSQL.\n\n\
        MAESTRO's objects are exactly the tables maestro_execution_receipts, maestro_sync_store and \
        maestro_audit_logs and the function maestro_claim_receipt, in schema public (or --schema). \
        Nothing else is ever touched.\n\nExit codes: 0 success, 1 error, 2 usage."
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
    /// Mark each existing table with the runbook's INERT comment (idempotent)
    Inert,
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
        /// Also drop the objects that depend on MAESTRO's (views, foreign keys)
        #[arg(long)]
        cascade: bool,
    },
    /// Recreate the tables (and the function) from a backup made by `drop --backup`
    Restore {
        /// The backup folder
        #[arg(long, value_name = "DIR")]
        backup: PathBuf,
    },
    /// List MAESTRO's migrations and write a new one that carries out --mode
    Migration {
        /// The migrations folder
        #[arg(long, default_value = "supabase/migrations", value_name = "DIR")]
        dir: PathBuf,
        /// inert: the runbook's comments; drop: Phase 3's DROP statements
        #[arg(long, value_enum)]
        mode: migration::Mode,
    },
}

fn run(cli: Cli) -> Res<()> {
    let schema_flag = cli.schema.clone();
    if schema_flag.as_deref().is_some_and(|s| s.is_empty()) {
        return Err(Fail::usage("--schema must not be empty"));
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
        Command::Inert => {
            let mut conn = connect(url, lt)?;
            inert::run(&mut conn, &schema)
        }
        Command::Drop { yes, backup, no_backup, cascade } => {
            let o = drop::Opts { schema, yes, backup, no_backup, cascade, lock_timeout_ms: lt };
            drop::check_usage(&o)?;
            let mut conn = connect(url, lt)?;
            drop::run(&mut conn, &o)
        }
        Command::Restore { backup } => {
            let mut conn = connect(url, lt)?;
            backup::restore(&mut conn, &backup, schema_flag.as_deref())
        }
        Command::Migration { dir, mode } => migration::run(&migration::Opts { dir, mode, schema, lock_timeout_ms: lt }),
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
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("maestro-db: error: {}", f.msg);
            ExitCode::from(f.code.clamp(1, 255) as u8)
        }
    }
}
