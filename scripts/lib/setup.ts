// `setup`: from the operator's settings to a locked-down Grafana whose every panel answers. A list of steps,
// run one after another with one line each, stopping at the first that fails: config -> role -> queues -> provision
// -> Grafana reachable? -> push -> smoke. With no Grafana to reach, the rest of the list becomes `check`,
// so that the operator still sees every panel's data, and setup exits 4. Run twice, the second run
// changes nothing.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Config, loadConfig } from "./config.ts";
import { needsOf } from "./needs.ts";
import { EXIT, describeFailure, exitCodeFor } from "./errors.ts";
import { stackEnv, stackUp } from "./stack/stack.ts";
import { provisionSettingsOf, writeProvisionFiles } from "./grafana/provision.ts";
import { grafanaClientFor } from "./grafana/client.ts";
import { isGrafanaError } from "./grafana/errors.ts";
import { runPushStep } from "./grafana/push.ts";
import { runSmokeStep } from "./grafana/smoke.ts";
import { runCheck } from "./check/run.ts";
import { runRoleStep } from "./role/role-step.ts";
import { describeShape } from "./shapes/detect.ts";
import { missingPhrase, panelsByView } from "./shapes/inspect.ts";
import { describeQueueSource, queueSourceChoice } from "./monitor/queues.ts";
import { dashboardDefinitions, datasourceDefinitions, renderingOf } from "../../grafana/index.ts";
import { RECEIVER_SETTINGS, configuredReceivers } from "../../prometheus/alertmanager.ts";
import { alertDefinitions } from "../../prometheus/alerts.ts";

type StepName = "config" | "role" | "queues" | "provision" | "grafana" | "push" | "smoke" | "check";

export interface SetupStep {
  name: StepName;
  ok: boolean;
  changes: number;
  detail: string;
}

export interface SetupResult {
  ok: boolean;
  changes: number;
  exitCode: number;
  /** Where the settings came from: an env file, or the toolkit's own demo stack. */
  source: string;
  steps: SetupStep[];
}

export interface SetupOptions {
  envFile?: string;
  /** A line per step as it happens (and warnings). */
  log?: (line: string) => void;
  /** Where provisioning writes (default the repository's grafana/). */
  provisionDir?: string;
}

/** What the steps share as they go. */
interface Run {
  options: SetupOptions;
  log: (line: string) => void;
  config?: Config;
  source: string;
}

/** A step's outcome: a failed step ends the run, unless `then` names the steps to run instead of the
 *  rest; `exitCode` is the run's exit code from then on (a failure's is 1 unless it says). */
interface Outcome {
  ok: boolean;
  changes?: number;
  detail: string;
  /** Lines printed under the step's own. */
  notes?: string[];
  exitCode?: number;
  then?: Step[];
}

interface Step {
  name: StepName;
  run(run: Run): Promise<Outcome>;
}

const NO_GRAFANA_HINT = "Start one with `docker compose up -d grafana` (it provisions these files), or set GRAFANA_URL to a running Grafana. Checking the panels directly meanwhile:";

/** The operator's .env, or, with none, the toolkit's own demo stack (started if needed). */
const configStep: Step = {
  name: "config",
  async run(run) {
    const hasEnvFile = Boolean(run.options.envFile) || existsSync(resolve(".env"));
    if (hasEnvFile) {
      run.config = loadConfig({ envFile: run.options.envFile, required: needsOf("setup") });
      run.source = run.config.envFile ?? "the environment";
    } else {
      run.log("config     no .env here and no --env-file: using the toolkit's demo stack (its PostgreSQL, RabbitMQ and demo services)");
      const statuses = await stackUp((line) => run.log(`           stack: ${line}`));
      run.config = loadConfig({ env: { ...stackEnv(statuses), ...process.env }, envFile: "/dev/null" });
      run.source = "the demo stack";
    }
    const { grafana } = run.config;
    const warning = "WARNING    GRAFANA_ADMIN_PASSWORD is not set: Grafana's first-run admin/admin is in use. Set it in .env before exposing Grafana.";
    return { ok: true, detail: `settings from ${run.source}; Grafana at ${grafana.url}`, notes: grafana.usesDefaultPassword && !grafana.token ? [warning] : [] };
  },
};

/** The read-only PostgreSQL role and the RabbitMQ monitoring user. */
const roleStep: Step = {
  name: "role",
  async run(run) {
    const role = await runRoleStep(run.config!, { rabbitmq: true });
    const missing = role.monitoring?.missing ?? [];
    if (missing.length) {
      // An unknown shape: said by column and panel, and setup stops before any dashboard shows it as data.
      const byView = panelsByView(dashboardDefinitions(renderingOf(run.config!)), run.config!.monitor.schema);
      const named = missing.map((m) => ({ ...m, panels: byView.get(m.view) ?? [] }));
      return { ok: false, changes: role.changes, detail: `unknown schema shape: ${missingPhrase(named)}`, exitCode: role.exitCode };
    }
    if (!role.ok) return { ok: false, changes: role.changes, detail: [role.postgres.error, role.monitoring?.error, role.rabbitmq?.error].filter(Boolean).join("; "), exitCode: role.exitCode };
    const shape = role.monitoring?.shape ? `; schema: ${describeShape(role.monitoring.shape)}` : "";
    return { ok: true, changes: role.changes, detail: `${role.postgres.role} and RabbitMQ user ${role.rabbitmq?.user}: ${role.changes ? `${role.changes} change(s)` : "already converged"}${shape}` };
  },
};

/** Where Prometheus gets the per-queue figures: RabbitMQ's own exporter when it answers (the stack's
 *  Prometheus then scrapes it), else the monitor (queues.ts queueSourceChoice, which both also follow). */
const queuesStep: Step = {
  name: "queues",
  async run(run) {
    return { ok: true, detail: describeQueueSource(await queueSourceChoice(run.config!)) };
  },
};

/** The provisioning files rendered with the settings, as `bun run provision` renders them (with the
 *  defaults, the committed files: no change unless the code changed), the alert rules with the settings'
 *  thresholds; says where notifications go, or that they go nowhere. */
const provisionStep: Step = {
  name: "provision",
  async run(run) {
    const { written } = writeProvisionFiles({ dir: run.options.provisionDir, ...provisionSettingsOf(run.config!) });
    const receivers = configuredReceivers(run.config!.alertmanager);
    const alerts = receivers.length
      ? `           alerts: ${alertDefinitions(run.config!.alerts).length} rules installed; Alertmanager notifies ${receivers.join(", ")} (docker compose: restart alertmanager to read prometheus/alertmanager.yml and the secrets of .env)`
      : `           alerts: ${alertDefinitions(run.config!.alerts).length} rules installed; notifications go nowhere yet: no receiver is set (${RECEIVER_SETTINGS.join(", ")})`;
    return { ok: true, changes: written.length, detail: written.length ? `wrote ${written.join(", ")}` : "files up to date", notes: [alerts] };
  },
};

/** Grafana reachable? If not, check proves the panels against their sources directly, and setup exits 4. */
const grafanaStep: Step = {
  name: "grafana",
  async run(run) {
    const client = grafanaClientFor(run.config!.grafana);
    const health = await client.health().catch((error: unknown) => error as Error);
    // Something else answering at GRAFANA_URL is a setting to fix (exit 2), not a Grafana to start.
    if (isGrafanaError(health, "notGrafana")) throw health;
    if (health instanceof Error) return { ok: false, detail: health.message, notes: [`           ${NO_GRAFANA_HINT}`], exitCode: EXIT.noGrafana, then: [checkStep] };
    return { ok: true, detail: `Grafana ${health.version ?? "(version hidden)"} at ${client.url}` };
  },
};

const pushStep: Step = {
  name: "push",
  async run(run) {
    const pushed = await runPushStep(run.config!, {});
    const refused = pushed.items.filter((i) => i.action === "refused");
    const detail = refused.length
      ? `${refused.map((i) => i.name).join(", ")} changed in Grafana since the last push: not overwritten (bun run push --force backs it up, then overwrites)`
      : pushed.changes ? `${pushed.changes} change(s)` : "Grafana already has the same content";
    return { ok: pushed.ok, changes: pushed.changes, detail };
  },
};

const smokeStep: Step = {
  name: "smoke",
  async run(run) {
    const smoke = await runSmokeStep(run.config!);
    const failedPanels = smoke.panels.filter((p) => !p.ok);
    const failedSources = smoke.datasources.filter((d) => !d.ok);
    const first = failedSources[0]
      ? `; ${failedSources[0].name} (${failedSources[0].url}): ${failedSources[0].message}`
      : failedPanels[0] ? `; ${failedPanels[0].panel}: ${failedPanels[0].error}` : "";
    return {
      ok: smoke.ok,
      detail: `${smoke.datasources.length - failedSources.length}/${smoke.datasources.length} datasources, ${smoke.panels.length - failedPanels.length}/${smoke.panels.length} panels answer${first}`,
    };
  },
};

/** Instead of push and smoke when no Grafana answers: every panel against its source. */
const checkStep: Step = {
  name: "check",
  async run(run) {
    const check = await runCheck(run.config!, { dashboards: dashboardDefinitions(renderingOf(run.config!)), datasources: datasourceDefinitions(run.config!) });
    const failed = check.panels.filter((p) => !p.ok);
    return {
      ok: check.ok,
      detail: `${check.panels.length} panels and variables, ${failed.length} failed${failed[0] ? `: ${failed[0].panel}: ${failed[0].error}` : ""}`,
    };
  },
};

const STEPS: readonly Step[] = [configStep, roleStep, queuesStep, provisionStep, grafanaStep, pushStep, smokeStep];

export async function runSetup(options: SetupOptions): Promise<SetupResult> {
  const run: Run = { options, log: options.log ?? (() => {}), source: "unknown" };
  const done: SetupStep[] = [];
  const queue = [...STEPS];
  let exitCode: number = EXIT.ok;
  for (let step = queue.shift(); step; step = queue.shift()) {
    const outcome = await step.run(run).catch((error: unknown): Outcome => ({ ok: false, detail: describeFailure(error), exitCode: exitCodeFor(error) }));
    const line: SetupStep = { name: step.name, ok: outcome.ok, changes: outcome.changes ?? 0, detail: outcome.detail };
    done.push(line);
    run.log(`${line.name.padEnd(10)} ${(line.ok ? "ok" : "FAILED").padEnd(7)} ${line.detail}`);
    for (const note of outcome.notes ?? []) run.log(note);
    if (outcome.exitCode !== undefined) exitCode = outcome.exitCode;
    else if (!outcome.ok && exitCode === EXIT.ok) exitCode = EXIT.checkFailed;
    if (outcome.then) queue.splice(0, queue.length, ...outcome.then);
    else if (!outcome.ok) break;
  }
  return { ok: exitCode === EXIT.ok, changes: done.reduce((sum, s) => sum + s.changes, 0), exitCode, source: run.source, steps: done };
}
