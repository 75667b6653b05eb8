// The preview's own packages (preview/package.json and its lockfile): @grafana/ui and @grafana/data at the
// same version, React, the type packages of the page and playwright-core. About 450 MB, so they are not
// part of the main install: the first preview installs them (saying what and why), and installs them
// again only when the lockfile or the manifest changes.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const REPO_DIR = join(import.meta.dir, "../../..");
export const PREVIEW_DIR = join(REPO_DIR, "preview");
const STAMP = join(PREVIEW_DIR, "node_modules", ".ytrader-preview-installed");

export const WORKSPACE_PACKAGES = "@grafana/ui, @grafana/data, React and playwright-core";
export const WORKSPACE_SIZE = "about 450 MB";

function manifestKey(): string {
  const hash = createHash("sha256");
  for (const file of ["package.json", "bun.lock"]) hash.update(readFileSync(join(PREVIEW_DIR, file)));
  return hash.digest("hex");
}

/** True when preview/node_modules holds what the lockfile names. */
export function workspaceInstalled(): boolean {
  return existsSync(STAMP) && readFileSync(STAMP, "utf8") === manifestKey();
}

/** Installs the workspace when it is missing or out of date; says so through `log` first. */
export async function ensureWorkspace(log: (line: string) => void): Promise<{ installed: boolean; ms: number }> {
  const started = performance.now();
  if (workspaceInstalled()) return { installed: false, ms: 0 };
  log(
    `preview: installing its own packages (${WORKSPACE_PACKAGES}; ${WORKSPACE_SIZE}) into preview/node_modules, ` +
      "once: the panels are drawn by Grafana's published components",
  );
  const child = Bun.spawn([process.execPath, "install", "--frozen-lockfile", "--no-progress"], {
    cwd: PREVIEW_DIR,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`installing the preview's packages failed (bun install in preview/, exit ${code}):\n${(stderr || stdout).trim()}`);
  writeFileSync(STAMP, manifestKey());
  const ms = Math.round(performance.now() - started);
  log(`preview: packages installed in ${(ms / 1000).toFixed(1)} s`);
  return { installed: true, ms };
}
