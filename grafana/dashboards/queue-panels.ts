// The RabbitMQ queues row of the main dashboard (US4): every queue, worst first, with the spec's lag flag.
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import * as col from "../columns.ts";
import { columns } from "../columns.ts";
import { COLORS } from "../look.ts";
import { type RowColumns, columnOrder, infinityQuery, mapRows, valueAt } from "../queries/infinity.ts";
import { QUEUES_WITHOUT_CONSUMER_BY_DESIGN } from "../queue-topology.ts";


// The spec's lag rule: more than 1000 messages, or published to while consumed at under 10% of that rate
// with messages waiting. RabbitMQ's publish and deliver rates come from separate statistics samples: at a
// few messages a second a queue that keeps up can read "published 0.2/s, delivered 0/s" for a moment; a
// consumer really falling behind leaves messages in the queue, so an empty queue is never lagging.
export const LAG_MESSAGES = 1000;
const LAG_CONSUME_SHARE = 0.1;

/** Every queue, in the order the table shows it. */
const QUEUE_COLUMNS: RowColumns = {
  vhost: ["string", valueAt("$q.vhost")],
  queue: ["string", valueAt("$q.name")],
  lagging: ["boolean", `$byDesign = false and ($waiting > ${LAG_MESSAGES} or ($published > 0 and $waiting > 0 and $delivered < $published * ${LAG_CONSUME_SHARE}))`],
  messages: ["number", valueAt("$q.messages")],
  ready: ["number", valueAt("$q.messages_ready")],
  unacked: ["number", valueAt("$q.messages_unacknowledged")],
  consumers: ["number", valueAt("$q.consumers")],
  consumer: ["string", '($q.consumers ? $q.consumers : 0) > 0 ? "consumed" : ($byDesign ? "no consumer (by design)" : "NO CONSUMER")'],
  publish_rate: ["number", valueAt("$pub")],
  deliver_rate: ["number", valueAt("$del")],
};

/** Worst first: lagging queues, then by messages waiting, most first; ties by vhost and name, so that every
 *  pair has an order and both JSONata engines sort alike. */
const QUEUES_WORST_FIRST =
  "function($l, $r) { $l.lagging != $r.lagging ? $r.lagging : " +
  "(($l.messages ? $l.messages : 0) != ($r.messages ? $r.messages : 0) ? ($l.messages ? $l.messages : 0) < ($r.messages ? $r.messages : 0) : " +
  '(($l.vhost ? $l.vhost : "") != ($r.vhost ? $r.vhost : "") ? ($l.vhost ? $l.vhost : "") > ($r.vhost ? $r.vhost : "") : ' +
  '($l.queue ? $l.queue : "") > ($r.queue ? $r.queue : ""))) }';

export function queueLag() {
  const panel = new TablePanel()
    .title("RabbitMQ queues")
    .description(
      `Every queue of every vhost, amq.* included, worst first (lagging, then most messages): messages, ready, unacknowledged, ` +
        `consumers and rates in messages per second. Lagging (red yes) by the spec's rule: more than ${LAG_MESSAGES} messages, or ` +
        `published to while consumed at under ${LAG_CONSUME_SHARE * 100}% of that rate with messages waiting. Queues with no consumer by design ` +
        `(${QUEUES_WITHOUT_CONSUMER_BY_DESIGN.join(", ")}) are marked as such and never flagged; any other queue without a ` +
        `consumer is red.`,
    )
    .withTarget(
      infinityQuery("rabbitmq", "/api/queues")
        .rootSelector(
          mapRows("$", "$q", QUEUE_COLUMNS, {
            bindings:
              // a count or rate the API leaves out (a new queue has no message_stats) or sends as null is 0 here: the
              // JS package refuses to compare null, jsonata-go reads it as nothing
              "$pub := $q.message_stats.publish_details.rate; $del := $q.message_stats.deliver_get_details.rate; " +
              "$waiting := $q.messages ? $q.messages : 0; $published := $pub ? $pub : 0; $delivered := $del ? $del : 0; " +
              `$byDesign := $q.name in ${JSON.stringify(QUEUES_WITHOUT_CONSUMER_BY_DESIGN)};`,
            order: QUEUES_WORST_FIRST,
          }),
        )
        .columns(QUEUE_COLUMNS),
    )
    .withTransformation({ id: "organize", options: { indexByName: columnOrder([QUEUE_COLUMNS]) } })
    .noValue("no queues");
  return columns(panel, {
    vhost: col.text("Vhost"),
    queue: col.text("Queue"),
    lagging: col.flag("Lagging", "bad"),
    messages: col.count("Messages"),
    ready: col.count("Ready"),
    unacked: col.count("Unacked"),
    consumers: col.count("Consumers"),
    consumer: col.status("Consumer", {
      consumed: { color: COLORS.ok },
      "no consumer (by design)": { color: COLORS.neutral },
      "NO CONSUMER": { color: COLORS.bad },
    }),
    publish_rate: col.rate("Published"),
    deliver_rate: col.rate("Delivered"),
  });
}
