//! The connection, PostgreSQL errors as operator-readable messages, and the
//! catalog look-ups. MAESTRO's objects are found by exact name in one schema,
//! never by pattern.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::{Client, Config, GenericClient};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::conninfo;
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

enum Attempt {
    Plain,
    Tls,
}

/// Connects with a libpq connection string (`postgresql://...` or `host=... dbname=...`),
/// read as libpq reads it (see `conninfo`), trying each host in turn, and sets the
/// session's `lock_timeout`. A Unix socket never tries TLS. `sslmode` is libpq's:
/// `disable`; `allow` (plaintext, then TLS); `prefer` (the default: TLS when the
/// server offers it, plaintext when the TLS handshake fails); `require` (TLS, the
/// certificate not checked); `verify-ca` and `verify-full` (TLS, the certificate
/// checked against `--ca-cert` or `sslrootcert`, and the host name).
pub fn connect(url: Option<&str>, lock_timeout_ms: u64, ca_cert: Option<&Path>) -> Res<Conn> {
    let _ = LOCK_TIMEOUT.set(lock_timeout_ms);
    let url = url
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| Fail::usage("no database given: pass --database-url or set DATABASE_URL"))?;
    let env = |k: &str| std::env::var(k).ok();
    let p = conninfo::parse(url, &env).map_err(|e| Fail::new(format!("invalid --database-url: {e}")))?;
    let get = |k: &str| p.get(k).map(String::as_str);
    let list = |k: &str| get(k).map(|v| v.split(',').map(String::from).collect::<Vec<_>>()).unwrap_or_default();
    let mut hosts = list("host");
    let addrs = list("hostaddr");
    if hosts.is_empty() && addrs.is_empty() {
        hosts.push(conninfo::default_socket_dir().to_string());
    }
    let n = hosts.len().max(addrs.len());
    if !hosts.is_empty() && !addrs.is_empty() && hosts.len() != addrs.len() {
        return Err(Fail::new(format!(
            "invalid --database-url: could not match {} host names to {} hostaddr values",
            hosts.len(),
            addrs.len()
        )));
    }
    let mut ports = list("port");
    if ports.len() == 1 {
        ports = vec![ports[0].clone(); n];
    } else if ports.is_empty() {
        ports = vec![String::new(); n];
    } else if ports.len() != n {
        return Err(Fail::new(format!(
            "invalid --database-url: could not match {} port numbers to {n} hosts",
            ports.len()
        )));
    }
    let user = get("user")
        .map(String::from)
        .or_else(|| std::env::var("USER").ok())
        .ok_or_else(|| Fail::new("no user given: put one in --database-url or set PGUSER"))?;
    let dbname = get("dbname").unwrap_or(&user).to_string();
    let sslmode = get("sslmode").unwrap_or("prefer");
    if !["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(&sslmode) {
        return Err(Fail::new(format!("invalid --database-url: invalid sslmode value: \"{sslmode}\"")));
    }
    let root = ca_cert.map(Path::to_path_buf).or_else(|| get("sslrootcert").map(std::path::PathBuf::from));
    let verify = sslmode.starts_with("verify") || (root.is_some() && sslmode != "disable");
    if sslmode.starts_with("verify") && root.is_none() {
        return Err(Fail::new(format!(
            "sslmode={sslmode} needs the server's root certificate: give --ca-cert (or PGSSLROOTCERT, or sslrootcert in the URL)"
        )));
    }
    if sslmode == "require" && root.is_none() {
        eprintln!(
            "maestro-db: note: sslmode=require encrypts the connection but does not verify the server's certificate; \
             give --ca-cert (or PGSSLROOTCERT) to verify it"
        );
    }
    let timeout = get("connect_timeout").and_then(|t| t.parse::<u64>().ok()).filter(|t| *t > 0).unwrap_or(15);
    let notices = Arc::new(Mutex::new(Vec::new()));
    let shown_hosts: Vec<String> =
        (0..n).map(|i| hosts.get(i).filter(|h| !h.is_empty()).or(addrs.get(i)).cloned().unwrap_or_default()).collect();
    let target = format!(
        "database `{dbname}` on {} port {} as `{user}`",
        shown_hosts.join(","),
        ports.iter().map(|p| if p.is_empty() { "5432" } else { p }).collect::<Vec<_>>().join(",")
    );
    let mut errors = Vec::new();
    for (i, port_given) in ports.iter().enumerate() {
        let host = hosts.get(i).cloned().unwrap_or_default();
        let addr = addrs.get(i).cloned().unwrap_or_default();
        let port_text = if port_given.is_empty() { "5432".to_string() } else { port_given.clone() };
        let port: u16 = port_text
            .parse()
            .map_err(|_| Fail::new(format!("invalid --database-url: invalid port number: \"{port_text}\"")))?;
        let socket = !host.is_empty() && conninfo::is_socket(&host);
        let mut config = Config::new();
        if socket {
            config.host_path(&host);
        } else if !host.is_empty() {
            config.host(&host);
        }
        if !addr.is_empty() {
            let ip =
                addr.parse().map_err(|_| Fail::new(format!("invalid --database-url: invalid hostaddr \"{addr}\"")))?;
            config.hostaddr(ip);
            if host.is_empty() {
                config.host(&addr);
            }
        }
        config.port(port).user(&user).dbname(&dbname).connect_timeout(Duration::from_secs(timeout));
        config.application_name(get("application_name").unwrap_or("maestro-db"));
        if let Some(o) = get("options") {
            config.options(o);
        }
        let password = get("password").map(String::from).or_else(|| {
            conninfo::pgpass(get("passfile"), if host.is_empty() { &addr } else { &host }, &port_text, &dbname, &user)
        });
        if let Some(pw) = password {
            config.password(pw);
        }
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
        let attempts: &[Attempt] = if socket {
            // libpq never tries TLS on a Unix socket.
            &[Attempt::Plain]
        } else if verify {
            &[Attempt::Tls]
        } else {
            match sslmode {
                "disable" => &[Attempt::Plain],
                "allow" => &[Attempt::Plain, Attempt::Tls],
                "prefer" => &[Attempt::Tls, Attempt::Plain],
                _ => &[Attempt::Tls],
            }
        };
        let mut tried = Vec::new();
        for a in attempts {
            let r = match a {
                Attempt::Plain => {
                    config.ssl_mode(SslMode::Disable);
                    config.connect(postgres::NoTls)
                }
                Attempt::Tls => {
                    config.ssl_mode(if sslmode == "prefer" && !verify { SslMode::Prefer } else { SslMode::Require });
                    config.connect(tls(root.as_deref())?)
                }
            };
            match r {
                Ok(mut client) => {
                    client.batch_execute(&format!("SET lock_timeout = {lock_timeout_ms}")).map_err(pg)?;
                    let dbname: String = client.query_one("SELECT current_database()::text", &[]).map_err(pg)?.get(0);
                    return Ok(Conn { client, notices, dbname });
                }
                // prefer and allow try the other way whatever went wrong, as libpq does.
                Err(e) => tried.push(match (attempts.len(), a) {
                    (1, _) => pg_message(&e),
                    (_, Attempt::Tls) => format!("with TLS: {}", pg_message(&e)),
                    (_, Attempt::Plain) => format!("without TLS: {}", pg_message(&e)),
                }),
            }
        }
        let last = tried.join("\n  ");
        let shown = if host.is_empty() { addr.clone() } else { host.clone() };
        errors.push(format!("{shown} port {port}: {}", last));
    }
    let detail = if errors.len() == 1 {
        errors[0].split_once(": ").map(|(_, e)| e.to_string()).unwrap_or_default()
    } else {
        errors.iter().map(|e| format!("\n  {e}")).collect::<String>()
    };
    Err(Fail::new(format!("could not connect to {target}: {detail}")))
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

/// A COMMIT that failed. An ERROR from the server (a deferred constraint, say) means
/// the transaction was rolled back: `rolled_back` says so. A lost connection, or a
/// FATAL that ended the session during the COMMIT, leaves its outcome unknown: it may
/// have been committed before the server could answer. Then `unknown` says what to
/// check, and nothing claims the transaction was rolled back.
pub fn commit_failed(e: postgres::Error, rolled_back: &str, unknown: &str) -> Fail {
    use postgres::error::Severity;
    let error = e.as_db_error().and_then(|d| d.parsed_severity()).is_some_and(|s| matches!(s, Severity::Error));
    if error {
        pg(e).also(rolled_back)
    } else {
        pg(e).also(format!("the connection failed during COMMIT, so whether it was committed is unknown: {unknown}"))
    }
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
