//! What a drop takes, read from the catalog: the definition of each table
//! (MAESTRO's, and the partitions and inheriting children that go with them), of
//! the function, and of what `--cascade` drops elsewhere (views, foreign keys),
//! as the data a restore needs to build them again.
//!
//! Expressions and definitions come from PostgreSQL's own deparsers
//! (`pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_triggerdef`,
//! `pg_get_viewdef`, `pg_get_expr`), read under [`crate::backup::SETTINGS`]
//! (`standard_conforming_strings = on`: how their string literals are written) and
//! [`crate::backup::QUALIFY`] (`search_path = ''`: every name schema-qualified, so
//! they mean the same under any search_path); restore replays them with
//! `standard_conforming_strings = on`. Names and comments are kept as plain text
//! and quoted by the tool when it writes SQL.

use std::collections::{BTreeMap, BTreeSet};

use postgres::GenericClient;
use serde_json::{json, Value};

use crate::db::{pg, Objects};
use crate::util::{qualified, Res};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// `a` (ALWAYS), `d` (BY DEFAULT) or empty.
    pub identity: String,
    /// `s` for a stored generated column (its expression is in `default`), or empty.
    pub generated: String,
    /// The sequence this column owns (a `serial` column): (qualified name, data type).
    pub sequence: Option<(String, String)>,
    /// `"schema"."collation"` when it is not the type's default collation.
    pub collation: Option<String>,
    pub comment: Option<String>,
    /// Only inherited from a parent (not declared by the table itself).
    pub inherited: bool,
    /// The column's own sequence (serial or identity): its name, its options
    /// (`START WITH ... NO CYCLE`) and where it stood (`last_value`, `is_called`).
    pub sequence_name: Option<String>,
    pub sequence_options: Option<String>,
    pub sequence_state: Option<(i64, bool)>,
    /// Column privileges (`attacl`), when there are any.
    pub acl: Option<Vec<Grant>>,
    /// The privileges on the column's own sequence (serial or identity), when not the default.
    pub sequence_acl: Option<Vec<Grant>>,
}

/// A named piece of a table: a constraint, an index or a trigger, with its
/// definition as PostgreSQL deparses it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Part {
    pub name: String,
    pub definition: String,
    pub comment: Option<String>,
    /// Triggers: `pg_trigger.tgenabled` (`O` enabled, `D` disabled, `R` replica, `A` always).
    pub enabled: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    pub name: String,
    pub permissive: bool,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    /// Role names; `None` is PUBLIC.
    pub roles: Vec<Option<String>>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    pub comment: Option<String>,
}

/// One entry of an ACL: `privilege` (`SELECT`, ...) granted to `grantee` (`None`: PUBLIC).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grant {
    pub grantee: Option<String>,
    pub privilege: String,
    pub grantable: bool,
}

/// A parent of a partition or of an inheriting child.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parent {
    pub schema: String,
    pub table: String,
    /// `FOR VALUES ...` or `DEFAULT` for a partition; `None` for inheritance.
    pub bound: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableDef {
    pub schema: String,
    pub table: String,
    pub columns: Vec<Column>,
    /// Primary key, unique, check and exclusion constraints (added after the rows).
    pub constraints: Vec<Part>,
    /// Foreign keys of this table (added once every table is back).
    pub foreign_keys: Vec<Part>,
    /// Indexes that no constraint makes.
    pub indexes: Vec<Part>,
    pub triggers: Vec<Part>,
    /// Extended statistics (`pg_get_statisticsobjdef`) and rules (`pg_get_ruledef`).
    pub statistics: Vec<Part>,
    pub rules: Vec<Part>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    pub policies: Vec<Policy>,
    pub owner: Option<String>,
    /// `None`: the default privileges (`relacl` is null).
    pub acl: Option<Vec<Grant>>,
    pub comment: Option<String>,
    /// `RANGE (created_at)` for a partitioned table.
    pub partition_key: Option<String>,
    pub parents: Vec<Parent>,
    /// `UNLOGGED`.
    pub unlogged: bool,
    /// `ALTER TABLE ... REPLICA IDENTITY ...` when not the default.
    pub replica_identity: Option<String>,
    /// Storage parameters (`reloptions`: `fillfactor=70`).
    pub options: Vec<String>,
    /// `ALTER PUBLICATION ... ADD TABLE ...` for each publication that names the table.
    pub publications: Vec<String>,
    /// Whether the backup holds the full definition (format 2); a format-1 backup
    /// held columns, constraints and the comment only.
    pub complete: bool,
}

impl TableDef {
    pub fn data_columns(&self) -> Vec<&Column> {
        self.columns.iter().filter(|c| c.generated.is_empty()).collect()
    }
    pub fn column_list(&self) -> String {
        self.data_columns().iter().map(|c| crate::util::ident(&c.name)).collect::<Vec<_>>().join(", ")
    }
    pub fn qualified(&self) -> String {
        qualified(&self.schema, &self.table)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewDef {
    pub schema: String,
    pub name: String,
    pub materialized: bool,
    pub populated: bool,
    /// The query, `pg_get_viewdef`.
    pub query: String,
    /// `reloptions` (`security_barrier=true`, `check_option=local`).
    pub options: Vec<String>,
    pub owner: Option<String>,
    pub acl: Option<Vec<Grant>>,
    pub comment: Option<String>,
    /// A materialized view's indexes; a view's triggers (`INSTEAD OF`); column comments.
    pub indexes: Vec<Part>,
    pub triggers: Vec<Part>,
    pub column_comments: Vec<(String, String)>,
}

/// A foreign key of another table that references one of the dropped tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForeignKeyIn {
    pub schema: String,
    pub table: String,
    pub fk: Part,
}

/// A table that goes with MAESTRO's: a partition or an inheriting child (at any depth).
#[derive(Debug, Clone)]
pub struct Child {
    pub oid: u32,
    pub partition: bool,
    /// `r`, `p` or `f` (a foreign table cannot be backed up).
    pub relkind: String,
    /// `table archive.compliance_2025 (partition of public.maestro_audit_logs)`.
    pub described: String,
}

/// An object elsewhere that the drop takes with `--cascade`.
#[derive(Debug, Clone)]
pub enum DepKind {
    View,
    ForeignKey(u32),
    /// Something the backup cannot hold (a default, a trigger or a policy on another
    /// table, another function; a column or a function that uses a table's row type or
    /// its array type; a default that calls nextval on a table's own sequence; a
    /// constraint trigger declared FROM a table): with a backup, the drop refuses.
    Other,
}

#[derive(Debug, Clone)]
pub struct Dependent {
    /// `view public.app_dashboard depends on table maestro_audit_logs`.
    pub text: String,
    pub kind: DepKind,
}

pub struct Survey {
    pub objs: Objects,
    pub children: Vec<Child>,
    pub dependents: Vec<Dependent>,
    /// Views in an order they can be created in (a view before those built on it).
    pub view_order: Vec<u32>,
    /// MAESTRO's function depends on a MAESTRO table (a `BEGIN ATOMIC` body).
    pub function_first: bool,
}

impl Survey {
    /// What `drop` refuses without `--cascade`: the children, then the dependents.
    pub fn outside(&self) -> Vec<String> {
        self.children
            .iter()
            .map(|c| c.described.clone())
            .chain(self.dependents.iter().map(|d| d.text.clone()))
            .collect()
    }
    /// What a backup cannot hold.
    pub fn unsupported(&self) -> Vec<String> {
        self.children
            .iter()
            .filter(|c| c.relkind == "f")
            .map(|c| format!("{} (a foreign table: its rows are elsewhere)", c.described))
            .chain(self.dependents.iter().filter(|d| matches!(d.kind, DepKind::Other)).map(|d| d.text.clone()))
            .collect()
    }
}

/// MAESTRO's objects, the tables that go with them, and what depends on them.
pub fn survey<C: GenericClient>(c: &mut C, objs: Objects) -> Res<Survey> {
    let tables = objs.table_oids();
    let mut children = Vec::new();
    for r in c
        .query(
            "WITH RECURSIVE t(oid, depth) AS (
               SELECT inhrelid, 1 FROM pg_catalog.pg_inherits WHERE inhparent = ANY($1)
               UNION ALL
               SELECT i.inhrelid, t.depth + 1 FROM pg_catalog.pg_inherits i JOIN t ON i.inhparent = t.oid)
             SELECT c.oid, n.nspname::text, c.relname::text, c.relispartition, c.relkind::text, min(t.depth),
                    (SELECT string_agg(pn.nspname || '.' || p.relname, ', ' ORDER BY i.inhseqno)
                     FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
                     JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid)
             FROM t JOIN pg_catalog.pg_class c ON c.oid = t.oid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE NOT c.oid = ANY($1)
             GROUP BY 1, 2, 3, 4, 5 ORDER BY min(t.depth), 2, 3",
            &[&tables],
        )
        .map_err(pg)?
    {
        let partition: bool = r.get(3);
        let (schema, name, parents): (String, String, String) = (r.get(1), r.get(2), r.get(6));
        children.push(Child {
            oid: r.get(0),
            described: format!(
                "table {schema}.{name} ({} {parents}) goes with it",
                if partition { "partition of" } else { "inherits from" }
            ),
            partition,
            relkind: r.get(4),
        });
    }

    // What depends on these tables and the function, and on what depends on them
    // (a view on a view), as DROP ... CASCADE would find it.
    let owned: Vec<u32> = tables.iter().copied().chain(children.iter().map(|c| c.oid)).collect();
    let functions = objs.function_oids();
    let mut roots: Vec<u32> = owned.clone();
    let mut seen_views: BTreeSet<u32> = BTreeSet::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut dependents = Vec::new();
    let mut edges: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    let mut function_first = false;
    loop {
        let rows = c
            .query(
                "WITH d AS (
                   SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid,
                          CASE d.refclassid WHEN 'pg_class'::regclass THEN d.refobjid
                            WHEN 'pg_type'::regclass THEN (SELECT oid FROM pg_class WHERE reltype = d.refobjid)
                          END AS ref_rel,
                          CASE d.classid
                            WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = d.objid)
                            WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid)
                            WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid)
                            WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid)
                            WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objid)
                            WHEN 'pg_publication_rel'::regclass THEN (SELECT prrelid FROM pg_publication_rel WHERE oid = d.objid)
                            WHEN 'pg_class'::regclass THEN d.objid
                          END AS owner_rel
                   FROM pg_depend d
                   WHERE (d.deptype = 'n' AND (
                     (d.refclassid = 'pg_class'::regclass AND (d.refobjid = ANY($1)
                       -- the sequences they own (serial and identity columns): a default elsewhere
                       -- that calls nextval on one goes with them
                       OR d.refobjid IN (SELECT o.objid FROM pg_depend o JOIN pg_class s ON s.oid = o.objid
                                         WHERE o.classid = 'pg_class'::regclass AND o.refclassid = 'pg_class'::regclass
                                           AND o.refobjid = ANY($1) AND o.deptype IN ('a', 'i') AND s.relkind = 'S')))
                     -- their row types, and the array types of those (a column of type maestro_x[])
                     OR (d.refclassid = 'pg_type'::regclass
                         AND d.refobjid IN (SELECT reltype FROM pg_class WHERE oid = ANY($1)
                                            UNION SELECT t.typarray FROM pg_type t JOIN pg_class r ON r.reltype = t.oid
                                            WHERE r.oid = ANY($1)))
                     OR (d.refclassid = 'pg_proc'::regclass AND d.refobjid = ANY($2))))
                   -- a constraint trigger elsewhere declared FROM one of them goes with it, even without CASCADE
                   OR (d.deptype = 'a' AND d.classid = 'pg_trigger'::regclass
                       AND d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY($1)
                       AND d.refobjid = (SELECT tgconstrrelid FROM pg_trigger WHERE oid = d.objid))
                 )
                 SELECT DISTINCT
                   CASE WHEN d.classid = 'pg_rewrite'::regclass
                        THEN pg_describe_object('pg_class'::regclass, d.owner_rel, 0)
                        ELSE pg_describe_object(d.classid, d.objid, d.objsubid) END,
                   pg_describe_object(d.refclassid, d.refobjid, 0),
                   (d.classid = 'pg_proc'::regclass AND d.objid = ANY($2)) AS maestro_function,
                   CASE WHEN d.classid = 'pg_rewrite'::regclass
                        AND (SELECT relkind FROM pg_class WHERE oid = d.owner_rel) IN ('v', 'm')
                        THEN d.owner_rel END AS view,
                   CASE WHEN d.classid = 'pg_constraint'::regclass
                        AND (SELECT contype = 'f' FROM pg_constraint WHERE oid = d.objid) THEN d.objid END AS fk,
                   coalesce((d.classid = 'pg_constraint'::regclass
                        AND (SELECT conparentid <> 0 FROM pg_constraint WHERE oid = d.objid)), false) AS cloned,
                   d.ref_rel
                 FROM d
                 WHERE d.owner_rel IS NULL OR NOT d.owner_rel = ANY($3)
                 ORDER BY 1, 2",
                &[&roots, &functions, &owned],
            )
            .map_err(pg)?;
        let mut new_views = Vec::new();
        for r in rows {
            let (what, on, maestro_function): (String, String, bool) = (r.get(0), r.get(1), r.get(2));
            let (view, fk, cloned, ref_rel): (Option<u32>, Option<u32>, bool, Option<u32>) =
                (r.get(3), r.get(4), r.get(5), r.get(6));
            if maestro_function {
                function_first = true;
                continue;
            }
            if cloned {
                // A partition's copy of a foreign key: it goes and comes back with its parent's.
                continue;
            }
            if let (Some(v), Some(rr)) = (view, ref_rel) {
                if seen_views.contains(&rr) {
                    edges.entry(v).or_default().insert(rr);
                }
            }
            let text = format!("{what} depends on {on}");
            if !seen.insert(text.clone()) {
                continue;
            }
            let kind = match (view, fk) {
                (Some(v), _) => {
                    if seen_views.insert(v) {
                        new_views.push(v);
                    }
                    DepKind::View
                }
                (None, Some(f)) => DepKind::ForeignKey(f),
                _ => DepKind::Other,
            };
            dependents.push(Dependent { text, kind });
        }
        if new_views.is_empty() {
            break;
        }
        roots = new_views;
    }
    // A view after the views it is built on.
    let mut view_order = Vec::new();
    let mut placed = BTreeSet::new();
    while placed.len() < seen_views.len() {
        let before = placed.len();
        for v in &seen_views {
            if !placed.contains(v) && edges.get(v).is_none_or(|deps| deps.iter().all(|d| placed.contains(d) || d == v))
            {
                placed.insert(*v);
                view_order.push(*v);
            }
        }
        if placed.len() == before {
            // A cycle cannot happen between views; keep the rest in oid order.
            for v in &seen_views {
                if placed.insert(*v) {
                    view_order.push(*v);
                }
            }
        }
    }
    Ok(Survey { objs, children, dependents, view_order, function_first })
}

fn grants<C: GenericClient>(c: &mut C, sql: &str, oid: u32) -> Res<Option<Vec<Grant>>> {
    let null: bool = c.query_one(&format!("SELECT acl IS NULL FROM ({sql}) s"), &[&oid]).map_err(pg)?.get(0);
    if null {
        return Ok(None);
    }
    let rows = c
        .query(
            &format!(
                "SELECT (SELECT rolname::text FROM pg_catalog.pg_roles WHERE oid = a.grantee), a.privilege_type, a.is_grantable
                 FROM ({sql}) s, aclexplode(s.acl) WITH ORDINALITY a ORDER BY a.ordinality"
            ),
            &[&oid],
        )
        .map_err(pg)?;
    Ok(Some(rows.iter().map(|r| Grant { grantee: r.get(0), privilege: r.get(1), grantable: r.get(2) }).collect()))
}

/// The definition of table `oid`, read in the caller's transaction (after its lock).
pub fn table_def<C: GenericClient>(c: &mut C, oid: u32) -> Res<TableDef> {
    let head = c
        .query_one(
            "SELECT n.nspname::text, c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                    (SELECT rolname::text FROM pg_catalog.pg_roles WHERE oid = c.relowner),
                    obj_description(c.oid, 'pg_class'),
                    CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
            &[&oid],
        )
        .map_err(pg)?;
    let columns = c
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                    pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                    s.oid::regclass::text, format_type(s.seqtypid, NULL),
                    CASE WHEN a.attcollation <> t.typcollation
                         THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END,
                    col_description(a.attrelid, a.attnum), a.attinhcount > 0 AND NOT a.attislocal
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             -- The sequence a serial column owns: a subquery (one row at most), since a plain
             -- index on the column is an auto dependency on it too, and a join would list
             -- the column once for each index.
             LEFT JOIN LATERAL (
               SELECT s.oid, sq.seqtypid
               FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
               JOIN pg_sequence sq ON sq.seqrelid = s.oid
               WHERE dep.refclassid = 'pg_class'::regclass AND dep.refobjid = a.attrelid
                 AND dep.refobjsubid = a.attnum AND dep.classid = 'pg_class'::regclass AND dep.deptype = 'a'
                 AND a.attidentity = ''
               ORDER BY s.oid LIMIT 1) s ON true
             LEFT JOIN pg_collation co ON co.oid = a.attcollation
             LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
             WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(|r| Column {
            name: r.get(0),
            ty: r.get(1),
            not_null: r.get(2),
            default: r.get(3),
            identity: r.get(4),
            generated: r.get(5),
            sequence: r.get::<_, Option<String>>(6).map(|n| (n, r.get::<_, Option<String>>(7).unwrap_or_default())),
            collation: r.get(8),
            comment: r.get(9),
            inherited: r.get(10),
            sequence_name: None,
            sequence_options: None,
            sequence_state: None,
            acl: None,
            sequence_acl: None,
        })
        .collect::<Vec<Column>>();
    let mut columns = columns;
    for col in columns.iter_mut() {
        let attnum: i16 = c
            .query_one("SELECT attnum FROM pg_attribute WHERE attrelid = $1 AND attname = $2", &[&oid, &col.name])
            .map_err(pg)?
            .get(0);
        col.acl = grants(
            c,
            &format!("SELECT attacl AS acl FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attnum = {attnum}"),
            oid,
        )?;
        if !col.identity.is_empty() || col.sequence.is_some() {
            let seq: Option<u32> = c
                .query_one(
                    "SELECT pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), $2)::regclass::oid
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
                    &[&oid, &col.name],
                )
                .map_err(pg)?
                .get(0);
            if let Some(seq) = seq {
                col.sequence_acl = grants(c, "SELECT relacl AS acl FROM pg_catalog.pg_class WHERE oid = $1", seq)?;
                let r = c
                    .query_one(
                        "SELECT format('START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s %s', seqstart,
                                       seqincrement, seqmin, seqmax, seqcache, CASE WHEN seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END),
                                seqrelid::regclass::text
                         FROM pg_sequence WHERE seqrelid = $1",
                        &[&seq],
                    )
                    .map_err(pg)?;
                let name: String = r.get(1);
                col.sequence_options = Some(r.get(0));
                // (A dry run by a role that cannot read the sequence shows the plan all the same;
                // the drop itself needs the owner, who can.)
                let readable: bool =
                    c.query_one("SELECT has_sequence_privilege($1::oid, 'SELECT')", &[&seq]).map_err(pg)?.get(0);
                if readable {
                    let state = c.query_one(&format!("SELECT last_value, is_called FROM {name}"), &[]).map_err(pg)?;
                    col.sequence_state = Some((state.get(0), state.get(1)));
                }
                col.sequence_name = Some(name);
            }
        }
    }
    let mut constraints = Vec::new();
    let mut foreign_keys = Vec::new();
    // Only the table's own constraints: those a partition or a child has from its
    // parent come back when the parent's are added.
    for r in c
        .query(
            "SELECT conname::text, pg_get_constraintdef(oid), contype::text, obj_description(oid, 'pg_constraint')
             FROM pg_constraint
             WHERE conrelid = $1 AND contype IN ('p', 'u', 'c', 'x', 'f') AND conislocal AND conparentid = 0
             ORDER BY contype <> 'p', conname",
            &[&oid],
        )
        .map_err(pg)?
    {
        let part = Part { name: r.get(0), definition: r.get(1), comment: r.get(3), enabled: None };
        if r.get::<_, String>(2) == "f" {
            foreign_keys.push(part);
        } else {
            constraints.push(part);
        }
    }
    let indexes = c
        .query(
            "SELECT ic.relname::text, pg_get_indexdef(i.indexrelid), obj_description(i.indexrelid, 'pg_class'),
                    quote_ident(ic.relname), t.relkind = 'p'
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
             WHERE i.indrelid = $1
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                               AND k.contype IN ('p', 'u', 'x'))
               AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
             ORDER BY 1",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(|r| {
            let (def, quoted, partitioned): (String, String, bool) = (r.get(1), r.get(3), r.get(4));
            // On a partitioned table the definition reads `ON ONLY`: restored, the index is
            // made on every partition too, as the original was once they were attached.
            let def = if partitioned {
                let mut d = def.clone();
                for head in
                    [format!("CREATE INDEX {quoted} ON ONLY "), format!("CREATE UNIQUE INDEX {quoted} ON ONLY ")]
                {
                    if let Some(rest) = def.strip_prefix(&head) {
                        d = format!("{}ON {rest}", &head[..head.len() - "ON ONLY ".len()]);
                    }
                }
                d
            } else {
                def
            };
            Part { name: r.get(0), definition: def, comment: r.get(2), enabled: None }
        })
        .collect();
    let triggers = c
        .query(
            "SELECT tgname::text, pg_get_triggerdef(oid), obj_description(oid, 'pg_trigger'), tgenabled::text
             FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal AND tgparentid = 0 ORDER BY 1",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(|r| Part { name: r.get(0), definition: r.get(1), comment: r.get(2), enabled: r.get(3) })
        .collect();
    let statistics = c
        .query(
            "SELECT stxname::text, pg_get_statisticsobjdef(oid), obj_description(oid, 'pg_statistic_ext')
             FROM pg_statistic_ext WHERE stxrelid = $1 ORDER BY 1",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(|r| Part { name: r.get(0), definition: r.get(1), comment: r.get(2), enabled: None })
        .collect();
    let rules = c
        .query(
            "SELECT rulename::text, pg_get_ruledef(oid), obj_description(oid, 'pg_rewrite')
             FROM pg_rewrite WHERE ev_class = $1 AND rulename <> '_RETURN' ORDER BY 1",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(|r| Part { name: r.get(0), definition: r.get(1), comment: r.get(2), enabled: None })
        .collect();
    let policies = c
        .query(
            "SELECT p.polname::text, p.polpermissive,
                    CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                  WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                    ARRAY(SELECT (SELECT rolname::text FROM pg_roles WHERE oid = r.r)
                          FROM unnest(p.polroles) WITH ORDINALITY r(r, n) ORDER BY r.n),
                    pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
                    obj_description(p.oid, 'pg_policy')
             FROM pg_policy p WHERE p.polrelid = $1 ORDER BY 1",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(|r| Policy {
            name: r.get(0),
            permissive: r.get(1),
            command: r.get(2),
            roles: r.get(3),
            using: r.get(4),
            with_check: r.get(5),
            comment: r.get(6),
        })
        .collect();
    let parents = c
        .query(
            "SELECT n.nspname::text, p.relname::text,
                    CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END
             FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
             JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhrelid = $1 ORDER BY i.inhseqno",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(|r| Parent { schema: r.get(0), table: r.get(1), bound: r.get(2) })
        .collect();
    let acl = grants(c, "SELECT relacl AS acl FROM pg_catalog.pg_class WHERE oid = $1", oid)?;
    let extra = c
        .query_one(
            "SELECT CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING'
                      WHEN 'i' THEN 'USING INDEX ' || quote_ident((SELECT relname FROM pg_class ic JOIN pg_index i
                                         ON i.indexrelid = ic.oid WHERE i.indrelid = c.oid AND i.indisreplident)) END,
                    coalesce(c.reloptions, '{}')::text[], c.relpersistence = 'u'
             FROM pg_class c WHERE c.oid = $1",
            &[&oid],
        )
        .map_err(pg)?;
    let (replica_identity, options, unlogged): (Option<String>, Vec<String>, bool) =
        (extra.get(0), extra.get(1), extra.get(2));
    let publications = c
        .query(
            "SELECT 'ALTER PUBLICATION ' || quote_ident(p.pubname) || ' ADD TABLE ONLY ' || $2::text
                    || coalesce(' (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
                                         FROM unnest(r.prattrs) WITH ORDINALITY k(attnum, n)
                                         JOIN pg_attribute a ON a.attrelid = r.prrelid AND a.attnum = k.attnum) || ')', '')
                    || coalesce(' WHERE (' || pg_get_expr(r.prqual, r.prrelid) || ')', '')
             FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid WHERE r.prrelid = $1 ORDER BY p.pubname",
            &[&oid, &qualified(&head.get::<_, String>(0), &head.get::<_, String>(1))],
        )
        .map_err(pg)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok(TableDef {
        schema: head.get(0),
        table: head.get(1),
        columns,
        constraints,
        foreign_keys,
        indexes,
        triggers,
        statistics,
        rules,
        rls_enabled: head.get(2),
        rls_forced: head.get(3),
        policies,
        owner: head.get(4),
        acl,
        comment: head.get(5),
        partition_key: head.get(6),
        parents,
        unlogged,
        replica_identity,
        options,
        publications,
        complete: true,
    })
}

pub fn view_def<C: GenericClient>(c: &mut C, oid: u32) -> Res<ViewDef> {
    let r = c
        .query_one(
            "SELECT n.nspname::text, c.relname::text, c.relkind = 'm', c.relispopulated, pg_get_viewdef(c.oid),
                    coalesce(c.reloptions, '{}')::text[],
                    (SELECT rolname::text FROM pg_catalog.pg_roles WHERE oid = c.relowner),
                    obj_description(c.oid, 'pg_class')
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
            &[&oid],
        )
        .map_err(pg)?;
    let acl = grants(c, "SELECT relacl AS acl FROM pg_catalog.pg_class WHERE oid = $1", oid)?;
    let part = |r: &postgres::Row| Part { name: r.get(0), definition: r.get(1), comment: r.get(2), enabled: r.get(3) };
    let indexes = c
        .query(
            "SELECT ic.relname::text, pg_get_indexdef(i.indexrelid), obj_description(i.indexrelid, 'pg_class'), NULL::text
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = $1 ORDER BY 1",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(part)
        .collect();
    let triggers = c
        .query(
            "SELECT tgname::text, pg_get_triggerdef(oid), obj_description(oid, 'pg_trigger'), tgenabled::text
             FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY 1",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(part)
        .collect();
    let column_comments = c
        .query(
            "SELECT attname::text, col_description(attrelid, attnum) FROM pg_attribute
             WHERE attrelid = $1 AND attnum > 0 AND col_description(attrelid, attnum) IS NOT NULL ORDER BY attnum",
            &[&oid],
        )
        .map_err(pg)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    Ok(ViewDef {
        indexes,
        triggers,
        column_comments,
        schema: r.get(0),
        name: r.get(1),
        materialized: r.get(2),
        populated: r.get(3),
        query: r.get(4),
        options: r.get(5),
        owner: r.get(6),
        acl,
        comment: r.get(7),
    })
}

pub fn foreign_key_in<C: GenericClient>(c: &mut C, oid: u32) -> Res<ForeignKeyIn> {
    let r = c
        .query_one(
            "SELECT n.nspname::text, t.relname::text, k.conname::text, pg_get_constraintdef(k.oid),
                    obj_description(k.oid, 'pg_constraint')
             FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE k.oid = $1",
            &[&oid],
        )
        .map_err(pg)?;
    Ok(ForeignKeyIn {
        schema: r.get(0),
        table: r.get(1),
        fk: Part { name: r.get(2), definition: r.get(3), comment: r.get(4), enabled: None },
    })
}

/// The function's privileges and owner, for its backup file.
pub struct FunctionExtra {
    /// `public.maestro_claim_receipt(text)`, quoted where needed.
    pub regprocedure: String,
    pub owner: Option<String>,
    pub acl: Option<Vec<Grant>>,
}

pub fn function_extra<C: GenericClient>(c: &mut C, oid: u32) -> Res<FunctionExtra> {
    let r = c
        .query_one(
            "SELECT p.oid::regprocedure::text, (SELECT rolname::text FROM pg_catalog.pg_roles WHERE oid = p.proowner)
             FROM pg_proc p WHERE p.oid = $1",
            &[&oid],
        )
        .map_err(pg)?;
    let acl = grants(c, "SELECT proacl AS acl FROM pg_catalog.pg_proc WHERE oid = $1", oid)?;
    Ok(FunctionExtra { regprocedure: r.get(0), owner: r.get(1), acl })
}

// JSON, as the backup files hold it.

fn opt(v: &Value) -> Option<String> {
    v.as_str().map(String::from)
}

fn part_json(p: &Part) -> Value {
    let mut v = json!({"name": p.name, "definition": p.definition, "comment": p.comment});
    if let Some(e) = &p.enabled {
        v["enabled"] = json!(e);
    }
    v
}

fn part_from(v: &Value) -> Option<Part> {
    Some(Part {
        name: v["name"].as_str()?.to_string(),
        definition: v["definition"].as_str()?.to_string(),
        comment: opt(&v["comment"]),
        enabled: opt(&v["enabled"]),
    })
}

fn parts_from(v: &Value) -> Option<Vec<Part>> {
    match v {
        Value::Null => Some(Vec::new()),
        _ => v.as_array()?.iter().map(part_from).collect(),
    }
}

fn acl_json(acl: &Option<Vec<Grant>>) -> Value {
    match acl {
        None => Value::Null,
        Some(a) => a
            .iter()
            .map(|g| json!({"grantee": g.grantee, "privilege": g.privilege, "grantable": g.grantable}))
            .collect(),
    }
}

fn acl_from(v: &Value) -> Option<Option<Vec<Grant>>> {
    match v {
        Value::Null => Some(None),
        _ => Some(Some(
            v.as_array()?
                .iter()
                .map(|g| {
                    Some(Grant {
                        grantee: opt(&g["grantee"]),
                        privilege: g["privilege"].as_str()?.to_string(),
                        grantable: g["grantable"].as_bool().unwrap_or(false),
                    })
                })
                .collect::<Option<Vec<_>>>()?,
        )),
    }
}

impl TableDef {
    pub fn to_json(&self, format: &str) -> Value {
        json!({
            "format": format,
            "schema": self.schema,
            "table": self.table,
            "columns": self.columns.iter().map(|c| json!({
                "name": c.name, "type": c.ty, "not_null": c.not_null, "default": c.default,
                "identity": c.identity, "generated": c.generated,
                "sequence": c.sequence.as_ref().map(|(n, t)| json!({"name": n, "type": t})),
                "collation": c.collation, "comment": c.comment,
                "acl": acl_json(&c.acl), "sequence_acl": acl_json(&c.sequence_acl), "inherited": c.inherited,
                "sequence_name": c.sequence_name, "sequence_options": c.sequence_options,
                "sequence_state": c.sequence_state.map(|(v, called)| json!({"last_value": v, "is_called": called})),
            })).collect::<Vec<_>>(),
            "constraints": self.constraints.iter().map(part_json).collect::<Vec<_>>(),
            "foreign_keys": self.foreign_keys.iter().map(part_json).collect::<Vec<_>>(),
            "indexes": self.indexes.iter().map(part_json).collect::<Vec<_>>(),
            "triggers": self.triggers.iter().map(part_json).collect::<Vec<_>>(),
            "statistics": self.statistics.iter().map(part_json).collect::<Vec<_>>(),
            "rules": self.rules.iter().map(part_json).collect::<Vec<_>>(),
            "row_security": {"enabled": self.rls_enabled, "forced": self.rls_forced},
            "policies": self.policies.iter().map(|p| json!({
                "name": p.name, "permissive": p.permissive, "command": p.command, "roles": p.roles,
                "using": p.using, "with_check": p.with_check, "comment": p.comment,
            })).collect::<Vec<_>>(),
            "owner": self.owner,
            "acl": acl_json(&self.acl),
            "comment": self.comment,
            "partition_key": self.partition_key,
            "parents": self.parents.iter().map(|p| json!({"schema": p.schema, "table": p.table, "bound": p.bound})).collect::<Vec<_>>(),
            "unlogged": self.unlogged,
            "replica_identity": self.replica_identity,
            "options": self.options,
            "publications": self.publications,
        })
    }

    /// Reads a definition file; a format-1 file (columns, constraints and the comment) too.
    pub fn from_json(v: &Value, default_schema: &str) -> Option<TableDef> {
        let complete = v["format"].as_str() != Some("maestro-db-backup/1");
        Some(TableDef {
            schema: v["schema"].as_str().unwrap_or(default_schema).to_string(),
            table: v["table"].as_str()?.to_string(),
            columns: v["columns"]
                .as_array()?
                .iter()
                .map(|c| {
                    Some(Column {
                        name: c["name"].as_str()?.to_string(),
                        ty: c["type"].as_str()?.to_string(),
                        not_null: c["not_null"].as_bool()?,
                        default: opt(&c["default"]),
                        identity: c["identity"].as_str().unwrap_or("").to_string(),
                        generated: c["generated"].as_str().unwrap_or("").to_string(),
                        sequence: c["sequence"]["name"]
                            .as_str()
                            .map(|n| (n.to_string(), c["sequence"]["type"].as_str().unwrap_or("bigint").to_string())),
                        collation: opt(&c["collation"]),
                        inherited: c["inherited"].as_bool().unwrap_or(false),
                        sequence_name: opt(&c["sequence_name"]),
                        sequence_options: opt(&c["sequence_options"]),
                        sequence_state: c["sequence_state"]["last_value"]
                            .as_i64()
                            .map(|v| (v, c["sequence_state"]["is_called"].as_bool().unwrap_or(true))),
                        acl: acl_from(&c["acl"])?,
                        sequence_acl: acl_from(&c["sequence_acl"])?,
                        comment: opt(&c["comment"]),
                    })
                })
                .collect::<Option<Vec<_>>>()?,
            constraints: parts_from(&v["constraints"])?,
            foreign_keys: parts_from(&v["foreign_keys"])?,
            indexes: parts_from(&v["indexes"])?,
            triggers: parts_from(&v["triggers"])?,
            statistics: parts_from(&v["statistics"])?,
            rules: parts_from(&v["rules"])?,
            rls_enabled: v["row_security"]["enabled"].as_bool().unwrap_or(false),
            rls_forced: v["row_security"]["forced"].as_bool().unwrap_or(false),
            policies: match &v["policies"] {
                Value::Null => Vec::new(),
                p => p
                    .as_array()?
                    .iter()
                    .map(|p| {
                        Some(Policy {
                            name: p["name"].as_str()?.to_string(),
                            permissive: p["permissive"].as_bool().unwrap_or(true),
                            command: p["command"].as_str().unwrap_or("ALL").to_string(),
                            roles: p["roles"].as_array()?.iter().map(opt).collect(),
                            using: opt(&p["using"]),
                            with_check: opt(&p["with_check"]),
                            comment: opt(&p["comment"]),
                        })
                    })
                    .collect::<Option<Vec<_>>>()?,
            },
            owner: opt(&v["owner"]),
            acl: acl_from(&v["acl"])?,
            comment: opt(&v["comment"]),
            partition_key: opt(&v["partition_key"]),
            parents: match &v["parents"] {
                Value::Null => Vec::new(),
                p => p
                    .as_array()?
                    .iter()
                    .map(|p| {
                        Some(Parent {
                            schema: p["schema"].as_str()?.to_string(),
                            table: p["table"].as_str()?.to_string(),
                            bound: opt(&p["bound"]),
                        })
                    })
                    .collect::<Option<Vec<_>>>()?,
            },
            unlogged: v["unlogged"].as_bool().unwrap_or(false),
            replica_identity: opt(&v["replica_identity"]),
            options: v["options"]
                .as_array()
                .map(|a| a.iter().filter_map(|o| o.as_str().map(String::from)).collect())
                .unwrap_or_default(),
            publications: v["publications"]
                .as_array()
                .map(|a| a.iter().filter_map(|o| o.as_str().map(String::from)).collect())
                .unwrap_or_default(),
            complete,
        })
    }
}

impl ViewDef {
    pub fn to_json(&self) -> Value {
        json!({
            "schema": self.schema, "name": self.name, "materialized": self.materialized,
            "populated": self.populated, "query": self.query, "options": self.options,
            "owner": self.owner, "acl": acl_json(&self.acl), "comment": self.comment,
            "indexes": self.indexes.iter().map(part_json).collect::<Vec<_>>(),
            "triggers": self.triggers.iter().map(part_json).collect::<Vec<_>>(),
            "column_comments": self.column_comments.iter().map(|(c, t)| json!({"column": c, "comment": t})).collect::<Vec<_>>(),
        })
    }
    pub fn from_json(v: &Value) -> Option<ViewDef> {
        Some(ViewDef {
            schema: v["schema"].as_str()?.to_string(),
            name: v["name"].as_str()?.to_string(),
            materialized: v["materialized"].as_bool().unwrap_or(false),
            populated: v["populated"].as_bool().unwrap_or(true),
            query: v["query"].as_str()?.to_string(),
            options: v["options"].as_array()?.iter().filter_map(|o| o.as_str().map(String::from)).collect(),
            owner: opt(&v["owner"]),
            acl: acl_from(&v["acl"])?,
            comment: opt(&v["comment"]),
            indexes: parts_from(&v["indexes"])?,
            triggers: parts_from(&v["triggers"])?,
            column_comments: match &v["column_comments"] {
                Value::Null => Vec::new(),
                a => a
                    .as_array()?
                    .iter()
                    .map(|x| Some((x["column"].as_str()?.to_string(), x["comment"].as_str()?.to_string())))
                    .collect::<Option<Vec<_>>>()?,
            },
        })
    }
}

impl ForeignKeyIn {
    pub fn to_json(&self) -> Value {
        json!({"schema": self.schema, "table": self.table, "constraint": part_json(&self.fk)})
    }
    pub fn from_json(v: &Value) -> Option<ForeignKeyIn> {
        Some(ForeignKeyIn {
            schema: v["schema"].as_str()?.to_string(),
            table: v["table"].as_str()?.to_string(),
            fk: part_from(&v["constraint"])?,
        })
    }
}
