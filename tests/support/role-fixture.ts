// What the role tests share: the admin's connection settings and a statement tried as a role.
import type postgres from "postgres";
import { settings } from "./live.ts";

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
