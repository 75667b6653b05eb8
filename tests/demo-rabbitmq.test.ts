// The demo's RabbitMQ against a real broker, in a vhost of its own: the topology is the trading system's,
// traffic shows in the management API, and both halves of the spec's lag rule can be produced on demand.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RabbitTraffic, amqpUrl, startRabbitTraffic } from "../scripts/lib/demo/rabbitmq.ts";
import { eventually, freshVhost, rabbitApi, settings, useLiveStack } from "./support/live.ts";

useLiveStack();

// Written by hand from shared/docs/source-system.md ("RabbitMQ topology"), not from the module.
const MARKET_DATA = { "x-message-ttl": 86400000, "x-max-length": 100000, "x-overflow": "drop-head" };
const EXPECTED_QUEUES: Record<string, Record<string, unknown>> = {
  "ws-gateway.trade": MARKET_DATA,
  "ws-gateway.ticker": MARKET_DATA,
  "ws-gateway.orderbook": MARKET_DATA,
  "ws-gateway.kline": MARKET_DATA,
  "ws-gateway.funding": MARKET_DATA,
  "ws-gateway.order": MARKET_DATA,
  "ws-gateway.position": MARKET_DATA,
  "ws-gateway.balance": MARKET_DATA,
  "ws-gateway.liquidation": MARKET_DATA,
  "model-service.trading_signals": {},
  "order-manager.order_events": {},
  "position-manager.position_updated": {},
  "position-manager.portfolio_updated": {},
  "position-manager.position_snapshot_created": {},
  "features.live": {},
  "features.dataset.ready": {},
};
const NEVER_CONSUMED = ["ws-gateway.balance", "ws-gateway.liquidation", "position-manager.portfolio_updated", "position-manager.position_snapshot_created"];
const PACE = 4;

interface QueueStats {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  arguments: Record<string, unknown>;
  messages?: number;
  consumers?: number;
  message_stats?: {
    publish_details?: { rate: number };
    deliver_get_details?: { rate: number };
    ack_details?: { rate: number };
  };
}

let vhost: Awaited<ReturnType<typeof freshVhost>>;
let traffic: RabbitTraffic;

async function queues(): Promise<QueueStats[]> {
  const response = await rabbitApi(`/api/queues/${encodeURIComponent(vhost.name)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as QueueStats[];
}

async function queue(name: string): Promise<QueueStats> {
  const response = await rabbitApi(`/api/queues/${encodeURIComponent(vhost.name)}/${encodeURIComponent(name)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as QueueStats;
}

/** Reads until `done` holds (statistics refresh every 5 s), with a deadline: `eventually` on a reading. */
const waitFor = <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> =>
  eventually(what, async () => {
    const value = await read();
    return done(value) ? value : undefined;
  }, timeoutMs);

const rates = (q: QueueStats) => ({
  messages: q.messages ?? 0,
  publish: q.message_stats?.publish_details?.rate ?? 0,
  deliver: q.message_stats?.deliver_get_details?.rate ?? 0,
  ack: q.message_stats?.ack_details?.rate ?? 0,
});

beforeAll(async () => {
  vhost = await freshVhost("demo_rabbitmq");
  const url = amqpUrl(settings().rabbitmq, vhost.name);
  traffic = await startRabbitTraffic({ amqpUrl: url, pace: PACE }).catch((error: Error) => {
    throw new Error(`RabbitMQ AMQP at ${settings().rabbitmq.host}:${settings().rabbitmq.port} refused the demo (${error.message}): start the local stack with \`bun run stack up\``);
  });
});

afterAll(async () => {
  await traffic?.stop();
  await vhost?.delete();
});

describe("demo RabbitMQ", () => {
  test("amqpUrl encodes user, password and vhost", () => {
    expect(amqpUrl({ host: "rabbitmq", port: 5672, user: "a b", password: "p@ss/:" })).toBe("amqp://a%20b:p%40ss%2F%3A@rabbitmq:5672/%2F");
    expect(amqpUrl({ host: "127.0.0.1", port: 55672, user: "u" }, "t_x")).toBe("amqp://u@127.0.0.1:55672/t_x");
  });

  test("declares exactly the trading system's queues, durable, with their real arguments", async () => {
    const declared = await queues();
    expect(declared.map((q) => q.name).sort()).toEqual(Object.keys(EXPECTED_QUEUES).sort());
    for (const q of declared) {
      expect({ name: q.name, durable: q.durable, auto_delete: q.auto_delete, arguments: q.arguments }).toEqual({
        name: q.name,
        durable: true,
        auto_delete: false,
        arguments: EXPECTED_QUEUES[q.name]!,
      });
    }
  });

  test("consumed queues have a consumer, never-consumed ones none and a seeded backlog, busy ones a publish rate", async () => {
    const busy = ["ws-gateway.trade", "ws-gateway.orderbook", "ws-gateway.ticker", "ws-gateway.liquidation", "features.live"];
    // Publish rates come from the channels' statistics and consumer counts from the queues' own, each
    // emitted on its own 5 s timer: wait for both before judging either.
    const seen = await waitFor(
      "publish rates on the busy queues and the queues' consumer counts",
      queues,
      (all) =>
        busy.every((name) => rates(all.find((q) => q.name === name)!).publish > 0) &&
        all.every((q) => NEVER_CONSUMED.includes(q.name) || (q.consumers ?? 0) >= 1),
      20_000,
    );
    for (const q of seen) {
      if (NEVER_CONSUMED.includes(q.name)) {
        expect({ name: q.name, consumers: q.consumers }).toEqual({ name: q.name, consumers: 0 });
        expect(q.messages ?? 0).toBeGreaterThanOrEqual(1000);
      } else {
        expect({ name: q.name, consumers: q.consumers! >= 1 }).toEqual({ name: q.name, consumers: true });
      }
    }
    const figures = Object.fromEntries(busy.map((name) => [name, rates(seen.find((q) => q.name === name)!)]));
    console.error(`[demo-rabbitmq] rates at pace ${PACE}: ${JSON.stringify(figures)}`);
    expect(traffic.knobs()["ws-gateway.balance"]).toBe("unconsumed");
    expect(traffic.knobs()["ws-gateway.trade"]).toBe("normal");
  }, 30_000);

  test("backlog(queue, 1500) pushes messages over 1000 while another consumed queue stays low; resuming drains it", async () => {
    await traffic.backlog("ws-gateway.orderbook", 1500);
    expect(traffic.knobs()["ws-gateway.orderbook"]).toBe("backlog:1500");
    const lagging = await waitFor("orderbook over 1000 messages", () => queue("ws-gateway.orderbook"), (q) => (q.messages ?? 0) > 1000, 15_000);
    const other = await queue("ws-gateway.ticker");
    console.error(`[demo-rabbitmq] backlog: orderbook ${lagging.messages} messages, ticker ${other.messages}`);
    expect(other.messages ?? 0).toBeLessThan(100);
    expect(other.consumers).toBe(1);

    await traffic.resumeConsumer("ws-gateway.orderbook");
    expect(traffic.knobs()["ws-gateway.orderbook"]).toBe("normal");
    const drained = await waitFor("orderbook drained", () => queue("ws-gateway.orderbook"), (q) => (q.messages ?? 0) < 100, 20_000);
    console.error(`[demo-rabbitmq] after resume: orderbook ${drained.messages} messages`);
  }, 40_000);

  test("slowConsumer(queue, 0.05) brings its deliver and ack rates under 10% of the publish rate, not a normal queue's", async () => {
    await traffic.slowConsumer("ws-gateway.trade", 0.05);
    expect(traffic.knobs()["ws-gateway.trade"]).toBe("slow:0.05");
    const slowLag = (q: QueueStats) => {
      const r = rates(q);
      return r.publish > 0 && r.deliver < 0.1 * r.publish && r.ack < 0.1 * r.publish;
    };
    const slow = await waitFor("a rate lag on ws-gateway.trade", () => queue("ws-gateway.trade"), slowLag, 30_000);
    const normal = await queue("ws-gateway.ticker");
    console.error(`[demo-rabbitmq] slow trade ${JSON.stringify(rates(slow))}, normal ticker ${JSON.stringify(rates(normal))}`);
    expect(rates(normal).publish).toBeGreaterThan(0);
    expect(slowLag(normal)).toBe(false);
    expect(rates(normal).deliver).toBeGreaterThanOrEqual(0.1 * rates(normal).publish);

    await traffic.clearKnobs();
    expect(traffic.knobs()["ws-gateway.trade"]).toBe("normal");
  }, 40_000);

  test("stop() closes the connection: the vhost has none afterwards", async () => {
    const inVhost = async () => {
      const response = await rabbitApi("/api/connections");
      expect(response.status).toBe(200);
      return ((await response.json()) as { vhost: string }[]).filter((c) => c.vhost === vhost.name).length;
    };
    await waitFor("the demo's connection to be listed", inVhost, (count) => count === 1, 10_000);
    await traffic.stop();
    expect(() => traffic.publish("ws-gateway.trade", {})).not.toThrow();
    await waitFor("no connection in the vhost", inVhost, (count) => count === 0, 10_000);
  }, 25_000);
});
