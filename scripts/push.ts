import { defineCommand } from "citty";
import { EXIT } from "./lib/errors.ts";
import { envFileArg, jsonArg, runCommand } from "./lib/cli.ts";
import { loadConfig } from "./lib/config.ts";
import { runPushStep } from "./lib/grafana/push.ts";
import { pushReportLines } from "./lib/grafana/push-report.ts";

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
  run: async ({ args }) => {
    try {
      const config = loadConfig({ envFile: args["env-file"] });
      const result = await runPushStep(config, { dryRun: args["dry-run"], force: args.force, updateSecrets: args["update-secrets"] });
      console.log(args.json ? JSON.stringify(result) : pushReportLines(result).join("\n"));
      return result.ok ? EXIT.ok : EXIT.checkFailed;
    } catch (error) {
      // --json promises one object on stdout, failures included; runCommand still reports and exits.
      if (args.json) console.log(JSON.stringify({ ok: false, changes: 0, error: error instanceof Error ? error.message : String(error) }));
      throw error;
    }
  },
});

if (import.meta.main) runCommand(pushCommand);
