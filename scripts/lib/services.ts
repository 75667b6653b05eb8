// The trading system's HTTP services the toolkit knows, defined once: their names, how each tells its
// health, and which of them an operator monitors (MONITORED_SERVICES); their settings are in config.ts
// (SERVICE_VARIABLES, beside the settings table this file's names feed). Datasources, the Health row, the
// service variable, the monitor's readings (and so the alerts on them) and the demo's stand-ins all follow
// from here (docs/trading-system-now.md §4).

/** The four every shape of the trading system runs; the dashboards read them beyond their health
 *  (WebSocket row, training status, subscriptions, order-manager's readiness), so they are always on. */
export const CORE_SERVICES = ["ws-gateway", "model-service", "order-manager", "position-manager"] as const;
/** Services of the newest compose file only: monitored when MONITORED_SERVICES names them. */
export const OPTIONAL_SERVICES = ["feature-service", "dashboard-api"] as const;
/** Every service the toolkit knows, in the order panels and readings list them. */
export const SERVICE_NAMES = [...CORE_SERVICES, ...OPTIONAL_SERVICES] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export type CoreServiceName = (typeof CORE_SERVICES)[number];

export interface HealthEndpoint {
  /** The path whose body says the service's state. */
  path: string;
  /** The body's `status` word that means healthy. */
  healthyWord: string;
  /** Whether the body reports database_connected and queue_connected. */
  connections: boolean;
  /** Whether an HTTP error status still carries the state (dashboard-api's 503 "not ready"): read as a
   *  body (unhealthy), not as a failed query (unknown), by Infinity's ignoreStatusCodeCheck (infinity-facts
   *  §1.1). */
  stateOnErrorStatus: boolean;
}

/** How each service says it is well. feature-service's /health is static (it checks nothing, so it tells
 *  only that the service answers); dashboard-api's /health always says "ok", its /ready says "ready", or
 *  HTTP 503 "not ready" when its database pool is down, so /ready is read. */
export const HEALTH_ENDPOINTS: Record<ServiceName, HealthEndpoint> = {
  "ws-gateway": { path: "/health", healthyWord: "healthy", connections: true, stateOnErrorStatus: false },
  "model-service": { path: "/health", healthyWord: "healthy", connections: true, stateOnErrorStatus: false },
  "order-manager": { path: "/health", healthyWord: "healthy", connections: true, stateOnErrorStatus: false },
  "position-manager": { path: "/health", healthyWord: "healthy", connections: true, stateOnErrorStatus: false },
  "feature-service": { path: "/health", healthyWord: "healthy", connections: false, stateOnErrorStatus: false },
  "dashboard-api": { path: "/ready", healthyWord: "ready", connections: false, stateOnErrorStatus: true },
};

/** MONITORED_SERVICES' default: the core four. The newer two are left to the operator, because a
 *  datasource and a health panel for a service that does not run would read "unknown" forever and keep
 *  the overall health red (the December system has neither; the newest runs both). */
export const DEFAULT_MONITORED_SERVICES: readonly ServiceName[] = CORE_SERVICES;

/** MONITORED_SERVICES read: the services in the toolkit's order, or the problems with the value. */
export function parseServiceList(value: string): { services: ServiceName[]; problems: string[] } {
  const named = value.split(",").map((name) => name.trim()).filter((name) => name !== "");
  const problems: string[] = [];
  const unknown = named.filter((name) => !(SERVICE_NAMES as readonly string[]).includes(name));
  if (unknown.length) problems.push(`unknown service(s) ${unknown.join(", ")}: expected names from ${SERVICE_NAMES.join(", ")}`);
  const missing = CORE_SERVICES.filter((name) => !named.includes(name));
  if (missing.length) {
    problems.push(`${missing.join(", ")} cannot be left out: the dashboards read ${CORE_SERVICES.join(", ")} beyond their health`);
  }
  return { services: SERVICE_NAMES.filter((name) => named.includes(name)), problems };
}
