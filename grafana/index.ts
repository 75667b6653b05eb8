// placeholder until the definitions land: the lead's grafana/index.ts replaces this file on merge.
import type { Config } from "../scripts/lib/config.ts";
import type { DashboardDefinition, DatasourceDefinition } from "./types.ts";

export function datasourceDefinitions(_config: Config): DatasourceDefinition[] {
  return [];
}

export function dashboardDefinitions(): DashboardDefinition[] {
  return [];
}
