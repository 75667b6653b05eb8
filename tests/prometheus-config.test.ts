// Prometheus' and Alertmanager's generated configuration, validated by the real promtool and amtool of the
// pinned releases (a machine without them fails here, naming `bun run stack tools`): the committed files
// docker-compose mounts, and the local stack's own rendering with a remote-write secret kept in a file.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { loadConfig } from "../scripts/lib/config.ts";
import { isFailure } from "../scripts/lib/errors.ts";
import { PROMETHEUS_DIR, prometheusFiles, renderPrometheusConfig } from "../scripts/lib/prometheus/provision.ts";
import { prometheusPaths, stackPrometheusTargets } from "../scripts/lib/stack/local-prometheus.ts";
import { requestedPorts } from "../scripts/lib/stack/stack-paths.ts";
import { composeTargets } from "../prometheus/prometheus.ts";
import { runTool } from "./support/prometheus.ts";
import { programTests } from "./support/timeouts.ts";

programTests();

const scratch = mkdtempSync(join(tmpdir(), "prometheus-config-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `promtool check config` of a configuration text, written beside the rule files it names. */
function checkConfig(text: string, name = "prometheus.yml") {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return runTool("promtool", ["check", "config", path]);
}

const settingsOf = (env: Record<string, string>) => loadConfig({ env, envFile: "/dev/null" });

describe("the committed files (docker-compose's)", () => {
  test("are exactly what `bun run provision` renders", () => {
    for (const file of prometheusFiles()) expect(readFileSync(join(PROMETHEUS_DIR, file.path), "utf8")).toBe(file.content);
  });

  test("promtool accepts prometheus.yml: jobs prometheus, alertmanager, ytrader-monitor and rabbitmq (per-object), alerts to Alertmanager", () => {
    const checked = runTool("promtool", ["check", "config", join(PROMETHEUS_DIR, "prometheus.yml")]);
    expect(checked.output).toContain("SUCCESS");
    expect(checked.code).toBe(0);
    const config = parse(readFileSync(join(PROMETHEUS_DIR, "prometheus.yml"), "utf8"));
    const jobs = (config.scrape_configs as { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[]).map((j) => [
      j.job_name,
      j.static_configs[0]!.targets[0],
      j.metrics_path,
    ]);
    expect(jobs).toEqual([
      ["prometheus", "localhost:9090", "/metrics"],
      ["alertmanager", "alertmanager:9093", "/metrics"],
      ["ytrader-monitor", "monitor:9470", "/metrics"],
      ["rabbitmq", "rabbitmq:15692", "/metrics/per-object"],
    ]);
    expect(config.alerting.alertmanagers[0].static_configs[0].targets).toEqual(["alertmanager:9093"]);
    expect(config.rule_files).toEqual(["/etc/prometheus/rules/*.yml"]);
    expect(config.remote_write).toBeUndefined();
  });

  test("amtool accepts alertmanager.yml; an undefined receiver it refuses", () => {
    const checked = runTool("amtool", ["check-config", join(PROMETHEUS_DIR, "alertmanager.yml")]);
    expect(checked.output).toContain("SUCCESS");
    expect(checked.code).toBe(0);
    const broken = join(scratch, "alertmanager-broken.yml");
    writeFileSync(broken, readFileSync(join(PROMETHEUS_DIR, "alertmanager.yml"), "utf8").replace('receiver: "null"', "receiver: nobody"));
    const refused = runTool("amtool", ["check-config", broken]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('undefined receiver "nobody"');
  });

  test("promtool really validates: a broken interval is refused", () => {
    const broken = checkConfig(prometheusFiles()[0]!.content.replace("scrape_interval: 15s", "scrape_interval: fast"), "broken.yml");
    expect(broken.code).not.toBe(0);
    expect(broken.output).toContain("fast");
  });
});

describe("the local stack's rendering", () => {
  const ports = requestedPorts({});

  async function stackRendering(env: Record<string, string>) {
    const stack = mkdtempSync(join(scratch, "stack-"));
    mkdirSync(prometheusPaths(stack).home, { recursive: true });
    // No exporter answers there (and no name to look up): the rendering has no RabbitMQ job unless told.
    const targets = await stackPrometheusTargets(stack, ports, settingsOf({ RABBITMQ_PROMETHEUS_URL: "http://127.0.0.1:1", ...env }), false);
    return { stack, targets, text: renderPrometheusConfig(targets) };
  }

  test("its own ports on loopback, the monitor at MONITOR_URL or the stack's monitor port; RabbitMQ only when its exporter answers", async () => {
    const { text, targets } = await stackRendering({});
    expect(targets.rabbitmq).toBeUndefined();
    const config = parse(text);
    expect(config.scrape_configs.map((j: { static_configs: { targets: string[] }[] }) => j.static_configs[0]!.targets[0])).toEqual([
      `127.0.0.1:${ports.prometheus}`,
      `127.0.0.1:${ports.alertmanager}`,
      `127.0.0.1:${ports.monitor}`,
    ]);
    const elsewhere = await stackRendering({ MONITOR_URL: "https://mon.example:8443/prefix" });
    expect(elsewhere.targets.monitor).toEqual({ scheme: "https", address: "mon.example:8443", metricsPath: "/prefix/metrics" });
    expect(checkConfig(text).code).toBe(0);
  });

  test("remote write with basic auth: the password only in a file of mode 600 that the configuration names; promtool accepts it", async () => {
    const password = "rw-secret-5c1f9a";
    const { stack, text } = await stackRendering({
      PROMETHEUS_REMOTE_WRITE_URL: "https://mimir.example/api/v1/push",
      PROMETHEUS_REMOTE_WRITE_USER: "tenant-1",
      PROMETHEUS_REMOTE_WRITE_PASSWORD: password,
    });
    expect(text).not.toContain(password);
    const passwordFile = prometheusPaths(stack).passwordFile;
    expect(parse(text).remote_write).toEqual([{ url: "https://mimir.example/api/v1/push", basic_auth: { username: "tenant-1", password_file: passwordFile } }]);
    expect(readFileSync(passwordFile, "utf8")).toBe(password);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    const checked = checkConfig(text);
    expect(checked.output).not.toContain(password);
    expect(checked.code).toBe(0);
  });

  test("remote write with a bearer token: credentials_file; clearing the setting removes the file at the next rendering", async () => {
    const { stack, text } = await stackRendering({ PROMETHEUS_REMOTE_WRITE_URL: "https://vm.example/api/v1/write", PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN: "tok-7d2e41" });
    const tokenFile = prometheusPaths(stack).tokenFile;
    expect(parse(text).remote_write[0].authorization).toEqual({ type: "Bearer", credentials_file: tokenFile });
    expect(text).not.toContain("tok-7d2e41");
    expect(checkConfig(text).code).toBe(0);
    await stackPrometheusTargets(stack, ports, settingsOf({ RABBITMQ_PROMETHEUS_URL: "http://127.0.0.1:1" }), false);
    expect(() => statSync(tokenFile)).toThrow();
  });

  test("a scrape interval under 10 s shortens the scrape timeout with it, which Prometheus requires", async () => {
    const { text } = await stackRendering({ PROMETHEUS_SCRAPE_INTERVAL: "5s", PROMETHEUS_EVALUATION_INTERVAL: "1s" });
    expect(parse(text).global).toEqual({ scrape_interval: "5s", scrape_timeout: "5s", evaluation_interval: "1s" });
    expect(checkConfig(text).code).toBe(0);
    const refused = checkConfig(text.replace("scrape_timeout: 5s", "scrape_timeout: 10s"), "timeout.yml");
    expect(refused.code).not.toBe(0);
  });
});

describe("the settings", () => {
  const problems = (env: Record<string, string>) => {
    try {
      settingsOf(env);
      return [];
    } catch (error) {
      if (!isFailure(error, "badInput")) throw error;
      return error.problems;
    }
  };

  test("Prometheus durations, and the remote-write credentials only together and with an endpoint", () => {
    expect(problems({ PROMETHEUS_SCRAPE_INTERVAL: "15 seconds" })).toEqual(['PROMETHEUS_SCRAPE_INTERVAL: expected a Prometheus duration such as 15s, 1m, 12h or 90d, got "15 seconds"']);
    expect(problems({ PROMETHEUS_REMOTE_WRITE_USER: "u", PROMETHEUS_REMOTE_WRITE_PASSWORD: "p" })).toEqual([
      "PROMETHEUS_REMOTE_WRITE_URL: not set, yet remote-write credentials are: set the endpoint, or clear them",
    ]);
    expect(problems({ PROMETHEUS_REMOTE_WRITE_URL: "https://x.example", PROMETHEUS_REMOTE_WRITE_USER: "u" })).toEqual([
      "PROMETHEUS_REMOTE_WRITE_PASSWORD: basic auth needs both PROMETHEUS_REMOTE_WRITE_USER and PROMETHEUS_REMOTE_WRITE_PASSWORD",
    ]);
    expect(problems({ PROMETHEUS_REMOTE_WRITE_URL: "https://x.example", PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN: "t", PROMETHEUS_REMOTE_WRITE_USER: "u", PROMETHEUS_REMOTE_WRITE_PASSWORD: "p" })).toEqual([
      "PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN: set together with basic auth; use one of the two",
    ]);
    expect(settingsOf({}).prometheus).toMatchObject({ url: "http://prometheus:9090", scrapeInterval: "15s", retention: "90d", remoteWrite: undefined });
  });
});
