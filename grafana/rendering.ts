// What of the operator's settings the dashboards are rendered with: the monitored services (each a
// datasource, a health panel, a value of the service variable) and the toolkit's schema the panels' SQL
// reads. The committed files are rendered with the defaults; push, check, setup, smoke, bench and a
// provision with a .env render with the settings.
import type { Config } from "../scripts/lib/config.ts";
import { DEFAULT_MONITORED_SERVICES, type ServiceName } from "../scripts/lib/services.ts";
import { PANEL_SCHEMA } from "./queries/postgres.ts";

export interface Rendering {
  /** MONITORED_SERVICES, in the toolkit's order. */
  services: readonly ServiceName[];
  /** MONITORING_SCHEMA: where the canonical views and the monitor's events are. */
  schema: string;
}

export const DEFAULT_RENDERING: Rendering = { services: DEFAULT_MONITORED_SERVICES, schema: PANEL_SCHEMA };

export const renderingOf = (config: Config): Rendering => ({ services: config.monitoredServices, schema: config.monitor.schema });
