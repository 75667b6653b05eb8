// The test run's end: the live stack's parts that this run started (tests/support/live.ts brings it up for
// the first test that needs it, never for the others) are stopped; a stack that was already running is
// left as it was.
import { afterAll } from "bun:test";
import { endTestRun } from "./support/test-run-stack.ts";
import { TEST_PACKAGES, ensurePackages } from "../scripts/lib/debian-packages.ts";
import { installAllowed } from "../scripts/lib/stack/prometheus-tools.ts";

// What the suite needs beyond the stack (whose own packages `stack up` installs): installed first when
// missing, as root on Debian, as the stack does; otherwise the tests that need them fail naming them,
// and the one command is said here once.
await ensurePackages(TEST_PACKAGES, (line) => console.error(`[tests] ${line}`), { allowed: installAllowed(undefined) }).catch((error: Error) =>
  console.error(`[tests] ${error.message}`),
);

// A hook in the preload runs once, after the last test file (Bun 1.4.5).
// Stopping RabbitMQ alone takes several seconds: the hook gets two minutes, not Bun's 5 s default.
afterAll(async () => {
  const stopped = await endTestRun();
  if (stopped.length) console.error(`[stack] stopped what this test run started: ${stopped.join(", ")}`);
}, 120_000);
