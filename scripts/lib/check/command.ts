// What `bun run check` does, in order: the schema's shape (a column a panel needs that is missing is named
// with the panels it breaks; PostgreSQL not reached stops here with the one message and exit code every
// panel would give), every panel against its real source, then the alerts firing now in Prometheus.
import type { Config } from "../config.ts";
import { EXIT } from "../errors.ts";
import { type ShapeReport, inspectShapeAs } from "../shapes/inspect.ts";
import { dashboardDefinitions, datasourceDefinitions, renderingOf } from "../../../grafana/index.ts";
import { POSTGRES_TYPE } from "../../../grafana/datasources.ts";
import { type AlertsOutcome, firingAlerts } from "./alerts.ts";
import { type CheckOptions, type CheckResult, runCheck } from "./run.ts";
import { postgresReachFailure } from "./sources/postgres.ts";

export interface FullCheck {
  shape: ShapeReport;
  result: CheckResult;
  alerts: AlertsOutcome;
}

/** The shape, the panels (`onShape` is called before they run, for its lines) and the firing alerts. */
export async function checkEverything(
  config: Config,
  options: Omit<CheckOptions, "dashboards" | "datasources" | "runner"> & { onShape?: (shape: ShapeReport) => void },
): Promise<FullCheck> {
  const dashboards = dashboardDefinitions(renderingOf(config));
  const datasources = datasourceDefinitions(config);
  const shape = await inspectShapeAs(config, dashboards).catch((error: Error): ShapeReport => {
    const unreached = postgresReachFailure(error, datasources.find((d) => d.type === POSTGRES_TYPE)!);
    if (unreached) throw unreached;
    return { ok: false, shape: { name: "between", present: [], absent: [] }, missing: [], stale: [], error: `the schema's shape could not be read: ${error.message}` };
  });
  options.onShape?.(shape);
  const result = await runCheck(config, { ...options, dashboards, datasources });
  return { shape, result, alerts: await firingAlerts(config) };
}

/** 1 when a panel failed, the shape is off, or Prometheus did not answer (unless alerts are ignored); 5
 *  when alerts fire (unless ignored); else 0. */
export function checkExitCode(check: FullCheck, ignoreAlerts: boolean): number {
  const { shape, result, alerts } = check;
  if (!result.ok || !shape.ok || (!alerts.ok && !ignoreAlerts)) return EXIT.checkFailed;
  return alerts.ok && alerts.firing.length && !ignoreAlerts ? EXIT.alertsFiring : EXIT.ok;
}
