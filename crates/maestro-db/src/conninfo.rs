//! Connection strings as libpq reads them: the URL form
//! (`postgresql://user:password@host1:port1,host2/dbname?key=value`, where a query
//! parameter replaces what the authority gave) and the keyword form
//! (`host=... port=... dbname=...`, values optionally 'quoted'), then the
//! environment (`PGHOST`, `PGHOSTADDR`, `PGPORT`, `PGDATABASE`, `PGUSER`,
//! `PGPASSWORD`, `PGPASSFILE`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGCONNECT_TIMEOUT`,
//! `PGAPPNAME`, `PGOPTIONS`; no other keyword is taken) for what the string leaves out, then `~/.pgpass` for
//! a password, then libpq's defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// libpq's keywords this tool takes, and their environment variables.
const KEYWORDS: &[(&str, Option<&str>)] = &[
    ("host", Some("PGHOST")),
    ("hostaddr", Some("PGHOSTADDR")),
    ("port", Some("PGPORT")),
    ("dbname", Some("PGDATABASE")),
    ("user", Some("PGUSER")),
    ("password", Some("PGPASSWORD")),
    ("passfile", Some("PGPASSFILE")),
    ("sslmode", Some("PGSSLMODE")),
    ("sslrootcert", Some("PGSSLROOTCERT")),
    ("connect_timeout", Some("PGCONNECT_TIMEOUT")),
    ("application_name", Some("PGAPPNAME")),
    ("options", Some("PGOPTIONS")),
];

pub type Params = BTreeMap<String, String>;

fn known(key: &str) -> Result<(), String> {
    if KEYWORDS.iter().any(|(k, _)| *k == key) {
        Ok(())
    } else {
        Err(format!("invalid connection option \"{key}\""))
    }
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or_else(|| format!("invalid percent-encoded token: \"{s}\""))?;
            let v = u8::from_str_radix(hex, 16).map_err(|_| format!("invalid percent-encoded token: \"{s}\""))?;
            if v == 0 {
                return Err(format!("forbidden value %00 in percent-encoded value: \"{s}\""));
            }
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("invalid UTF-8 in \"{s}\""))
}

/// The URL form, as libpq's `conninfo_uri_parse_options`.
fn parse_url(url: &str) -> Result<Params, String> {
    let rest = url
        .strip_prefix("postgresql://")
        .or_else(|| url.strip_prefix("postgres://"))
        .ok_or_else(|| format!("invalid URI: \"{url}\""))?;
    let mut p = Params::new();
    // user[:password]@, looked for before the first '/'.
    let head_end = rest.find('/').unwrap_or(rest.len());
    let (cred, mut rest) = match rest[..head_end].find('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    if let Some(c) = cred {
        let (u, pw) = match c.split_once(':') {
            Some((u, pw)) => (u, Some(pw)),
            None => (c, None),
        };
        if !u.is_empty() {
            p.insert("user".into(), percent_decode(u)?);
        }
        if let Some(pw) = pw.filter(|pw| !pw.is_empty()) {
            p.insert("password".into(), percent_decode(pw)?);
        }
    }
    // host[:port][,host[:port]...]
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    loop {
        let host;
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(|| format!("end of IPv6 host address not found in URI: \"{url}\""))?;
            if end == 0 {
                return Err(format!("IPv6 host address may not be empty in URI: \"{url}\""));
            }
            host = r[..end].to_string();
            rest = &r[end + 1..];
            if !(rest.is_empty() || rest.starts_with([':', '/', '?', ','])) {
                return Err(format!("unexpected character after IPv6 host address in URI: \"{url}\""));
            }
        } else {
            let end = rest.find([':', '/', '?', ',']).unwrap_or(rest.len());
            host = percent_decode(&rest[..end])?;
            rest = &rest[end..];
        }
        let mut port = String::new();
        if let Some(r) = rest.strip_prefix(':') {
            let end = r.find(['/', '?', ',']).unwrap_or(r.len());
            port = percent_decode(&r[..end])?;
            rest = &r[end..];
        }
        hosts.push(host);
        ports.push(port);
        match rest.strip_prefix(',') {
            Some(r) => rest = r,
            None => break,
        }
    }
    if hosts.iter().any(|h| !h.is_empty()) {
        p.insert("host".into(), hosts.join(","));
    }
    if ports.iter().any(|h| !h.is_empty()) {
        p.insert("port".into(), ports.join(","));
    }
    if let Some(r) = rest.strip_prefix('/') {
        let end = r.find('?').unwrap_or(r.len());
        if end > 0 {
            p.insert("dbname".into(), percent_decode(&r[..end])?);
        }
        rest = &r[end..];
    }
    if let Some(q) = rest.strip_prefix('?') {
        for pair in q.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| format!("missing key/value separator \"=\" in URI query parameter: \"{pair}\""))?;
            let (k, v) = (percent_decode(k)?, percent_decode(v)?);
            // libpq takes JDBC's ssl=true as sslmode=require.
            let (k, v) =
                if k == "ssl" && v == "true" { ("sslmode".to_string(), "require".to_string()) } else { (k, v) };
            known(&k).map_err(|_| format!("invalid URI query parameter: \"{k}\""))?;
            // A query parameter replaces what the authority gave.
            p.insert(k, v);
        }
    } else if !rest.is_empty() {
        return Err(format!("invalid URI: \"{url}\""));
    }
    Ok(p)
}

/// The keyword form, as libpq's `conninfo_parse`.
fn parse_keywords(s: &str) -> Result<Params, String> {
    let mut p = Params::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(format!("missing \"=\" after \"{key}\" in connection info string"));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut val = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("unterminated quoted string in connection info string".into()),
                    Some('\\') => val.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => val.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    val.extend(chars.next());
                } else {
                    val.push(c);
                }
            }
        }
        known(&key)?;
        p.insert(key, val);
    }
    Ok(p)
}

/// The string, then the environment for what it leaves out (libpq's order).
pub fn parse(s: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Params, String> {
    let mut p =
        if s.starts_with("postgresql://") || s.starts_with("postgres://") { parse_url(s)? } else { parse_keywords(s)? };
    for (k, var) in KEYWORDS {
        if let Some(var) = var {
            if !p.contains_key(*k) {
                if let Some(v) = env(var).filter(|v| !v.is_empty()) {
                    p.insert(k.to_string(), v);
                }
            }
        }
    }
    Ok(p)
}

/// libpq's default socket folder (Debian's build), when no host is given.
pub fn default_socket_dir() -> &'static str {
    if Path::new("/var/run/postgresql").is_dir() {
        "/var/run/postgresql"
    } else {
        "/tmp"
    }
}

pub fn is_socket(host: &str) -> bool {
    host.starts_with('/') || host.starts_with('@')
}

/// One `hostname:port:database:username:password` line of a password file.
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.last_mut().unwrap().extend(chars.next()),
            ':' if out.len() < 5 => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

/// The password `~/.pgpass` (or `passfile`) gives for this host, port, database
/// and user, as libpq: the file is ignored when group or others can read it.
pub fn pgpass(passfile: Option<&str>, host: &str, port: &str, dbname: &str, user: &str) -> Option<String> {
    let path = match passfile {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".pgpass"),
    };
    let meta = std::fs::metadata(&path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "maestro-db: warning: password file {} has group or world access; permissions should be u=rw (0600) or less (ignored, as libpq does)",
                path.display()
            );
            return None;
        }
    }
    if !meta.is_file() {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    // A socket in the default folder matches `localhost`, as in libpq.
    let host = if host.is_empty() || host == default_socket_dir() { "localhost" } else { host };
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f = pgpass_fields(line);
        if f.len() < 5 {
            continue;
        }
        let m = |field: &str, v: &str| field == "*" || field == v;
        if m(&f[0], host) && m(&f[1], port) && m(&f[2], dbname) && m(&f[3], user) {
            return Some(f[4].clone());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Params {
        parse(s, &|_| None).unwrap()
    }

    fn kv(pairs: &[(&str, &str)]) -> Params {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn urls_as_libpq() {
        assert_eq!(
            p("postgresql://postgres@localhost:5432/postgres?host=/run/pg"),
            kv(&[("user", "postgres"), ("host", "/run/pg"), ("port", "5432"), ("dbname", "postgres")])
        );
        assert_eq!(
            p("postgres://u%40x:p%3Aw@h1:1,[::1]:2,h3/db%20x?sslmode=require&application_name=a"),
            kv(&[
                ("user", "u@x"),
                ("password", "p:w"),
                ("host", "h1,::1,h3"),
                ("port", "1,2,"),
                ("dbname", "db x"),
                ("sslmode", "require"),
                ("application_name", "a")
            ])
        );
        assert_eq!(
            p("postgresql://%2Fvar%2Frun%2Fpostgresql/db"),
            kv(&[("host", "/var/run/postgresql"), ("dbname", "db")])
        );
        assert_eq!(p("postgresql:///db?port=5433"), kv(&[("dbname", "db"), ("port", "5433")]));
        assert_eq!(p("postgresql://"), kv(&[]));
        assert_eq!(p("postgresql://h/d?ssl=true"), kv(&[("host", "h"), ("dbname", "d"), ("sslmode", "require")]));
        assert!(parse("postgresql://h/d?frobnicate=1", &|_| None).is_err());
        assert!(parse("postgresql://[nope", &|_| None).is_err());
        assert!(parse("postgresql://h/d?x", &|_| None).is_err());
    }

    #[test]
    fn keywords_as_libpq() {
        assert_eq!(
            p("host=/tmp port = 5432 dbname='my db' user=o\\'k password='a\\'b'"),
            kv(&[("host", "/tmp"), ("port", "5432"), ("dbname", "my db"), ("user", "o'k"), ("password", "a'b")])
        );
        assert!(parse("host=/tmp frobnicate=1", &|_| None).is_err());
        assert!(parse("host", &|_| None).is_err());
        assert!(parse("dbname='open", &|_| None).is_err());
    }

    #[test]
    fn the_environment_fills_what_the_string_leaves_out() {
        let env = |k: &str| match k {
            "PGHOST" => Some("/env/sock".to_string()),
            "PGPORT" => Some("6000".to_string()),
            "PGUSER" => Some("envuser".to_string()),
            "PGDATABASE" => Some("envdb".to_string()),
            "PGPASSWORD" => Some("envpw".to_string()),
            "PGSSLMODE" => Some("disable".to_string()),
            _ => None,
        };
        let got = parse("postgresql://me@/mine", &env).unwrap();
        assert_eq!(
            got,
            kv(&[
                ("user", "me"),
                ("dbname", "mine"),
                ("host", "/env/sock"),
                ("port", "6000"),
                ("password", "envpw"),
                ("sslmode", "disable")
            ])
        );
    }

    #[test]
    fn pgpass_lines() {
        let dir = std::env::temp_dir().join(format!("maestro-db-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("pgpass");
        std::fs::write(&f, "# comment\nother:5432:*:u:no\ndb.example:*:app:u:s\\:e\\\\cret\n*:*:*:*:fallback\n")
            .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let fp = f.to_str();
        assert_eq!(pgpass(fp, "db.example", "5432", "app", "u").as_deref(), Some("s:e\\cret"));
        assert_eq!(pgpass(fp, "elsewhere", "1", "x", "y").as_deref(), Some("fallback"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert_eq!(pgpass(fp, "db.example", "5432", "app", "u"), None, "a readable file is ignored");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
