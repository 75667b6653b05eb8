import { defineCommand } from "citty";
import { BadInputError, EXIT } from "./lib/errors.ts";
import { envFileArg, exitWith, jsonArg, runCommand, stepLine } from "./lib/cli.ts";
import { type Config, loadConfig } from "./lib/config.ts";
import { grafanaClientFor } from "./lib/grafana/client.ts";
import { type PushOptions, type PushResult, pushToGrafana } from "./lib/grafana/push.ts";
import { type DriftPicture, previewDrift } from "./lib/preview/drift.ts";
import { DEFAULT_OUT } from "./lib/preview/run.ts";
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

function reportPictures(pictures: DriftPicture[]) {
  if (!pictures.length) console.log("--preview: no dashboard would change; nothing drawn");
  for (const picture of pictures) {
    const sides = picture.grafana === "drawn" ? "in Grafana (left) and as the code would push it (right)" : `as the code would push it; Grafana: ${picture.grafana}`;
    console.log(`${picture.title}: ${sides}`);
    console.log(`    ${picture.png}`);
    console.log(`    ${picture.html}`);
  }
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
    preview: {
      type: "boolean",
      description: "With --dry-run: draw each dashboard that would change as it is in Grafana and as the code would push it, side by side, with the same live data (see `preview`)",
    },
    out: { type: "string", valueHint: "dir", description: `With --preview: where the pictures go (default ./${DEFAULT_OUT})` },
  },
  run: ({ args }) =>
    exitWith(async () => {
      try {
        if (args.preview && !args["dry-run"]) throw new BadInputError("--preview draws what a push would change: it goes with --dry-run");
        if (args.out && !args.preview) throw new BadInputError("--out names where --preview's pictures go: it goes with --preview");
        const config = loadConfig({ envFile: args["env-file"], required: args.preview ? ["GRAFANA_POSTGRES_PASSWORD"] : undefined });
        const result = await runPushStep(config, {
          dryRun: args["dry-run"],
          force: args.force,
          updateSecrets: args["update-secrets"],
        });
        const pictures = args.preview
          ? await previewDrift(config, grafanaClientFor(config.grafana), result.items, {
              dashboards: dashboardDefinitions(),
              datasources: datasourceDefinitions(config),
              outDir: args.out ?? DEFAULT_OUT,
              log: (line) => console.error(line),
            })
          : undefined;
        if (args.json) console.log(JSON.stringify(pictures ? { ...result, preview: pictures } : result));
        else {
          report(result);
          if (pictures) reportPictures(pictures);
        }
        return result.ok ? EXIT.ok : EXIT.checkFailed;
      } catch (error) {
        if (args.json) console.log(JSON.stringify({ ok: false, changes: 0, error: error instanceof Error ? error.message : String(error) }));
        throw error;
      }
    }),
});

if (import.meta.main) runCommand(pushCommand);
