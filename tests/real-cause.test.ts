// Messages that point at the real cause (issue 18 §3): each failure a new user meets first is reported by
// its cause, at once or within a bounded time, with the exit code the README documents. The services
// here are real sockets on ports of their own: nothing listening, a port that accepts and never answers.
import { afterAll, expect, test } from "bun:test";
import { EXIT, didYouMean } from "../scripts/lib/errors.ts";
import { SYSTEM_FAULTS } from "../scripts/lib/demo/control.ts";
import { SERVICE_FAULTS } from "../scripts/lib/demo/state.ts";
import { loadConfig } from "../scripts/lib/config.ts";
import { panelLine } from "../scripts/lib/check/report.ts";
import type { PushItem } from "../scripts/lib/grafana/push.ts";
import { pushReportLines } from "../scripts/lib/grafana/push-report.ts";
import { pickFreePort } from "../scripts/lib/stack/daemon.ts";
import { runCli } from "./support/live.ts";
import { programTests } from "./support/timeouts.ts";

programTests();

/** Only what the command reads: no stack settings of the developer's shell leak in. */
const bare = (settings: Record<string, string>) => ({ PATH: process.env.PATH!, HOME: process.env.HOME!, ...settings });

const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
afterAll(() => silent.stop(true));

async function timedCheck(port: number, extra: Record<string, string> = {}) {
  const started = performance.now();
  const run = await runCli(
    ["scripts/check.ts", "--env-file", "/dev/null"],
    bare({ POSTGRES_HOST: "127.0.0.1", POSTGRES_PORT: String(port), GRAFANA_POSTGRES_PASSWORD: "unused-here", ...extra }),
  );
  return { ...run, seconds: (performance.now() - started) / 1000 };
}

test("check with PostgreSQL not listening: refused, said at once, exit 3, no panel waits on it", async () => {
  // A port nobody listens on, below the kernel's ephemeral range.
  const port = pickFreePort();
  const run = await timedCheck(port);
  expect(run.code).toBe(EXIT.unreachable);
  expect(run.seconds).toBeLessThan(10);
  expect(run.stderr).toContain(`PostgreSQL at 127.0.0.1:${port} refused the connection`);
  expect(run.stderr).not.toContain("no answer within 20 s");
  // One message, not one per panel
  expect(run.stdout).not.toContain("FAILED");
}, 30_000);

test("check with PostgreSQL silent (accepts, never answers): unanswered within the connect timeout, exit 3", async () => {
  const run = await timedCheck(silent.port, { GRAFANA_POSTGRES_CONNECT_TIMEOUT: "2s" });
  expect(run.code).toBe(EXIT.unreachable);
  expect(run.seconds).toBeLessThan(10);
  expect(run.stderr).toContain(`PostgreSQL at 127.0.0.1:${silent.port} did not answer within 2 s (GRAFANA_POSTGRES_CONNECT_TIMEOUT)`);
}, 30_000);

test("the connect timeout's default is 5 s and bounds the wait", async () => {
  const run = await timedCheck(silent.port);
  expect(run.code).toBe(EXIT.unreachable);
  expect(run.stderr).toContain("did not answer within 5 s");
  expect(run.seconds).toBeLessThan(10);
}, 30_000);

// Three servers that are not a Grafana, as a user meets them at a wrong GRAFANA_URL: RabbitMQ's
// management API (a JSON 404 for /api/health, 406 for a dashboard), a server that 404s everything, a web
// page answering HTML to every path.
const notGrafanas = {
  "RabbitMQ's management API": Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request) =>
      new URL(request.url).pathname.startsWith("/api/dashboards")
        ? new Response("", { status: 406 })
        : Response.json({ error: "Object Not Found", reason: "Not Found" }, { status: 404 }),
  }),
  "a server answering 404": Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("404 page not found", { status: 404 }) }),
  "a web page": Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => new Response("<!doctype html><html><head><title>Welcome to nginx!</title></head><body>hi</body></html>", { headers: { "content-type": "text/html" } }),
  }),
};
afterAll(() => Object.values(notGrafanas).forEach((server) => server.stop(true)));

for (const [name, server] of Object.entries(notGrafanas)) {
  test(`GRAFANA_URL at ${name}: push and smoke say "answers but is not a Grafana", exit 2, --json an error object`, async () => {
    const url = `http://127.0.0.1:${server.port}`;
    const env = bare({ GRAFANA_URL: url, GRAFANA_POSTGRES_PASSWORD: "unused-here" });
    for (const command of ["scripts/push.ts", "scripts/smoke.ts"]) {
      const run = await runCli([command, "--env-file", "/dev/null"], env);
      expect({ command, code: run.code }).toEqual({ command, code: EXIT.badInput });
      expect(run.stderr).toContain(`GRAFANA_URL (${url}) answers but is not a Grafana: `);
      // One message: nothing about a schema v2 dashboard or a bare "not found"
      expect(run.stdout + run.stderr).not.toMatch(/schema v2|not found \(HTTP/);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
    }
    const json = await runCli(["scripts/push.ts", "--env-file", "/dev/null", "--json"], env);
    expect(json.code).toBe(EXIT.badInput);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: expect.stringContaining("is not a Grafana") });
  }, 30_000);
}

test("push's report never contradicts itself: a refused dashboard is not 'the same content'; counts in the right number", () => {
  const item = (name: string, action: PushItem["action"], reason?: string): PushItem => ({ kind: "dashboard", uid: name, name, action, changed: [], reason });
  const report = (items: PushItem[], changes: number, dryRun = false) =>
    pushReportLines({ ok: !items.some((i) => i.action === "refused"), changes, dryRun, items, grafana: { url: "http://grafana.test" } }).join("\n");
  const refused = report([item("Main", "refused", "changed in Grafana since the last push"), item("Trace", "unchanged")], 0);
  expect(refused).not.toContain("already has the same content");
  expect(refused).toContain("0 changes\n1 dashboard changed in Grafana since the last push was not overwritten");
  expect(report([item("Main", "update")], 1)).toEndWith("\n1 change");
  expect(report([item("Main", "unchanged")], 0)).toContain("0 changes: Grafana already has the same content");
  expect(report([item("Main", "create"), item("Trace", "create")], 2, true)).toContain("2 changes planned; nothing changed (--dry-run)");
});

test("a settings error counts what it lists: one problem, one bullet, the hint after the list", () => {
  const error = (() => {
    try {
      loadConfig({ envFile: "/dev/null", env: {}, required: ["GRAFANA_POSTGRES_PASSWORD"] });
    } catch (caught) {
      return caught as Error;
    }
  })();
  expect(error?.message).toStartWith("Configuration has 1 problem (read /dev/null):\n  - GRAFANA_POSTGRES_PASSWORD: required here but not set");
  expect(error?.message.match(/\n  - /g)).toHaveLength(1);
  expect(panelLine({ dashboard: "D", panel: "P", kind: "panel", ok: true, rows: 1, columns: [], ms: 3, error: null, frames: [] })).toMatch(/ 1 row /);
});

test("a mistyped fault or option names the closest valid one; a word near nothing names none", () => {
  const faults = [...SERVICE_FAULTS, ...SYSTEM_FAULTS];
  expect(didYouMean("websockt", faults)).toBe(" (did you mean websocket?)");
  expect(didYouMean("databse", faults)).toBe(" (did you mean database?)");
  expect(didYouMean("--dry", ["--env-file", "--json", "--dry-run", "--force"])).toBe(" (did you mean --dry-run?)");
  expect(didYouMean("--d", ["--dry-run", "--dashboard"])).toBe("");
  expect(didYouMean("something-else", faults)).toBe("");
});

test("push's lines keep their columns whatever the longest name", () => {
  const items: PushItem[] = [
    { kind: "folder", uid: "f", name: "Trading system", action: "unchanged", changed: [] },
    { kind: "datasource", uid: "d", name: "ytrader position-manager", action: "update", changed: ["jsonData.timeoutInSeconds"] },
    { kind: "dashboard", uid: "m", name: "Trading system monitoring", action: "unchanged", changed: [] },
  ];
  const lines = pushReportLines({ ok: true, changes: 1, dryRun: false, items, grafana: { url: "http://grafana.test", version: "13.2.3" } });
  const stepRows = lines.filter((line) => /^(grafana|folder|datasource|dashboard) /.test(line));
  expect(stepRows).toHaveLength(4);
  const verdictAt = stepRows.map((line) => line.search(/ (reachable|unchanged|updated)/));
  expect(new Set(verdictAt).size).toBe(1);
  expect(lines).toContain("    jsonData.timeoutInSeconds");
});
