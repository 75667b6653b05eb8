// The demo trading system's database: its tables (sql/demo/schema.sql) and the over-privileged
// monitoring role that the real system's own migration creates, so the toolkit's role step has
// something real to converge.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type postgres from "postgres";
import { scramVerifier } from "../scram.ts";

export const DEMO_SCHEMA_FILE = join(import.meta.dir, "../../../sql/demo/schema.sql");

/** Creates every table and index of the demo system; harmless on a database that has them already. */
export async function applyDemoSchema(sql: postgres.Sql): Promise<void> {
  const text = readFileSync(DEMO_SCHEMA_FILE, "utf8");
  await sql.begin(async (tx) => {
    // A second run answers "already exists, skipping" for every object: keep those notices quiet.
    await tx`SET LOCAL client_min_messages = warning`;
    await tx.unsafe(text);
  });
}

export interface LegacyMonitorRoleOptions {
  /** Cluster-wide name; the real system's migration uses grafana_monitor. */
  role?: string;
  password: string;
}

/**
 * The role as the trading system's migration leaves it: LOGIN, SELECT on every table of `public`
 * (account balances included), no statement timeout, no connection limit. An existing role keeps its
 * password and attributes; it only gets the grants again.
 */
export async function createLegacyMonitorRole(sql: postgres.Sql, options: LegacyMonitorRoleOptions): Promise<void> {
  const role = options.role ?? "grafana_monitor";
  const [existing] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${role}`;
  if (!existing) {
    // CREATE ROLE takes no parameters: PostgreSQL itself quotes the name and the verifier, computed
    // here so that the password never appears in a statement.
    const [create] = await sql<{ statement: string }[]>`
      SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', ${role}::text, ${scramVerifier(options.password)}::text) AS statement`;
    if (create) await sql.unsafe(create.statement);
  }
  await sql`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${sql(role)}`;
}
