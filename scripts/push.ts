import { defineCommand } from "citty";
import { EXIT } from "./lib/errors.ts";
import { envFileArg, exitWith, jsonArg, runCommand, stepLine } from "./lib/cli.ts";
import { type Config, loadConfig } from "./lib/config.ts";
import { grafanaClientFor } from "./lib/grafana/client.ts";
import { type PushOptions, type PushResult, pushToGrafana } from "./lib/grafana/push.ts";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";

export type PushStepResult = PushResult & { grafana: { url: string; version?: string } };

/** The push as setup runs it: Grafana's health first (unreachable: exit 3), then the plan and its
 *  application. `secrets` defaults to the settings' own values. */
export async function runPushStep(
  config: Config,
  options: Omit<PushOptions, "secrets"> & { secrets?: PushOptions["secrets"] },
): Promise<PushStepResult> {
  const client = grafanaClientFor(config.grafana);
  const health = await client.health();
  const secrets = options.secrets ?? config.values;
  const result = await pushToGrafana(client, { datasources: datasourceDefinitions(config), dashboards: dashboardDefinitions() }, { ...options, secrets });
  return { ...result, grafana: { url: client.url, version: health.version } };
}

const VERB: Record<string, string> = { create: "would create", update: "would update" };

function report(result: PushStepResult) {
  console.log(stepLine("grafana", "reachable", `${result.grafana.url}${result.grafana.version ? ` (Grafana ${result.grafana.version})` : ""}`));
  for (const item of result.items) {
    const verdict = result.dryRun ? (VERB[item.action] ?? item.action) : item.action === "create" ? "created" : item.action === "update" ? "updated" : item.action;
    const version = item.version ? `version ${item.version}` : "";
    console.log(stepLine(`${item.kind} ${item.name}`, verdict, [version, item.reason].filter(Boolean).join("; ")));
    for (const path of item.changed) console.log(`    ${path}`);
    if (item.backup) console.log(`    backup: ${item.backup}`);
  }
  const refused = result.items.filter((i) => i.action === "refused").length;
  if (result.dryRun) console.log(`${result.changes} change(s) planned; nothing changed (--dry-run)`);
  else console.log(result.changes ? `${result.changes} change(s)` : "0 changes: Grafana already has the same content");
  if (refused) console.log(`${refused} dashboard(s) changed in Grafana since the last push were not overwritten: review, then push --force (backs them up first)`);
}

export const pushCommand = defineCommand({
  meta: {
    name: "push",
    description: `Send the folder, datasources and dashboards to the Grafana at GRAFANA_URL over its HTTP API (GRAFANA_TOKEN, or GRAFANA_ADMIN_USER/GRAFANA_ADMIN_PASSWORD). Sends nothing that Grafana already has. A dashboard changed in Grafana since the last push is not overwritten without --force.`,
  },
  args: {
    ...envFileArg,
    ...jsonArg,
    "dry-run": { type: "boolean", description: "Print what would change (paths, never secret values); change nothing" },
    force: { type: "boolean", description: "Overwrite dashboards changed in Grafana since the last push, after saving each to ./backups/" },
    "update-secrets": { type: "boolean", description: "Send every datasource's secrets again (after rotating a password or key)" },
  },
  run: ({ args }) =>
    exitWith(async () => {
      try {
        const config = loadConfig({ envFile: args["env-file"] });
        const result = await runPushStep(config, {
          dryRun: args["dry-run"],
          force: args.force,
          updateSecrets: args["update-secrets"],
        });
        if (args.json) console.log(JSON.stringify(result));
        else report(result);
        return result.ok ? EXIT.ok : EXIT.checkFailed;
      } catch (error) {
        if (args.json) console.log(JSON.stringify({ ok: false, changes: 0, error: error instanceof Error ? error.message : String(error) }));
        throw error;
      }
    }),
});

if (import.meta.main) runCommand(pushCommand);
