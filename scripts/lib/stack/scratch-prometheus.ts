// A Prometheus of the caller's own (a test's, bench's): the pinned binary on a fresh data directory,
// optionally backfilled first with samples the caller arranged (promtool tsdb create-blocks-from
// openmetrics), so that what a query answers depends on nothing but the caller. Never built here: without
// the tools it fails naming the one command that builds them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pickFreePort } from "./daemon.ts";
import { missingTools, type ToolName, toolPath, toolsDir, toolsMissingError } from "./prometheus-tools.ts";

/** The path of a pinned tool; throws naming `bun run stack tools` when any is missing. */
export function tool(name: ToolName): string {
  if (missingTools().missing.length) throw toolsMissingError();
  return toolPath(name, toolsDir());
}

/** Runs a tool; its exit code and output. */
export function runTool(name: ToolName, args: string[], cwd?: string): { code: number; output: string } {
  const run = Bun.spawnSync([tool(name), ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  return { code: run.exitCode ?? -1, output: `${run.stdout.toString()}${run.stderr.toString()}` };
}


export interface OwnPrometheus {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** A Prometheus of the caller's own: `openMetrics` (exposition text ending in `# EOF`) backfilled into its
 *  empty data directory before it starts; no scrape jobs unless `config` adds them. Ready on return. */
export interface OwnPrometheusOptions {
  /** Exposition text ending in `# EOF`, backfilled before the start. */
  openMetrics?: string;
  /** Or a function that writes such a file into the directory (a large history) and returns its path. */
  openMetricsFile?: (dir: string) => Promise<string>;
  /** promtool's longest block (default 2h): a long history in longer blocks, as compaction would leave it. */
  maxBlockDuration?: string;
  /** prometheus.yml; by default no scrape job at all. */
  config?: string;
}

export async function ownPrometheus(options: OwnPrometheusOptions = {}): Promise<OwnPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "prometheus-own-"));
  const data = join(dir, "data");
  let samples: string | null = null;
  if (options.openMetrics) {
    samples = join(dir, "samples.om");
    writeFileSync(samples, options.openMetrics);
  } else if (options.openMetricsFile) samples = await options.openMetricsFile(dir);
  if (samples) {
    const blocks = options.maxBlockDuration ? [`--max-block-duration=${options.maxBlockDuration}`] : [];
    const backfill = runTool("promtool", ["tsdb", "create-blocks-from", "openmetrics", ...blocks, samples, data]);
    rmSync(samples, { force: true });
    if (backfill.code !== 0) throw new Error(`promtool could not backfill the samples:\n${backfill.output}`);
  }
  writeFileSync(join(dir, "prometheus.yml"), options.config ?? "global:\n  scrape_interval: 15s\n");
  const port = pickFreePort();
  const child = Bun.spawn(
    [tool("prometheus"), `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdout: "ignore", stderr: "pipe" },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill();
    await child.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ready = await fetch(`${url}/-/ready`).catch(() => null);
    await ready?.body?.cancel();
    if (ready?.ok) return { url, port, dir, stop };
    if (child.exitCode !== null) break;
    await Bun.sleep(100);
  }
  const log = child.exitCode !== null ? await new Response(child.stderr).text() : "";
  await stop();
  throw new Error(`the own Prometheus did not become ready on ${url}${log ? `:\n${log.slice(-2000)}` : ""}`);
}
