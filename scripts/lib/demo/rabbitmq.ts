// The demo's RabbitMQ: the trading system's real queue topology, traffic at realistic rates, and knobs
// that make a queue lag on demand (by either half of the spec's lag rule) while publishing goes on.
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from "amqplib";
import { ASSET_NAMES, MARKETS, pick } from "./market.ts";

export interface QueueDefinition {
  name: string;
  /** Exactly the x-arguments the real services declare the queue with. */
  arguments: Readonly<Record<string, number | string>>;
  /** The service that consumes it in reality; null when nothing does (by design, not a fault). */
  consumer: string | null;
  /** Messages a second the loop publishes at pace 1. */
  perSecond: number;
}

// ws-gateway declares every market-data queue capped and expiring, so an unconsumed one stops growing at
// 100k and loses its oldest messages instead of refusing new ones.
const MARKET_DATA_ARGUMENTS = { "x-message-ttl": 86_400_000, "x-max-length": 100_000, "x-overflow": "drop-head" } as const;

const wsGateway = (channel: string, consumer: string | null, perSecond: number): QueueDefinition => ({
  name: `ws-gateway.${channel}`,
  arguments: MARKET_DATA_ARGUMENTS,
  consumer,
  perSecond,
});
const event = (name: string, consumer: string | null, perSecond: number): QueueDefinition => ({ name, arguments: {}, consumer, perSecond });

/** The real queues (default exchange only, no dead-letter queues). About 18 messages a second at pace 1. */
export const QUEUES: readonly QueueDefinition[] = [
  // Market data is read by model-service's feature pipeline.
  wsGateway("trade", "model-service", 6),
  wsGateway("ticker", "model-service", 2),
  wsGateway("orderbook", "model-service", 5),
  wsGateway("kline", "model-service", 0.5),
  wsGateway("funding", "model-service", 0.1),
  wsGateway("order", "order-manager", 0.3),
  wsGateway("position", "position-manager", 0.3),
  // Subscribed to but never read: in reality both sit near their 100k cap.
  wsGateway("balance", null, 0.3),
  wsGateway("liquidation", null, 1),
  event("model-service.trading_signals", "order-manager", 0.5),
  event("order-manager.order_events", "position-manager", 0.5),
  event("position-manager.position_updated", "model-service", 0.3),
  // Published on every portfolio call and every snapshot, read by nobody, uncapped: they grow for ever.
  event("position-manager.portfolio_updated", null, 0.2),
  event("position-manager.position_snapshot_created", null, 0.1),
  event("features.live", "model-service", 1),
  event("features.dataset.ready", "model-service", 0.01),
];

/** How many messages the never-consumed queues are topped up to at start, so they look lived-in. */
const SEED_MESSAGES = 3000;
/** Unacknowledged deliveries a consumer may hold: small, as the real services use. */
const PREFETCH = 10;
const TICK_MS = 200;
/** Upper bound of messages one tick may publish, whatever the pace. */
const MAX_PER_TICK = 500;

export interface RabbitTraffic {
  /** Publishes one JSON message to a known queue (the activity generator's signals, orders, positions). */
  publish(queue: string, message: unknown): void;
  stopConsumer(queue: string): Promise<void>;
  /** The consumer acks only `ackFraction` of the queue's publish rate (e.g. 0.05): a rate lag. */
  slowConsumer(queue: string, ackFraction: number): Promise<void>;
  resumeConsumer(queue: string): Promise<void>;
  /** Stops the queue's consumer and publishes `messages` at once: a length lag (messages > 1000). */
  backlog(queue: string, messages: number): Promise<void>;
  clearKnobs(): Promise<void>;
  /** Every queue's state: normal | unconsumed | stopped | slow:<fraction> | backlog:<messages>. */
  knobs(): Record<string, string>;
  /** Closes channels and the connection and stops the timer; queues and their messages stay. */
  stop(): Promise<void>;
}

export interface RabbitTrafficOptions {
  amqpUrl: string;
  /** 1 = the real system's rates. */
  pace?: number;
  /** Top up the never-consumed queues to a few thousand messages (default true). */
  seedBacklog?: boolean;
}

/** amqp://user:pass@host:port/vhost with every part URL-encoded ("/" becomes %2F). */
export function amqpUrl(settings: { host: string; port: number; user: string; password?: string }, vhost = "/"): string {
  const user = encodeURIComponent(settings.user);
  const credentials = settings.password === undefined ? user : `${user}:${encodeURIComponent(settings.password)}`;
  return `amqp://${credentials}@${settings.host}:${settings.port}/${encodeURIComponent(vhost)}`;
}

export async function startRabbitTraffic(options: RabbitTrafficOptions): Promise<RabbitTraffic> {
  const pace = options.pace ?? 1;
  if (!(pace > 0 && Number.isFinite(pace))) throw new RangeError(`pace must be a positive number, got ${pace}`);
  const connection = await amqp.connect(options.amqpUrl, { clientProperties: { connection_name: "ytrader demo traffic" } });
  // Without a listener an 'error' event would crash the demo; a lost broker just ends the traffic.
  connection.on("error", () => {});
  try {
    const counts = await declareTopology(connection);
    const publisher = await connection.createConfirmChannel();
    publisher.on("error", () => {});
    const traffic = new Traffic(connection, publisher, pace);
    if (options.seedBacklog ?? true) await traffic.seed(counts);
    await traffic.start();
    return traffic;
  } catch (error) {
    await connection.close().catch(() => {});
    throw error;
  }
}

/** Declares every queue with its real arguments; returns the messages already in each. A queue that
 *  exists with other arguments fails here with RabbitMQ's PRECONDITION_FAILED, naming the argument. */
async function declareTopology(connection: ChannelModel): Promise<Map<string, number>> {
  const channel = await connection.createChannel();
  channel.on("error", () => {});
  const counts = new Map<string, number>();
  for (const queue of QUEUES) {
    const reply = await channel.assertQueue(queue.name, { durable: true, arguments: { ...queue.arguments } });
    counts.set(queue.name, reply.messageCount);
  }
  await channel.close();
  return counts;
}

/** A running consumer on a channel of its own, so that stopping it requeues only its own deliveries. */
interface Consumer {
  channel: Channel;
  /** Set while the consumer is slowed: deliveries wait here until ack credit releases them. */
  slow: { fraction: number; credit: number; held: ConsumeMessage[] } | null;
}

class Traffic implements RabbitTraffic {
  private readonly consumers = new Map<string, Consumer>();
  private readonly knobByQueue = new Map<string, string>();
  private readonly publishCredit = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastTick = Date.now();
  private blocked = false;
  private closed = false;

  constructor(
    private readonly connection: ChannelModel,
    private readonly publisher: ConfirmChannel,
    private readonly pace: number,
  ) {
    connection.on("close", () => this.halt());
    publisher.on("drain", () => (this.blocked = false));
  }

  async seed(counts: Map<string, number>): Promise<void> {
    for (const queue of QUEUES.filter((q) => q.consumer === null)) {
      await this.publishMany(queue.name, SEED_MESSAGES - (counts.get(queue.name) ?? 0));
    }
  }

  async start(): Promise<void> {
    for (const queue of QUEUES) if (queue.consumer) await this.startConsumer(queue);
    this.lastTick = Date.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  publish(queue: string, message: unknown): void {
    definition(queue);
    if (this.closed) return; // the generator may still be finishing a step after stop()
    this.send(queue, message);
  }

  async stopConsumer(queue: string): Promise<void> {
    consumedDefinition(queue);
    await this.closeConsumer(queue);
    this.knobByQueue.set(queue, "stopped");
  }

  async slowConsumer(queue: string, ackFraction: number): Promise<void> {
    const known = consumedDefinition(queue);
    if (!(ackFraction >= 0 && ackFraction <= 1)) throw new RangeError(`ackFraction must be between 0 and 1, got ${ackFraction}`);
    const running = this.consumers.get(queue);
    const slow = { fraction: ackFraction, credit: 0, held: running?.slow?.held ?? [] };
    // Slowing the running consumer (rather than replacing it) avoids a burst of prefetched deliveries
    // that would blur the deliver rate the lag rule compares.
    if (running) running.slow = slow;
    else await this.startConsumer(known, slow);
    this.knobByQueue.set(queue, `slow:${ackFraction}`);
  }

  async resumeConsumer(queue: string): Promise<void> {
    const known = consumedDefinition(queue);
    const consumer = this.consumers.get(queue);
    if (consumer?.slow) {
      for (const message of consumer.slow.held) ack(consumer.channel, message);
      consumer.slow = null;
    }
    if (!consumer) await this.startConsumer(known);
    this.knobByQueue.delete(queue);
  }

  async backlog(queue: string, messages: number): Promise<void> {
    const known = definition(queue);
    if (!(Number.isInteger(messages) && messages > 0)) throw new RangeError(`messages must be a positive integer, got ${messages}`);
    if (known.consumer) await this.closeConsumer(queue);
    this.knobByQueue.set(queue, `backlog:${messages}`);
    await this.publishMany(queue, messages);
  }

  async clearKnobs(): Promise<void> {
    for (const queue of [...this.knobByQueue.keys()]) {
      if (definition(queue).consumer) await this.resumeConsumer(queue);
      else this.knobByQueue.delete(queue);
    }
  }

  knobs(): Record<string, string> {
    const normal = (queue: QueueDefinition) => (queue.consumer ? "normal" : "unconsumed");
    return Object.fromEntries(QUEUES.map((queue) => [queue.name, this.knobByQueue.get(queue.name) ?? normal(queue)]));
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.halt();
    // Closing the connection closes every channel; held deliveries go back to their queues.
    await this.connection.close().catch(() => {});
  }

  private halt(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async startConsumer(queue: QueueDefinition, slow: Consumer["slow"] = null): Promise<Consumer> {
    const channel = await this.connection.createChannel();
    channel.on("error", () => {});
    await channel.prefetch(PREFETCH);
    const consumer: Consumer = { channel, slow };
    const onMessage = (message: ConsumeMessage | null) => {
      if (!message) return; // cancelled by the broker (queue deleted)
      if (consumer.slow) consumer.slow.held.push(message);
      else ack(channel, message);
    };
    // The tag names the real consumer, as the management UI's consumer list shows it.
    await channel.consume(queue.name, onMessage, { consumerTag: `${queue.consumer}.${queue.name}.${randomSuffix()}` });
    this.consumers.set(queue.name, consumer);
    return consumer;
  }

  private async closeConsumer(queue: string): Promise<void> {
    const consumer = this.consumers.get(queue);
    if (!consumer) return;
    this.consumers.delete(queue);
    await consumer.channel.close().catch(() => {});
  }

  /** One timer for all queues: publishes what each queue's rate has earned since the last tick and
   *  releases the acks slowed consumers have earned. */
  private tick(): void {
    const now = Date.now();
    const seconds = Math.min((now - this.lastTick) / 1000, 2);
    this.lastTick = now;
    try {
      this.publishDue(seconds);
      for (const [name, consumer] of this.consumers) if (consumer.slow) this.releaseAcks(name, consumer, seconds);
    } catch {
      // A channel closed under us (broker going away): the close event stops the timer.
    }
  }

  private publishDue(seconds: number): void {
    let budget = MAX_PER_TICK;
    for (const queue of QUEUES) {
      let credit = (this.publishCredit.get(queue.name) ?? 0) + queue.perSecond * this.pace * seconds;
      // Under back-pressure the loop skips rather than queueing in memory; the credit stays bounded.
      while (credit >= 1 && budget > 0 && !this.blocked) {
        this.send(queue.name, sampleMessage(queue.name));
        credit -= 1;
        budget -= 1;
      }
      this.publishCredit.set(queue.name, Math.min(credit, 1 + queue.perSecond * this.pace));
    }
  }

  private releaseAcks(name: string, consumer: Consumer, seconds: number): void {
    const slow = consumer.slow!;
    slow.credit += slow.fraction * definition(name).perSecond * this.pace * seconds;
    while (slow.credit >= 1 && slow.held.length > 0) {
      ack(consumer.channel, slow.held.shift()!);
      slow.credit -= 1;
    }
    // Credit does not bank while nothing is held, or a later burst of acks would break the slow rate.
    if (slow.held.length === 0) slow.credit = Math.min(slow.credit, 1);
  }

  private send(queue: string, message: unknown): void {
    const body = Buffer.from(JSON.stringify(message));
    const accepted = this.publisher.sendToQueue(queue, body, { contentType: "application/json", timestamp: Math.floor(Date.now() / 1000) });
    if (!accepted) this.blocked = true;
  }

  /** Publishes quickly but waits for the socket to drain, then for the broker's confirms: when this
   *  returns, the messages are in the queue. */
  private async publishMany(queue: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      this.send(queue, sampleMessage(queue));
      if (this.blocked) await this.drained();
    }
    if (count > 0) await this.publisher.waitForConfirms();
  }

  /** Resolves when the socket takes writes again, or when the channel closes (then send throws). */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.publisher.off("drain", done).off("close", done);
        resolve();
      };
      this.publisher.on("drain", done).on("close", done);
    });
  }
}

function definition(queue: string): QueueDefinition {
  const found = QUEUES.find((q) => q.name === queue);
  if (!found) throw new Error(`unknown queue ${queue}: the trading system has ${QUEUES.map((q) => q.name).join(", ")}`);
  return found;
}

function consumedDefinition(queue: string): QueueDefinition {
  const found = definition(queue);
  if (!found.consumer) throw new Error(`${queue} has no consumer in the real system: there is nothing to stop, slow or resume`);
  return found;
}

function ack(channel: Channel, message: ConsumeMessage): void {
  try {
    channel.ack(message);
  } catch {
    // The channel is closing: the broker requeues the delivery anyway.
  }
}

const randomSuffix = () => Math.random().toString(36).slice(2, 8);

/** A plausible body for the queue; the dashboards read only counts and rates, so bodies stay small. */
function sampleMessage(queue: string): Record<string, unknown> {
  const symbol = pick(ASSET_NAMES);
  const price = +(MARKETS[symbol].base * (1 + (Math.random() - 0.5) * 0.002)).toPrecision(6);
  const ts = Date.now();
  const side = Math.random() < 0.5 ? "Buy" : "Sell";
  if (queue.startsWith("ws-gateway.")) {
    const channel = queue.slice("ws-gateway.".length);
    return { event_type: channel, symbol, ts, data: { price, size: +(Math.random() * 2).toFixed(4), side } };
  }
  return { event_type: queue.slice(queue.indexOf(".") + 1), asset: symbol, price, timestamp: new Date(ts).toISOString() };
}
