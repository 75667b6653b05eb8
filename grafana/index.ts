// The definitions every consumer reads: provisioning, push and check.
import type { DashboardDefinition } from "./types.ts";
import { mainDashboard } from "./dashboards/main.ts";
import { signalTraceDashboard } from "./dashboards/signal-trace.ts";

export { datasourceDefinitions, provisionedDatasources } from "./datasources.ts";

export function dashboardDefinitions(): DashboardDefinition[] {
  return [mainDashboard(), signalTraceDashboard()];
}
