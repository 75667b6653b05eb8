// The demo's HTTP services (the four, and the newest system's feature-service and dashboard-api) on their real ports, answering with the real shapes (service-routes.ts)
// from live data: the demo database and the shared DemoState. Faults switched on in the state show
// through the same endpoints an operator's Grafana reads.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type postgres from "postgres";
import { type CoreServiceName, SERVICE_NAMES, type ServiceName } from "../services.ts";
import { badInput, didYouMean } from "../errors.ts";
import { type DemoState, SERVICE_FAULTS, type ServiceFault } from "./state.ts";
import { type ServiceContext, recordResponseTime, route } from "./service-routes.ts";
import { touchHeartbeat } from "./websocket-link.ts";

/** A port for each service the demo runs: the core four always, feature-service and dashboard-api when given. */
export type ServicePorts = Record<CoreServiceName, number> & Partial<Record<ServiceName, number>>;
export type ServiceUrls = Record<CoreServiceName, string> & Partial<Record<ServiceName, string>>;

export interface DemoServices {
  /** The services running, by name. */
  urls: ServiceUrls;
  /** Switches one service fault; "down" really closes (or reopens) the listener. */
  setFault(service: ServiceName, fault: ServiceFault, on: boolean): Promise<void>;
  /** Clears every service fault (not the database/queue/websocket ones) and reopens stopped listeners. */
  clearFaults(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServicesOptions {
  sql: postgres.Sql;
  state: DemoState;
  ports: ServicePorts;
  /** The key each service expects in X-API-Key; an empty key refuses every /api request. */
  apiKeys: Partial<Record<ServiceName, string>>;
  host?: string;
  /** How long the "slow" fault makes a service take to answer. */
  slowMs?: number;
}

/** Only position-manager has a "degraded" status; the others report healthy|unhealthy (dashboard-api:
 *  ready|not ready), but feature-service's /health is static: it cannot say unhealthy. */
export function faultApplies(service: ServiceName, fault: ServiceFault): boolean {
  if (fault === "degraded") return service === "position-manager";
  if (fault === "unhealthy") return service !== "feature-service";
  return true;
}

// Bybit expects a ping every 20 s on the private stream; each pong is a heartbeat.
const HEARTBEAT_MS = 20_000;

export async function startServices(options: ServicesOptions): Promise<DemoServices> {
  const { state } = options;
  const host = options.host ?? "127.0.0.1";
  const slowMs = options.slowMs ?? 15_000;
  const storagePath = await mkdtemp(join(tmpdir(), "demo-models-"));
  const running = SERVICE_NAMES.filter((name) => options.ports[name] !== undefined);
  const contexts = Object.fromEntries(
    running.map((name) => [name, { sql: options.sql, state, apiKey: options.apiKeys[name] ?? "", storagePath, responseTimes: new Map() }]),
  ) as Record<ServiceName, ServiceContext>;
  const listeners: Partial<Record<ServiceName, Bun.Server<undefined>>> = {};

  const listen = (name: ServiceName) => {
    try {
      listeners[name] = Bun.serve({
        hostname: host,
        port: options.ports[name],
        // Bun drops a connection idle for 10 s by default, which would cut the "slow" fault short.
        idleTimeout: Math.min(255, Math.ceil(slowMs / 1000) + 10),
        fetch: (request) => answer(name, contexts[name], request, slowMs),
      });
    } catch (error) {
      throw new Error(`${name} could not listen on ${host}:${options.ports[name]}: ${(error as Error).message}`);
    }
  };

  // "down" is a real stopped listener: a connection error, as a crashed container gives.
  const matchListener = async (name: ServiceName) => {
    const wantDown = state.faults.services[name].has("down");
    const running = listeners[name];
    if (wantDown && running) {
      delete listeners[name];
      await running.stop(true);
    } else if (!wantDown && !running) {
      listen(name);
    }
  };

  const stopListeners = async () => {
    await Promise.all(
      running.map(async (name) => {
        const listener = listeners[name];
        delete listeners[name];
        await listener?.stop(true);
      }),
    );
  };

  try {
    for (const name of running) await matchListener(name);
  } catch (error) {
    await stopListeners();
    await rm(storagePath, { recursive: true, force: true });
    throw error;
  }

  const heartbeat = setInterval(() => touchHeartbeat(state), HEARTBEAT_MS);

  return {
    urls: Object.fromEntries(running.map((name) => [name, `http://${host}:${options.ports[name]}`])) as ServiceUrls,
    async setFault(service, fault, on) {
      if (!SERVICE_NAMES.includes(service)) throw badInput(`Unknown service "${service}"; expected one of ${SERVICE_NAMES.join(", ")}.`);
      if (!running.includes(service)) throw badInput(`This demo does not run ${service} (it was started without a port for it).`);
      if (!SERVICE_FAULTS.includes(fault)) throw badInput(`Unknown service fault "${fault}"${didYouMean(fault, SERVICE_FAULTS)}; expected one of ${SERVICE_FAULTS.join(", ")}.`);
      if (!faultApplies(service, fault)) {
        throw badInput(
          fault === "unhealthy"
            ? `${service} has no "unhealthy" status (its /health is static); use "down", "slow", "error500" or "garbage" for it.`
            : `${service} has no "degraded" status (it reports healthy|unhealthy); use "unhealthy" for it.`,
        );
      }
      if (on) state.faults.services[service].add(fault);
      else state.faults.services[service].delete(fault);
      await matchListener(service);
    },
    async clearFaults() {
      for (const name of SERVICE_NAMES) state.faults.services[name].clear();
      for (const name of running) await matchListener(name);
    },
    async stop() {
      clearInterval(heartbeat);
      await stopListeners();
      await rm(storagePath, { recursive: true, force: true });
    },
  };
}

/** The request path common to every service: faults first, then the route. */
async function answer(name: ServiceName, context: ServiceContext, request: Request, slowMs: number): Promise<Response> {
  const started = performance.now();
  const faults = context.state.faults.services[name];
  if (faults.has("slow")) await Bun.sleep(slowMs);
  const url = new URL(request.url);
  let response: Response;
  if (faults.has("error500")) response = internalError();
  else if (faults.has("garbage")) response = garbagePage();
  else response = await route(name, context, request, url);
  if (name === "order-manager") recordResponseTime(context, url.pathname, performance.now() - started);
  return response;
}

function internalError(): Response {
  return Response.json({ error: "Internal server error", detail: "unexpected error while handling the request" }, { status: 500 });
}

/** What a proxy's error page or a misrouted request looks like to a JSON client: 200 and HTML. */
function garbagePage(): Response {
  const html = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n";
  return new Response(html, { status: 200, headers: { "content-type": "text/html; charset=utf-8" } });
}
