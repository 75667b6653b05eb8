// End to end on the demo: faults switched on the live demo (a service stopped, the exchange link
// reconnecting, a queue backed up with its consumer stopped) reach a webhook receiver this test serves,
// through the monitor, a real Prometheus evaluating the rendered rules and a real Alertmanager routing
// them, with their labels, summary and runbook link; clearing the faults sends the resolved notices.
// Prometheus and Alertmanager are the stack's own start functions on a directory and ports of the test's,
// started with shortened intervals given as settings (scrape and evaluation every second, every `for`
// capped at 3 s, Alertmanager's group wait and interval 1 s): the rules themselves are the same.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../scripts/lib/config.ts";
import { type RunningMonitor, startMonitor } from "../scripts/lib/monitor/serve.ts";
import { logPath, pickFreePort } from "../scripts/lib/stack/daemon.ts";
import { alertmanagerPaths, alertmanagerPid, prometheusPaths, prometheusPid, startAlertmanager, startPrometheus, stopAlertmanager, stopPrometheus } from "../scripts/lib/stack/local-prometheus.ts";
import { stackPorts, type StackPorts } from "../scripts/lib/stack/stack-paths.ts";
import { EXIT } from "../scripts/lib/errors.ts";
import { runRoleStep } from "../scripts/lib/role/role-step.ts";
import { eventually, runCli, settings, useLivePrometheus } from "./support/live.ts";

interface Notice {
  receiver: string;
  status: "firing" | "resolved";
  alerts: { status: "firing" | "resolved"; labels: Record<string, string>; annotations: Record<string, string> }[];
}

const BACKLOG_QUEUE = "model-service.trading_signals";
const FAULTS = [
  { fault: "down", service: "position-manager" },
  { fault: "websocket" },
  { fault: `backlog:${BACKLOG_QUEUE}` },
] as const;

/** What each fault must raise: alertname and the labels that name it, its severity's receiver. */
const EXPECTED = [
  { alertname: "YtraderServiceUnreachable", labels: { service: "position-manager", severity: "critical" }, receiver: "critical", summary: "position-manager does not answer" },
  { alertname: "YtraderExchangeLinkDown", labels: { service: "ws-gateway", severity: "critical" }, receiver: "critical", summary: "The exchange WebSocket link is not connected" },
  {
    alertname: "YtraderQueueNoConsumer",
    labels: { queue: BACKLOG_QUEUE, service: "order-manager", severity: "warning" },
    receiver: "warning",
    summary: `Queue ${BACKLOG_QUEUE} holds messages and has no consumer`,
  },
] as const;


async function demoFault(body: Record<string, unknown>) {
  const response = await fetch(`http://127.0.0.1:${stackPorts().demoControl}/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`demo control refused ${JSON.stringify(body)}: ${response.status} ${await response.text()}`);
}

describe("an alert end to end: demo fault -> monitor -> Prometheus -> Alertmanager -> webhook", () => {
  useLivePrometheus();

  const notices: Notice[] = [];
  const token = `hook-${crypto.randomUUID()}`;
  let hook: ReturnType<typeof Bun.serve>;
  let monitor: RunningMonitor;
  let dir: string;
  let ports: StackPorts;

  beforeAll(async () => {
    // The read-only role the monitor reads the database as and `check` runs the panels as.
    const role = await runRoleStep(settings(), { rabbitmq: true });
    if (!role.ok) throw new Error(`the role step failed: ${JSON.stringify([role.postgres.error, role.rabbitmq?.error])}`);
    hook = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (request) => {
        if (new URL(request.url).pathname !== `/${token}` || request.method !== "POST") return new Response("no", { status: 404 });
        notices.push((await request.json()) as Notice);
        return new Response("ok");
      },
    });
    const base = { ...(process.env as Record<string, string>), MONITOR_INTERVAL_SECONDS: "1" };
    monitor = await startMonitor(loadConfig({ env: base, envFile: "/dev/null" }), { port: 0, host: "127.0.0.1", store: null });
    const config = loadConfig({
      env: {
        ...base,
        MONITOR_URL: monitor.url,
        RABBITMQ_PROMETHEUS_URL: `http://127.0.0.1:${stackPorts().rabbitmqPrometheus}`,
        PROMETHEUS_SCRAPE_INTERVAL: "1s",
        PROMETHEUS_EVALUATION_INTERVAL: "1s",
        ALERT_FOR_MAX: "3s",
        ALERTMANAGER_GROUP_WAIT: "1s",
        ALERTMANAGER_GROUP_INTERVAL: "1s",
        ALERTMANAGER_REPEAT_INTERVAL: "1h",
        ALERTMANAGER_WEBHOOK_URL: `http://127.0.0.1:${hook.port}/${token}`,
      },
      envFile: "/dev/null",
    });
    dir = mkdtempSync(join(tmpdir(), "alerts-e2e-"));
    ports = { ...stackPorts(), prometheus: pickFreePort(), alertmanager: pickFreePort() };
    // The secret in the toolkit's own environment too, as an operator's shell would have it: the daemons
    // inherit that environment, and must not keep it.
    process.env.ALERTMANAGER_WEBHOOK_URL = config.alertmanager.webhookUrl;
    try {
      await startAlertmanager(dir, ports, { config });
      await startPrometheus(dir, ports, { ownRabbitmq: false, config });
    } finally {
      delete process.env.ALERTMANAGER_WEBHOOK_URL;
    }
  }, 120_000);

  afterAll(async () => {
    for (const fault of [...FAULTS, { fault: "down", service: "order-manager" }]) await demoFault({ ...fault, on: false }).catch(() => {});
    await stopPrometheus(dir);
    await stopAlertmanager(dir);
    await monitor?.stop();
    hook?.stop(true);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const received = (alertname: string, labels: Record<string, string>, status: "firing" | "resolved") =>
    notices.flatMap((n) => n.alerts.map((a) => ({ ...a, receiver: n.receiver }))).find(
      (a) => a.status === status && a.labels.alertname === alertname && Object.entries(labels).every(([k, v]) => a.labels[k] === v),
    );

  test("each fault reaches the webhook with its labels, summary and runbook link; clearing it sends resolved", async () => {
    // Nothing of the kind before the faults: the test's own arrangement is what fires them.
    for (const e of EXPECTED) expect(received(e.alertname, e.labels, "firing")).toBeUndefined();
    for (const fault of FAULTS) await demoFault({ ...fault, on: true });

    for (const e of EXPECTED) {
      const alert = await eventually(`${e.alertname} firing at the webhook`, async () => received(e.alertname, e.labels, "firing"), 120_000);
      expect(alert.receiver).toBe(e.receiver);
      expect(alert.annotations.summary).toBe(e.summary);
      expect(alert.annotations.runbook_url).toBe(`docs/runbooks/alerts.md#${e.alertname.toLowerCase()}`);
      expect(alert.annotations.description ?? "").toContain(e.labels.service);
    }
    const backedUp = await eventually("YtraderQueueBackedUp firing", async () => received("YtraderQueueBackedUp", { queue: BACKLOG_QUEUE }, "firing"), 60_000);
    expect(backedUp.annotations.summary).toMatch(new RegExp(`^Queue ${BACKLOG_QUEUE.replace(".", "\\.")} is backing up \\(\\d`));

    // `check` lists them from this Prometheus and exits 5; --ignore-alerts lists them and exits 0.
    const env = { ...process.env, PROMETHEUS_URL: `http://127.0.0.1:${ports.prometheus}` };
    const check = await runCli(["scripts/check.ts", "--panel", "Alerts"], env);
    expect(check.stdout).toContain("ALERT   critical YtraderServiceUnreachable: position-manager does not answer (runbook: docs/runbooks/alerts.md#ytraderserviceunreachable)");
    expect(check.stdout).toContain(`ALERT   warning  YtraderQueueNoConsumer: Queue ${BACKLOG_QUEUE} holds messages and has no consumer`);
    expect(check.code).toBe(EXIT.alertsFiring);
    const ignored = await runCli(["scripts/check.ts", "--panel", "Alerts", "--ignore-alerts"], env);
    expect(ignored.stdout).toMatch(/\d+ alert\(s\) firing \(ignored: --ignore-alerts\)/);
    expect(ignored.code).toBe(EXIT.ok);

    // Inhibition: the queue's consumer down silences the queue's alerts in Alertmanager.
    await demoFault({ fault: "down", service: "order-manager", on: true });
    const suppressed = await eventually(
      "the queue's alerts suppressed by order-manager unreachable",
      async () => {
        const response = await fetch(`http://127.0.0.1:${ports.alertmanager}/api/v2/alerts?filter=queue%3D%22${encodeURIComponent(BACKLOG_QUEUE)}%22`);
        const alerts = (await response.json()) as { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }[];
        const queueAlerts = alerts.filter((a) => a.labels.alertname?.startsWith("YtraderQueue"));
        return queueAlerts.length && queueAlerts.every((a) => a.status.state === "suppressed" && a.status.inhibitedBy.length) ? queueAlerts : undefined;
      },
      60_000,
    );
    expect(suppressed.map((a) => a.labels.alertname).sort()).toEqual(["YtraderQueueBackedUp", "YtraderQueueNoConsumer"]);
    await demoFault({ fault: "down", service: "order-manager", on: false });

    for (const fault of FAULTS) await demoFault({ ...fault, on: false });
    for (const e of EXPECTED) {
      const resolved = await eventually(`${e.alertname} resolved at the webhook`, async () => received(e.alertname, e.labels, "resolved"), 120_000);
      expect(resolved.annotations.runbook_url).toBe(`docs/runbooks/alerts.md#${e.alertname.toLowerCase()}`);
    }
    if (process.env.ALERTS_E2E_SHOW) console.error(JSON.stringify(notices.map((n) => [n.receiver, n.status, n.alerts.map((a) => [a.status, a.labels.alertname, a.labels.service, a.labels.queue])])));
  }, 400_000);

  test("`check` with no Prometheus answering: the panels pass, the alerts line fails, exit 1 (0 with --ignore-alerts)", async () => {
    const env = { ...process.env, PROMETHEUS_URL: `http://127.0.0.1:${pickFreePort()}` };
    const run = await runCli(["scripts/check.ts", "--panel", "Alerts"], env);
    expect(run.stdout).toMatch(/alerts {2}FAILED {2}Prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/alerts did not answer/);
    expect(run.code).toBe(EXIT.checkFailed);
    expect((await runCli(["scripts/check.ts", "--panel", "Alerts", "--ignore-alerts"], env)).code).toBe(EXIT.ok);
  }, 60_000);

  test("the webhook's URL (its secret) is in no configuration, process list, environment or log: only in its file of mode 600", () => {
    const paths = alertmanagerPaths(dir);
    expect(readFileSync(paths.secrets.webhookUrl, "utf8")).toContain(token);
    expect(readFileSync(paths.config, "utf8")).not.toContain(token);
    expect(readFileSync(paths.config, "utf8")).toContain(`url_file: ${paths.secrets.webhookUrl}`);
    for (const pid of [alertmanagerPid(dir), prometheusPid(dir)]) {
      expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).not.toContain(token);
      expect(readFileSync(`/proc/${pid}/environ`, "utf8")).not.toContain(token);
    }
    for (const name of ["alertmanager", "prometheus"]) expect(readFileSync(logPath(dir, name), "utf8")).not.toContain(token);
    expect(readFileSync(join(prometheusPaths(dir).rules, "ytrader.yml"), "utf8")).toContain("for: 3s");
  });
});
