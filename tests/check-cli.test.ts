// `bun run check` as an operator or cron runs it: the JSON it ends with, its exit codes, its options.
import { beforeAll, expect, test } from "bun:test";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { runCli, settings, useLiveStack } from "./support/live.ts";

useLiveStack();

beforeAll(async () => {
  await runRoleStep(settings(), { rabbitmq: true });
});

const check = (args: string[], env: Record<string, string> = {}) => runCli(["scripts/check.ts", "--env-file", "/dev/null", ...args], { ...process.env, ...env });

test("--json ends with one object: ok, a line per panel with its columns and what it displays, the alerts; exit 0", async () => {
  // The alerts firing on the shared stack depend on what other tests arranged: listed, not counted here
  // (tests/alerts-e2e.test.ts proves exit 5).
  const run = await check(["--json", "--dashboard", "ytrader-signal-trace", "--ignore-alerts"]);
  expect(run.code).toBe(0);
  const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { ok: boolean; panels: Record<string, unknown>[]; alerts: { ok: boolean; firing: unknown[] } };
  expect(result.ok).toBe(true);
  expect(result.alerts).toMatchObject({ ok: true, firing: expect.any(Array) });
  expect(result.panels.map((p) => p.panel).sort()).toEqual(["Fills and fees", "Orders of the signal", "Position now", "Signal"]);
  for (const panel of result.panels) expect(Object.keys(panel).sort()).toEqual(["columns", "dashboard", "display", "error", "ms", "ok", "panel", "rows"]);
  // No signal id given: the signal panel asks for one in its one row; the others have no rows, and each
  // table shows its own message in their place
  const shown = (title: string) => result.panels.find((p) => p.panel === title)!.display as { kind: string; rows: { text: string }[][]; message: string };
  expect(shown("Signal").rows.map((row) => row[0]!.text)).toEqual(["enter a signal id (a UUID, e.g. from the signals table)"]);
  const orders = shown("Orders of the signal");
  expect([orders.kind, orders.rows]).toEqual(["table", []]);
  expect(orders.message.length).toBeGreaterThan(5);
});

test("--panel (repeatable, across dashboards) and --var choose what runs; a failing panel makes exit 1 with its error", async () => {
  // ws-gateway where nothing listens (port 1): its panel fails, the others do not.
  const panels = ["--panel", "Signal", "--panel", "Trading signals: last 100", "--panel", "WebSocket link details"];
  const run = await check([...panels, "--var", "signal_id=not-a-uuid", "--var", "strategy=$__all"], { WS_GATEWAY_PORT: "1" });
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/Trading system monitoring \/ Trading signals: last 100\s+ok/);
  expect(run.stdout).toMatch(/Signal trace \/ Signal\s+ok\s+1 row\s/);
  expect(run.stdout).toMatch(/Trading system monitoring \/ WebSocket link details\s+FAILED.*127\.0\.0\.1:1\/health/);
  // In Go's words, as Grafana shows it, not Bun's
  expect(run.stdout).toContain('Get "http://127.0.0.1:1/health": dial tcp 127.0.0.1:1: connect: connection refused');
  expect(run.stdout).not.toContain("Is the computer able to access the url?");
  expect(run.stdout).toContain("checked: 4 ok, 1 failed");
});

test("bad input is exit 2 and runs nothing: a mistyped option, an unknown panel, an unknown variable, a bad time", async () => {
  for (const [args, says] of [
    [["--dashbord", "x"], "--dashboard"],
    [["--panel", "No such panel"], 'No panel "No such panel"'],
    [["--var", "nope=1"], 'variable "nope"'],
    [["--var", "strategy"], "name=value"],
    [["--from", "yesterday-ish"], "yesterday-ish"],
  ] as const) {
    const run = await check([...args]);
    expect({ args, code: run.code }).toEqual({ args, code: 2 });
    expect(run.stdout + run.stderr).toContain(says);
    expect(run.stdout).not.toContain(" ok ");
  }
  // five whole processes, about a second each on an idle machine (a bad time is refused by @grafana/data's
  // dateMath, which the check loads first): more than Bun's default 5 s when the machine is busy
}, 30_000);
