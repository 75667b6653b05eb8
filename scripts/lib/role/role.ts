// The read-only PostgreSQL role Grafana logs in as. The real system already has one (a migration made
// `grafana_monitor` with SELECT on every table, no limits), so this converges rather than creates:
// what least privilege needs is always added; what goes beyond it is reported, and revoked only when
// the operator asks (strict), so that nobody's grant disappears unannounced.
import postgres from "postgres";
import type { Config } from "../config.ts";
import { scramVerifier } from "./scram.ts";
import { quoteIdent, runFormatted } from "../postgres.ts";
import { MONITOR_TABLES } from "./monitoring-schema.ts";
import { VIEW_NAMES } from "../shapes/views.ts";

/** The tables the dashboards read: one list, extended by GRAFANA_POSTGRES_EXTRA_TABLES. */
export const MONITORED_TABLES = [
  "trading_signals",
  "orders",
  "execution_events",
  "model_versions",
  "model_quality_metrics",
  "subscriptions",
  "positions",
  "position_snapshots",
  "signal_order_relationships",
  // Later migrations' tables (028, 040): the canonical views read them where they exist.
  "position_orders",
  "closed_positions",
] as const;

export const MONITORED_SCHEMA = "public";

export interface RoleSpec {
  role: string;
  password: string;
  database: string;
  tables: string[];
  /** Relations of other schemas the role reads too (the monitor's events): SELECT on them and USAGE on
   *  their schema are granted elsewhere (monitoring-schema.ts) and are not privileges beyond its job. */
  alsoReadable: { schema: string; table: string }[];
  connectionLimit: number;
  /** Role-level settings: a runaway panel query is cancelled, a session cannot write by default, and
   *  queries run without JIT or parallel workers. */
  settings: Record<string, string>;
}

export function roleSpec(config: Config): RoleSpec {
  const role = config.monitorRole;
  if (!role.password) throw new Error("GRAFANA_POSTGRES_PASSWORD is required"); // loadConfig's `required` catches it first
  return {
    role: role.user,
    password: role.password,
    database: config.postgres.database,
    tables: [...new Set([...MONITORED_TABLES, ...role.extraTables])],
    alsoReadable: [...MONITOR_TABLES, ...VIEW_NAMES].map((table) => ({ schema: config.monitor.schema, table })),
    connectionLimit: role.connectionLimit,
    settings: {
      statement_timeout: role.statementTimeout,
      idle_in_transaction_session_timeout: role.idleInTransactionTimeout,
      default_transaction_read_only: "on",
      // Panel queries are short and run every refresh: JIT compilation costs them hundreds of milliseconds,
      // and parallel workers start-up time and processes beyond the role's connection limit (docs/performance.md).
      jit: "off",
      max_parallel_workers_per_gather: "0",
    },
  };
}

/** One statement of the plan; `shown` is what is printed (never a password). */
export interface Step {
  shown: string;
  run: (sql: postgres.Sql) => Promise<unknown>;
}

export interface Extra {
  /** What the role may do beyond the list, said for an operator. */
  privilege: string;
  /** Absent when no statement can take it away (ownership): reported, left to the operator. */
  revoke?: Step;
}

export interface RolePlan {
  exists: boolean;
  changes: Step[];
  extras: Extra[];
  /** Monitored tables that this database does not have (granted once they exist, on a later run). */
  missingTables: string[];
}

const ATTRIBUTES = {
  rolsuper: "SUPERUSER",
  rolcreatedb: "CREATEDB",
  rolcreaterole: "CREATEROLE",
  rolreplication: "REPLICATION",
  rolbypassrls: "BYPASSRLS",
} as const;

/** Reads what the role has and works out what to change; changes nothing. */
export async function planRole(sql: postgres.Sql, spec: RoleSpec, canLogin: (spec: RoleSpec) => Promise<boolean>): Promise<RolePlan> {
  const { role } = spec;
  const plan: RolePlan = { exists: false, changes: [], extras: [], missingTables: [] };
  const [current] = await sql`
    SELECT oid, rolcanlogin, rolconnlimit, rolconfig, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls
    FROM pg_roles WHERE rolname = ${role}`;
  plan.exists = Boolean(current);

  if (!current) {
    plan.changes.push({
      shown: `CREATE ROLE ${role} LOGIN PASSWORD '********' CONNECTION LIMIT ${spec.connectionLimit}`,
      run: (tx) => runFormatted(tx, "CREATE ROLE %I LOGIN PASSWORD %L CONNECTION LIMIT %s", [role, scramVerifier(spec.password), String(spec.connectionLimit)]),
    });
  } else {
    if (!current.rolcanlogin) plan.changes.push(alterRole(role, "LOGIN"));
    if (current.rolconnlimit !== spec.connectionLimit) plan.changes.push(alterRole(role, `CONNECTION LIMIT ${spec.connectionLimit}`));
    if (!(await canLogin(spec))) {
      plan.changes.push({ shown: `ALTER ROLE ${role} PASSWORD '********'`, run: (tx) => runFormatted(tx, "ALTER ROLE %I PASSWORD %L", [role, scramVerifier(spec.password)]) });
    }
    for (const [column, keyword] of Object.entries(ATTRIBUTES)) {
      if (current[column]) plan.extras.push({ privilege: `role attribute ${keyword}`, revoke: alterRole(role, `NO${keyword}`) });
    }
  }

  const config = new Map<string, string>(((current?.rolconfig as string[] | null) ?? []).map((entry) => entry.split(/=(.*)/s).slice(0, 2) as [string, string]));
  for (const [name, value] of Object.entries(spec.settings)) {
    if (config.get(name) !== value) {
      plan.changes.push({ shown: `ALTER ROLE ${role} SET ${name} = '${value}'`, run: (tx) => runFormatted(tx, `ALTER ROLE %I SET ${name} = %L`, [role, value]) });
    }
  }

  const privileges = current ? await currentPrivileges(sql, role) : emptyPrivileges();
  if (!privileges.connect) {
    plan.changes.push({ shown: `GRANT CONNECT ON DATABASE ${spec.database} TO ${role}`, run: (tx) => tx`GRANT CONNECT ON DATABASE ${tx(spec.database)} TO ${tx(role)}` });
  }
  if (!privileges.schemaUsage) {
    plan.changes.push({ shown: `GRANT USAGE ON SCHEMA ${MONITORED_SCHEMA} TO ${role}`, run: (tx) => tx`GRANT USAGE ON SCHEMA ${tx(MONITORED_SCHEMA)} TO ${tx(role)}` });
  }
  const present = new Set(
    (await sql`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = ${MONITORED_SCHEMA} AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relname IN ${sql(spec.tables)}`).map((r) => r.relname as string),
  );
  plan.missingTables = spec.tables.filter((table) => !present.has(table));
  for (const table of spec.tables.filter((t) => present.has(t))) {
    if (!privileges.tables.get(relationKey(MONITORED_SCHEMA, table))?.privileges.has("SELECT")) {
      plan.changes.push({ shown: `GRANT SELECT ON ${MONITORED_SCHEMA}.${table} TO ${role}`, run: (tx) => tx`GRANT SELECT ON TABLE ${tx(MONITORED_SCHEMA)}.${tx(table)} TO ${tx(role)}` });
    }
  }

  plan.extras.push(...extraPrivileges(spec, privileges));
  return plan;
}

interface Privileges {
  connect: boolean;
  schemaUsage: boolean;
  /** Privileges granted to the role itself, per relation (keyed by relationKey). */
  tables: Map<string, { schema: string; name: string; kind: string; privileges: Set<string> }>;
  columns: { schema: string; name: string; column: string; privilege: string }[];
  schemas: { schema: string; privilege: string }[];
  database: string[];
  memberOf: string[];
  defaults: { owner: string; schema: string | null; objects: string; privileges: string[] }[];
  owns: { schema: string; name: string }[];
}

const emptyPrivileges = (): Privileges => ({
  connect: false,
  schemaUsage: false,
  tables: new Map(),
  columns: [],
  schemas: [],
  database: [],
  memberOf: [],
  defaults: [],
  owns: [],
});

/** Everything granted to the role itself (not through PUBLIC) in this database and cluster. */
async function currentPrivileges(sql: postgres.Sql, role: string): Promise<Privileges> {
  const p = emptyPrivileges();
  const [access] = await sql`
    SELECT has_database_privilege(${role}, current_database(), 'CONNECT') AS connect,
           has_schema_privilege(${role}, ${MONITORED_SCHEMA}, 'USAGE') AS usage`;
  p.connect = access!.connect;
  p.schemaUsage = access!.usage;
  const relations = await sql`
    SELECT n.nspname AS schema, c.relname AS name, c.relkind, a.privilege_type
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, LATERAL aclexplode(c.relacl) a
    WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ${role})
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')`;
  for (const row of relations) {
    const key = relationKey(row.schema, row.name);
    if (!p.tables.has(key)) p.tables.set(key, { schema: row.schema, name: row.name, kind: row.relkind, privileges: new Set() });
    p.tables.get(key)!.privileges.add(row.privilege_type);
  }
  p.columns = (await sql`
    SELECT n.nspname AS schema, c.relname AS name, att.attname AS column, a.privilege_type AS privilege
    FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace,
         LATERAL aclexplode(att.attacl) a
    WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ${role})`) as unknown as Privileges["columns"];
  p.schemas = (await sql`
    SELECT n.nspname AS schema, a.privilege_type AS privilege
    FROM pg_namespace n, LATERAL aclexplode(n.nspacl) a
    WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ${role})
      AND NOT (n.nspname = ${MONITORED_SCHEMA} AND a.privilege_type = 'USAGE')`) as unknown as Privileges["schemas"];
  p.database = (await sql`
    SELECT a.privilege_type FROM pg_database d, LATERAL aclexplode(d.datacl) a
    WHERE d.datname = current_database() AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ${role})
      AND a.privilege_type <> 'CONNECT'`).map((r) => r.privilege_type as string);
  p.memberOf = (await sql`
    SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
    WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = ${role})`).map((r) => r.rolname as string);
  p.defaults = (await sql`
    SELECT pg_get_userbyid(d.defaclrole) AS owner, n.nspname AS schema, d.defaclobjtype AS objects,
           array_agg(a.privilege_type ORDER BY a.privilege_type) AS privileges
    FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace, LATERAL aclexplode(d.defaclacl) a
    WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ${role})
    GROUP BY 1, 2, 3`) as unknown as Privileges["defaults"];
  // Indexes and TOAST tables go with their table; composite types are not relations one reads.
  p.owns = (await sql`
    SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = ${role}) AND c.relkind NOT IN ('i', 'I', 't', 'c')`) as unknown as Privileges["owns"];
  return p;
}

const OBJECT_KINDS: Record<string, string> = { r: "TABLES", S: "SEQUENCES", f: "FUNCTIONS", T: "TYPES", n: "SCHEMAS" };

function extraPrivileges(spec: RoleSpec, p: Privileges): Extra[] {
  const { role } = spec;
  const extras: Extra[] = [];
  const allowed = new Set([
    ...spec.tables.map((table) => relationKey(MONITORED_SCHEMA, table)),
    ...spec.alsoReadable.map(({ schema, table }) => relationKey(schema, table)),
  ]);
  const readSchemas = new Set(spec.alsoReadable.map(({ schema }) => schema));
  for (const [key, { schema, name, kind, privileges }] of p.tables) {
    const beyond = allowed.has(key) ? [...privileges].filter((x) => x !== "SELECT") : [...privileges];
    if (!beyond.length) continue;
    const object = kind === "S" ? "SEQUENCE" : "TABLE";
    extras.push({
      privilege: `${beyond.join(", ")} on ${object.toLowerCase()} ${schema}.${name}`,
      revoke: {
        shown: `REVOKE ${beyond.join(", ")} ON ${object} ${schema}.${name} FROM ${role}`,
        run: (tx) => tx.unsafe(`REVOKE ${beyond.join(", ")} ON ${object} ${quoteIdent(schema)}.${quoteIdent(name)} FROM ${quoteIdent(role)}`),
      },
    });
  }
  for (const column of p.columns) {
    const { schema, name } = column;
    extras.push({
      privilege: `${column.privilege} on column ${schema}.${name}.${column.column}`,
      revoke: {
        shown: `REVOKE ${column.privilege} (${column.column}) ON ${schema}.${name} FROM ${role}`,
        run: (tx) => tx.unsafe(`REVOKE ${column.privilege} (${quoteIdent(column.column)}) ON ${quoteIdent(schema)}.${quoteIdent(name)} FROM ${quoteIdent(role)}`),
      },
    });
  }
  for (const grant of p.schemas) {
    if (grant.privilege === "USAGE" && readSchemas.has(grant.schema)) continue;
    extras.push({
      privilege: `${grant.privilege} on schema ${grant.schema}`,
      revoke: { shown: `REVOKE ${grant.privilege} ON SCHEMA ${grant.schema} FROM ${role}`, run: (tx) => tx.unsafe(`REVOKE ${grant.privilege} ON SCHEMA ${quoteIdent(grant.schema)} FROM ${quoteIdent(role)}`) },
    });
  }
  for (const privilege of p.database) {
    extras.push({
      privilege: `${privilege} on database ${spec.database}`,
      revoke: { shown: `REVOKE ${privilege} ON DATABASE ${spec.database} FROM ${role}`, run: (tx) => tx.unsafe(`REVOKE ${privilege} ON DATABASE ${quoteIdent(spec.database)} FROM ${quoteIdent(role)}`) },
    });
  }
  for (const group of p.memberOf) {
    extras.push({ privilege: `member of role ${group}`, revoke: { shown: `REVOKE ${group} FROM ${role}`, run: (tx) => tx`REVOKE ${tx(group)} FROM ${tx(role)}` } });
  }
  for (const d of p.defaults) {
    const objects = OBJECT_KINDS[d.objects] ?? "TABLES";
    const where = d.schema ? ` IN SCHEMA ${quoteIdent(d.schema)}` : "";
    extras.push({
      privilege: `default ${d.privileges.join(", ")} on future ${objects.toLowerCase()} of ${d.owner}${d.schema ? ` in ${d.schema}` : ""}`,
      revoke: {
        shown: `ALTER DEFAULT PRIVILEGES FOR ROLE ${d.owner}${d.schema ? ` IN SCHEMA ${d.schema}` : ""} REVOKE ALL ON ${objects} FROM ${role}`,
        run: (tx) => tx.unsafe(`ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(d.owner)}${where} REVOKE ALL ON ${objects} FROM ${quoteIdent(role)}`),
      },
    });
  }
  for (const { schema, name } of p.owns) {
    // Ownership cannot be revoked, only handed over: reported, never counted as a change made.
    extras.push({ privilege: `owns ${schema}.${name} (no revoke can take it away: hand it to another owner with ALTER ... OWNER TO)` });
  }
  return extras;
}

const alterRole = (role: string, clause: string): Step => ({
  shown: `ALTER ROLE ${role} ${clause}`,
  run: (tx) => runFormatted(tx, `ALTER ROLE %I ${clause}`, [role]),
});

/** A relation's key; NUL cannot occur in a PostgreSQL name, so no two relations share one. */
const relationKey = (schema: string, name: string) => `${schema}\u0000${name}`;

export interface RoleResult {
  plan: RolePlan;
  /** Statements run (empty in a dry run). */
  applied: string[];
  revoked: string[];
  /** What a run with these options does: the statements run, or in a dry run those it would run. */
  planned: { applied: string[]; revoked: string[] };
}

/** Plans and, unless dryRun, applies in one transaction: all of it or nothing. Under strict, every
 *  extra that a statement can take away is revoked; ownership stays reported. */
export async function convergeRole(
  sql: postgres.Sql,
  spec: RoleSpec,
  options: { strict?: boolean; dryRun?: boolean; canLogin: (spec: RoleSpec) => Promise<boolean> },
): Promise<RoleResult> {
  const plan = await planRole(sql, spec, options.canLogin);
  const toRevoke = options.strict ? plan.extras.flatMap((e) => (e.revoke ? [e.revoke] : [])) : [];
  const shown = { applied: plan.changes.map((c) => c.shown), revoked: toRevoke.map((r) => r.shown) };
  if (options.dryRun) return { plan, applied: [], revoked: [], planned: shown };
  if (plan.changes.length || toRevoke.length) {
    await sql.begin(async (tx) => {
      for (const step of [...plan.changes, ...toRevoke]) await step.run(tx as unknown as postgres.Sql);
    });
  }
  return { plan, ...shown, planned: shown };
}

/** True when the role logs in with the spec's password (so the password needs no change). */
export function loginChecker(host: string, port: number) {
  return async (spec: RoleSpec) => {
    const probe = postgres({ host, port, database: spec.database, user: spec.role, password: spec.password, max: 1, connect_timeout: 5, onnotice: () => {} });
    try {
      await probe`SELECT 1`;
      return true;
    } catch (error) {
      // 28P01 wrong password, 28000 no login; anything else (too many connections) is not a password problem.
      const code = (error as { code?: string }).code;
      return !(code === "28P01" || code === "28000");
    } finally {
      await probe.end({ timeout: 1 });
    }
  };
}
