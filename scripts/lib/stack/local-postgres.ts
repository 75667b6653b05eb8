// PostgreSQL 15 from Debian's packages, run on loopback with a data directory of the stack's own.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { type StackPorts, stackSecrets } from "./stack-paths.ts";
import { isAlive, logTail } from "./daemon.ts";
import { createDatabaseIfMissing } from "../postgres.ts";

export const STACK_PG_ADMIN = "ytrader";
export const STACK_PG_DATABASE = "ytrader";

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const version = versions.includes("15") ? "15" : versions[0];
  if (!version) throw new Error("PostgreSQL server binaries not found: apt-get install postgresql-15");
  return join(root, version, "bin");
}

const isRoot = () => process.getuid?.() === 0;

/** runuser is in sbin, which a root shell's PATH does not always include. */
const runuser = () => Bun.which("runuser", { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` }) ?? "runuser";

/** initdb and the server refuse to run as root: run them as the `postgres` user then. */
function run(tool: string, args: string[]): { ok: boolean; output: string } {
  const command = join(binDir(), tool);
  const [cmd, argv] = isRoot() ? [runuser(), ["-u", "postgres", "--", command, ...args]] : [command, args];
  const result = spawnSync(cmd, argv, { encoding: "utf8" });
  const output = `${result.error ? `${cmd}: ${result.error.message}\n` : ""}${result.stdout ?? ""}${result.stderr ?? ""}`;
  return { ok: result.status === 0, output: output.trim() };
}

function ownByPostgres(path: string) {
  if (!isRoot()) return;
  const id = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  chownSync(path, Number(id.stdout.trim()), Number(gid.stdout.trim()));
}

export function postgresPaths(stack: string) {
  const home = join(stack, "postgres");
  return { home, data: join(home, "data"), socket: join(home, "socket"), log: join(home, "postgres.log") };
}

/** The pid of the stack's own server: postmaster.pid in the stack's data directory names a live process
 *  that runs on that very directory. */
export function postgresPid(stack: string): number | null {
  const { data } = postgresPaths(stack);
  const pidFile = join(data, "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!(pid > 0) || !isAlive(pid)) return null;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return args.includes(data) ? pid : null;
  } catch {
    return null;
  }
}

/** The server on the stack's port accepts the stack's own admin password, which nothing else knows. */
export async function postgresAnswers(stack: string, ports: StackPorts): Promise<boolean> {
  const sql = adminConnection(stack, ports, "postgres");
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const adminConnection = (stack: string, ports: StackPorts, database: string) =>
  postgres({
    host: "127.0.0.1",
    port: ports.postgres,
    user: STACK_PG_ADMIN,
    password: stackSecrets(stack).postgresPassword,
    database,
    onnotice: () => {},
    max: 1,
    connect_timeout: 5,
  });

export async function startPostgres(stack: string, ports: StackPorts): Promise<void> {
  const paths = postgresPaths(stack);
  const { postgresPassword } = stackSecrets(stack);
  for (const dir of [paths.home, paths.socket]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    ownByPostgres(dir);
  }
  if (!existsSync(join(paths.data, "PG_VERSION"))) {
    rmSync(paths.data, { recursive: true, force: true });
    const pwfile = join(paths.home, "pwfile");
    writeFileSync(pwfile, `${postgresPassword}\n`, { mode: 0o600 });
    ownByPostgres(pwfile);
    const init = run("initdb", [
      "-D", paths.data, "-U", STACK_PG_ADMIN, `--pwfile=${pwfile}`, "--auth=scram-sha-256",
      "--encoding=UTF8", "--locale=C.UTF-8",
    ]);
    rmSync(pwfile, { force: true });
    if (!init.ok) throw new Error(`initdb failed:\n${init.output}`);
  }
  // A test stack: durability traded for speed (bulk seeds of millions of rows).
  const options = [
    `-c listen_addresses=127.0.0.1`, `-c port=${ports.postgres}`, `-c unix_socket_directories=${paths.socket}`,
    "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=200",
    "-c shared_buffers=256MB", "-c timezone=UTC", "-c log_timezone=UTC",
  ].join(" ");
  const started = run("pg_ctl", ["start", "-D", paths.data, "-l", paths.log, "-w", "-t", "60", "-o", options]);
  if (!started.ok) throw new Error(`PostgreSQL did not start:\n${started.output}\nlog ${paths.log}:\n${logTail(paths.log)}`);
  const admin = adminConnection(stack, ports, "postgres");
  try {
    await createDatabaseIfMissing(admin, STACK_PG_DATABASE);
  } finally {
    await admin.end();
  }
}

/** Stops the stack's own server only (postgresPid); false when it was not running. */
export async function stopPostgres(stack: string): Promise<boolean> {
  const paths = postgresPaths(stack);
  if (postgresPid(stack) === null) return false;
  const stopped = run("pg_ctl", ["stop", "-D", paths.data, "-m", "fast", "-w", "-t", "60"]);
  if (!stopped.ok) throw new Error(`PostgreSQL did not stop:\n${stopped.output}`);
  return true;
}
