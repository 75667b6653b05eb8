// The alert rules and Alertmanager's configuration, by the real tools of the pinned releases: promtool
// checks the rule file (the committed one and one rendered with other thresholds) and runs the unit tests
// of tests/support/alert-cases.ts (every alert fires after its `for`, stays quiet just short of its
// threshold, resolves); amtool checks Alertmanager's configuration with every receiver set, whose secrets
// stay in files of mode 600; every runbook_url names a runbook section that exists.
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { alertDefinitions, cappedFor } from "../prometheus/alerts.ts";
import { loadConfig } from "../scripts/lib/config.ts";
import { isFailure } from "../scripts/lib/errors.ts";
import { PROMETHEUS_DIR, RULES_DIR, RULES_FILE, prometheusFiles, renderAlertRules } from "../scripts/lib/prometheus/provision.ts";
import { COMPOSE_SECRETS_DIR } from "../prometheus/alertmanager.ts";
import { alertmanagerPaths, prometheusPaths, writeReceiverSecrets, writeStackRules } from "../scripts/lib/stack/local-prometheus.ts";
import { renderAlertmanagerConfig } from "../scripts/lib/prometheus/provision.ts";
import { ALERT_CASES, promtoolTestFile } from "./support/alert-cases.ts";
import { runTool } from "./support/prometheus.ts";
import { programTests } from "./support/timeouts.ts";

programTests();

const scratch = mkdtempSync(join(tmpdir(), "alerts-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const settingsOf = (env: Record<string, string>) => loadConfig({ env, envFile: "/dev/null" });
const committedRules = join(RULES_DIR, RULES_FILE);
const DOCS = join(import.meta.dir, "..", "docs");

function checkRules(text: string, name: string) {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return runTool("promtool", ["check", "rules", path]);
}

describe("the rule file", () => {
  test("promtool accepts the committed one: every alert of the definitions, and the four queue records", () => {
    const checked = runTool("promtool", ["check", "rules", committedRules]);
    expect(checked.output).toContain("SUCCESS: 18 rules found");
    expect(checked.code).toBe(0);
    const names = parse(readFileSync(committedRules, "utf8")).groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules.map((r) => r.alert).filter(Boolean));
    expect(names).toEqual(alertDefinitions(settingsOf({}).alerts).map((d) => d.name));
    expect(names.length).toBe(14);
  });

  test("thresholds and `for` come from the settings: other values render other rules, which promtool accepts", () => {
    const config = settingsOf({ ALERT_QUEUE_MAX_MESSAGES: "5000", ALERT_ORDER_REJECTION_RATIO: "0.35", ALERT_FOR_MAX: "10s", ALERT_RUNBOOK_BASE_URL: "https://git.example/ops/blob/main/docs/runbooks/" });
    const text = renderAlertRules(config.alerts);
    expect(text).toContain("} > 5000 or");
    expect(text).toContain("> 0.35 and ytrader_orders_recent >= 5");
    expect(text).toContain("over 35% (ALERT_ORDER_REJECTION_RATIO");
    const rules = parse(text).groups.flatMap((g: { rules: Record<string, unknown>[] }) => g.rules).filter((r: Record<string, unknown>) => r.alert);
    expect(new Set(rules.map((r: Record<string, unknown>) => r.for))).toEqual(new Set(["10s", "0s"]));
    expect(rules[0].annotations.runbook_url).toBe("https://git.example/ops/blob/main/docs/runbooks/alerts.md#ytraderserviceunreachable");
    expect(checkRules(text, "other.yml").code).toBe(0);
    expect(cappedFor("5m", "10s")).toBe("10s");
    expect(cappedFor("0s", "10s")).toBe("0s");
  });

  test("promtool really checks: a rule with broken PromQL is refused", () => {
    const broken = checkRules(readFileSync(committedRules, "utf8").replace("ytrader_service_status == 0", "ytrader_service_status =="), "broken.yml");
    expect(broken.code).not.toBe(0);
    expect(broken.output).toContain("parse error");
  });

  test("bad thresholds are refused with the setting named", () => {
    const refusal = (env: Record<string, string>) => {
      const error = (() => {
        try {
          settingsOf(env);
        } catch (caught) {
          return caught;
        }
      })();
      return isFailure(error, "badInput") ? error.problems : [];
    };
    expect(refusal({ ALERT_QUEUE_MAX_MESSAGES: "lots" })).toEqual(['ALERT_QUEUE_MAX_MESSAGES: expected a positive number, got "lots"']);
    expect(refusal({ ALERT_ORDER_REJECTION_RATIO: "20" })).toEqual(["ALERT_ORDER_REJECTION_RATIO: expected a share below 1 (0.2 = 20%)"]);
    expect(refusal({ ALERT_NO_SIGNALS_AFTER: "30 minutes" })[0]).toStartWith("ALERT_NO_SIGNALS_AFTER: expected a Prometheus duration");
    expect(refusal({ ALERTMANAGER_EMAIL_TO: "ops@example.com" })).toEqual([
      "ALERTMANAGER_SMTP_SMARTHOST: needed to send e-mail to ALERTMANAGER_EMAIL_TO",
      "ALERTMANAGER_SMTP_FROM: needed to send e-mail to ALERTMANAGER_EMAIL_TO",
    ]);
  });
});

describe("promtool test rules: every alert", () => {
  // The unit tests read the committed rule file (the defaults' thresholds and `for`).
  const dir = join(scratch, "unit");
  mkdirSync(dir, { recursive: true });
  copyFileSync(committedRules, join(dir, RULES_FILE));

  test("has a case that fires it, one that stays just short of its threshold, and its resolution", () => {
    const covered = new Set(ALERT_CASES.map((c) => c.alert));
    expect([...covered].sort()).toEqual(alertDefinitions(settingsOf({}).alerts).map((d) => d.name).sort());
    for (const name of covered) {
      const cases = ALERT_CASES.filter((c) => c.alert === name);
      const times = cases.flatMap((c) => Object.entries(c.expect));
      expect({ name, fires: times.some(([, alerts]) => alerts.length > 0) }).toEqual({ name, fires: true });
      // Quiet before its `for` has passed, and resolved after: an empty expectation before and after a firing one.
      const firstFiring = Math.min(...cases.flatMap((c) => Object.entries(c.expect).filter(([, a]) => a.length).map(([t]) => Number(t))));
      const resolves = cases.some((c) => {
        const at = Object.entries(c.expect).map(([t, a]) => [Number(t), a.length] as const);
        return at.some(([t, n]) => n > 0 && at.some(([later, m]) => later > t && m === 0));
      });
      expect({ name, quietFirst: times.some(([t, alerts]) => alerts.length === 0 && Number(t) < firstFiring), resolves }).toEqual({ name, quietFirst: true, resolves: true });
    }
  });

  for (const c of ALERT_CASES) {
    test(`${c.alert}: ${c.what}`, () => {
      const file = join(dir, `${c.alert}-${ALERT_CASES.indexOf(c)}.test.yml`);
      writeFileSync(file, stringify(promtoolTestFile([c], RULES_FILE), { lineWidth: 0 }));
      const run = runTool("promtool", ["test", "rules", file]);
      expect(run.output).toContain("SUCCESS");
      expect(run.code).toBe(0);
    });
  }

  test("the expected notices read as an operator reads them (the templates expanded with labels and value)", () => {
    const file = promtoolTestFile(ALERT_CASES.filter((c) => c.alert === "YtraderQueueBackedUp").slice(0, 1), RULES_FILE);
    const [firing] = file.tests[0]!.alert_rule_test.find((t) => t.exp_alerts.length)!.exp_alerts;
    expect(firing!.exp_annotations.summary).toBe("Queue model-service.trading_signals is backing up (1.001k messages)");
    expect(firing!.exp_annotations.description).toContain("it holds 1.001k messages now. Its consumer: order-manager.");
    expect(firing!.exp_labels).toEqual({ vhost: "/", queue: "model-service.trading_signals", service: "order-manager", severity: "warning" });
  });

  test("promtool really tests: an expectation the rules do not meet fails", () => {
    const [first] = ALERT_CASES;
    const wrong = { ...first!, expect: { 3: [] } };
    const file = join(dir, "wrong.test.yml");
    writeFileSync(file, stringify(promtoolTestFile([wrong], RULES_FILE), { lineWidth: 0 }));
    const run = runTool("promtool", ["test", "rules", file]);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain("YtraderServiceUnreachable");
  });
});

describe("Alertmanager's configuration", () => {
  test("every receiver set: amtool accepts it; the secrets are only in files of mode 600 that it names", () => {
    const secrets = { webhook: "https://hooks.example/alert?token=wh-3f9a1c", slack: "https://hooks.slack.example/services/T0/B0/sl-8e2d4b", smtp: "smtp-pw-71c0de" };
    const config = settingsOf({
      ALERTMANAGER_WEBHOOK_URL: secrets.webhook,
      ALERTMANAGER_SLACK_WEBHOOK_URL: secrets.slack,
      ALERTMANAGER_SLACK_CHANNEL: "#trading-alerts",
      ALERTMANAGER_EMAIL_TO: "ops@example.com",
      ALERTMANAGER_SMTP_SMARTHOST: "smtp.example.com:587",
      ALERTMANAGER_SMTP_FROM: "alerts@example.com",
      ALERTMANAGER_SMTP_USER: "alerts",
      ALERTMANAGER_SMTP_PASSWORD: secrets.smtp,
      ALERTMANAGER_GROUP_WAIT: "5s",
    });
    const paths = alertmanagerPaths(join(scratch, "stack"));
    mkdirSync(paths.home, { recursive: true });
    const text = renderAlertmanagerConfig(config.alertmanager, writeReceiverSecrets(paths, config));
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
    for (const [file, secret] of [[paths.secrets.webhookUrl, secrets.webhook], [paths.secrets.slackWebhookUrl, secrets.slack], [paths.secrets.smtpPassword, secrets.smtp]] as const) {
      expect(readFileSync(file, "utf8")).toBe(secret);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    const parsed = parse(text);
    expect(parsed.route.group_wait).toBe("5s");
    expect(parsed.route.routes).toEqual([
      { receiver: "critical", matchers: ['severity="critical"'] },
      { receiver: "warning", matchers: ['severity="warning"'] },
    ]);
    const critical = parsed.receivers.find((r: { name: string }) => r.name === "critical");
    const warning = parsed.receivers.find((r: { name: string }) => r.name === "warning");
    expect(critical.webhook_configs).toEqual([{ url_file: paths.secrets.webhookUrl, send_resolved: true }]);
    expect(critical.slack_configs[0]).toMatchObject({ api_url_file: paths.secrets.slackWebhookUrl, channel: "#trading-alerts" });
    expect(critical.email_configs[0]).toMatchObject({ to: "ops@example.com", auth_username: "alerts", auth_password_file: paths.secrets.smtpPassword });
    expect(Object.keys(warning).sort()).toEqual(["name", "slack_configs", "webhook_configs"]);

    const file = join(scratch, "alertmanager.yml");
    writeFileSync(file, text);
    const checked = runTool("amtool", ["check-config", file]);
    expect(checked.output).toContain("SUCCESS");
    expect(checked.output).toContain("- 3 receivers");
    expect(checked.output).toContain("- 3 inhibit rules");
    for (const secret of Object.values(secrets)) expect(checked.output).not.toContain(secret);
    expect(checked.code).toBe(0);

    // Cleared settings remove the files at the next start.
    writeReceiverSecrets(paths, settingsOf({}));
    expect(existsSync(paths.secrets.webhookUrl)).toBe(false);
  });

  test("docker-compose's rendering with receivers set names the files its entrypoint writes; amtool accepts it", () => {
    const config = settingsOf({ ALERTMANAGER_WEBHOOK_URL: "https://hooks.example/c-5b1e", ALERTMANAGER_SLACK_WEBHOOK_URL: "https://hooks.slack.example/c-77" });
    const file = prometheusFiles({ alertmanager: config.alertmanager }).find((f) => f.path === "alertmanager.yml")!;
    expect(file.content).not.toContain("c-5b1e");
    expect(file.content).not.toContain("c-77");
    const critical = parse(file.content).receivers.find((r: { name: string }) => r.name === "critical");
    expect(critical.webhook_configs[0].url_file).toBe(`${COMPOSE_SECRETS_DIR}/webhook-url`);
    expect(critical.slack_configs[0].api_url_file).toBe(`${COMPOSE_SECRETS_DIR}/slack-webhook-url`);
    const path = join(scratch, "compose-alertmanager.yml");
    writeFileSync(path, file.content);
    expect(runTool("amtool", ["check-config", path]).code).toBe(0);
    // The committed file: no receiver, so the same for every operator.
    expect(readFileSync(join(PROMETHEUS_DIR, "alertmanager.yml"), "utf8")).toBe(prometheusFiles().find((f) => f.path === "alertmanager.yml")!.content);
    expect(readFileSync(join(PROMETHEUS_DIR, "alertmanager.yml"), "utf8")).not.toContain("_file");
  });

  test("inhibitions: a consumer down silences its queues' alerts (label service), the broker down every queue alert", () => {
    const parsed = parse(renderAlertmanagerConfig());
    expect(parsed.inhibit_rules).toContainEqual({
      source_matchers: ['alertname=~"YtraderServiceUnreachable|YtraderServiceUnhealthy"'],
      target_matchers: ['alertname=~"YtraderQueue.+"'],
      equal: ["service"],
    });
    expect(parsed.inhibit_rules).toContainEqual({ source_matchers: ['alertname="YtraderRabbitmqUnreachable"'], target_matchers: ['alertname=~"YtraderQueue.+"'] });
  });
});

describe("the local stack's rule file", () => {
  test("rendered with the settings into the stack's own directory, the one its Prometheus loads", () => {
    const stack = join(scratch, "stack-rules");
    const file = writeStackRules(stack, settingsOf({ ALERT_FOR_MAX: "5s" }));
    expect(file).toBe(join(prometheusPaths(stack).rules, RULES_FILE));
    expect(readFileSync(file, "utf8")).toContain("for: 5s");
    expect(runTool("promtool", ["check", "rules", file]).code).toBe(0);
  });
});

describe("runbooks", () => {
  test("every alert's runbook_url names a runbook in docs/runbooks with a section for that alert", () => {
    const rules = parse(readFileSync(committedRules, "utf8")).groups.flatMap((g: { rules: Record<string, unknown>[] }) => g.rules).filter((r: Record<string, unknown>) => r.alert);
    for (const rule of rules as { alert: string; annotations: { runbook_url: string } }[]) {
      const [path, anchor] = rule.annotations.runbook_url.split("#");
      expect(path).toStartWith("docs/runbooks/");
      const file = join(DOCS, "..", path!);
      expect({ alert: rule.alert, exists: existsSync(file) }).toEqual({ alert: rule.alert, exists: true });
      const headings = readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line.startsWith("## "))
        .map((line) => line.slice(3).trim().toLowerCase());
      expect({ alert: rule.alert, section: headings.includes(anchor!) }).toEqual({ alert: rule.alert, section: true });
    }
  });
});
