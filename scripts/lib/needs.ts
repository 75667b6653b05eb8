// What each command cannot do without, defined once: the command asks for exactly these, and
// `bun run config --for COMMAND` lists them before it is run (the trading system's own .env lacks some).
import type { SettingName } from "./settings.ts";
import { provisionedDatasources, secretVariables } from "../../grafana/datasources.ts";

/** The settings the datasources carry as secrets: a push (and so setup) cannot send a datasource without. */
export function datasourceSecretSettings(): SettingName[] {
  return secretVariables(provisionedDatasources());
}

const unique = (names: SettingName[]) => [...new Set(names)];

/** Command -> the settings it refuses to run without. */
export const COMMAND_NEEDS = {
  /** The role step's admin logins, then every datasource's secret for the push. */
  setup: () => unique(["POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", ...datasourceSecretSettings()]),
  role: (): SettingName[] => ["POSTGRES_PASSWORD", "GRAFANA_POSTGRES_PASSWORD"],
  "role --rabbitmq": (): SettingName[] => ["POSTGRES_PASSWORD", "GRAFANA_POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "RABBITMQ_MONITOR_PASSWORD"],
  check: (): SettingName[] => ["GRAFANA_POSTGRES_PASSWORD"],
  push: datasourceSecretSettings,
  monitor: (): SettingName[] => ["GRAFANA_POSTGRES_PASSWORD"],
  preview: (): SettingName[] => ["GRAFANA_POSTGRES_PASSWORD"],
} as const satisfies Record<string, () => SettingName[]>;

export type NeedingCommand = keyof typeof COMMAND_NEEDS;
export const NEEDING_COMMANDS = Object.keys(COMMAND_NEEDS) as NeedingCommand[];

/** The settings `command` refuses to run without. */
export const needsOf = (command: NeedingCommand): SettingName[] => COMMAND_NEEDS[command]();
