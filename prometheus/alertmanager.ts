// Alertmanager's configuration, defined once: where Prometheus' alerts go. The one place the routes,
// grouping, inhibitions and receivers are written (issue 24 adds its webhook, Slack and e-mail receivers
// here, their secrets as *_file paths). For now every alert is grouped and goes to a receiver that sends
// nothing, so that Prometheus has an Alertmanager to talk to and firing alerts can be seen in it.

/** The receiver that notifies no one. */
export const NULL_RECEIVER = "null";

export function alertmanagerConfig(): Record<string, unknown> {
  return {
    route: {
      receiver: NULL_RECEIVER,
      group_by: ["alertname", "service"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
    },
    receivers: [{ name: NULL_RECEIVER }],
  };
}
