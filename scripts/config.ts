import { defineCommand } from "citty";
import { badInput, didYouMean } from "./lib/errors.ts";
import { counted, envFileArg, jsonArg, runCommand } from "./lib/cli.ts";
import { SETTINGS, type SettingName, envExample, loadConfig } from "./lib/config.ts";
import { NEEDING_COMMANDS, type NeedingCommand, needsOf } from "./lib/needs.ts";

const isSecret = (name: string) => (SETTINGS as Record<string, { kind: string }>)[name]?.kind === "secret";

export const configCommand = defineCommand({
  meta: {
    name: "config",
    description: `Validate the toolkit's settings (${Object.keys(SETTINGS).length} variables, see env.example) and print them with secrets masked. Placeholders (XXXX, changeme, your_..., <...>) are refused by name; names in the file that are not settings are listed, a near miss with the name it probably meant.`,
  },
  args: {
    ...envFileArg,
    ...jsonArg,
    require: {
      type: "string",
      valueHint: "NAME,NAME",
      description: "Also fail unless these settings are set (say POSTGRES_PASSWORD,GRAFANA_POSTGRES_PASSWORD)",
    },
    for: {
      type: "enum",
      options: NEEDING_COMMANDS,
      valueHint: "command",
      description: `Also fail unless everything this command will ask for is set, and list it (${NEEDING_COMMANDS.join(", ")})`,
    },
    example: { type: "boolean", description: "Print env.example instead: every setting, its default and what it is for" },
  },
  run: async ({ args }) => {
    if (args.example) return void process.stdout.write(envExample());
    const named = (args.require ?? "").split(",").map((name) => name.trim()).filter(Boolean);
    const unknown = named.filter((name) => !(name in SETTINGS));
    if (unknown.length) {
      throw badInput(`--require names unknown settings: ${unknown.map((name) => `${name}${didYouMean(name, Object.keys(SETTINGS))}`).join(", ")}`);
    }
    const needed = args.for ? needsOf(args.for as NeedingCommand) : [];
    const required = [...new Set([...(named as SettingName[]), ...needed])];
    const config = loadConfig({ envFile: args["env-file"], required });
    const masked = JSON.parse(
      // Secrets by setting (values.WS_GATEWAY_API_KEY) and by field (services.*.apiKey) alike.
      JSON.stringify(config, (key, value) => (typeof value === "string" && (/password|api_?key|token/i.test(key) || isSecret(key)) ? "********" : value)),
    ) as Record<string, unknown>;
    if (args.json) return console.log(JSON.stringify(args.for ? { ...masked, needs: { command: args.for, settings: needed } } : masked));
    console.log(`settings ok (${config.envFile ? `read ${config.envFile}` : "environment only, no .env file"})`);
    console.log(JSON.stringify(masked, null, 2));
    if (args.for) console.log(`${args.for} needs ${needed.join(", ")}: all set`);
    const { unknown: others, nearMisses } = config.otherVariables;
    if (nearMisses.length) console.warn(`WARNING: names in the file close to a setting, probably misspelt: ${nearMisses.join(", ")}`);
    if (others.length) console.log(`${counted(others.length, "name")} in the file are not the toolkit's settings (read by the trading system, ignored here): ${others.join(", ")}`);
    if (config.grafana.usesDefaultPassword) console.warn("WARNING: GRAFANA_ADMIN_PASSWORD is Grafana's default 'admin': change it.");
  },
});

if (import.meta.main) runCommand(configCommand);
