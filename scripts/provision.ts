import { defineCommand } from "citty";
import { EXIT } from "./lib/errors.ts";
import { envFileArg, jsonArg, runCommand, stepLines } from "./lib/cli.ts";
import { provisionSettingsOf, writeProvisionFiles } from "./lib/grafana/provision.ts";
import { loadConfig } from "./lib/config.ts";

export const provisionCommand = defineCommand({
  meta: {
    name: "provision",
    description:
      "Write grafana/dashboards/*.json and grafana/provisioning/{datasources,dashboards}/*.yml from the definitions in grafana/*.ts, " +
      "and prometheus/{prometheus,alertmanager}.yml (docker-compose's) from prometheus/*.ts, and the alert rules prometheus/rules/ytrader.yml " +
      "from prometheus/alerts.ts with the ALERT_* settings' thresholds, and Alertmanager's receivers from the ALERTMANAGER_* settings " +
      "(each secret by a file path, never its value; .env or the environment; the committed files have the defaults), " +
      "a datasource and a health panel for each of MONITORED_SERVICES, the panels' SQL in MONITORING_SCHEMA. " +
      `Hosts, users and secrets are \${NAME} references Grafana fills in from its environment.`,
  },
  args: {
    ...envFileArg,
    ...jsonArg,
    check: { type: "boolean", description: "Write nothing; exit 1 when a file differs from the definitions" },
    out: { type: "string", valueHint: "dir", description: "Directory to write into instead of the repository's grafana/ (Prometheus' files go to its prometheus/)" },
  },
  run: ({ args }) => {
    const config = loadConfig({ envFile: args["env-file"] });
    const result = writeProvisionFiles({ dir: args.out, dryRun: args.check, ...provisionSettingsOf(config) });
    if (args.json) console.log(JSON.stringify({ ok: !(args.check && result.written.length), ...result }));
    else {
      for (const line of stepLines(result.written.map((path) => [path, args.check ? "DIFFERS" : "written"]))) console.log(line);
      console.log(`${result.written.length} file(s) ${args.check ? "differ" : "written"}, ${result.unchanged.length} unchanged`);
    }
    return args.check && result.written.length ? EXIT.checkFailed : EXIT.ok;
  },
});

if (import.meta.main) runCommand(provisionCommand);
