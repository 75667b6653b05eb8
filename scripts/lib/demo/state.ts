// What the demo trading system knows about itself beyond its database: the exchange WebSocket link,
// model training, order-manager's counters and the faults an operator or a test has switched on.
// One object, shared by the activity generator, the HTTP services and the RabbitMQ traffic.
import { SERVICE_NAMES, type ServiceName } from "../services.ts";

export type WebsocketStatus = "disconnected" | "connecting" | "connected" | "reconnecting";

/** Faults on demand of one service: down (connection refused), unhealthy, degraded (position-manager
 *  only), slow, error500, garbage (200 with an HTML body). */
export const SERVICE_FAULTS = ["down", "unhealthy", "degraded", "slow", "error500", "garbage"] as const;
export type ServiceFault = (typeof SERVICE_FAULTS)[number];

export interface TrainingRun {
  strategy_id: string;
  model_version: string | null;
  started_at: string;
  completed_at?: string;
  dataset_size: number;
}

export interface DemoState {
  websocket: {
    status: WebsocketStatus;
    environment: "testnet" | "mainnet";
    connectedAt: Date | null;
    lastHeartbeat: Date | null;
    reconnectionCount: number;
    lastError: string | null;
    /** When true, ws-gateway's /health also carries the richer `websocket_state` object. */
    richState: boolean;
    /** The newest gateway's flat fields (websocket_environment, _endpoint_type, _public_category,
     *  _last_message_at): set when the demo runs the newest schema shape. */
    flatFields: boolean;
  };
  training: {
    isTraining: boolean;
    current: TrainingRun | null;
    last: TrainingRun | null;
    nextScheduledAt: Date;
    queueSize: number;
    nextQueuedStrategyId: string | null;
  };
  orderManager: {
    ready: boolean;
    /** Milliseconds of recent order processing, newest last (bounded). */
    latenciesMs: number[];
    errorCounts: Record<string, number>;
  };
  positionManager: { totalValidations: number; totalDiscrepancies: number; totalFixes: number; totalErrors: number };
  faults: {
    services: Record<ServiceName, Set<ServiceFault>>;
    /** The database looks unreachable to the services (health says so) and the generator pauses. */
    databaseDown: boolean;
    /** The RabbitMQ connection looks lost to the services. */
    queueDown: boolean;
  };
}

export function newDemoState(options: { richWebsocketState?: boolean } = {}): DemoState {
  const now = new Date();
  return {
    websocket: {
      status: "connected",
      environment: "testnet",
      connectedAt: now,
      lastHeartbeat: now,
      reconnectionCount: 0,
      lastError: null,
      richState: options.richWebsocketState ?? false,
      flatFields: false,
    },
    training: { isTraining: false, current: null, last: null, nextScheduledAt: new Date(now.getTime() + 3_600_000), queueSize: 0, nextQueuedStrategyId: null },
    orderManager: { ready: true, latenciesMs: [], errorCounts: {} },
    positionManager: { totalValidations: 0, totalDiscrepancies: 0, totalFixes: 0, totalErrors: 0 },
    faults: {
      services: Object.fromEntries(SERVICE_NAMES.map((name) => [name, new Set<ServiceFault>()])) as Record<ServiceName, Set<ServiceFault>>,
      databaseDown: false,
      queueDown: false,
    },
  };
}
