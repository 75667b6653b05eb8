// Faults on demand from another process (the demo CLI, a test, an operator's curl): a small HTTP route
// on loopback that switches the same faults the services read from the shared DemoState.
import { z } from "zod";
import { SERVICE_NAMES, type ServiceName } from "../config.ts";
import { badInput, didYouMean, isFailure, unreachable } from "../errors.ts";
import type { DemoServices } from "./services.ts";
import { cycleWebsocket } from "./websocket-link.ts";
import { type DemoState, SERVICE_FAULTS, type ServiceFault } from "./state.ts";

/** Faults of the whole system rather than of one service. */
export const SYSTEM_FAULTS = ["database", "queue", "websocket"] as const;
export type SystemFault = (typeof SYSTEM_FAULTS)[number];

export interface FaultRequest {
  fault: string;
  service?: ServiceName;
  on: boolean;
}

/** What GET /faults answers: every fault and whether it is on. */
export type FaultsView = Record<SystemFault, boolean> & {
  services: Record<ServiceName, ServiceFault[]>;
  extra: Record<string, boolean>;
};

export interface ControlOptions {
  port: number;
  /** Loopback only: whoever reaches this route can break the demo. */
  host?: "127.0.0.1";
  state: DemoState;
  services: DemoServices;
  /** More named faults (the RabbitMQ backlog knobs), switched by their own functions. */
  extra?: Record<string, (on: boolean) => Promise<void>>;
  /** Pace of the websocket fault's reconnect cycle. */
  websocketStepMs?: number;
}

const requestSchema = z.strictObject({
  fault: z.string({ error: "fault: expected a fault name" }),
  service: z.enum(SERVICE_NAMES, { error: `service: expected one of ${SERVICE_NAMES.join(", ")}` }).optional(),
  on: z.boolean({ error: "on: expected true or false" }),
});

export function startControl(options: ControlOptions): { url: string; stop(): void } {
  const { state, services } = options;
  const host = options.host ?? "127.0.0.1";
  if (host !== "127.0.0.1") throw badInput(`The control route listens on loopback only, not ${host}.`);
  const extra = options.extra ?? {};
  for (const name of Object.keys(extra)) {
    if ((SYSTEM_FAULTS as readonly string[]).includes(name) || (SERVICE_FAULTS as readonly string[]).includes(name)) {
      throw badInput(`The extra fault "${name}" would hide the built-in fault of the same name.`);
    }
  }
  const extraOn = new Map<string, boolean>();
  let stopCycling: (() => void) | null = null;

  const view = (): FaultsView => ({
    services: Object.fromEntries(SERVICE_NAMES.map((name) => [name, [...state.faults.services[name]].sort()])) as Record<ServiceName, ServiceFault[]>,
    database: state.faults.databaseDown,
    queue: state.faults.queueDown,
    websocket: stopCycling !== null,
    extra: Object.fromEntries(Object.keys(extra).map((name) => [name, extraOn.get(name) ?? false])),
  });

  const switchWebsocket = (on: boolean) => {
    if (on && !stopCycling) stopCycling = cycleWebsocket(state, { stepMs: options.websocketStepMs });
    if (!on && stopCycling) {
      stopCycling();
      stopCycling = null;
    }
  };

  const switchFault = async (request: FaultRequest) => {
    const { fault, service, on } = request;
    if ((SERVICE_FAULTS as readonly string[]).includes(fault)) {
      if (!service) throw badInput(`The fault "${fault}" needs a service: one of ${SERVICE_NAMES.join(", ")}.`);
      // setFault refuses what the service cannot show (degraded outside position-manager) as bad input.
      await services.setFault(service, fault as ServiceFault, on);
      return;
    }
    if (service) throw badInput(`The fault "${fault}" concerns the whole system: leave "service" out.`);
    if (fault === "database") state.faults.databaseDown = on;
    else if (fault === "queue") state.faults.queueDown = on;
    else if (fault === "websocket") switchWebsocket(on);
    else if (extra[fault]) {
      await extra[fault](on);
      extraOn.set(fault, on);
    } else throw badInput(`Unknown fault "${fault}"${didYouMean(fault, knownFaults(extra))}; expected one of ${knownFaults(extra).join(", ")}.`);
  };

  const clearAll = async () => {
    await services.clearFaults();
    state.faults.databaseDown = false;
    state.faults.queueDown = false;
    switchWebsocket(false);
    for (const [name, off] of Object.entries(extra)) {
      await off(false);
      extraOn.set(name, false);
    }
  };

  const server = Bun.serve({
    hostname: host,
    port: options.port,
    fetch: async (request) => {
      try {
        return await handle(request, { view, switchFault, clearAll });
      } catch (error) {
        if (isFailure(error, "badInput")) return Response.json({ error: error.message }, { status: 400 });
        return Response.json({ error: (error as Error).message }, { status: 500 });
      }
    },
  });

  return {
    url: `http://${host}:${server.port}`,
    stop() {
      switchWebsocket(false);
      server.stop(true);
    },
  };
}

interface ControlActions {
  view(): FaultsView;
  switchFault(request: FaultRequest): Promise<void>;
  clearAll(): Promise<void>;
}

async function handle(request: Request, actions: ControlActions): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path === "/faults" && request.method === "GET") return Response.json(actions.view());
  if (path === "/faults" && request.method === "POST") {
    await actions.switchFault(await faultRequestOf(request));
    return Response.json(actions.view());
  }
  if (path === "/faults/clear" && request.method === "POST") {
    requireJsonContentType(request);
    await actions.clearAll();
    return Response.json(actions.view());
  }
  if (path === "/faults" || path === "/faults/clear") return Response.json({ error: `${request.method} is not allowed on ${path}` }, { status: 405 });
  return Response.json({ error: `No route ${path}; use GET /faults, POST /faults or POST /faults/clear` }, { status: 404 });
}

// A web page could POST a form to localhost; a JSON content type forces a CORS preflight this route
// never grants, so only real clients can switch faults.
function requireJsonContentType(request: Request) {
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    throw badInput("Send the request with Content-Type: application/json.");
  }
}

async function faultRequestOf(request: Request): Promise<FaultRequest> {
  requireJsonContentType(request);
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw badInput('The body is not JSON; expected {"fault": "...", "service"?: "...", "on": true|false}.');
  }
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => (issue.code === "unrecognized_keys" ? `unexpected field(s): ${issue.keys.join(", ")}` : issue.message));
    throw badInput('Bad fault request; expected {"fault": "...", "service"?: "...", "on": true|false}:', problems);
  }
  return parsed.data;
}

function knownFaults(extra: Record<string, unknown>): string[] {
  return [...SERVICE_FAULTS, ...SYSTEM_FAULTS, ...Object.keys(extra)];
}

/**
 * Switches a fault in a running demo (or clears them all with {clear: true}) and returns every fault's
 * state. Bad input is exit 2; no demo listening is unreachable (exit 3).
 */
export async function sendFault(controlUrl: string, body: FaultRequest | { clear: true }): Promise<FaultsView> {
  const base = controlUrl.replace(/\/+$/, "");
  const clear = "clear" in body;
  let response: Response;
  try {
    response = await fetch(clear ? `${base}/faults/clear` : `${base}/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: clear ? "{}" : JSON.stringify(body),
    });
  } catch (error) {
    throw unreachable(`No demo control route answers at ${base} (${(error as Error).message}): is \`bun run demo\` running?`);
  }
  const answer = (await response.json().catch(() => null)) as (FaultsView & { error?: string }) | null;
  if (response.status === 400) throw badInput(answer?.error ?? "The control route refused the request.");
  if (!response.ok || !answer) throw new Error(`The control route at ${base} answered ${response.status}: ${answer?.error ?? "no JSON body"}`);
  return answer;
}

/** Every fault's state in a running demo. No demo listening is unreachable (exit 3). */
export async function readFaults(controlUrl: string): Promise<FaultsView> {
  const base = controlUrl.replace(/\/+$/, "");
  let response: Response;
  try {
    response = await fetch(`${base}/faults`);
  } catch (error) {
    throw unreachable(`No demo control route answers at ${base} (${(error as Error).message}): is \`bun run demo\` running?`);
  }
  if (!response.ok) throw new Error(`The control route at ${base} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return (await response.json()) as FaultsView;
}

/** What differs between two views of the faults, a line each: "order-manager: down on", "queue: off". */
export function faultChanges(before: FaultsView, after: FaultsView): string[] {
  const changes: string[] = [];
  const onOff = (on: boolean) => (on ? "on" : "off");
  for (const service of SERVICE_NAMES) {
    const was = new Set(before.services[service]);
    const is = new Set(after.services[service]);
    for (const fault of SERVICE_FAULTS) if (was.has(fault) !== is.has(fault)) changes.push(`${service}: ${fault} ${onOff(is.has(fault))}`);
  }
  for (const fault of SYSTEM_FAULTS) if (before[fault] !== after[fault]) changes.push(`${fault}: ${onOff(after[fault])}`);
  for (const [fault, on] of Object.entries(after.extra)) if ((before.extra[fault] ?? false) !== on) changes.push(`${fault}: ${onOff(on)}`);
  return changes;
}
