// Prometheus, promtool, Alertmanager and amtool of the pinned releases (docs/prometheus-build.md): built
// with this machine's Go from the Go module proxy into a directory outside the repository whose name
// carries the versions, so that fresh clones on the same machine reuse them and a version bump rebuilds.
// The stack runs them as local processes; the tests validate the generated configuration with them;
// docker-compose pins the images of the same releases (PROMETHEUS_IMAGE, ALERTMANAGER_IMAGE).
import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { badInput } from "../errors.ts";

/** The one definition of the releases: the build, the tools directory's name and the compose images. */
export const PROMETHEUS_RELEASE = { version: "3.16.0", module: "github.com/prometheus/prometheus", moduleVersion: "v0.316.0" } as const;
export const ALERTMANAGER_RELEASE = { version: "0.31.1", module: "github.com/prometheus/alertmanager", moduleVersion: "v0.31.1" } as const;
export const PROMETHEUS_IMAGE = `prom/prometheus:v${PROMETHEUS_RELEASE.version}`;
export const ALERTMANAGER_IMAGE = `prom/alertmanager:v${ALERTMANAGER_RELEASE.version}`;

export type ToolName = "prometheus" | "promtool" | "alertmanager" | "amtool";
const TOOLS: Record<ToolName, { release: typeof PROMETHEUS_RELEASE | typeof ALERTMANAGER_RELEASE; cmd: string }> = {
  prometheus: { release: PROMETHEUS_RELEASE, cmd: "cmd/prometheus" },
  promtool: { release: PROMETHEUS_RELEASE, cmd: "cmd/promtool" },
  alertmanager: { release: ALERTMANAGER_RELEASE, cmd: "cmd/alertmanager" },
  amtool: { release: ALERTMANAGER_RELEASE, cmd: "cmd/amtool" },
};
export const TOOL_NAMES = Object.keys(TOOLS) as ToolName[];

/** The command that builds them: what a refusal names, what `.ci/run` runs. */
export const TOOLS_COMMAND = "bun run stack tools";
/** How long the build takes on a fresh machine of this project's kind (2 cores), measured. */
const BUILD_TIME = "about 8 minutes on 2 cores, once per machine";

/** Where the binaries are: PROMETHEUS_TOOLS_DIR, else a directory of the cache named after the releases. */
export function toolsDir(env: Record<string, string | undefined> = process.env): string {
  if (env.PROMETHEUS_TOOLS_DIR) return env.PROMETHEUS_TOOLS_DIR;
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(cache, "ytrader-monitoring", "tools", `prometheus-${PROMETHEUS_RELEASE.version}-alertmanager-${ALERTMANAGER_RELEASE.version}`);
}

export const toolPath = (name: ToolName, dir = toolsDir()) => join(dir, name);

/** The version a tool reports (`--version`'s first line: "prometheus, version 3.16.0 (...)"), or null
 *  when it is missing or does not run. */
export function toolVersion(name: ToolName, dir = toolsDir()): string | null {
  const path = toolPath(name, dir);
  if (!existsSync(path)) return null;
  const run = Bun.spawnSync([path, "--version"], { stdout: "pipe", stderr: "pipe" });
  const text = `${run.stdout.toString()}${run.stderr.toString()}`;
  return /version (\S+)/.exec(text)?.[1] ?? null;
}

export interface MissingTools {
  /** Each tool that is absent or reports another version than the pinned one. */
  missing: { name: ToolName; found: string | null; wanted: string }[];
  /** The one command that builds them. */
  command: string;
}

/** What is missing, and the command that builds it (the same shape as the stack's Debian packages). */
export function missingTools(dir = toolsDir()): MissingTools {
  const missing = TOOL_NAMES.map((name) => ({ name, found: toolVersion(name, dir), wanted: TOOLS[name].release.version })).filter(
    (tool) => tool.found !== tool.wanted,
  );
  return { missing, command: TOOLS_COMMAND };
}

function describeMissing({ missing }: MissingTools): string {
  return missing.map((tool) => `${tool.name} ${tool.wanted}${tool.found ? ` (found ${tool.found})` : ""}`).join(", ");
}

/** The refusal: what is missing and the one command. */
export function toolsMissingError(dir = toolsDir(), found = missingTools(dir)) {
  return badInput(
    `Prometheus and Alertmanager are not built in ${dir}: ${describeMissing(found)} missing. Build them (${BUILD_TIME}) with: ${found.command}`,
  );
}

/** Whether a missing build may be made now: not with --no-install, nor with STACK_NO_INSTALL set. */
export function installAllowed(flag: boolean | undefined, env: Record<string, string | undefined> = process.env): boolean {
  if (flag === false) return false;
  return !["1", "true", "yes"].includes((env.STACK_NO_INSTALL ?? "").toLowerCase());
}

export interface EnsureToolsOptions {
  /** Build what is missing (default true); false refuses with the command instead. */
  install?: boolean;
  dir?: string;
}

/** The tools directory, after building what is missing when allowed; otherwise bad input naming the
 *  one command. The build needs Go (>= 1.21, which fetches the toolchain Prometheus asks for). */
export async function ensureTools(log: (line: string) => void, options: EnsureToolsOptions = {}): Promise<string> {
  const dir = options.dir ?? toolsDir();
  const found = missingTools(dir);
  if (!found.missing.length) return dir;
  if (options.install === false) throw toolsMissingError(dir, found);
  const go = Bun.which("go") ?? ["/usr/local/go/bin/go", "/usr/lib/go/bin/go"].find((path) => existsSync(path));
  if (!go) throw badInput(`Prometheus and Alertmanager are built from source with Go, which is not installed (apt-get install golang-go, or Go from go.dev); then: ${TOOLS_COMMAND}`);
  const releases = [...new Set(found.missing.map((tool) => TOOLS[tool.name].release))];
  log(
    `tools: building ${describeMissing(found)} with ${go} from the Go module proxy into ${dir} (${BUILD_TIME}): ` +
      "the stack runs Prometheus and Alertmanager as local processes and the tests check the configuration with promtool and amtool",
  );
  mkdirSync(dir, { recursive: true });
  for (const release of releases) {
    const started = Date.now();
    const names = TOOL_NAMES.filter((name) => TOOLS[name].release === release);
    await goInstall(go, dir, release, names);
    log(`tools: built ${names.join(", ")} ${release.version} in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  }
  const still = missingTools(dir);
  if (still.missing.length) throw new Error(`the build finished, yet ${describeMissing(still)} still missing in ${dir}`);
  return dir;
}

/** `go install` of one release's commands, version-stamped so that `--version` (and Prometheus'
 *  buildinfo, which Grafana reads) reports the release. Prometheus without the cloud service discoveries
 *  (tag remove_all_sd): the generated configuration uses static targets only. */
async function goInstall(go: string, dir: string, release: typeof PROMETHEUS_RELEASE | typeof ALERTMANAGER_RELEASE, names: ToolName[]) {
  const stamp = "github.com/prometheus/common/version";
  const ldflags = `-s -w -X ${stamp}.Version=${release.version} -X ${stamp}.Revision=${release.moduleVersion} -X ${stamp}.Branch=module-proxy`;
  const tags = release === PROMETHEUS_RELEASE ? ["-tags", "remove_all_sd"] : [];
  const packages = names.map((name) => `${release.module}/${TOOLS[name].cmd}@${release.moduleVersion}`);
  const child = Bun.spawn([go, "install", ...tags, "-ldflags", ldflags, ...packages], {
    env: { ...process.env, GOBIN: dir, GOFLAGS: "-mod=mod" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) {
    const tail = `${stdout}${stderr}`.trim().split("\n").slice(-20).join("\n");
    throw new Error(`go install of ${names.join(", ")} ${release.version} failed (exit ${code}):\n${tail}`);
  }
}
