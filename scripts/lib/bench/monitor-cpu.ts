// The monitor's own cost (issue 23's target: under 1 % of one core at the default interval): a real
// `bun run monitor` process reading every source of the stack at MONITOR_INTERVAL_SECONDS, scraped as
// Prometheus would scrape it at the same interval, and its CPU (user + system time of the process in
// /proc/<pid>/stat, threads included) over a measured stretch after its first readings.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config.ts";
import { clockTicks } from "./cpu.ts";
import { MONITOR_METRICS } from "../../../prometheus/metrics.ts";

export interface MonitorCpuFigures {
  intervalSeconds: number;
  /** The stretch measured, after the warm-up readings. */
  wallSeconds: number;
  cpuSeconds: number;
  /** cpuSeconds / wallSeconds, in % of one core. */
  percentOfCore: number;
  /** Readings of every source done in the stretch. */
  readings: number;
  /** The services whose /health each reading reads; training status and the database figures besides. */
  services: number;
  /** Samples in one /metrics answer (lines that are not comments). */
  series: number;
  /** Resident memory at the end, MB. */
  rssMb: number;
}

function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  return (fields[11]! + fields[12]!) / clockTicks;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Math.round(Number(line?.replace(/\D+/g, "") ?? 0) / 1024);
}

const freePort = () => {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
};

/** Starts a monitor on the settings' sources, lets it read `warmupReadings` times, then measures its CPU
 *  for `seconds` while scraping /metrics every interval. */
export async function measureMonitorCpu(
  config: Config,
  options: { seconds: number; warmupReadings?: number; log?: (line: string) => void },
): Promise<MonitorCpuFigures> {
  const interval = config.monitor.intervalSeconds;
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, ...config.values, MONITOR_PORT: String(port), MONITOR_LISTEN_HOST: "127.0.0.1" } as Record<string, string>;
  const child = spawn(process.execPath, [join(import.meta.dir, "..", "..", "monitor.ts")], { env, stdio: ["ignore", "ignore", "inherit"] });
  const stop = () => child.kill("SIGTERM");
  try {
    const lastCycle = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return { text, at: Number(new RegExp(`^${MONITOR_METRICS.lastCycle} (\\S+)$`, "m").exec(text)?.[1] ?? 0) };
    };
    const deadline = Date.now() + (interval * ((options.warmupReadings ?? 2) + 2) + 30) * 1000;
    let seen = new Set<number>();
    while (seen.size < (options.warmupReadings ?? 2)) {
      if (Date.now() > deadline) throw new Error(`the monitor did not finish ${options.warmupReadings ?? 2} readings in time`);
      if (child.exitCode !== null) throw new Error(`the monitor exited (${child.exitCode})`);
      const { at } = await lastCycle().catch(() => ({ at: 0 }));
      if (at) seen.add(at);
      await Bun.sleep(250);
    }
    options.log?.(`monitor: measuring its CPU for ${options.seconds} s at ${interval} s a reading`);
    const pid = child.pid!;
    const startCpu = processCpuSeconds(pid);
    const started = performance.now();
    seen = new Set();
    let text = "";
    const end = started + options.seconds * 1000;
    while (performance.now() < end) {
      // Prometheus' scrape of the monitor, at the same interval.
      const scraped = await lastCycle();
      text = scraped.text;
      seen.add(scraped.at);
      await Bun.sleep(Math.min(interval * 1000, Math.max(0, end - performance.now())));
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const cpuSeconds = processCpuSeconds(pid) - startCpu;
    return {
      intervalSeconds: interval,
      wallSeconds,
      cpuSeconds,
      percentOfCore: (cpuSeconds / wallSeconds) * 100,
      readings: seen.size,
      services: config.monitoredServices.length,
      series: text.split("\n").filter((line) => line && !line.startsWith("#")).length,
      rssMb: rssMb(pid),
    };
  } finally {
    stop();
  }
}

export function formatMonitorCpu(f: MonitorCpuFigures): string {
  const verdict = f.percentOfCore < 1 ? "met" : "MISSED";
  return [
    `Monitor (bun run monitor), ${f.services} services' /health, training status and database figures every ${f.intervalSeconds} s, scraped every ${f.intervalSeconds} s:`,
    `  CPU ${f.cpuSeconds.toFixed(2)} s in ${f.wallSeconds.toFixed(0)} s = ${f.percentOfCore.toFixed(2)} % of one core (target < 1 %: ${verdict}), ${f.readings} readings, ${f.series} series, ${f.rssMb} MB resident`,
  ].join("\n");
}
