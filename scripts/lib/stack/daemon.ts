// Background processes of the local stack: started detached in a process group of their own, with a pid
// file and a log file in the stack directory, so that a later `stack down` (another process) stops them.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Directory that holds <name>.pid and <name>.log. */
  dir: string;
}

export const logPath = (dir: string, name: string) => join(dir, `${name}.log`);
const pidPath = (dir: string, name: string) => join(dir, `${name}.pid`);

export function startDaemon(spec: DaemonSpec): number {
  const log = openSync(logPath(spec.dir, spec.name), "a");
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ["ignore", log, log],
  });
  if (!child.pid) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  // The start time beside the pid: a pid the system has since given to another process is not ours.
  writeFileSync(pidPath(spec.dir, spec.name), `${child.pid} ${startTime(child.pid) ?? ""}`.trim());
  return child.pid;
}

/** The pid of the stack's own process `name`, from its pid file: null unless that very process still
 *  runs (same pid and start time). */
export function daemonPid(dir: string, name: string): number | null {
  const path = pidPath(dir, name);
  if (!existsSync(path)) return null;
  const [pidText, started] = readFileSync(path, "utf8").trim().split(/\s+/);
  const pid = Number(pidText);
  if (!(pid > 0) || !isAlive(pid)) return null;
  return started === undefined || startTime(pid) === started ? pid : null;
}

/** When the process started, in clock ticks since boot (/proc/<pid>/stat field 22). */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; its /proc status says Z.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Stops the daemon's whole process group: TERM, then KILL after the grace period. Only a process the
 *  pid file proves to be the stack's own is signalled. */
export async function stopDaemon(dir: string, name: string, graceMs = 15_000): Promise<boolean> {
  const pid = daemonPid(dir, name);
  rmSync(pidPath(dir, name), { force: true });
  if (pid === null) return false;
  signalGroup(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && groupAlive(pid)) await Bun.sleep(100);
  if (groupAlive(pid)) signalGroup(pid, "SIGKILL");
  return true;
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function groupAlive(pgid: number): boolean {
  const out = spawnSync("ps", ["-o", "pid=,stat=", "-g", String(pgid)], { encoding: "utf8" }).stdout ?? "";
  return out.split("\n").some((line) => line.trim() && !/\sZ/.test(line));
}

/** The last lines of a log, for error messages that say why a service did not come up. */
export function logTail(path: string, lines = 15): string {
  if (!existsSync(path)) return "(no log)";
  return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** Polls until check() is true; on timeout throws naming what failed and where its log is. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; log?: string; alive?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (options.alive && !options.alive()) break;
    await Bun.sleep(250);
  }
  const stopped = options.alive && !options.alive() ? "exited" : `was not ready after ${options.timeoutMs / 1000}s`;
  const log = options.log ? `\nlog ${options.log}:\n${logTail(options.log)}` : "";
  throw new Error(`${what} ${stopped}${log}`);
}

/** True when the port is ours to listen on. Only a socket listening on it, or a connection that still
 *  holds it as its own end (an outgoing one given this port by the kernel), takes a port: the
 *  connections a stopped service leaves in TIME-WAIT for a minute after `stack down` do not, since every
 *  service of the stack binds with SO_REUSEADDR. Listening on host:port for a moment answers at once
 *  where that works; where it does not, the kernel's socket tables (Linux) say why. */
export function portFree(port: number, host = "127.0.0.1"): boolean {
  try {
    const listener = Bun.listen({ hostname: host, port, socket: { data() {} } });
    listener.stop(true);
    return true;
  } catch {
    const sockets = socketTables();
    // Without the tables there is no telling why: taken.
    return sockets !== null && onlyTimeWait(sockets, port);
  }
}

/** A port free now for a process started next (a scratch Prometheus, a test's Alertmanager): drawn from
 *  24000-27999, below the kernel's ephemeral range (32768-60999), so that no outgoing connection of the
 *  machine can take it between this look and the program's bind (a test failed so on 56024). */
export function pickFreePort(): number {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 24000 + Math.floor(Math.random() * 4000);
    if (portFree(port)) return port;
  }
  throw new Error("no free port in 24000-27999");
}

/** True when every socket on the port is a connection in TIME-WAIT (none listens, none is live). */
export function onlyTimeWait(sockets: { port: number; state: string }[], port: number): boolean {
  return sockets.filter((socket) => socket.port === port).every((socket) => socket.state === TIME_WAIT);
}

const SOCKET_TABLES = ["/proc/net/tcp", "/proc/net/tcp6"];
/** The kernel's `st` column: 0A is LISTEN, 06 TIME-WAIT. */
const LISTEN = "0A";
const TIME_WAIT = "06";

/** Every TCP socket's local port and state, from the kernel's tables; null where they cannot be read. */
export function socketTables(tables: string[] = SOCKET_TABLES): { port: number; state: string }[] | null {
  const texts = tables.flatMap((table) => {
    try {
      return [readFileSync(table, "utf8")];
    } catch {
      return [];
    }
  });
  return texts.length ? texts.flatMap(socketsOf) : null;
}

/** One socket table's sockets (/proc/net/tcp's format: `sl local_address rem_address st ...`, addresses
 *  as HEXADDR:HEXPORT). */
export function socketsOf(table: string): { port: number; state: string }[] {
  return table
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns[1]?.includes(":") && columns[3])
    .map((columns) => ({ port: Number.parseInt(columns[1]!.split(":").at(-1)!, 16), state: columns[3]! }));
}

/** The ports some socket listens on, in one table. */
export const listeningPortsOf = (table: string): number[] => socketsOf(table).filter((socket) => socket.state === LISTEN).map((socket) => socket.port);
