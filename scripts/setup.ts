import { defineCommand } from "citty";
import { EXIT } from "./lib/errors.ts";
import { envFileArg, jsonArg, runCommand } from "./lib/cli.ts";
import { runSetup } from "./lib/setup.ts";

export const setupCommand = defineCommand({
  meta: {
    name: "setup",
    description:
      "The whole job: settings -> read-only role (and RabbitMQ monitoring user) -> provisioning files -> Grafana reachable? -> push -> smoke, " +
      "a line per step, stopping at the first that fails. A second run changes nothing. Without a .env (or --env-file) it uses the toolkit's " +
      "demo stack and says so; with one it starts nothing of its own. " +
      `Exit ${EXIT.noGrafana} when no Grafana answers at GRAFANA_URL: provisioning is done and \`check\` has run instead.`,
  },
  args: { ...envFileArg, ...jsonArg },
  run: async ({ args }) => {
    const result = await runSetup({ envFile: args["env-file"], log: args.json ? undefined : (line) => console.log(line) });
    if (args.json) console.log(JSON.stringify(result));
    else if (result.exitCode === EXIT.ok) console.log(result.changes ? `setup done: ${result.changes} change(s)` : "setup done: 0 changes, everything was already in place");
    return result.exitCode;
  },
});

if (import.meta.main) runCommand(setupCommand);
