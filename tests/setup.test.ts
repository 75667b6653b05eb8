// `bun run setup` as an operator runs it, end to end, on the live stack, against the Grafana API double
// (whose /api/ds/query the check engine answers). Verified on the double, not in Grafana.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT } from "../scripts/lib/errors.ts";
import type { SetupResult } from "../scripts/lib/setup.ts";
import { checkEngineExecutor, closeCheckEngineExecutor } from "./support/check-executor.ts";
import { type GrafanaTarget, grafanaTarget, onRealGrafana } from "./support/grafana-target.ts";
import { runCli, useLiveStack } from "./support/live.ts";


let target: GrafanaTarget;

const setup = async (env: Record<string, string>, args: string[] = []) => {
  const run = await runCli(["scripts/setup.ts", "--json", ...args], { ...process.env, ...env });
  const last = run.stdout.trim().split("\n").at(-1) ?? "";
  let result: SetupResult | undefined;
  try {
    result = JSON.parse(last) as SetupResult;
  } catch {
    throw new Error(`setup printed no JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
  return { ...run, result };
};

const stepsOf = (result: SetupResult) => result.steps.map((s) => [s.name, s.ok]);

describe.skipIf(onRealGrafana)("setup against the Grafana API double", () => {
  useLiveStack();

  beforeAll(async () => {
    target = await grafanaTarget({ executor: checkEngineExecutor });
  });
  afterAll(async () => {
    await target?.close();
    await closeCheckEngineExecutor();
  });

  test("first run sets everything up and every panel answers; the second changes nothing and says so", async () => {
    const first = await setup(target.env);
    expect(first.code).toBe(0);
    expect(stepsOf(first.result)).toEqual([["config", true], ["role", true], ["queues", true], ["provision", true], ["grafana", true], ["push", true], ["smoke", true]]);
    // The stack's broker runs rabbitmq_prometheus: setup says Prometheus scrapes it for the queues.
    expect(first.result.steps.find((s) => s.name === "queues")!.detail).toStartWith("RabbitMQ's own exporter: Prometheus scrapes http");
    expect(first.result.source).toBe("the demo stack");
    const versions = await Promise.all(["trading-system-monitoring", "ytrader-signal-trace"].map(async (uid) => (await target.client().getDashboard(uid))?.meta.version));

    const second = await setup(target.env);
    expect(second.code).toBe(0);
    expect(second.result.changes).toBe(0);
    expect(second.result.steps.map((s) => s.changes)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    const after = await Promise.all(["trading-system-monitoring", "ytrader-signal-trace"].map(async (uid) => (await target.client().getDashboard(uid))?.meta.version));
    expect(after).toEqual(versions);
    const human = await runCli(["scripts/setup.ts"], { ...process.env, ...target.env });
    expect(human.stdout).toContain("0 changes, everything was already in place");
  }, 90_000);

  test("a wrong Grafana password: exit 2 at the push, with a clear message, nothing changed", async () => {
    const before = (await target.client().getDashboard("trading-system-monitoring"))?.meta.version;
    const run = await setup({ ...target.env, GRAFANA_ADMIN_PASSWORD: "not-the-password" });
    expect(run.code).toBe(2);
    const push = run.result.steps.find((s) => s.name === "push")!;
    expect(push.ok).toBe(false);
    expect(push.detail).toMatch(/401|password/i);
    expect((await target.client().getDashboard("trading-system-monitoring"))?.meta.version).toBe(before);
  }, 60_000);
});

describe("setup on the demo stack", () => {
  useLiveStack();

  test("with no Grafana reachable: provisioning done, check run instead, the hint printed, exit 4", async () => {
    const env = { GRAFANA_URL: "http://127.0.0.1:9", GRAFANA_TOKEN: "" };
    const run = await setup(env);
    expect(run.code).toBe(EXIT.noGrafana);
    expect(stepsOf(run.result)).toEqual([["config", true], ["role", true], ["queues", true], ["provision", true], ["grafana", false], ["check", true]]);
    const human = await runCli(["scripts/setup.ts"], { ...process.env, ...env });
    expect(human.code).toBe(EXIT.noGrafana);
    expect(human.stdout).toContain("docker compose up -d grafana");
    expect(human.stdout).toMatch(/check\s+ok\s+38 panels and variables, 0 failed/);
    // No receiver set: the rules are installed all the same, and setup says where notifications go.
    expect(human.stdout).toMatch(/alerts: 14 rules installed; notifications go nowhere yet: no receiver is set \(ALERTMANAGER_WEBHOOK_URL, ALERTMANAGER_SLACK_WEBHOOK_URL, ALERTMANAGER_EMAIL_TO\)/);
  }, 60_000);
});

test("bad configuration: exit 2 at the config step, every problem named, nothing else run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "setup-bad-"));
  try {
    const envFile = join(dir, "bad.env");
    writeFileSync(envFile, "GRAFANA_POSTGRES_CONNECTION_LIMIT=lots\nGRAFANA_URL=ftp://nowhere\n");
    const run = await setup({}, ["--env-file", envFile]);
    expect(run.code).toBe(2);
    expect(stepsOf(run.result)).toEqual([["config", false]]);
    expect(run.result.steps[0]!.detail).toContain("GRAFANA_POSTGRES_CONNECTION_LIMIT");
    expect(run.result.steps[0]!.detail).toContain("GRAFANA_URL");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
