// The live services for tests: the local stack, brought up once per test run by the first test that needs
// it (useLiveStack), and connections to it. A service that cannot be reached fails the test with what to
// start; nothing here is mocked. Tests that need no live service never start anything.
import { beforeAll, setDefaultTimeout } from "bun:test";
import postgres from "postgres";
import { loadConfig } from "../../scripts/lib/config.ts";
import { portFree } from "../../scripts/lib/stack/daemon.ts";
import { type ComponentStatus, stackEnv, stackUp } from "../../scripts/lib/stack/stack.ts";
import { installAllowed } from "../../scripts/lib/stack/prometheus-tools.ts";
import { PORT_SETTINGS, type PortName } from "../../scripts/lib/stack/stack-paths.ts";
import { beginTestRun } from "./test-run-stack.ts";

const START_HINT = "start the local stack with `bun run stack up`, or set the variables to a running one";

let stack: Promise<void> | undefined;
/** What the stack's Prometheus and Alertmanager are, once the stack came up: running, or why not. */
let prometheusStatuses: ComponentStatus[] = [];

/** The local stack up (PostgreSQL, RabbitMQ, the demo services), or the services the environment already
 *  names; its settings in process.env unless set there. Once per test run: a failure is kept and given to
 *  every live test, saying what to start. */
export function liveStack(): Promise<void> {
  stack ??= (async () => {
    try {
      // Tests never build the Prometheus tools: without them those two parts say the command that does.
      // The Debian packages the stack lacks it installs as root on Debian, as `stack up` does.
      const statuses = await stackUp((line) => console.error(`[stack] ${line}`), undefined, { install: false, packages: installAllowed(undefined) });
      prometheusStatuses = statuses.filter((s) => s.name === "prometheus" || s.name === "alertmanager");
      beginTestRun(statuses);
      for (const [name, value] of Object.entries(stackEnv(statuses))) process.env[name] ??= value;
    } catch (error) {
      throw new Error(
        `this test needs the live stack (PostgreSQL, RabbitMQ and the demo services), which did not come up: ${(error as Error).message}\n` +
          "Start it with `bun run stack up` (PostgreSQL 15 and RabbitMQ from Debian's packages, which it installs when run as root on Debian), " +
          "or point POSTGRES_*, RABBITMQ_* and the services' variables at running ones.",
      );
    }
  })();
  return stack;
}

/** For a test file or describe block whose tests reach live services: the stack comes up before them
 *  (starting RabbitMQ alone takes up to a minute on a busy machine). */
export function useLiveStack(): void {
  liveTestTimeout();
  beforeAll(liveStack, 180_000);
}

/** A test against live services gets a minute, not Bun's 5 s: on a busy 2-core machine a query over the
 *  million-row fixture or a service's answer can take longer than 5 s without anything being wrong. Bun
 *  takes the default per test file (bunfig.toml has no such setting), so each live file sets it here. */
function liveTestTimeout(): void {
  setDefaultTimeout(60_000);
}

/** For tests of the stack's Prometheus and Alertmanager: both up, or the reason (the tools not built,
 *  and the command that builds them; PROMETHEUS_URL naming another Prometheus). */
export function useLivePrometheus(): void {
  liveTestTimeout();
  beforeAll(async () => {
    await liveStack();
    const down = prometheusStatuses.filter((s) => !["running", "started", "external"].includes(s.state));
    if (down.length) throw new Error(`this test needs the stack's Prometheus and Alertmanager: ${down.map((s) => `${s.name} ${s.state}: ${s.detail}`).join("; ")}`);
  }, 180_000);
}

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

/** A database of its own for one test file, dropped by the returned cleanup. */
export async function freshDatabase(prefix: string) {
  const name = `t_${prefix.replace(/\W/g, "_")}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await adminSql("postgres");
  await admin`CREATE DATABASE ${admin(name)}`;
  const sql = await adminSql(name);
  return {
    name,
    sql,
    async drop() {
      await sql.end();
      await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
      await admin.end();
    },
  };
}

/** A RabbitMQ vhost of its own for one test file (the stack's admin may use it), deleted by cleanup. */
export async function freshVhost(prefix: string) {
  const name = `t_${prefix.replace(/\W/g, "_")}_${Math.random().toString(36).slice(2, 8)}`;
  const vhost = encodeURIComponent(name);
  const created = await rabbitApi(`/api/vhosts/${vhost}`, { method: "PUT" });
  if (!created.ok) throw new Error(`could not create vhost ${name}: ${created.status}`);
  const user = settings().rabbitmq.user;
  await rabbitApi(`/api/permissions/${vhost}/${encodeURIComponent(user)}`, {
    method: "PUT",
    body: JSON.stringify({ configure: ".*", write: ".*", read: ".*" }),
  });
  return { name, delete: () => rabbitApi(`/api/vhosts/${vhost}`, { method: "DELETE" }) };
}

/** Polls until check() returns a value that is not undefined, for numbers the management API only
 *  refreshes every few seconds. Fails with the last value seen. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await Bun.sleep(500);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000}s${last ? ` (last: ${last})` : ""}`);
}

/** STACK_*_PORT settings for a second stack: consecutive ports (one per port setting) that are free now,
 *  probed from a random start in 23000-23999: a band no stack uses by default, below the kernel's ephemeral
 *  range (32768-60999), so that no outgoing connection takes one of them before the second stack binds it. */
export function freeStackPorts(): Record<string, string> {
  const names = Object.keys(PORT_SETTINGS) as PortName[];
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 23000 + 10 * Math.floor(Math.random() * 99);
    if (names.every((_, i) => portFree(base + i))) return Object.fromEntries(names.map((name, i) => [PORT_SETTINGS[name].variable, String(base + i)]));
  }
  throw new Error(`no ${names.length} consecutive free ports found in 23000-24000`);
}
