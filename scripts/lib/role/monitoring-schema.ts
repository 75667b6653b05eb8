// The toolkit's own schema in the trading system's database (MONITORING_SCHEMA, default `monitoring`),
// owned by the admin who runs the role step, and what lives in it for the monitor: its events table and its
// summary of orders per 10-minute bucket, the writer role `bun run monitor` logs in as (it can write those
// tables and nothing else), and the read-only role's SELECT on them (the event history and model quality
// panels read them).
import type postgres from "postgres";
import type { Config } from "../config.ts";
import { grantSelectIfMissing, quoteIdent, runFormatted } from "../postgres.ts";
import { scramVerifier } from "./scram.ts";

/** The monitor's events: one row per state change (monitor/events.ts writes them). */
export const EVENTS_TABLE = "monitor_events";

/** The monitor's summary of the orders of each settled 10-minute bucket (monitor/order-buckets.ts): one row
 *  per bucket it summarized, and that bucket's counts by strategy and asset. */
export const ORDER_BUCKETS_TABLE = "order_buckets";
export const ORDER_COUNTS_TABLE = "order_bucket_counts";

/** Every table of the schema: the writer writes them, the read-only role reads them. */
export const MONITOR_TABLES = [EVENTS_TABLE, ORDER_BUCKETS_TABLE, ORDER_COUNTS_TABLE] as const;

/** What the writer may do on its tables: append, read the last state, delete past retention (a bucket is
 *  rewritten by a delete and an insert). */
export const WRITER_TABLE_PRIVILEGES = ["SELECT", "INSERT", "DELETE"] as const;

/** Two monitors at once (one about to stop, one starting) and a psql session. */
const WRITER_CONNECTION_LIMIT = 3;
const WRITER_SETTINGS = { statement_timeout: "5s", idle_in_transaction_session_timeout: "30s", lock_timeout: "5s" } as const;

/** Creates the schema and its tables unless they exist; the admin owns them all, no role logs in as their
 *  owner. Returns what it created, for the report. */
export async function ensureMonitoringSchema(sql: postgres.Sql, schema: string): Promise<string[]> {
  const created: string[] = [];
  const [existing] = await sql`SELECT to_regnamespace(${quoteIdent(schema)}) IS NOT NULL AS schema`;
  if (!existing!.schema) {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql(schema)}`;
    created.push(`CREATE SCHEMA ${schema}`);
  }
  for (const table of MONITOR_TABLES) {
    const [found] = await sql`SELECT to_regclass(${`${quoteIdent(schema)}.${quoteIdent(table)}`}) IS NOT NULL AS exists`;
    if (found!.exists) continue;
    await TABLES[table](sql, schema);
    created.push(`CREATE TABLE ${schema}.${table}`);
  }
  created.push(...(await convergeOrderSummarySpan(sql, schema)));
  return created;
}

// Times are UTC in TIMESTAMP without time zone, as every time column of the trading system, so that the
// panels mix them without conversion.
const TABLES: Record<(typeof MONITOR_TABLES)[number], (sql: postgres.Sql, schema: string) => Promise<void>> = {
  async [EVENTS_TABLE](sql, schema) {
    await sql`
      CREATE TABLE IF NOT EXISTS ${sql(schema)}.${sql(EVENTS_TABLE)} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamp NOT NULL,
        subject text NOT NULL,
        state text NOT NULL,
        event_type text NOT NULL,
        service text NOT NULL,
        detail text NOT NULL DEFAULT '',
        reconnect_count integer,
        last_error text,
        model_version text,
        monitor text NOT NULL
      )`;
    await sql`CREATE INDEX IF NOT EXISTS monitor_events_subject_id ON ${sql(schema)}.${sql(EVENTS_TABLE)} (subject, id DESC)`;
    await sql`CREATE INDEX IF NOT EXISTS monitor_events_occurred_at ON ${sql(schema)}.${sql(EVENTS_TABLE)} (occurred_at DESC)`;
    await comment(sql, schema, EVENTS_TABLE, "State changes seen by bun run monitor (services, the exchange link, training): one row per change");
  },
  async [ORDER_BUCKETS_TABLE](sql, schema) {
    await sql`
      CREATE TABLE IF NOT EXISTS ${sql(schema)}.${sql(ORDER_BUCKETS_TABLE)} (
        bucket timestamp PRIMARY KEY,
        orders integer NOT NULL,
        summarized_at timestamp NOT NULL
      )`;
    await comment(sql, schema, ORDER_BUCKETS_TABLE, "Settled 10-minute buckets of orders.created_at summarized by bun run monitor (their counts: order_bucket_counts)");
  },
  async [ORDER_COUNTS_TABLE](sql, schema) {
    await sql`
      CREATE TABLE IF NOT EXISTS ${sql(schema)}.${sql(ORDER_COUNTS_TABLE)} (
        bucket timestamp NOT NULL,
        strategy_id text,
        asset text,
        orders integer NOT NULL,
        filled integer NOT NULL,
        rejected integer NOT NULL
      )`;
    await sql`CREATE INDEX IF NOT EXISTS order_bucket_counts_bucket ON ${sql(schema)}.${sql(ORDER_COUNTS_TABLE)} (bucket)`;
    await comment(sql, schema, ORDER_COUNTS_TABLE, "Orders of each summarized bucket by their signal's strategy (NULL: no trading_signals row) and asset");
  },
};

/** What of a range the monitor's order summary covers: the whole 10-minute buckets of [range_from,
 *  range_to] it summarized, as [lo, hi), when they are one unbroken stretch; else none (lo = hi =
 *  range_to). The panels that read the summary (model quality, orders per hour) count those buckets from it
 *  and the orders of [range_from, lo) and [hi, range_to] live. */
export const ORDER_SUMMARY_SPAN = "order_summary_span";

const spanBody = (schema: string) => `
  SELECT CASE WHEN c.lo + c.n * interval '10 minutes' = c.hi THEN c.lo ELSE range_to END,
         CASE WHEN c.lo + c.n * interval '10 minutes' = c.hi THEN c.hi ELSE range_to END
  FROM (SELECT min(b.bucket) AS lo, max(b.bucket) + interval '10 minutes' AS hi, count(*) AS n
        FROM ${quoteIdent(schema)}.${quoteIdent(ORDER_BUCKETS_TABLE)} b
        WHERE b.bucket >= range_from AND b.bucket <= range_to - interval '10 minutes') c
`;

/** Creates the span function, or replaces it when its body is not this version's; returns what it ran. */
export async function convergeOrderSummarySpan(sql: postgres.Sql, schema: string): Promise<string[]> {
  const signature = `${quoteIdent(schema)}.${quoteIdent(ORDER_SUMMARY_SPAN)}(timestamp, timestamp)`;
  const [found] = await sql<{ body: string | null }[]>`SELECT (SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure(${signature})) AS body`;
  const body = spanBody(schema);
  if (found?.body === body) return [];
  await sql.unsafe(
    `CREATE OR REPLACE FUNCTION ${quoteIdent(schema)}.${quoteIdent(ORDER_SUMMARY_SPAN)}(range_from timestamp, range_to timestamp, OUT lo timestamp, OUT hi timestamp)
     LANGUAGE sql STABLE AS $span$${body}$span$`,
  );
  return [`${found?.body ? "REPLACE" : "CREATE"} FUNCTION ${schema}.${ORDER_SUMMARY_SPAN}(timestamp, timestamp)`];
}

const comment = (sql: postgres.Sql, schema: string, table: string, text: string) => runFormatted(sql, "COMMENT ON TABLE %I.%I IS %L", [schema, table, text]);

/** The read-only role reads the schema's tables (the event history and model quality panels); nothing else
 *  of the schema but its views (role.ts). */
export async function grantMonitorTablesToReader(sql: postgres.Sql, schema: string, reader: string): Promise<string[]> {
  const done: string[] = [];
  const [role] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${reader}`;
  // A dry run of a first install: the read-only role is only planned, so are its grants.
  if (!role) done.push(`GRANT USAGE ON SCHEMA ${schema} TO ${reader}`);
  else {
    const [has] = await sql`SELECT has_schema_privilege(${reader}, ${schema}, 'USAGE') AS usage`;
    if (!has!.usage) {
      await sql`GRANT USAGE ON SCHEMA ${sql(schema)} TO ${sql(reader)}`;
      done.push(`GRANT USAGE ON SCHEMA ${schema} TO ${reader}`);
    }
  }
  for (const table of MONITOR_TABLES) done.push(...(await grantSelectIfMissing(sql, schema, table, reader, Boolean(role))));
  return done;
}

export interface WriterSpec {
  role: string;
  password: string;
  database: string;
  schema: string;
}

export function writerSpec(config: Config): WriterSpec | null {
  const { writerUser, writerPassword, schema } = config.monitor;
  return writerPassword ? { role: writerUser, password: writerPassword, database: config.postgres.database, schema } : null;
}

/** Creates or converges the writer: LOGIN with its password, a small connection limit, timeouts, CONNECT,
 *  USAGE on the schema (not CREATE) and SELECT/INSERT/DELETE on the schema's tables; no other grant. Every
 *  privilege it holds beyond those on a relation is revoked: the role is the toolkit's own. */
export async function convergeWriter(sql: postgres.Sql, spec: WriterSpec, canLogin: () => Promise<boolean>): Promise<string[]> {
  const { role, schema } = spec;
  const done: string[] = [];
  const [current] = await sql`SELECT rolcanlogin, rolconnlimit, rolconfig, rolsuper FROM pg_roles WHERE rolname = ${role}`;
  const verifier = scramVerifier(spec.password);
  if (!current) {
    await runFormatted(sql, `CREATE ROLE %I LOGIN PASSWORD %L CONNECTION LIMIT ${WRITER_CONNECTION_LIMIT}`, [role, verifier]);
    done.push(`CREATE ROLE ${role} LOGIN PASSWORD '********' CONNECTION LIMIT ${WRITER_CONNECTION_LIMIT}`);
  } else {
    if (current.rolsuper) throw new Error(`${role} is a superuser: the monitor's writer must not be one (choose another MONITOR_POSTGRES_USER)`);
    if (!current.rolcanlogin || current.rolconnlimit !== WRITER_CONNECTION_LIMIT) {
      await runFormatted(sql, `ALTER ROLE %I LOGIN CONNECTION LIMIT ${WRITER_CONNECTION_LIMIT}`, [role]);
      done.push(`ALTER ROLE ${role} LOGIN CONNECTION LIMIT ${WRITER_CONNECTION_LIMIT}`);
    }
    if (!(await canLogin())) {
      await runFormatted(sql, "ALTER ROLE %I PASSWORD %L", [role, verifier]);
      done.push(`ALTER ROLE ${role} PASSWORD '********'`);
    }
  }
  const config = new Set<string>((current?.rolconfig as string[] | null) ?? []);
  for (const [name, value] of Object.entries(WRITER_SETTINGS)) {
    if (!config.has(`${name}=${value}`)) {
      await runFormatted(sql, `ALTER ROLE %I SET ${name} = %L`, [role, value]);
      done.push(`ALTER ROLE ${role} SET ${name} = '${value}'`);
    }
  }
  const [has] = await sql`
    SELECT has_database_privilege(${role}, current_database(), 'CONNECT') AS connect,
           has_schema_privilege(${role}, ${schema}, 'USAGE') AS usage`;
  if (!has!.connect) {
    await sql`GRANT CONNECT ON DATABASE ${sql(spec.database)} TO ${sql(role)}`;
    done.push(`GRANT CONNECT ON DATABASE ${spec.database} TO ${role}`);
  }
  if (!has!.usage) {
    await sql`GRANT USAGE ON SCHEMA ${sql(schema)} TO ${sql(role)}`;
    done.push(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
  }
  const granted = await sql<{ schema: string; name: string; privilege: string }[]>`
    SELECT n.nspname AS schema, c.relname AS name, a.privilege_type AS privilege
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, LATERAL aclexplode(c.relacl) a
    WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ${role})`;
  const ours = (g: { schema: string; name: string }) => g.schema === schema && (MONITOR_TABLES as readonly string[]).includes(g.name);
  for (const table of MONITOR_TABLES) {
    const has = new Set(granted.filter((g) => g.schema === schema && g.name === table).map((g) => g.privilege));
    const missing = WRITER_TABLE_PRIVILEGES.filter((privilege) => !has.has(privilege));
    if (!missing.length) continue;
    await sql.unsafe(`GRANT ${missing.join(", ")} ON TABLE ${quoteIdent(schema)}.${quoteIdent(table)} TO ${quoteIdent(role)}`);
    done.push(`GRANT ${missing.join(", ")} ON ${schema}.${table} TO ${role}`);
  }
  for (const extra of granted.filter((g) => !(ours(g) && (WRITER_TABLE_PRIVILEGES as readonly string[]).includes(g.privilege)))) {
    await sql.unsafe(`REVOKE ${extra.privilege} ON TABLE ${quoteIdent(extra.schema)}.${quoteIdent(extra.name)} FROM ${quoteIdent(role)}`);
    done.push(`REVOKE ${extra.privilege} ON ${extra.schema}.${extra.name} FROM ${role}`);
  }
  return done;
}
