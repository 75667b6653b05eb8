// Infinity's backend evaluates JSONata with the Go library github.com/xiatechs/jsonata-go v1.8.8, not the JS
// package `check` uses. This builds the test-only Go program in tests/support/jsonata-go (which reproduces
// Infinity's handling around the library: body check, gjson first, JSONata, columns) with the machine's
// Go, once, into a cache outside the repository keyed by its sources and the Go version, and runs a whole
// batch of cases in one process.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const SOURCE_DIR = join(import.meta.dir, "jsonata-go");
const SOURCE_FILES = ["main.go", "go.mod", "go.sum"];
// Where Go's own installer puts it; a shell that never added it to PATH still finds it here.
const GO_DEFAULT_INSTALL = "/usr/local/go/bin/go";

export interface HarnessColumn {
  selector: string;
  text: string;
}

export interface HarnessCase {
  id: string;
  refId: string;
  /** Only for the text of the empty-body error. */
  url?: string;
  /** The HTTP status the body came with (200 when left out). */
  status?: number;
  /** The response body exactly as received. */
  body: string;
  rootSelector: string;
  columns: HarnessColumn[];
}

export interface HarnessResult {
  id: string;
  /** "no data": the framer gets an empty array, a frame without fields. */
  outcome: "error" | "no data" | "value";
  /** The error text the query would carry in Infinity's response. */
  error?: string;
  /** What the framer types: the column rows (with columns) or the root data (without). */
  value?: unknown;
  /** How the root selector was answered, with the exact text handed on ("" after an evaluation error). */
  selection?: { via: "whole document" | "gjson" | "jsonata"; text: string };
}

/** The go binary: $GO, else go on PATH, else Go's default install location. */
export function findGo(): string {
  const candidates = [process.env.GO, Bun.which("go"), GO_DEFAULT_INSTALL].filter((c): c is string => Boolean(c));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    const minimum = /^go (\S+)$/m.exec(readFileSync(join(SOURCE_DIR, "go.mod"), "utf8"))?.[1] ?? "";
    throw new Error(
      `The jsonata-go differential test needs Go (${minimum} or newer) to build its harness, and none was found ` +
        "(looked at $GO, PATH and Go's default install location). Install Go and put its bin directory on PATH, " +
        "or set GO to the go binary; `.ci/run` checks for it.",
    );
  }
  return found;
}

function goVersion(go: string): string {
  const run = Bun.spawnSync([go, "version"], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`${go} version failed: ${run.stderr.toString().trim()}`);
  return run.stdout.toString().trim();
}

function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "ytrader-monitoring", "jsonata-go");
}

export interface HarnessBuild {
  binary: string;
  /** False when an earlier run's binary was reused. */
  built: boolean;
  ms: number;
}

/** Builds the harness unless a binary of the same sources and Go version is cached; returns its path. */
export function buildHarness(): HarnessBuild {
  const started = performance.now();
  const go = findGo();
  const hash = createHash("sha256");
  hash.update(goVersion(go));
  for (const file of SOURCE_FILES) hash.update(`\0${file}\0`).update(readFileSync(join(SOURCE_DIR, file)));
  const dir = join(cacheRoot(), hash.digest("hex").slice(0, 16));
  const binary = join(dir, "jsonata-go-harness");
  if (existsSync(binary)) return { binary, built: false, ms: performance.now() - started };

  mkdirSync(dir, { recursive: true });
  // Built under a name of its own, then renamed: two test processes building at once never see half a file.
  const partial = `${binary}.${process.pid}.partial`;
  const build = Bun.spawnSync([go, "build", "-trimpath", "-mod=readonly", "-o", partial, "."], {
    cwd: SOURCE_DIR,
    env: process.env as Record<string, string>,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (build.exitCode !== 0) {
    rmSync(partial, { force: true });
    throw new Error(
      `Building the jsonata-go harness failed (go build in tests/support/jsonata-go; its modules come through Go's ` +
        `module proxy as configured):\n${build.stderr.toString().trim()}`,
    );
  }
  renameSync(partial, binary);
  return { binary, built: true, ms: performance.now() - started };
}

/** Evaluates every case in one process of the harness. With nowMs, $millis() and $now() read that instant. */
export async function runHarness(binary: string, cases: HarnessCase[], options: { nowMs?: number } = {}): Promise<HarnessResult[]> {
  const child = Bun.spawn([binary], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  child.stdin.write(JSON.stringify({ ...(options.nowMs !== undefined ? { nowMs: options.nowMs } : {}), cases }));
  await child.stdin.end();
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`The jsonata-go harness exited with ${code}: ${stderr.trim()}`);
  const { results } = JSON.parse(stdout) as { results: HarnessResult[] };
  if (results.length !== cases.length) throw new Error(`The jsonata-go harness answered ${results.length} results for ${cases.length} cases`);
  return results;
}
