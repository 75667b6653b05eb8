// What the Infinity engine tests share: a fixed time range, a target inside the subset, columns, and the
// RabbitMQ /api/queues rows the root selector tests read.
import type { Frame } from "../../scripts/lib/check/frames.ts";
import type { TimeRange } from "../../scripts/lib/check/time-range.ts";
import { type InfinityColumn, InfinityQueryError, type InfinityTarget } from "../../scripts/lib/check/infinity/types.ts";

export const range: TimeRange = {
  from: new Date("2020-07-13T20:19:09.254Z"),
  to: new Date("2020-07-13T21:19:09.000Z"),
  raw: { from: "now-1h", to: "now" },
};

export function target(extra: Partial<InfinityTarget> = {}): InfinityTarget {
  return { refId: "A", type: "json", source: "url", parser: "backend", format: "table", url: "/data", root_selector: "", columns: [], ...extra };
}

export const col = (selector: string, type: string, text = selector): InfinityColumn => ({ selector, text, type });

export function values(frame: Frame): Record<string, unknown[]> {
  return Object.fromEntries(frame.fields.map((f) => [f.name, f.values]));
}

export async function queryError(promise: Promise<unknown>): Promise<InfinityQueryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InfinityQueryError) return error;
    throw error;
  }
  throw new Error("expected an InfinityQueryError");
}

export const queues = [
  { name: "orders", vhost: "/", messages: 1500, consumers: 1, state: "running", message_stats: { publish_details: { rate: 12.5 } } },
  { name: "signals", vhost: "/", messages: 3, consumers: 0, state: "running" },
];
