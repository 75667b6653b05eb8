// The test run's end: the live stack's parts that this run started (tests/support/live.ts brings it up for
// the first test that needs it, never for the others) are stopped; a stack that was already running is
// left as it was.
import { afterAll } from "bun:test";
import { endTestRun } from "./support/test-run-stack.ts";

// A hook in the preload runs once, after the last test file (Bun 1.4.5).
// Stopping RabbitMQ alone takes several seconds: the hook gets two minutes, not Bun's 5 s default.
afterAll(async () => {
  const stopped = await endTestRun();
  if (stopped.length) console.error(`[stack] stopped what this test run started: ${stopped.join(", ")}`);
}, 120_000);
