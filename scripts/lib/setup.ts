// `setup`: from the operator's settings to a locked-down Grafana whose every panel answers, one step after
// another, stopping at the first that fails: config -> role -> provision -> Grafana reachable? -> push ->
// smoke. With no Grafana to reach, it stops after provisioning and runs `check` instead, so that the
// operator still sees every panel's data. Run twice, the second run changes nothing.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Config, loadConfig } from "./config.ts";
import { describeFailure, exitCodeFor, EXIT } from "./errors.ts";
import { stackEnv, stackUp } from "./stack/stack.ts";
import { writeProvisionFiles } from "./grafana/provision.ts";
import { grafanaClientFor } from "./grafana/client.ts";
import { runCheck } from "./check/run.ts";
import { runRoleStep } from "./role/role-step.ts";
import { runPushStep } from "../push.ts";
import { runSmokeStep } from "../smoke.ts";
import { dashboardDefinitions, datasourceDefinitions } from "../../grafana/index.ts";

/** setup's own exit code: everything up to provisioning done, but no Grafana answered at GRAFANA_URL. */
export const EXIT_NO_GRAFANA = 4;

export interface SetupStep {
  name: "config" | "role" | "provision" | "grafana" | "push" | "smoke" | "check";
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

export async function runSetup(options: SetupOptions): Promise<SetupResult> {
  const log = options.log ?? (() => {});
  const steps: SetupStep[] = [];
  const result = (exitCode: number, source: string): SetupResult => ({
    ok: exitCode === EXIT.ok,
    changes: steps.reduce((sum, s) => sum + s.changes, 0),
    exitCode,
    source,
    steps,
  });
  const step = (s: SetupStep) => {
    steps.push(s);
    log(`${s.name.padEnd(10)} ${(s.ok ? "ok" : "FAILED").padEnd(7)} ${s.detail}`);
  };

  // 1. config: the operator's .env, or, with none, the toolkit's own demo stack (started if needed).
  let config: Config;
  let source: string;
  try {
    const hasEnvFile = Boolean(options.envFile) || existsSync(resolve(".env"));
    if (hasEnvFile) {
      config = loadConfig({ envFile: options.envFile, required: ["POSTGRES_PASSWORD", "GRAFANA_POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "RABBITMQ_MONITOR_PASSWORD"] });
      source = config.envFile ?? "the environment";
    } else {
      log("config     no .env here and no --env-file: using the toolkit's demo stack (its PostgreSQL, RabbitMQ and demo services)");
      const statuses = await stackUp((line) => log(`           stack: ${line}`));
      config = loadConfig({ env: { ...stackEnv(statuses), ...process.env }, envFile: "/dev/null" });
      source = "the demo stack";
    }
    step({ name: "config", ok: true, changes: 0, detail: `settings from ${source}; Grafana at ${config.grafana.url}` });
    if (config.grafana.usesDefaultPassword && !config.grafana.token) {
      log("WARNING    GRAFANA_ADMIN_PASSWORD is not set: Grafana's first-run admin/admin is in use. Set it in .env before exposing Grafana.");
    }
  } catch (error) {
    step({ name: "config", ok: false, changes: 0, detail: describeFailure(error) });
    return result(exitCodeFor(error), "unknown");
  }

  // 2. role: the read-only PostgreSQL role and the RabbitMQ monitoring user.
  let role: Awaited<ReturnType<typeof runRoleStep>>;
  try {
    role = await runRoleStep(config, { rabbitmq: true });
  } catch (error) {
    step({ name: "role", ok: false, changes: 0, detail: describeFailure(error) });
    return result(exitCodeFor(error), source);
  }
  if (!role.ok) {
    step({ name: "role", ok: false, changes: role.changes, detail: [role.postgres.error, role.rabbitmq?.error].filter(Boolean).join("; ") });
    return result(role.exitCode, source);
  }
  step({ name: "role", ok: true, changes: role.changes, detail: `${role.postgres.role} and RabbitMQ user ${role.rabbitmq?.user}: ${role.changes ? `${role.changes} change(s)` : "already converged"}` });

  // 3. provision: the committed files, rendered again (the same for everyone: no change unless the code changed).
  const provisioned = writeProvisionFiles({ dir: options.provisionDir });
  step({ name: "provision", ok: true, changes: provisioned.written.length, detail: provisioned.written.length ? `wrote ${provisioned.written.join(", ")}` : "files up to date" });

  // 4. Grafana reachable? If not, check proves the panels against their sources directly.
  const client = grafanaClientFor(config.grafana);
  const health = await client.health().catch((error: unknown) => error as Error);
  if (health instanceof Error) {
    step({ name: "grafana", ok: false, changes: 0, detail: `${health.message}` });
    log("           Start one with `docker compose up -d grafana` (it provisions these files), or set GRAFANA_URL to a running Grafana. Checking the panels directly meanwhile:");
    const check = await runCheck(config, { dashboards: dashboardDefinitions(), datasources: datasourceDefinitions(config) });
    const failed = check.panels.filter((p) => !p.ok);
    step({ name: "check", ok: check.ok, changes: 0, detail: `${check.panels.length} panels and variables, ${failed.length} failed${failed[0] ? `: ${failed[0].panel}: ${failed[0].error}` : ""}` });
    return result(EXIT_NO_GRAFANA, source);
  }
  step({ name: "grafana", ok: true, changes: 0, detail: `Grafana ${health.version ?? "(version hidden)"} at ${client.url}` });

  // 5. push, 6. smoke.
  let running: SetupStep["name"] = "push";
  try {
    const pushed = await runPushStep(config, {});
    const refused = pushed.items.filter((i) => i.action === "refused");
    step({
      name: "push",
      ok: pushed.ok,
      changes: pushed.changes,
      detail: refused.length
        ? `${refused.map((i) => i.name).join(", ")} changed in Grafana since the last push: not overwritten (bun run push --force backs it up, then overwrites)`
        : pushed.changes ? `${pushed.changes} change(s)` : "Grafana already has the same content",
    });
    if (!pushed.ok) return result(EXIT.checkFailed, source);
    running = "smoke";
    const smoke = await runSmokeStep(config, { quiet: true });
    const failedPanels = smoke.panels.filter((p) => !p.ok);
    const failedSources = smoke.datasources.filter((d) => !d.ok);
    step({
      name: "smoke",
      ok: smoke.ok,
      changes: 0,
      detail: `${smoke.datasources.length - failedSources.length}/${smoke.datasources.length} datasources, ${smoke.panels.length - failedPanels.length}/${smoke.panels.length} panels answer` +
        (failedSources[0] ? `; ${failedSources[0].name} (${failedSources[0].url}): ${failedSources[0].message}` : failedPanels[0] ? `; ${failedPanels[0].panel}: ${failedPanels[0].error}` : ""),
    });
    return result(smoke.ok ? EXIT.ok : EXIT.checkFailed, source);
  } catch (error) {
    step({ name: running, ok: false, changes: 0, detail: describeFailure(error) });
    return result(exitCodeFor(error), source);
  }
}
