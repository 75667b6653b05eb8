// `bun run monitor` as a background process of the stack, on loopback at STACK_MONITOR_PORT.
import { join } from "node:path";
import type { StackPorts } from "./stack-paths.ts";
import { daemonPid, logPath, startDaemon, stopDaemon, waitUntil } from "./daemon.ts";

const NAME = "monitor";

export const monitorPid = (stack: string) => daemonPid(stack, NAME);
export const monitorUrl = (ports: StackPorts) => `http://127.0.0.1:${ports.monitor}`;

/** Where the stack's monitor listens, in the toolkit's own variable names. */
export function monitorEnv(ports: StackPorts): Record<string, string> {
  return { MONITOR_PORT: String(ports.monitor), MONITOR_LISTEN_HOST: "127.0.0.1", MONITOR_URL: monitorUrl(ports) };
}

/** The stack's own monitor answers /healthz on its port (200, or 503 while its readings are late: it
 *  answers either way). */
export async function monitorAnswers(stack: string, ports: StackPorts): Promise<boolean> {
  if (monitorPid(stack) === null) return false;
  const response = await fetch(`${monitorUrl(ports)}/healthz`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  const body = (await response?.json().catch(() => null)) as { startedAt?: unknown } | null;
  return (response?.status === 200 || response?.status === 503) && typeof body?.startedAt === "string";
}

export async function startMonitorDaemon(stack: string, ports: StackPorts, env: Record<string, string>): Promise<void> {
  const pid = startDaemon({
    name: NAME,
    command: process.execPath,
    args: [join(import.meta.dir, "..", "..", "monitor.ts")],
    env,
    dir: stack,
    cwd: join(import.meta.dir, "..", "..", ".."),
  });
  await waitUntil("the monitor", () => monitorAnswers(stack, ports), {
    timeoutMs: 30_000,
    log: logPath(stack, NAME),
    alive: () => daemonPid(stack, NAME) === pid,
  });
}

export const stopMonitorDaemon = (stack: string) => stopDaemon(stack, NAME);
