// The monitor as a service: the reading loop, and HTTP on MONITOR_LISTEN_HOST:MONITOR_PORT with /metrics
// (Prometheus' exposition format) and /healthz (the monitor's own state: 200 while its readings keep
// coming, 503 once they are late, so that a health panel can say the monitor is down, never "healthy").
import type { Config } from "../config.ts";
import { unreachable } from "../errors.ts";
import { Monitor, type MonitorOptions } from "./monitor.ts";

export interface RunningMonitor {
  url: string;
  monitor: Monitor;
  stop(): Promise<void>;
}

export async function startMonitor(config: Config, options: MonitorOptions & { port?: number; host?: string } = {}): Promise<RunningMonitor> {
  const monitor = new Monitor(config, options);
  const host = options.host ?? config.monitor.listenHost;
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: host,
      port: options.port ?? config.monitor.port,
      fetch: async (request) => {
        const path = new URL(request.url).pathname;
        if (request.method !== "GET" && request.method !== "HEAD") return new Response("method not allowed\n", { status: 405 });
        if (path === "/metrics") {
          return new Response(await monitor.metrics.registry.metrics(), { headers: { "content-type": monitor.metrics.registry.contentType } });
        }
        if (path === "/healthz") {
          const health = monitor.health();
          return Response.json(health, { status: health.status === "stale" ? 503 : 200 });
        }
        return new Response("ytrader monitor: /metrics, /healthz\n", { status: path === "/" ? 200 : 404 });
      },
    });
  } catch (error) {
    await monitor.close();
    throw unreachable(`The monitor cannot listen on ${host}:${options.port ?? config.monitor.port} (${(error as Error).message}): set MONITOR_PORT to a free port`);
  }

  let stopped = false;
  let timer: Timer | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const loop = () => {
    if (stopped) return;
    const began = Date.now();
    running = monitor
      .cycle()
      .catch((error: Error) => options.log?.(`reading failed: ${error.stack ?? error.message}`))
      .finally(() => {
        if (stopped) return;
        const wait = Math.max(0, began + config.monitor.intervalSeconds * 1000 - Date.now());
        timer = setTimeout(loop, wait);
      });
  };
  loop();

  const shown = host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    url: `http://${shown.includes(":") ? `[${shown}]` : shown}:${server.port}`,
    monitor,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      server.stop(true);
      await monitor.close();
    },
  };
}
