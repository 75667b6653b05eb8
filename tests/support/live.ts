// Connections to the live services for tests. A service that cannot be reached fails the test with
// what to start; nothing here is mocked.
import postgres from "postgres";
import { loadConfig } from "../../scripts/lib/config.ts";

const START_HINT = "start the local stack with `bun run stack up`, or set the variables to a running one";

export function settings() {
  return loadConfig({ env: process.env, envFile: "/dev/null" });
}

/** An admin connection to a database of the stack (default the trading system's). */
export async function adminSql(database?: string) {
  const { postgres: pg } = settings();
  const sql = postgres({
    host: pg.host,
    port: pg.port,
    user: pg.adminUser,
    password: pg.adminPassword,
    database: database ?? pg.database,
    onnotice: () => {},
    max: 4,
  });
  try {
    await sql`SELECT 1`;
  } catch (error) {
    await sql.end();
    throw new Error(`PostgreSQL at ${pg.host}:${pg.port} is not reachable (${(error as Error).message}): ${START_HINT}`);
  }
  return sql;
}

/** A request to RabbitMQ's management API as the stack's admin user. */
export async function rabbitApi(path: string, init: RequestInit = {}, auth?: { user: string; password: string }) {
  const { rabbitmq } = settings();
  const credentials = auth ?? { user: rabbitmq.user, password: rabbitmq.password ?? "" };
  try {
    return await fetch(`${rabbitmq.managementUrl}${path}`, {
      ...init,
      headers: { Authorization: `Basic ${btoa(`${credentials.user}:${credentials.password}`)}`, "content-type": "application/json", ...init.headers },
    });
  } catch (error) {
    throw new Error(`RabbitMQ management API at ${rabbitmq.managementUrl} is not reachable (${(error as Error).message}): ${START_HINT}`);
  }
}

/** Runs a toolkit command as a user would, capturing its output and exit code. */
export async function runCli(args: string[], env: Record<string, string | undefined> = process.env) {
  const child = Bun.spawn(["bun", ...args], { env: env as Record<string, string>, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}
