// The page's bundle: preview/page/ and the display module it shares with `check`, built by Bun's bundler
// from the preview workspace into one plain script (a <script src> works from file://; a module script
// does not) and one stylesheet (uPlot's and the data grid's CSS, which @grafana/ui imports). Cached in
// preview/.build/ under a key of every source it is built from, the workspace's lockfile and Bun's
// version: a preview after the first reuses it.
//
// Three things Bun's bundler needs told (found when it was first tried):
// - @grafana/ui's .mjs files default-import the CommonJS react-custom-scrollbars-2, which Bun resolves
//   to the module's exports object: Table then fails with React error #130 (an object as a component).
//   A small module maps that import to the exports' `default`.
// - monaco-editor arrives through a module-level import of the code editor, which no panel here uses:
//   an empty module replaces it (the bundle shrinks from about 6.4 to 2.8 MB, the same picture).
// - the display module (scripts/lib/display/) lives outside the workspace and would resolve
//   @grafana/data and @grafana/schema from the main install: both go to the workspace's copies, so
//   that the page holds one Grafana library, the one @grafana/ui was built with.
// Plus the icons (see preview/page/main.tsx): every SVG of @grafana/ui, put into react-inlinesvg's cache.
// And one speed-up: every TableNG builds a text-measuring context of its own (createTypographyContext in
// TableNG/utils.mjs: some 2,500 canvas measurements of the theme's font, a quarter of the page's work on
// the main dashboard). The result depends only on its arguments and nothing changes the context after,
// so the build wraps the function in a cache by arguments: the tables measure alike, once.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { BunPlugin } from "bun";
import { PREVIEW_DIR, REPO_DIR } from "./workspace.ts";

export interface Bundle {
  script: string;
  stylesheet: string;
  /** True when this call built it (false: the cache was current). */
  built: boolean;
  ms: number;
  bytes: number;
}

const BUILD_DIR = join(PREVIEW_DIR, ".build");
const SOURCES = [
  { dir: join(PREVIEW_DIR, "page"), glob: "**/*.{ts,tsx}" },
  { dir: join(REPO_DIR, "scripts/lib/display"), glob: "**/*.ts" },
  { dir: join(REPO_DIR, "scripts/lib/preview"), glob: "{payload,bundle}.ts" },
  { dir: PREVIEW_DIR, glob: "{bun.lock,package.json}" },
];

/** The bundle, built when a source, the lockfile or Bun changed since the cached one. */
export async function pageBundle(): Promise<Bundle> {
  const started = performance.now();
  const key = sourcesKey();
  const script = join(BUILD_DIR, "preview.js");
  const stylesheet = join(BUILD_DIR, "preview.css");
  const keyFile = join(BUILD_DIR, "key");
  if (existsSync(keyFile) && readFileSync(keyFile, "utf8") === key && existsSync(script) && existsSync(stylesheet)) {
    return { script, stylesheet, built: false, ms: Math.round(performance.now() - started), bytes: Bun.file(script).size };
  }
  // Built in a process of its own: Bun's resolver caches what a directory held when this process first
  // looked, so a workspace installed by this very process (the first preview) would stay invisible to an
  // in-process build ("Could not resolve @grafana/ui").
  const child = Bun.spawn([process.execPath, import.meta.path], { cwd: REPO_DIR, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`building the preview page failed:\n${(stderr || stdout).trim()}`);
  writeFileSync(keyFile, key);
  return { script, stylesheet, built: true, ms: Math.round(performance.now() - started), bytes: Bun.file(script).size };
}

function sourcesKey(): string {
  const hash = createHash("sha256").update(`bun ${Bun.version}\n`);
  for (const { dir, glob } of SOURCES) {
    const files = [...new Bun.Glob(glob).scanSync({ cwd: dir })].sort();
    for (const file of files) hash.update(`${relative(REPO_DIR, join(dir, file))}\n`).update(readFileSync(join(dir, file)));
  }
  return hash.digest("hex");
}

function previewPlugin(): BunPlugin {
  const modules = join(PREVIEW_DIR, "node_modules");
  return {
    name: "ytrader-preview",
    setup(build) {
      build.onResolve({ filter: /^react-custom-scrollbars-2$/ }, () => ({ path: "react-custom-scrollbars-2", namespace: "preview-scrollbars" }));
      build.onLoad({ filter: /.*/, namespace: "preview-scrollbars" }, () => ({
        loader: "js",
        contents: `import * as cjs from ${JSON.stringify(join(modules, "react-custom-scrollbars-2/lib/index.js"))};
const exported = cjs.default && cjs.default.default ? cjs.default.default : cjs.default;
export default exported;`,
      }));
      build.onResolve({ filter: /^monaco-editor(\/.*)?$/ }, (args) => ({ path: args.path, namespace: "preview-empty" }));
      build.onLoad({ filter: /.*/, namespace: "preview-empty" }, () => ({ loader: "js", contents: "export default {};" }));
      build.onResolve({ filter: /^@grafana\/(data|schema)$/ }, (args) =>
        args.importer.startsWith(join(REPO_DIR, "scripts")) ? { path: esmEntry(modules, args.path) } : undefined,
      );
      build.onLoad({ filter: /\/@grafana\/ui\/dist\/esm\/components\/Table\/TableNG\/utils\.mjs$/ }, (args) => ({
        loader: "js",
        contents: typographyOnce(readFileSync(args.path, "utf8"), args.path),
      }));
      build.onResolve({ filter: /^preview-icons$/ }, () => ({ path: "preview-icons", namespace: "preview-icons" }));
      build.onLoad({ filter: /.*/, namespace: "preview-icons" }, () => ({ loader: "js", contents: iconsModule(modules) }));
    },
  };
}

/** The file a browser build resolves a package to: its exports' "import" entry (Bun.resolveSync would
 *  answer the CommonJS one, a second copy of the library beside the one @grafana/ui imports). */
function esmEntry(modules: string, name: string): string {
  const manifest = JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")) as { exports?: { ".": { import?: string } }; module?: string };
  const entry = manifest.exports?.["."]?.import ?? manifest.module;
  if (!entry) throw new Error(`${name} names no ES module entry in its package.json`);
  return join(modules, name, entry);
}

const TYPOGRAPHY = "function createTypographyContext(";

function typographyOnce(source: string, path: string): string {
  if (!source.includes(TYPOGRAPHY)) throw new Error(`${path} no longer declares createTypographyContext: review the preview's cache of it (scripts/lib/preview/bundle.ts)`);
  return `${source.replace(TYPOGRAPHY, "function measureTypography(")}
const typographyContexts = new Map();
function createTypographyContext(...args) {
  const key = JSON.stringify(args);
  let context = typographyContexts.get(key);
  if (!context) typographyContexts.set(key, (context = measureTypography(...args)));
  return context;
}`;
}

/** A module that puts every icon of @grafana/ui into react-inlinesvg's cache under the URL it asks for. */
function iconsModule(modules: string): string {
  const root = join(modules, "@grafana/ui/dist/public/img/icons");
  const icons: Record<string, string> = {};
  for (const file of [...new Bun.Glob("**/*.svg").scanSync({ cwd: root })].sort()) {
    icons[`public/build/img/icons/${file}`] = readFileSync(join(root, file), "utf8");
  }
  return `import { cacheStore } from ${JSON.stringify(join(modules, "react-inlinesvg/dist/index.mjs"))};
const icons = ${JSON.stringify(icons)};
for (const url in icons) cacheStore.set(url, { content: icons[url], status: "loaded" });`;
}

/** Builds the page into BUILD_DIR (run as its own process by pageBundle). */
async function buildPage(): Promise<void> {
  const script = join(BUILD_DIR, "preview.js");
  const stylesheet = join(BUILD_DIR, "preview.css");
  const result = await Bun.build({
    entrypoints: [join(PREVIEW_DIR, "page/main.tsx")],
    target: "browser",
    format: "iife",
    minify: true,
    define: { "process.env.NODE_ENV": '"production"' },
    plugins: [previewPlugin()],
  });
  if (!result.success) throw new Error(`building the preview page failed:\n${result.logs.map(String).join("\n")}`);
  mkdirSync(BUILD_DIR, { recursive: true });
  const js = result.outputs.find((o) => o.kind === "entry-point");
  const css = result.outputs.filter((o) => o.path.endsWith(".css"));
  if (!js) throw new Error("building the preview page gave no script");
  // Written beside and renamed: a preview running meanwhile never reads half a file
  writeFileSync(`${script}.tmp`, await js.text());
  writeFileSync(`${stylesheet}.tmp`, (await Promise.all(css.map((o) => o.text()))).join("\n"));
  renameSync(`${script}.tmp`, script);
  renameSync(`${stylesheet}.tmp`, stylesheet);
}

if (import.meta.main) await buildPage();
