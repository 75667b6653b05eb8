// What every PostgreSQL client of the toolkit shares: the admin connection (the demo, the bench and their
// databases), quoting for the statements that take no parameters, and creating a database only when it
// is missing.
import postgres from "postgres";
import type { Config } from "./config.ts";

/** PostgreSQL's identifier quoting (quote_ident, always quoted), for statements that cannot take
 *  parameters. Values never go through here: they are parameters, or quoted by the server itself. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Runs a statement that takes no parameters (CREATE/ALTER ROLE ... PASSWORD): PostgreSQL's own
 *  format() quotes the values (%I an identifier, %L a literal) into it. */
export async function runFormatted(sql: postgres.Sql, template: string, values: string[]) {
  const [built] = await sql`SELECT format(${template}, VARIADIC ${sql.array(values)}::text[]) AS statement`;
  return sql.unsafe(built!.statement as string);
}

/** SELECT on `schema`.`relation` for `reader` unless it holds it; returns the statement run. When the role
 *  does not exist yet (a dry run of a first install plans it), the grant is only planned and returned. */
export async function grantSelectIfMissing(sql: postgres.Sql, schema: string, relation: string, reader: string, readerExists: boolean): Promise<string[]> {
  const statement = `GRANT SELECT ON ${schema}.${relation} TO ${reader}`;
  if (!readerExists) return [statement];
  const qualified = `${quoteIdent(schema)}.${quoteIdent(relation)}`;
  const [has] = await sql`SELECT has_table_privilege(${reader}, ${qualified}, 'SELECT') AS select`;
  if (has!.select) return [];
  await sql.unsafe(`GRANT SELECT ON ${qualified} TO ${quoteIdent(reader)}`);
  return [statement];
}

/** Creates `database` unless it exists; `admin` is connected to another database of the server. True
 *  when it was created. */
export async function createDatabaseIfMissing(admin: postgres.Sql, database: string): Promise<boolean> {
  const [found] = await admin`SELECT 1 FROM pg_database WHERE datname = ${database}`;
  if (found) return false;
  try {
    await admin`CREATE DATABASE ${admin(database)}`;
  } catch (error) {
    // Another client created it between the look and the CREATE: it is there, which is all we wanted.
    if ((error as { code?: string }).code !== "42P04") throw error;
    return false;
  }
  return true;
}

/** The admin user's connection to `database` (default the configured one). Every time column of the
 *  trading system is TIMESTAMP without time zone holding UTC: the session speaks UTC. */
export function openAdmin(config: Config, database = config.postgres.database): postgres.Sql {
  const pg = config.postgres;
  return postgres({
    host: pg.host,
    port: pg.port,
    database,
    user: pg.adminUser,
    password: pg.adminPassword,
    connection: { TimeZone: "UTC" },
    onnotice: () => {},
    max: 5,
  });
}

/** The admin connection to `database`, which is created first when the server has none of that name. */
export async function openDatabase(config: Config, database: string): Promise<postgres.Sql> {
  const server = openAdmin(config, "postgres");
  try {
    await createDatabaseIfMissing(server, database);
  } finally {
    await server.end({ timeout: 5 });
  }
  return openAdmin(config, database);
}

/** `work` on a connection, bounded by the connect timeout: the driver's own covers a silent server, this
 *  covers one that accepts and then neither answers nor closes in a way the driver notices (a proxy in
 *  between, say). Rejects with code CONNECT_TIMEOUT, as the driver does. */
export async function withinConnectTimeout<T>(work: Promise<T>, seconds: number): Promise<T> {
  let timer: Timer | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("the connection was accepted, then nothing came back"), { code: "CONNECT_TIMEOUT" })), seconds * 1000 + 500);
  });
  try {
    return await Promise.race([work, silent]);
  } finally {
    clearTimeout(timer);
  }
}
