import { defineCommand } from "citty";
import { badInput, EXIT } from "./lib/errors.ts";
import { envFileArg, jsonArg, runCommand } from "./lib/cli.ts";
import { loadConfig } from "./lib/config.ts";
import { needsOf } from "./lib/needs.ts";
import { grafanaClientFor } from "./lib/grafana/client.ts";
import { runPushStep } from "./lib/grafana/push.ts";
import { pushReportLines } from "./lib/grafana/push-report.ts";
import { type DriftPicture, previewDrift } from "./lib/preview/drift.ts";
import { DEFAULT_OUT } from "./lib/preview/run.ts";
import { dashboardDefinitions, datasourceDefinitions, renderingOf } from "../grafana/index.ts";

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
  run: async ({ args }) => {
    if (args.preview && !args["dry-run"]) throw badInput("--preview draws what a push would change: it goes with --dry-run");
    if (args.out && !args.preview) throw badInput("--out names where --preview's pictures go: it goes with --preview");
    const config = loadConfig({ envFile: args["env-file"], required: args.preview ? needsOf("preview") : undefined });
    const result = await runPushStep(config, { dryRun: args["dry-run"], force: args.force, updateSecrets: args["update-secrets"] });
    const pictures = args.preview
      ? await previewDrift(config, grafanaClientFor(config.grafana), result.items, {
          dashboards: dashboardDefinitions(renderingOf(config)),
          datasources: datasourceDefinitions(config),
          outDir: args.out ?? DEFAULT_OUT,
          log: (line) => console.error(line),
        })
      : undefined;
    if (args.json) console.log(JSON.stringify(pictures ? { ...result, preview: pictures } : result));
    else {
      console.log(pushReportLines(result).join("\n"));
      if (pictures) reportPictures(pictures);
    }
    return result.ok ? EXIT.ok : EXIT.checkFailed;
  },
});

if (import.meta.main) runCommand(pushCommand);
