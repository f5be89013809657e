//! The connection, PostgreSQL errors as operator-readable messages, and the
//! catalog look-ups. MAESTRO's objects are found by exact name in one schema,
//! never by pattern.

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use postgres::config::{Host, SslMode};
use postgres::error::SqlState;
use postgres::{Client, Config, GenericClient};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::util::{fmt_duration, qualified, Fail, Res, FUNCTION, TABLES};

static LOCK_TIMEOUT: OnceLock<u64> = OnceLock::new();

pub struct Conn {
    pub client: Client,
    /// The server's NOTICE messages (for example "drop cascades to view ...").
    pub notices: Arc<Mutex<Vec<String>>>,
    /// The database's name, for reports.
    pub dbname: String,
}

impl Conn {
    pub fn take_notices(&self) -> Vec<String> {
        self.notices.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default()
    }
}

/// Host, port, database and user, never the password.
fn describe(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(s) => s.clone(),
            Host::Unix(p) => p.display().to_string(),
        })
        .collect();
    let host = if hosts.is_empty() { "localhost".to_string() } else { hosts.join(",") };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "database `{}` on {host} port {port} as `{}`",
        config.get_dbname().or(config.get_user()).unwrap_or("?"),
        config.get_user().unwrap_or("?")
    )
}

/// libpq's `sslmode=require` without a root certificate: the connection is
/// encrypted, the server's certificate is not checked (the handshake's own
/// signatures still are).
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// TLS with rustls: with `ca_cert` (PEM), the server's certificate must chain to it
/// and name the host (libpq's verify-full); without, the connection is encrypted
/// but the certificate is not checked (libpq's require).
fn tls(ca_cert: Option<&Path>) -> Res<MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Fail::new(format!("TLS setup: {e}")))?;
    let config = match ca_cert {
        Some(path) => {
            let bad = |e: String| Fail::new(format!("--ca-cert {}: {e}", path.display()));
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))? {
                roots.add(cert.map_err(|e| bad(e.to_string()))?).map_err(|e| bad(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(bad("no certificate in the file".into()));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(EncryptOnly(provider))).with_no_client_auth()
        }
    };
    Ok(MakeRustlsConnect::new(config))
}

/// Connects with a libpq connection string (`postgresql://...` or `host=... dbname=...`)
/// and sets the session's `lock_timeout`. `sslmode` is libpq's: `disable`, `prefer`
/// (the default: TLS when the server offers it) or `require`.
pub fn connect(url: Option<&str>, lock_timeout_ms: u64, ca_cert: Option<&Path>) -> Res<Conn> {
    let _ = LOCK_TIMEOUT.set(lock_timeout_ms);
    let url = url
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| Fail::usage("no database given: pass --database-url or set DATABASE_URL"))?;
    let mut config =
        Config::from_str(url).map_err(|e| Fail::new(format!("invalid --database-url: {}", pg_message(&e))))?;
    if ca_cert.is_some() && config.get_ssl_mode() != SslMode::Disable {
        // A root certificate means the connection must be verified TLS.
        config.ssl_mode(SslMode::Require);
    } else if config.get_ssl_mode() == SslMode::Require {
        eprintln!(
            "maestro-db: note: sslmode=require encrypts the connection but does not verify the server's certificate; \
             give --ca-cert (or PGSSLROOTCERT) to verify it"
        );
    }
    if config.get_user().is_none() {
        // libpq's default: the operating-system user.
        if let Ok(u) = std::env::var("PGUSER").or_else(|_| std::env::var("USER")) {
            config.user(&u);
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(15));
    }
    config.application_name("maestro-db");
    let notices = Arc::new(Mutex::new(Vec::new()));
    let sink = notices.clone();
    config.notice_callback(move |n| {
        if let Ok(mut v) = sink.lock() {
            let mut m = n.message().to_string();
            if let Some(d) = n.detail() {
                m.push_str(&format!(": {}", d.replace('\n', "; ")));
            }
            v.push(m);
        }
    });
    let target = describe(&config);
    // TLS is for TCP: a Unix socket stays on this machine (and PostgreSQL never offers TLS there).
    let unix_only = !config.get_hosts().is_empty() && config.get_hosts().iter().all(|h| matches!(h, Host::Unix(_)));
    let connected = if unix_only {
        if config.get_ssl_mode() == SslMode::Require {
            config.ssl_mode(SslMode::Prefer);
        }
        config.connect(postgres::NoTls)
    } else {
        config.connect(tls(ca_cert)?)
    };
    let mut client = connected.map_err(|e| Fail::new(format!("could not connect to {target}: {}", pg_message(&e))))?;
    client.batch_execute(&format!("SET lock_timeout = {lock_timeout_ms}")).map_err(pg)?;
    let dbname: String = client.query_one("SELECT current_database()::text", &[]).map_err(pg)?.get(0);
    Ok(Conn { client, notices, dbname })
}

/// A PostgreSQL error as one or more lines for an operator.
pub fn pg_message(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        let mut s = if *code == SqlState::LOCK_NOT_AVAILABLE {
            let lt = LOCK_TIMEOUT.get().map(|ms| fmt_duration(*ms)).unwrap_or_else(|| "?".into());
            format!(
                "lock timeout: a lock was not granted within --lock-timeout {lt}; another session holds a conflicting \
                 lock on one of the objects ({})",
                db.message()
            )
        } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            format!(
                "permission denied: {} (this needs a role that owns MAESTRO's objects, or a superuser)",
                db.message()
            )
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            format!("the database does not exist: {}", db.message())
        } else if *code == SqlState::INVALID_PASSWORD || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            format!("authentication failed: {}", db.message())
        } else {
            db.message().to_string()
        };
        if let Some(d) = db.detail() {
            s.push_str(&format!("\n  detail: {}", d.replace('\n', "\n          ")));
        }
        if let Some(h) = db.hint() {
            s.push_str(&format!("\n  hint: {h}"));
        }
        s.push_str(&format!("\n  (SQLSTATE {})", code.code()));
        s
    } else {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            let t = inner.to_string();
            if !s.contains(&t) {
                s.push_str(": ");
                s.push_str(&t);
            }
            src = inner.source();
        }
        s
    }
}

pub fn pg(e: postgres::Error) -> Fail {
    Fail::new(pg_message(&e))
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: &'static str,
    pub inert_comment: &'static str,
    pub oid: Option<u32>,
    pub comment: Option<String>,
    /// Whether the current role owns it (or is a member of its owner, or a superuser).
    pub owned: bool,
    /// The kind of a relation of this name that is not a table (left alone).
    pub other_kind: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub oid: u32,
    /// `maestro_claim_receipt(p_receipt_id text)`.
    pub signature: String,
    /// `FUNCTION`, `PROCEDURE` or `AGGREGATE`.
    pub kind: String,
    pub comment: Option<String>,
    pub owned: bool,
}

#[derive(Debug, Clone)]
pub struct Objects {
    pub schema: String,
    pub tables: Vec<Table>,
    pub functions: Vec<Function>,
}

impl Objects {
    pub fn existing_tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter().filter(|t| t.oid.is_some())
    }
    pub fn table_oids(&self) -> Vec<u32> {
        self.tables.iter().filter_map(|t| t.oid).collect()
    }
    pub fn function_oids(&self) -> Vec<u32> {
        self.functions.iter().map(|f| f.oid).collect()
    }
    pub fn qualified(&self, name: &str) -> String {
        qualified(&self.schema, name)
    }
    pub fn none_exist(&self) -> bool {
        self.table_oids().is_empty() && self.functions.is_empty()
    }
}

fn relkind_name(k: &str) -> &'static str {
    match k {
        "v" => "view",
        "m" => "materialized view",
        "S" => "sequence",
        "f" => "foreign table",
        "i" | "I" => "index",
        "c" => "composite type",
        _ => "relation",
    }
}

/// Looks MAESTRO's objects up by exact name in `schema`. A schema that does not
/// exist is an error (a mistyped `--schema` must not look like a finished cleanup).
pub fn inspect<C: GenericClient>(c: &mut C, schema: &str) -> Res<Objects> {
    let found =
        c.query_opt("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", &[&schema]).map_err(pg)?.is_some();
    if !found {
        let db: String = c.query_one("SELECT current_database()::text", &[]).map_err(pg)?.get(0);
        return Err(Fail::new(format!(
            "schema {} does not exist in database {db}; nothing was done (check --schema)",
            crate::util::ident(schema)
        )));
    }
    let mut tables = Vec::new();
    for (name, inert_comment) in TABLES {
        let row = c
            .query_opt(
                "SELECT c.oid, c.relkind::text, obj_description(c.oid, 'pg_class'), pg_has_role(c.relowner, 'USAGE')
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relname = $2",
                &[&schema, &name],
            )
            .map_err(pg)?;
        let mut t = Table { name, inert_comment, oid: None, comment: None, owned: false, other_kind: None };
        if let Some(r) = row {
            let kind: String = r.get(1);
            if kind == "r" || kind == "p" {
                t.oid = Some(r.get(0));
                t.comment = r.get(2);
                t.owned = r.get(3);
            } else {
                t.other_kind = Some(relkind_name(&kind).to_string());
            }
        }
        tables.push(t);
    }
    let functions = c
        .query(
            "SELECT p.oid, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.prokind::text,
                    obj_description(p.oid, 'pg_proc'), pg_has_role(p.proowner, 'USAGE')
             FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = $1 AND p.proname = $2 ORDER BY 2",
            &[&schema, &FUNCTION],
        )
        .map_err(pg)?
        .iter()
        .map(|r| Function {
            oid: r.get(0),
            signature: r.get(1),
            kind: match r.get::<_, String>(2).as_str() {
                "p" => "PROCEDURE",
                "a" => "AGGREGATE",
                _ => "FUNCTION",
            }
            .to_string(),
            comment: r.get(3),
            owned: r.get(4),
        })
        .collect();
    Ok(Objects { schema: schema.to_string(), tables, functions })
}
