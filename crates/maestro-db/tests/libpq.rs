//! Connection strings: a table of URL and keyword forms (with environment
//! variables), each tried with `psql` and with maestro-db; both must connect, or
//! both fail, and when they connect, to the same database, as the same user, the
//! same way (Unix socket or TCP, TLS or not).

mod common;

use std::process::Command;

use common::*;
use serde_json::Value;

type Env = Vec<(&'static str, String)>;

fn psql(conn: &str, env: &[(&str, String)]) -> Option<(String, String, String, bool)> {
    let dir = std::env::var("PGBIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    let mut cmd = Command::new(format!("{dir}/psql"));
    cmd.args([
        "-X",
        "-A",
        "-t",
        "-F",
        "|",
        "-d",
        conn,
        "-c",
        "SELECT current_database(), current_user, coalesce(host(inet_server_addr()), 'unix'), \
         coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
    ]);
    clean_env(&mut cmd, env);
    let o = cmd.output().expect("run psql");
    if !o.status.success() {
        return None;
    }
    let out = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let f: Vec<&str> = out.split('|').collect();
    Some((f[0].into(), f[1].into(), f[2].into(), f[3] == "t"))
}

fn clean_env(cmd: &mut Command, env: &[(&str, String)]) {
    for (k, _) in std::env::vars() {
        if k.starts_with("PG") || k == "DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    // No ~/.pgpass of the machine's.
    cmd.env("PGPASSFILE", "/nonexistent/pgpass");
    for (k, v) in env {
        cmd.env(k, v);
    }
}

fn ours(conn: &str, env: &[(&str, String)]) -> Option<(String, String, String, bool)> {
    let bin = std::env::var("MAESTRO_DB_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_maestro-db").to_string());
    let mut cmd = Command::new(bin);
    cmd.args(["status", "--json", "--database-url", conn]);
    clean_env(&mut cmd, env);
    let o = cmd.output().expect("run maestro-db");
    if !o.status.success() {
        return None;
    }
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = &v["connection"];
    // (An older build has no `connection`: it then never matches psql.)
    Some((
        v["database"].as_str().unwrap_or("?").into(),
        c["user"].as_str().unwrap_or("?").into(),
        if c.is_null() { "?".into() } else { c["server_address"].as_str().unwrap_or("unix").into() },
        c["ssl"].as_bool().unwrap_or(false),
    ))
}

#[test]
fn url_forms_connect_as_psql_does() {
    let db = fresh("libpq");
    let host = std::env::var("MAESTRO_DB_TEST_HOST").unwrap();
    let port = std::env::var("MAESTRO_DB_TEST_PORT").unwrap();
    let name = db.name.clone();
    let enc = host.replace('/', "%2F");
    let e = |pairs: &[(&'static str, &str)]| pairs.iter().map(|(k, v)| (*k, v.to_string())).collect::<Vec<_>>();
    let none: Env = Vec::new();
    let cases: Vec<(String, Env, bool)> = vec![
        // The URL: the query's host replaces the authority's (a Unix socket: no TLS).
        (format!("postgresql://postgres@localhost:1/{name}?host={host}&port={port}"), none.clone(), true),
        (format!("postgresql://postgres@localhost:{port}/{name}?host={host}"), none.clone(), true),
        (format!("postgresql:///{name}?host={host}&port={port}&user=postgres"), none.clone(), true),
        (format!("postgresql://postgres@{enc}:{port}/{name}"), none.clone(), true),
        (format!("postgres://postgres@{enc}:{port}/{name}?sslmode=require"), none.clone(), true),
        // Several hosts: the first is not there, the second is (TCP, TLS by prefer).
        (format!("postgresql://postgres@127.0.0.1:1,127.0.0.1:{port}/{name}"), none.clone(), true),
        (format!("host=/nonexistent,{host} port={port} user=postgres dbname={name}"), none.clone(), true),
        (format!("host={host} port={port} user=postgres dbname='{name}'"), none.clone(), true),
        // The environment fills what the string leaves out.
        (format!("postgresql:///{name}"), e(&[("PGHOST", &host), ("PGPORT", &port), ("PGUSER", "postgres")]), true),
        (
            "postgresql://".to_string(),
            e(&[("PGHOST", &host), ("PGPORT", &port), ("PGUSER", "postgres"), ("PGDATABASE", &name)]),
            true,
        ),
        (format!("postgresql://127.0.0.1:{port}/{name}"), e(&[("PGUSER", "postgres"), ("PGSSLMODE", "require")]), true),
        // The test server takes TCP only with TLS: disable fails for both, by URL or PGSSLMODE.
        (format!("postgresql://postgres@127.0.0.1:{port}/{name}?sslmode=disable"), none.clone(), false),
        (format!("postgresql://postgres@127.0.0.1:{port}/{name}"), e(&[("PGSSLMODE", "disable")]), false),
        (format!("postgresql://postgres@127.0.0.1:{port}/{name}?sslmode=allow"), none.clone(), true),
        // The string wins over the environment.
        (
            format!("postgresql://postgres@{enc}:{port}/{name}"),
            e(&[("PGDATABASE", "nosuch"), ("PGHOST", "/nonexistent")]),
            true,
        ),
        // Errors for both.
        (format!("postgresql://postgres@{enc}:{port}/{name}?frobnicate=1"), none.clone(), false),
        (format!("postgresql://postgres@{enc}:{port}/no_such_db_here"), none.clone(), false),
    ];
    for (conn, env, works) in cases {
        let theirs = psql(&conn, &env);
        let mine = ours(&conn, &env);
        assert_eq!(theirs.is_some(), works, "psql with {conn} {env:?}: {theirs:?}");
        assert_eq!(mine, theirs, "{conn} {env:?}");
    }
}

/// A TCP front for the test server whose TLS always fails (it answers the SSL
/// request with `S`, then hangs up) and which passes a plaintext connection on to
/// the server's Unix socket: `sslmode=prefer` falls back to plaintext, as psql does.
fn broken_tls_front() -> u16 {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::os::unix::net::UnixStream;
    let host = std::env::var("MAESTRO_DB_TEST_HOST").unwrap();
    let port = std::env::var("MAESTRO_DB_TEST_PORT").unwrap();
    let socket = format!("{host}/.s.PGSQL.{port}");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let front = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut tcp) = conn else { continue };
            let socket = socket.clone();
            std::thread::spawn(move || {
                let mut head = [0u8; 8];
                loop {
                    if tcp.read_exact(&mut head).is_err() {
                        return;
                    }
                    match u32::from_be_bytes([head[4], head[5], head[6], head[7]]) {
                        // SSLRequest: yes, then hang up in the middle of the handshake.
                        80877103 => {
                            let _ = tcp.write_all(b"S");
                            let mut hello = [0u8; 64];
                            let _ = tcp.read(&mut hello);
                            return;
                        }
                        // GSSENCRequest: no.
                        80877104 => {
                            let _ = tcp.write_all(b"N");
                        }
                        _ => break,
                    }
                }
                let Ok(mut unix) = UnixStream::connect(&socket) else { return };
                let _ = unix.write_all(&head);
                let (mut t2, mut u2) = (tcp.try_clone().unwrap(), unix.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut u2, &mut t2);
                    let _ = t2.shutdown(std::net::Shutdown::Both);
                });
                let _ = std::io::copy(&mut tcp, &mut unix);
                let _ = unix.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    front
}

#[test]
fn sslmode_prefer_falls_back_to_plaintext_as_psql_does() {
    let db = fresh("prefer");
    let front = broken_tls_front();
    let name = db.name.clone();
    let none: Env = Vec::new();
    for (conn, works) in [
        (format!("postgresql://postgres@127.0.0.1:{front}/{name}"), true),
        (format!("postgresql://postgres@127.0.0.1:{front}/{name}?sslmode=prefer"), true),
        (format!("host=127.0.0.1 port={front} user=postgres dbname={name} sslmode=allow"), true),
        (format!("postgresql://postgres@127.0.0.1:{front}/{name}?sslmode=require"), false),
    ] {
        let theirs = psql(&conn, &none);
        let mine = ours(&conn, &none);
        assert_eq!(theirs.is_some(), works, "psql with {conn}: {theirs:?}");
        assert_eq!(mine, theirs, "{conn}");
    }
}

/// A role that must give a password (scripts/test-db.sh: members of maestro_pw):
/// from the URL, from PGPASSWORD, from a password file (PGPASSFILE, only when private),
/// each as psql.
#[test]
fn passwords_come_from_the_url_pgpassword_or_pgpass_as_psql() {
    use std::os::unix::fs::PermissionsExt;
    let mut db = fresh("password");
    let role = db.role("pw");
    db.sql(&format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'maestro_pw') THEN CREATE ROLE maestro_pw; END IF; END $$;
         GRANT maestro_pw TO {role}; ALTER ROLE {role} PASSWORD 's3cret:x'; GRANT USAGE ON SCHEMA public TO {role};"
    ));
    let port = std::env::var("MAESTRO_DB_TEST_PORT").unwrap();
    let name = db.name.clone();
    let url = format!("postgresql://{role}@127.0.0.1:{port}/{name}?sslmode=require");
    let dir = std::env::temp_dir().join(format!("maestro-db-pgpass-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let pass = dir.join("pgpass");
    std::fs::write(&pass, format!("127.0.0.1:{port}:{name}:{role}:s3cret\\:x\n")).unwrap();
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let file = pass.to_str().unwrap().to_string();
    let cases: Vec<(String, Env, bool)> = vec![
        (url.clone(), Vec::new(), false),
        (format!("postgresql://{role}:s3cret%3Ax@127.0.0.1:{port}/{name}?sslmode=require"), Vec::new(), true),
        (url.clone(), vec![("PGPASSWORD", "s3cret:x".to_string())], true),
        (url.clone(), vec![("PGPASSWORD", "wrong".to_string())], false),
        (url.clone(), vec![("PGPASSFILE", file.clone())], true),
    ];
    for (conn, env, works) in &cases {
        let theirs = psql(conn, env);
        let mine = ours(conn, env);
        assert_eq!(theirs.is_some(), *works, "psql with {conn} {env:?}: {theirs:?}");
        assert_eq!(mine, theirs, "{conn} {env:?}");
    }
    // A password file others can read is ignored, by both.
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let env = vec![("PGPASSFILE", file)];
    assert_eq!(psql(&url, &env), None);
    assert_eq!(ours(&url, &env), None);
    db.sql(&format!("REVOKE maestro_pw FROM {role}"));
    let _ = std::fs::remove_dir_all(&dir);
}
