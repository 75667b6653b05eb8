// The toolkit's own schema in the trading system's database (MONITORING_SCHEMA, default `monitoring`),
// owned by the admin who runs the role step, and what lives in it for the monitor: its events table, the
// writer role `bun run monitor` logs in as (it can write that table and nothing else), and the read-only
// role's SELECT on it (the event history panel reads it).
import type postgres from "postgres";
import type { Config } from "../config.ts";
import { quoteIdent, runFormatted } from "../postgres.ts";
import { scramVerifier } from "./scram.ts";

/** The monitor's events: one row per state change (monitor/events.ts writes them). */
export const EVENTS_TABLE = "monitor_events";

/** What the writer may do on the events table: append, read the last state, delete past retention. */
export const WRITER_TABLE_PRIVILEGES = ["SELECT", "INSERT", "DELETE"] as const;

/** Two monitors at once (one about to stop, one starting) and a psql session. */
const WRITER_CONNECTION_LIMIT = 3;
const WRITER_SETTINGS = { statement_timeout: "5s", idle_in_transaction_session_timeout: "30s", lock_timeout: "5s" } as const;

/** Creates the schema and the events table unless they exist; the admin owns both, no role logs in as
 *  their owner. Returns what it created, for the report. */
export async function ensureMonitoringSchema(sql: postgres.Sql, schema: string): Promise<string[]> {
  const created: string[] = [];
  const [existing] = await sql`SELECT to_regnamespace(${quoteIdent(schema)}) IS NOT NULL AS schema, to_regclass(${`${quoteIdent(schema)}.${EVENTS_TABLE}`}) IS NOT NULL AS events`;
  if (!existing!.schema) {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql(schema)}`;
    created.push(`CREATE SCHEMA ${schema}`);
  }
  if (!existing!.events) {
    // Times are UTC in TIMESTAMP without time zone, as every time column of the trading system, so that
    // the event history's union mixes them without conversion.
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
    await runFormatted(sql, "COMMENT ON TABLE %I.%I IS %L", [
      schema,
      EVENTS_TABLE,
      "State changes seen by bun run monitor (services, the exchange link, training): one row per change",
    ]);
    created.push(`CREATE TABLE ${schema}.${EVENTS_TABLE}`);
  }
  return created;
}

/** The read-only role reads the events (the event history panel); nothing else of the schema. */
export async function grantEventsToReader(sql: postgres.Sql, schema: string, reader: string): Promise<string[]> {
  const done: string[] = [];
  const [role] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${reader}`;
  // A dry run of a first install: the read-only role is only planned, so are its grants.
  if (!role) return [`GRANT USAGE ON SCHEMA ${schema} TO ${reader}`, `GRANT SELECT ON ${schema}.${EVENTS_TABLE} TO ${reader}`];
  const [has] = await sql`
    SELECT has_schema_privilege(${reader}, ${schema}, 'USAGE') AS usage,
           has_table_privilege(${reader}, ${`${quoteIdent(schema)}.${EVENTS_TABLE}`}, 'SELECT') AS select`;
  if (!has!.usage) {
    await sql`GRANT USAGE ON SCHEMA ${sql(schema)} TO ${sql(reader)}`;
    done.push(`GRANT USAGE ON SCHEMA ${schema} TO ${reader}`);
  }
  if (!has!.select) {
    await sql`GRANT SELECT ON TABLE ${sql(schema)}.${sql(EVENTS_TABLE)} TO ${sql(reader)}`;
    done.push(`GRANT SELECT ON ${schema}.${EVENTS_TABLE} TO ${reader}`);
  }
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
 *  USAGE on the schema (not CREATE) and SELECT/INSERT/DELETE on the events table; no other grant. Every
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
  const events = `${quoteIdent(schema)}.${EVENTS_TABLE}`;
  const granted = await sql<{ schema: string; name: string; privilege: string }[]>`
    SELECT n.nspname AS schema, c.relname AS name, a.privilege_type AS privilege
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, LATERAL aclexplode(c.relacl) a
    WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = ${role})`;
  const onEvents = new Set(granted.filter((g) => g.schema === schema && g.name === EVENTS_TABLE).map((g) => g.privilege));
  const missing = WRITER_TABLE_PRIVILEGES.filter((privilege) => !onEvents.has(privilege));
  if (missing.length) {
    await sql.unsafe(`GRANT ${missing.join(", ")} ON TABLE ${events} TO ${quoteIdent(role)}`);
    done.push(`GRANT ${missing.join(", ")} ON ${schema}.${EVENTS_TABLE} TO ${role}`);
  }
  for (const extra of granted.filter((g) => !(g.schema === schema && g.name === EVENTS_TABLE && (WRITER_TABLE_PRIVILEGES as readonly string[]).includes(g.privilege)))) {
    await sql.unsafe(`REVOKE ${extra.privilege} ON TABLE ${quoteIdent(extra.schema)}.${quoteIdent(extra.name)} FROM ${quoteIdent(role)}`);
    done.push(`REVOKE ${extra.privilege} ON ${extra.schema}.${extra.name} FROM ${role}`);
  }
  return done;
}
