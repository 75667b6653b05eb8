// The demo trading system as a background process of the stack (bun scripts/demo.ts run).
import { join } from "node:path";
import type { StackPorts } from "./stack-paths.ts";
import { daemonPid, logPath, startDaemon, stopDaemon, waitUntil } from "./daemon.ts";

const NAME = "demo";

/** The stack's own demo runs: its pid file names a live process. */
export const demoPid = (stack: string) => daemonPid(stack, NAME);

/** The stack's own demo answers on its control port (a process of another stack cannot hold the port
 *  while ours runs). */
export async function demoAnswers(stack: string, ports: StackPorts): Promise<boolean> {
  if (demoPid(stack) === null) return false;
  const response = await fetch(`http://127.0.0.1:${ports.demoControl}/faults`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  await response?.body?.cancel();
  return response?.ok ?? false;
}

export async function startDemoDaemon(stack: string, ports: StackPorts, env: Record<string, string>): Promise<void> {
  const script = join(import.meta.dir, "..", "..", "demo.ts");
  const pid = startDaemon({
    name: NAME,
    command: process.execPath,
    // STACK_DEMO_SCHEMA (in the daemon's environment): the schema shape the stack's demo builds (2025-12,
    // or newest, the default); demo.ts reads it.
    args: [script, "run", "--control-port", String(ports.demoControl)],
    env,
    dir: stack,
    cwd: join(import.meta.dir, "..", "..", ".."),
  });
  await waitUntil("the demo trading system", () => demoAnswers(stack, ports), {
    timeoutMs: 60_000,
    log: logPath(stack, NAME),
    alive: () => daemonPid(stack, NAME) === pid,
  });
}

export const stopDemoDaemon = (stack: string) => stopDaemon(stack, NAME);
