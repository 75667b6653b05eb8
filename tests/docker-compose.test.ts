// docker-compose.yml, read by a real compose parser: Debian's docker-compose (v1) resolves the file,
// its variables and profiles without a Docker engine. The expectations are written from the issue.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { provisioningVariables } from "../grafana/datasources.ts";
import { SERVICE_NAMES } from "../scripts/lib/services.ts";
import { COMPOSE_MONITOR_PORT, COMPOSE_PATHS } from "../prometheus/prometheus.ts";
import { COMPOSE_SECRETS_DIR, SECRET_FILES } from "../prometheus/alertmanager.ts";
import { PROMETHEUS_DIR } from "../scripts/lib/prometheus/provision.ts";
import { ALERTMANAGER_IMAGE, PROMETHEUS_IMAGE } from "../scripts/lib/stack/prometheus-tools.ts";
import { programTests } from "./support/timeouts.ts";

programTests();

const REPO = resolve(import.meta.dir, "..");
const FILE = join(REPO, "docker-compose.yml");

interface Service {
  image: string;
  environment: Record<string, string>;
  ports?: { published: number | string; target: number }[];
  volumes: string[];
  healthcheck?: { test: string[] };
  networks: Record<string, unknown> | string[];
  profiles?: string[];
  command?: string[];
  entrypoint?: string[];
}
interface Resolved {
  services: Record<string, Service>;
  networks: Record<string, { external?: boolean; name?: string }>;
  volumes: Record<string, unknown>;
}

/** The two settings every compose command needs (the demo's passwords, read before profiles apply). */
const NEEDED = { POSTGRES_PASSWORD: "pg-test-value", RABBITMQ_PASSWORD: "mq-test-value" };

/** `docker-compose config` with exactly these variables (an --env-file of the test's own, so that a
 *  developer's ./.env or shell does not leak in), NEEDED included. */
let defaults: Resolved | undefined;
function resolved(variables: Record<string, string> = {}): Resolved {
  if (!Object.keys(variables).length && defaults) return defaults;
  const run = compose({ ...NEEDED, ...variables });
  if (run.exitCode !== 0) throw new Error(`docker-compose config failed: ${run.stderr}`);
  const config = parse(run.stdout) as Resolved;
  if (!Object.keys(variables).length) defaults = config;
  return config;
}

/** `docker-compose [--profile P] config` with exactly these variables. */
function compose(variables: Record<string, string>, profile?: string): { exitCode: number; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "compose-"));
  let run: ReturnType<typeof Bun.spawnSync>;
  try {
    const envFile = join(dir, "test.env");
    writeFileSync(envFile, Object.entries(variables).map(([k, v]) => `${k}=${v}`).join("\n"));
    const profiles = profile ? ["--profile", profile] : [];
    run = Bun.spawnSync(["docker-compose", "--env-file", envFile, "-f", FILE, ...profiles, "config"], { cwd: REPO, env: { PATH: process.env.PATH ?? "" } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { exitCode: run.exitCode ?? 1, stdout: run.stdout!.toString(), stderr: run.stderr!.toString() };
}

const hasCompose = Bun.spawnSync(["sh", "-c", "command -v docker-compose"]).exitCode === 0;

describe("docker-compose.yml", () => {
  test("a compose parser is installed (Debian's docker-compose package)", () => {
    if (!hasCompose) throw new Error("docker-compose is not installed: apt-get install docker-compose (it parses the file without a Docker engine)");
  });

  test.if(hasCompose)("Grafana 13.2.3 and Infinity 3.11.1 pinned; locked down; provisioning and dashboards read-only; data volume; healthcheck", () => {
    const grafana = resolved().services.grafana!;
    expect(grafana.image).toBe("grafana/grafana:13.2.3");
    expect(grafana.environment).toMatchObject({
      GF_PLUGINS_PREINSTALL_SYNC: "yesoreyeram-infinity-datasource@3.11.1",
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
    });
    expect(grafana.volumes).toContain(`${REPO}/grafana/provisioning:/etc/grafana/provisioning:ro`);
    expect(grafana.volumes).toContain(`${REPO}/grafana/dashboards:/etc/grafana/dashboards:ro`);
    expect(grafana.volumes).toContain("grafana-data:/var/lib/grafana:rw");
    expect(grafana.healthcheck?.test.join(" ")).toContain("/api/health");
    expect(grafana.profiles).toBeUndefined();
  });

  test.if(hasCompose)("admin credentials and the port come from .env; admin/admin and 4700 only as defaults", () => {
    const defaults = resolved().services.grafana!;
    expect(defaults.environment).toMatchObject({ GF_SECURITY_ADMIN_USER: "admin", GF_SECURITY_ADMIN_PASSWORD: "admin" });
    expect(defaults.ports).toEqual([{ published: 4700, target: 3000 }]);
    const set = resolved({ GRAFANA_ADMIN_USER: "ops", GRAFANA_ADMIN_PASSWORD: "from-dotenv", GRAFANA_PORT: "4710" }).services.grafana!;
    expect(set.environment).toMatchObject({ GF_SECURITY_ADMIN_USER: "ops", GF_SECURITY_ADMIN_PASSWORD: "from-dotenv" });
    expect(set.ports).toEqual([{ published: 4710, target: 3000 }]);
  });

  test.if(hasCompose)("Grafana joins the trading system's external network, whose name is configurable", () => {
    expect(resolved().networks.ytrader).toEqual({ external: true, name: "ytrader_default" });
    expect(resolved({ YTRADER_NETWORK: "trading_net" }).networks.ytrader).toEqual({ external: true, name: "trading_net" });
    expect(Object.keys(resolved().services.grafana!.networks)).toContain("ytrader");
  });

  test.if(hasCompose)("Grafana gets exactly what the provisioning files reference, secrets by name; admin secrets and unneeded keys never", () => {
    const variables = {
      GRAFANA_POSTGRES_PASSWORD: "s1",
      RABBITMQ_MONITOR_PASSWORD: "s2",
      MODEL_SERVICE_API_KEY: "s4",
      WS_GATEWAY_API_KEY: "unneeded-1",
      ORDERMANAGER_API_KEY: "unneeded-2",
      POSITION_MANAGER_API_KEY: "unneeded-3",
      POSTGRES_PASSWORD: "admin-secret",
      RABBITMQ_PASSWORD: "broker-secret",
      GRAFANA_TOKEN: "token-secret",
      POSTGRES_HOST: "db.internal",
    };
    const environment = resolved(variables).services.grafana!.environment;
    for (const name of ["GRAFANA_POSTGRES_PASSWORD", "RABBITMQ_MONITOR_PASSWORD", "MODEL_SERVICE_API_KEY", "POSTGRES_HOST"] as const) {
      expect(environment[name]).toBe(variables[name]);
    }
    for (const value of ["admin-secret", "broker-secret", "token-secret", "unneeded-1", "unneeded-2", "unneeded-3"]) {
      expect(Object.values(environment)).not.toContain(value);
    }
    // Every variable the generated datasource provisioning reads is passed, with every service that
    // MONITORED_SERVICES may name, and nothing beyond it and GF_*.
    const passed = Object.keys(environment).filter((name) => !name.startsWith("GF_")).sort();
    expect(passed).toEqual([...provisioningVariables(SERVICE_NAMES)].sort());
    expect(provisioningVariables()).not.toContain("FEATURE_SERVICE_HOST");
    // The defaults are the trading system's own compose names, and the compose Prometheus.
    expect(resolved().services.grafana!.environment).toMatchObject({
      POSTGRES_HOST: "postgres",
      RABBITMQ_MANAGEMENT_URL: "http://rabbitmq:15672",
      WS_GATEWAY_HOST: "ws-gateway",
      PROMETHEUS_URL: "http://prometheus:9090",
    });
    // In the file itself, every password, key or token is a ${VARIABLE} reference (or the documented admin
    // default), or a required one (${VARIABLE:?message}) whose message holds no value.
    const raw = readFileSync(FILE, "utf8");
    const secretLines = [...raw.matchAll(/^\s*([A-Z_]*(?:PASSWORD|PASS|API_KEY|TOKEN)):\s*(.*)$/gm)];
    expect(secretLines.length).toBeGreaterThan(8);
    for (const [, key, value] of secretLines) expect(`${key}: ${value}`).toMatch(/: \$\{([A-Z_]+:-(admin)?|([A-Z_]+):\?set \3 in \.env[^}$]*)\}$/);
  });

  test.if(hasCompose)("Grafana starts with RABBITMQ_MANAGEMENT_URL without a trailing slash, the URL check and push use", () => {
    const entrypoint = resolved({ RABBITMQ_MANAGEMENT_URL: "http://mq.internal:15672//" }).services.grafana!.entrypoint!;
    expect(entrypoint.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(entrypoint[2]).toContain("exec /run.sh");
    // The same shell line, run here with the image's /run.sh replaced by one that prints what it was given
    const dir = mkdtempSync(join(tmpdir(), "entrypoint-"));
    try {
      const runSh = join(dir, "run.sh");
      writeFileSync(runSh, '#!/bin/sh\nprintf "%s" "$RABBITMQ_MANAGEMENT_URL"\n', { mode: 0o755 });
      // `docker-compose config` prints the file's $$ escapes; the container is given one $
      const script = entrypoint[2]!.replaceAll("$$", "$").replace("/run.sh", runSh);
      const cases: Array<[string, string]> = [
        ["http://mq.internal:15672//", "http://mq.internal:15672"],
        ["http://rabbitmq:15672", "http://rabbitmq:15672"],
        ["https://ops.example/rabbitmq/", "https://ops.example/rabbitmq"],
      ];
      for (const [given, passed] of cases) {
        const run = Bun.spawnSync(["/bin/sh", "-c", script, ...entrypoint.slice(3)], { env: { PATH: process.env.PATH ?? "", RABBITMQ_MANAGEMENT_URL: given } });
        expect({ given, passed: run.stdout.toString() }).toEqual({ given, passed });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.if(hasCompose)("Alertmanager's receiver secrets: from the environment into files of mode 600 that its configuration names, then out of its environment", () => {
    const alertmanager = resolved({ ALERTMANAGER_WEBHOOK_URL: "https://hooks.example/t-1" }).services.alertmanager!;
    expect(alertmanager.environment).toEqual({ ALERTMANAGER_WEBHOOK_URL: "https://hooks.example/t-1", ALERTMANAGER_SLACK_WEBHOOK_URL: "", ALERTMANAGER_SMTP_PASSWORD: "" });
    const entrypoint = alertmanager.entrypoint!;
    expect(entrypoint.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    const dir = mkdtempSync(join(tmpdir(), "am-entrypoint-"));
    try {
      // The same shell line, with the container's secrets directory and /bin/alertmanager replaced by a
      // directory of the test's and a stand-in that prints its environment and arguments.
      const fake = join(dir, "alertmanager");
      writeFileSync(fake, '#!/bin/sh\nenv | grep ^ALERTMANAGER_ || true\necho "args: $*"\n', { mode: 0o755 });
      const secrets = join(dir, "secrets");
      const script = entrypoint[2]!.replaceAll("$$", "$").replace(COMPOSE_SECRETS_DIR, secrets).replace("/bin/alertmanager", fake);
      const run = Bun.spawnSync(["/bin/sh", "-c", script, ...entrypoint.slice(3), "--config.file=x"], {
        env: { PATH: process.env.PATH ?? "", ALERTMANAGER_WEBHOOK_URL: "https://hooks.example/t-1", ALERTMANAGER_SMTP_PASSWORD: "pw-9", ALERTMANAGER_SLACK_WEBHOOK_URL: "" },
      });
      expect(run.stdout.toString()).toBe("args: --config.file=x\n");
      for (const [name, value] of [[SECRET_FILES.webhookUrl.file, "https://hooks.example/t-1"], [SECRET_FILES.smtpPassword.file, "pw-9"]] as const) {
        expect(readFileSync(join(secrets, name), "utf8")).toBe(value);
        expect(statSync(join(secrets, name)).mode & 0o777).toBe(0o600);
      }
      expect(existsSync(join(secrets, SECRET_FILES.slackWebhookUrl.file))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.if(hasCompose)("profile demo: PostgreSQL 15, RabbitMQ with management, and the demo services on the repo", () => {
    const { services } = resolved();
    expect(services.postgres).toMatchObject({ image: "postgres:15", profiles: ["demo"] });
    expect(services.rabbitmq!.image).toMatch(/^rabbitmq:[\d.]+-management$/);
    expect(services.rabbitmq!.profiles).toEqual(["demo"]);
    const demo = services.demo!;
    expect(demo.image).toMatch(/^oven\/bun:\d+\.\d+\.\d+$/);
    expect(demo.profiles).toEqual(["demo"]);
    // Its targets are the project's own services, declared scratch: without that the demo refuses them.
    expect(demo.command!.join(" ")).toContain("bun scripts/demo.ts run --env-file /dev/null --scratch");
    // Grafana's container reaches the services over the compose network, not on the demo's loopback.
    expect(demo.command!.join(" ")).toContain("--listen-host 0.0.0.0");
    expect(demo.volumes).toContain(`${REPO}:/app:ro`);
    expect(demo.environment).toMatchObject({ POSTGRES_HOST: "postgres", RABBITMQ_HOST: "rabbitmq" });
  });

  test.if(hasCompose)("profile demo with no .env: refused at once, naming the variable; with the two passwords every variable resolves, and RabbitMQ's user is not guest", () => {
    const bare = compose({}, "demo");
    expect(bare.exitCode).not.toBe(0);
    expect(bare.stderr).toMatch(/POSTGRES_PASSWORD|RABBITMQ_PASSWORD/);
    const withoutBroker = compose({ POSTGRES_PASSWORD: "pg-test-value" }, "demo");
    expect(withoutBroker.exitCode).not.toBe(0);
    expect(withoutBroker.stderr).toContain("set RABBITMQ_PASSWORD in .env");
    const ok = compose(NEEDED, "demo");
    expect(ok.exitCode).toBe(0);
    const { services } = parse(ok.stdout) as Resolved;
    // guest may only log in from RabbitMQ's own host: the demo connects over the network
    expect(services.rabbitmq!.environment).toMatchObject({ RABBITMQ_DEFAULT_USER: "ytrader", RABBITMQ_DEFAULT_PASS: "mq-test-value" });
    expect(services.demo!.environment).toMatchObject({ RABBITMQ_USER: "ytrader", RABBITMQ_PASSWORD: "mq-test-value", POSTGRES_PASSWORD: "pg-test-value" });
    expect(services.postgres!.environment.POSTGRES_PASSWORD).toBe("pg-test-value");
    // No variable left empty that a demo service needs
    for (const name of ["postgres", "rabbitmq", "demo"]) {
      for (const [key, value] of Object.entries(services[name]!.environment)) {
        if (/PASSWORD|PASS$|_USER$/.test(key)) expect({ service: name, key, value }).not.toEqual({ service: name, key, value: "" });
      }
    }
   }, 30_000);

  test.if(hasCompose)("Prometheus of the tests' release: the generated configuration and rules mounted read-only, a data volume, retention from the setting, healthcheck", () => {
    const prometheus = resolved().services.prometheus!;
    expect(prometheus.image).toBe(PROMETHEUS_IMAGE);
    expect(prometheus.profiles).toBeUndefined();
    expect(prometheus.volumes).toContain(`${REPO}/prometheus/prometheus.yml:${COMPOSE_PATHS.config}:ro`);
    expect(prometheus.volumes).toContain(`${REPO}/prometheus/rules:${COMPOSE_PATHS.rules}:ro`);
    expect(prometheus.volumes).toContain("prometheus-data:/prometheus:rw");
    expect(prometheus.command).toContain(`--config.file=${COMPOSE_PATHS.config}`);
    expect(prometheus.command).toContain("--storage.tsdb.retention.time=90d");
    expect(resolved({ PROMETHEUS_RETENTION: "30d" }).services.prometheus!.command).toContain("--storage.tsdb.retention.time=30d");
    expect(prometheus.healthcheck?.test.join(" ")).toContain("http://127.0.0.1:9090/-/ready");
    // It scrapes RabbitMQ on the trading system's network too.
    expect(Object.keys(prometheus.networks)).toEqual(expect.arrayContaining(["default", "ytrader"]));
    expect(prometheus.ports ?? []).toEqual([]);
  });

  test.if(hasCompose)("Alertmanager of the tests' release, alone (no cluster), its generated configuration mounted", () => {
    const alertmanager = resolved().services.alertmanager!;
    expect(alertmanager.image).toBe(ALERTMANAGER_IMAGE);
    expect(alertmanager.command).toContain("--cluster.listen-address=");
    expect(alertmanager.volumes).toContain(`${REPO}/prometheus/alertmanager.yml:${COMPOSE_PATHS.alertmanagerConfig}:ro`);
    expect(alertmanager.volumes).toContain("alertmanager-data:/alertmanager:rw");
    expect(alertmanager.healthcheck?.test.join(" ")).toContain("http://127.0.0.1:9093/-/ready");
  });

  test.if(hasCompose)("the monitor runs the toolkit's own `bun scripts/monitor.ts` on the repo, listening where prometheus.yml scrapes it", () => {
    const { services } = resolved();
    const monitor = services.monitor!;
    expect(monitor.image).toBe(services.demo!.image);
    expect(monitor.profiles).toBeUndefined();
    expect(monitor.command!.join(" ")).toContain("exec bun scripts/monitor.ts --env-file /dev/null");
    expect(monitor.volumes).toContain(`${REPO}:/app:ro`);
    expect(monitor.environment).toMatchObject({ MONITOR_PORT: String(COMPOSE_MONITOR_PORT), MONITOR_LISTEN_HOST: "0.0.0.0" });
  });

  test.if(hasCompose)("prometheus.yml names the compose services that exist, and Grafana's scrape interval is the file's", () => {
    const { services } = resolved();
    const config = parse(readFileSync(join(PROMETHEUS_DIR, "prometheus.yml"), "utf8")) as {
      global: { scrape_interval: string };
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const hosts = [
      ...config.scrape_configs.map((job) => job.static_configs[0]!.targets[0]!),
      config.alerting.alertmanagers[0]!.static_configs[0]!.targets[0]!,
    ].map((target) => target.split(":")[0]!);
    for (const host of hosts) expect(host === "localhost" || host in services).toBe(true);
    expect(services.grafana!.environment.PROMETHEUS_SCRAPE_INTERVAL).toBe(config.global.scrape_interval);
    // The demo's broker runs the exporter the rabbitmq job scrapes.
    expect(services.rabbitmq!.command!.join(" ")).toContain("rabbitmq-plugins enable --offline rabbitmq_prometheus");
  });
});
