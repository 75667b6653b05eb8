// The definitions every consumer reads: provisioning, push and check.
import type { DashboardDefinition } from "./types.ts";
import { DEFAULT_RENDERING, type Rendering } from "./rendering.ts";
import { mainDashboard } from "./dashboards/main.ts";
import { signalTraceDashboard } from "./dashboards/signal-trace.ts";

export { datasourceDefinitions, provisionedDatasources } from "./datasources.ts";
export { DEFAULT_RENDERING, type Rendering, renderingOf } from "./rendering.ts";

/** Every dashboard, rendered with the monitored services and the toolkit's schema (the defaults unless given). */
export function dashboardDefinitions(rendering: Rendering = DEFAULT_RENDERING): DashboardDefinition[] {
  return [mainDashboard(rendering), signalTraceDashboard()];
}
