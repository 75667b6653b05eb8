// Brings the live stack up before any test file loads (see scripts/lib/stack.ts), and points the
// toolkit's settings at it unless the environment already points somewhere else. At the end of the run
// it stops what it started; a stack that was already running is left as it was.
import { afterAll } from "bun:test";
import { stackEnv, stackUp } from "../scripts/lib/stack/stack.ts";
import { beginTestRun, endTestRun } from "./support/test-run-stack.ts";

const statuses = await stackUp((line) => console.error(`[stack] ${line}`));
beginTestRun(statuses);
for (const [name, value] of Object.entries(stackEnv(statuses))) process.env[name] ??= value;

// A hook in the preload runs once, after the last test file (Bun 1.4.5).
// Stopping RabbitMQ alone takes several seconds: the hook gets two minutes, not Bun's 5 s default.
afterAll(async () => {
  const stopped = await endTestRun();
  if (stopped.length) console.error(`[stack] stopped what this test run started: ${stopped.join(", ")}`);
}, 120_000);
