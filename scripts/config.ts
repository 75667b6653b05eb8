import { defineCommand } from "citty";
import { badInput } from "./lib/errors.ts";
import { envFileArg, jsonArg, runCommand } from "./lib/cli.ts";
import { SETTINGS, type SettingName, envExample, loadConfig } from "./lib/config.ts";

export const configCommand = defineCommand({
  meta: {
    name: "config",
    description: `Validate the toolkit's settings (${Object.keys(SETTINGS).length} variables, see env.example) and print them with secrets masked.`,
  },
  args: {
    ...envFileArg,
    ...jsonArg,
    require: {
      type: "string",
      valueHint: "NAME,NAME",
      description: "Also fail unless these settings are set (say POSTGRES_PASSWORD,GRAFANA_POSTGRES_PASSWORD)",
    },
    example: { type: "boolean", description: "Print env.example instead: every setting, its default and what it is for" },
  },
  run: async ({ args }) => {
    if (args.example) return void process.stdout.write(envExample());
    const required = (args.require ?? "").split(",").filter(Boolean);
    const unknown = required.filter((name) => !(name in SETTINGS));
    if (unknown.length) throw badInput(`--require names unknown settings: ${unknown.join(", ")}`);
    const config = loadConfig({ envFile: args["env-file"], required: required as SettingName[] });
    const masked = JSON.stringify(config, (key, value) =>
      /password|apiKey|token/i.test(key) && typeof value === "string" ? "********" : value,
    );
    if (args.json) return console.log(masked);
    console.log(`settings ok (${config.envFile ? `read ${config.envFile}` : "environment only, no .env file"})`);
    console.log(JSON.stringify(JSON.parse(masked), null, 2));
    if (config.grafana.usesDefaultPassword) console.warn("WARNING: GRAFANA_ADMIN_PASSWORD is Grafana's default 'admin': change it.");
  },
});

if (import.meta.main) runCommand(configCommand);
