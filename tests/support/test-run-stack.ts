// Which parts of the local stack test runs started, so that `bun test` stops what it started and leaves
// alone a stack that was already running. Test runs may overlap (two terminals): each holds a lease in the
// stack directory, and the last one to finish stops what any of them started.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../../scripts/lib/stack/daemon.ts";
import { type ComponentName, type ComponentStatus, stackDown } from "../../scripts/lib/stack/stack.ts";
import { stackDir } from "../../scripts/lib/stack/stack-paths.ts";

const leases = (stack: string) => join(stack, "test-runs");
const startedFile = (stack: string) => join(stack, "started-by-tests.json");

function startedByTests(stack: string): ComponentName[] {
  return existsSync(startedFile(stack)) ? (JSON.parse(readFileSync(startedFile(stack), "utf8")) as ComponentName[]) : [];
}

/** The stack directory this test run holds a lease in, once a live test brought the stack up. */
let began: string | undefined;

/** Records this test run (its pid) and what its `stackUp` started. */
export function beginTestRun(statuses: ComponentStatus[], stack = stackDir()): void {
  began = stack;
  mkdirSync(leases(stack), { recursive: true });
  writeFileSync(join(leases(stack), String(process.pid)), "");
  const started = statuses.filter((s) => s.state === "started").map((s) => s.name);
  if (started.length) writeFileSync(startedFile(stack), JSON.stringify([...new Set([...startedByTests(stack), ...started])]));
}

/** Ends this test run; the last one running stops what test runs started. Returns what it stopped. A run
 *  whose tests needed no live service began nothing and ends nothing. */
export async function endTestRun(stack = began): Promise<ComponentName[]> {
  if (!stack) return [];
  rmSync(join(leases(stack), String(process.pid)), { force: true });
  const others = existsSync(leases(stack)) ? readdirSync(leases(stack)).filter((pid) => isAlive(Number(pid))) : [];
  if (others.length) return [];
  const started = startedByTests(stack);
  if (started.length) await stackDown({ only: started });
  rmSync(startedFile(stack), { force: true });
  rmSync(leases(stack), { recursive: true, force: true });
  return started;
}
