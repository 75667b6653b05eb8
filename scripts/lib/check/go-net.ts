// A connection failure in the words of Go's net package, as Grafana's backend and its plugins (Prometheus,
// Infinity) say it; Bun's own wording only for what Go's cannot be told from it (the exact wrapping is
// UNCONFIRMED for Prometheus, docs/prometheus-facts.md §7).
export function goNetError(error: unknown, url: URL): string {
  const { code = "", message = String(error), name } = error as { code?: string; message?: string; name?: string };
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const address = `${url.hostname}:${port}`;
  if (code === "ECONNREFUSED" || /Unable to connect|ConnectionRefused/i.test(message)) return `dial tcp ${address}: connect: connection refused`;
  if (code === "ENOTFOUND" || /getaddrinfo|DNS/i.test(message)) return `dial tcp: lookup ${url.hostname}: no such host`;
  if (name === "AbortError" || name === "TimeoutError") return "context deadline exceeded";
  return message;
}
