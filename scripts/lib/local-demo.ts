// The demo trading system as a background process of the stack (bun scripts/demo.ts run).
import { join } from "node:path";
import { STACK_PORTS } from "./stack-paths.ts";
import { daemonPid, logPath, startDaemon, stopDaemon, waitUntil } from "./daemon.ts";

const NAME = "demo";
const controlUrl = () => `http://127.0.0.1:${STACK_PORTS.demoControl}`;

export async function demoRunning(): Promise<boolean> {
  const response = await fetch(`${controlUrl()}/faults`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  return response?.ok ?? false;
}

export async function startDemoDaemon(stack: string, env: Record<string, string>): Promise<void> {
  const script = join(import.meta.dir, "..", "demo.ts");
  const pid = startDaemon({
    name: NAME,
    command: process.execPath,
    args: [script, "run", "--control-port", String(STACK_PORTS.demoControl)],
    env,
    dir: stack,
    cwd: join(import.meta.dir, "..", ".."),
  });
  await waitUntil("the demo trading system", demoRunning, { timeoutMs: 60_000, log: logPath(stack, NAME), alive: () => daemonPid(stack, NAME) === pid });
}

export const stopDemoDaemon = (stack: string) => stopDaemon(stack, NAME);
