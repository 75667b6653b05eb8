// The shapes every consumer of the definitions shares: provisioning files, the push to Grafana's API,
// and the check engine all read these, so that each datasource and dashboard is defined once.
import type { SettingName } from "../scripts/lib/settings.ts";

export type DatasourceType = "grafana-postgresql-datasource" | "yesoreyeram-infinity-datasource" | "prometheus";

/** A Grafana datasource as the legacy /api/datasources body and the provisioning YAML both take it. */
export interface DatasourceDefinition {
  uid: string;
  name: string;
  type: DatasourceType;
  access: "proxy";
  url: string;
  user?: string;
  basicAuth?: boolean;
  basicAuthUser?: string;
  isDefault?: boolean;
  jsonData: Record<string, unknown>;
  /** secureJsonData key -> the setting that holds its value. Provisioning writes `$NAME` (Grafana
   *  interpolates it from its environment); the push sends the value from the toolkit's settings. */
  secureJsonData: Partial<Record<string, SettingName>>;
}

/** A dashboard as schema-v1 JSON (what the foundation SDK builds and /api/dashboards/db takes). */
export interface DashboardDefinition {
  uid: string;
  title: string;
  /** The file name under grafana/dashboards/ (without .json). */
  file: string;
  json: Record<string, unknown>;
}

/** The folder every dashboard of the toolkit lives in. */
export const FOLDER = { uid: "ytrader-monitoring", title: "Trading system" } as const;

/** What a variable holds when its All option is selected, in the dashboard JSON and in the browser. (Not
 *  the custom all value a query then receives, which a variable may set: dashboards/variables.ts.) */
export const ALL_SELECTED = "$__all";
/** The custom all value of the main dashboard's multi-value variables (dashboards/variables.ts): what `$var`
 *  becomes in a query when All is selected, which the panels' SQL and PromQL test for. */
export const CUSTOM_ALL_VALUE = "'__all__'";
