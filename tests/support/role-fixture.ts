// What the role tests share: the admin's connection settings, a statement tried as a role, the
// environment `bun run role` gets, and the end of a test's roles.
import postgres from "postgres";
import { type freshDatabase, settings } from "./live.ts";

/** The stack's PostgreSQL as its admin (database left to the caller). */
export function adminConnection() {
  const pg = settings().postgres;
  return { host: pg.host, port: pg.port, user: pg.adminUser, password: pg.adminPassword, onnotice: () => {} };
}

/** Runs one statement as the role and returns the SQLSTATE it failed with (or "ok"). */
export async function attempt(sql: postgres.Sql, statement: string): Promise<string> {
  try {
    await sql.unsafe(statement);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** The environment a user would have for running `bun run role` as `role` against `database`. */
export const roleCliEnv = (database: string, role: string, password: string) => ({
  ...process.env,
  POSTGRES_DB: database,
  GRAFANA_POSTGRES_USER: role,
  GRAFANA_POSTGRES_PASSWORD: password,
});

/** Drops a test's database and its roles (what they own in it first). */
export async function dropTestRoles(db: Awaited<ReturnType<typeof freshDatabase>>, roles: readonly string[]): Promise<void> {
  for (const role of roles) await db.sql`DROP OWNED BY ${db.sql(role)}`.catch(() => {});
  await db.drop();
  const admin = postgres({ ...adminConnection(), database: "postgres" });
  for (const role of roles) await admin`DROP ROLE IF EXISTS ${admin(role)}`;
  await admin.end();
}
