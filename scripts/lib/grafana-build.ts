// Builds the real Grafana server and the Infinity plugin's backend from their Go modules, through the Go
// module proxy, into the build cache (keyed by version), so that each machine builds them once.
// No frontend is built: the HTTP API, provisioning, datasource health and /api/ds/query need none.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "./stack-paths.ts";

export const GRAFANA = { version: "13.2.3", commit: "8ea0d7e31a25f84c2b5a1c173070d8cde8740924", module: "github.com/grafana/grafana" };
export const INFINITY = {
  id: "yesoreyeram-infinity-datasource",
  version: "3.11.1",
  commit: "683f8833617ccb36fcb37ccc759b6103a09e7c68",
  module: "github.com/grafana/grafana-infinity-datasource",
};

export interface GrafanaBuild {
  /** The grafana executable. */
  binary: string;
  /** Grafana's module source: conf/defaults.ini and public/app/plugins/** for --homepath. */
  homepath: string;
  /** Directory holding the Infinity plugin (plugin.json and its backend executable). */
  pluginsDir: string;
}

const grafanaDir = () => join(cacheDir(), `grafana-${GRAFANA.version}`);
const infinityDir = () => join(cacheDir(), `infinity-${INFINITY.version}`);
const buildErrorPath = () => join(grafanaDir(), "build-error.txt");

/** The cached build, or null when this machine has none yet. */
export function cachedGrafanaBuild(): GrafanaBuild | null {
  const record = join(grafanaDir(), "build.json");
  if (!existsSync(record)) return null;
  const build = JSON.parse(readFileSync(record, "utf8")) as GrafanaBuild;
  return existsSync(build.binary) && existsSync(build.homepath) ? build : null;
}

/** Why the last build attempt failed, if it did. */
export function lastBuildError(): string | null {
  return existsSync(buildErrorPath()) ? readFileSync(buildErrorPath(), "utf8") : null;
}

export class BuildUnavailableError extends Error {}

function go(args: string[], cwd: string, log: (line: string) => void): string {
  log(`go ${args.join(" ")}`);
  const result = spawnSync("go", args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, GOFLAGS: "-mod=mod", CGO_ENABLED: "1" },
  });
  if (result.status !== 0) throw new BuildUnavailableError(`go ${args.join(" ")} failed:\n${result.stderr || result.stdout}`);
  return result.stdout;
}

interface Download {
  Dir?: string;
  GoMod?: string;
  Version: string;
  Error?: string;
}

/** Downloads module@commit through the proxy; the proxy's own error when it cannot deliver. */
function download(module: string, commit: string, cwd: string, log: (line: string) => void): Required<Omit<Download, "Error">> {
  log(`downloading ${module}@${commit}`);
  const result = spawnSync("go", ["mod", "download", "-json", `${module}@${commit}`], { cwd, encoding: "utf8" });
  if (result.error) throw new BuildUnavailableError(`go: ${result.error.message} (Go 1.25 or later is needed to build Grafana)`);
  const info = JSON.parse(result.stdout || "{}") as Download;
  if (info.Error || !info.Dir || !info.GoMod) {
    throw new BuildUnavailableError(`The Go module proxy cannot deliver ${module}@${commit}:\n${info.Error ?? result.stderr}`);
  }
  return info as Required<Omit<Download, "Error">>;
}

/** A throwaway module that requires `module` at `version` with the module's own replace and exclude
 *  directives carried over (read from its go.mod, never copied by hand), then builds `pkg` into `output`. */
function buildFromModule(
  work: string,
  dep: Required<Omit<Download, "Error">> & { module: string },
  pkg: string,
  output: string,
  ldflags: string,
  log: (line: string) => void,
) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const upstream = JSON.parse(go(["mod", "edit", "-json", dep.GoMod], work, log)) as {
    Go?: string;
    Replace?: { Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }[];
    Exclude?: { Path: string; Version: string }[];
  };
  writeFileSync(join(work, "go.mod"), `module ytrader-monitoring/build\n\ngo ${upstream.Go ?? "1.24"}\n`);
  const edits: string[] = [`-require=${dep.module}@${dep.Version}`];
  for (const r of upstream.Replace ?? []) {
    const target = r.New.Version ? `${r.New.Path}@${r.New.Version}` : join(dep.Dir, r.New.Path);
    edits.push(`-replace=${r.Old.Version ? `${r.Old.Path}@${r.Old.Version}` : r.Old.Path}=${target}`);
  }
  for (const e of upstream.Exclude ?? []) edits.push(`-exclude=${e.Path}@${e.Version}`);
  go(["mod", "edit", ...edits], work, log);
  go(["get", `${pkg}@${dep.Version}`], work, log);
  go(["build", "-trimpath", `-ldflags=${ldflags}`, "-o", output, pkg], work, log);
}

/** Builds Grafana and Infinity unless cached. Throws BuildUnavailableError with the exact cause. */
export function buildGrafana(log: (line: string) => void = console.log): GrafanaBuild {
  const cached = cachedGrafanaBuild();
  if (cached) return cached;
  mkdirSync(grafanaDir(), { recursive: true });
  try {
    const build = buildUncached(log);
    rmSync(buildErrorPath(), { force: true });
    return build;
  } catch (error) {
    writeFileSync(buildErrorPath(), error instanceof Error ? error.message : String(error));
    throw error;
  }
}

function buildUncached(log: (line: string) => void): GrafanaBuild {
  const scratch = join(grafanaDir(), "scratch");
  mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, "go.mod"), "module scratch\n");

  const grafana = { ...download(GRAFANA.module, GRAFANA.commit, scratch, log), module: GRAFANA.module };
  const version = (JSON.parse(readFileSync(join(grafana.Dir, "package.json"), "utf8")) as { version: string }).version;
  if (version !== GRAFANA.version) {
    throw new BuildUnavailableError(`${GRAFANA.module}@${GRAFANA.commit} is Grafana ${version}, not ${GRAFANA.version}`);
  }
  const binary = join(grafanaDir(), "bin", "grafana");
  buildFromModule(
    join(grafanaDir(), "module"),
    grafana,
    `${GRAFANA.module}/pkg/cmd/grafana`,
    binary,
    `-X main.version=${GRAFANA.version} -X main.commit=${GRAFANA.commit} -X main.buildBranch=HEAD`,
    log,
  );

  const infinity = { ...download(INFINITY.module, INFINITY.commit, scratch, log), module: INFINITY.module };
  const pluginDir = join(infinityDir(), INFINITY.id);
  mkdirSync(pluginDir, { recursive: true });
  buildFromModule(join(infinityDir(), "module"), infinity, `${INFINITY.module}/pkg`, join(pluginDir, "gpx_infinity_linux_amd64"), "", log);
  const pluginJson = readFileSync(join(infinity.Dir, "src", "plugin.json"), "utf8")
    .replaceAll("%VERSION%", INFINITY.version)
    .replaceAll("%TODAY%", "2026-01-01");
  writeFileSync(join(pluginDir, "plugin.json"), pluginJson);

  const build: GrafanaBuild = { binary, homepath: grafana.Dir, pluginsDir: infinityDir() };
  writeFileSync(join(grafanaDir(), "build.json"), JSON.stringify(build, null, 2));
  return build;
}
