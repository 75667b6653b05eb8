// The push: folder, datasources and dashboards to a Grafana over its HTTP API, as a plan (reads only)
// followed by its application, so that bad input is found before anything changes and --dry-run is the
// plan alone. Idempotent: an item whose normalised content already matches is not sent.
//
// "Changed in Grafana since the toolkit last pushed it" is decided without local state, so that any
// machine reaches the same verdict: every save carries the version message
//   ytrader-monitoring push sha256:<hash of the normalised JSON pushed>
// and a dashboard whose content differs from the definition is overwritten only when the newest entry
// of its versions list carries that marker with the hash of what Grafana has now (nobody saved since).
// Grafana reports the first version's message as "Initial save" (grafana-facts §4.4), so a dashboard
// still at that first version is overwritten too, after a backup, as nobody has saved it since it was
// created. Anything else (a UI or API save, a schema-v2 save answering 406) is refused without --force;
// with --force the dashboard as Grafana has it is first written to a backup file.
//
// Secrets are never returned by Grafana (only secureJsonFields booleans, §2.3), so they are sent: on
// create; with every update that is sent anyway; when Grafana lacks one of the secure fields; and for
// every datasource with --update-secrets (after rotating a password). Otherwise not: an unchanged
// datasource costs no request.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Config } from "../config.ts";
import type { SettingName } from "../settings.ts";
import { badInput } from "../errors.ts";
import { FOLDER, type DashboardDefinition, type DatasourceDefinition } from "../../../grafana/types.ts";
import { datasourceSecrets } from "../../../grafana/datasources.ts";
import { dashboardDefinitions, datasourceDefinitions, renderingOf } from "../../../grafana/index.ts";
import { type DashboardVersion, type DashboardWithMeta, type DatasourceBody, type DatasourceDto, type GrafanaClient, grafanaClientFor } from "./client.ts";
import { type GrafanaError, isGrafanaError } from "./errors.ts";

export interface PushDefinitions {
  /** The folder every dashboard goes into; FOLDER by default. */
  folder?: { uid: string; title: string };
  datasources: DatasourceDefinition[];
  dashboards: DashboardDefinition[];
}

export interface PushOptions {
  /** Values of the settings that datasources' secureJsonData name. */
  secrets: Partial<Record<SettingName, string>>;
  dryRun?: boolean;
  /** Overwrite dashboards changed in Grafana since the last push (after a backup). */
  force?: boolean;
  /** Send every datasource's secrets, e.g. after rotating a password. */
  updateSecrets?: boolean;
  /** Where backups of overwritten dashboards go; ./backups by default. */
  backupDir?: string;
}

type PushAction = "create" | "update" | "unchanged" | "skipped" | "refused";

export interface PushItem {
  kind: "folder" | "datasource" | "dashboard";
  uid: string;
  name: string;
  action: PushAction;
  /** What differs: paths such as `jsonData.allowedHosts` or `panels[2].targets[0].rawSql`, and
   *  `secureJsonData.<key> (sent)` for secrets (never their values). */
  changed: string[];
  reason?: string;
  /** The backup file written before overwriting (absent in a dry run). */
  backup?: string;
  /** The version Grafana gave the saved item. */
  version?: number;
}

export interface PushResult {
  /** False when a dashboard was refused (changed in Grafana, no --force). */
  ok: boolean;
  /** Items created or updated (planned ones in a dry run). */
  changes: number;
  dryRun: boolean;
  items: PushItem[];
}

const PUSH_MARKER = "ytrader-monitoring push";
const MARKER_PATTERN = /ytrader-monitoring push sha256:([0-9a-f]{64})/;
/** Type aliases Grafana reads back as the canonical plugin id (§2.3). */
const TYPE_ALIASES: Record<string, string> = { postgres: "grafana-postgresql-datasource" };
const MAX_PATHS = 20;

type Step = () => Promise<Partial<PushItem> | void>;
interface Planned {
  item: PushItem;
  apply?: Step;
}

export type PushStepResult = PushResult & { grafana: { url: string; version?: string } };

/** The toolkit's own folder, datasources and dashboards to the configured Grafana: its health first
 *  (unreachable: exit 3), then the plan and its application. `secrets` defaults to the settings' values. */
export async function runPushStep(
  config: Config,
  options: Omit<PushOptions, "secrets"> & { secrets?: PushOptions["secrets"] },
): Promise<PushStepResult> {
  const client = grafanaClientFor(config.grafana);
  const health = await client.health();
  const secrets = options.secrets ?? config.values;
  const result = await pushToGrafana(client, { datasources: datasourceDefinitions(config), dashboards: dashboardDefinitions(renderingOf(config)) }, { ...options, secrets });
  return { ...result, grafana: { url: client.url, version: health.version } };
}

export async function pushToGrafana(client: GrafanaClient, definitions: PushDefinitions, options: PushOptions): Promise<PushResult> {
  const problems: string[] = [];
  const folder = definitions.folder ?? FOLDER;
  const plan: Planned[] = [await planFolder(client, folder)];
  for (const definition of definitions.datasources) plan.push(await planDatasource(client, definition, options, problems));
  for (const definition of definitions.dashboards) plan.push(await planDashboard(client, definition, folder.uid, options));
  if (problems.length) throw badInput("Nothing was pushed: some settings the datasources need are missing:", problems);

  if (!options.dryRun) {
    for (const step of plan) if (step.apply) Object.assign(step.item, await step.apply());
  }
  const items = plan.map((p) => p.item);
  return {
    ok: items.every((i) => i.action !== "refused"),
    changes: items.filter((i) => i.action === "create" || i.action === "update").length,
    dryRun: Boolean(options.dryRun),
    items,
  };
}

async function planFolder(client: GrafanaClient, folder: { uid: string; title: string }): Promise<Planned> {
  const item: PushItem = { kind: "folder", uid: folder.uid, name: folder.title, action: "unchanged", changed: [] };
  const current = await client.getFolder(folder.uid);
  if (current) {
    if (current.title !== folder.title) item.reason = `titled "${current.title}" in Grafana; the push does not rename folders`;
    return { item };
  }
  item.action = "create";
  return {
    item,
    apply: async () => {
      try {
        await client.createFolder(folder);
      } catch (error) {
        // Created meanwhile (409 or 412, §3.1): fine when it is there now under our uid.
        if (!isGrafanaError(error, "folderExists") || !(await client.getFolder(folder.uid))) throw error;
        return { action: "unchanged", reason: "created by someone else meanwhile" };
      }
    },
  };
}

async function planDatasource(client: GrafanaClient, definition: DatasourceDefinition, options: PushOptions, problems: string[]): Promise<Planned> {
  const item: PushItem = { kind: "datasource", uid: definition.uid, name: definition.name, action: "unchanged", changed: [] };
  const current = await client.getDatasource(definition.uid);
  const { secrets, unset } = datasourceSecrets(definition, options.secrets);
  const missingProblem = (entries: typeof unset, why: string) =>
    problems.push(`datasource "${definition.name}": ${entries.map((e) => `${e.setting} (secureJsonData.${e.key})`).join(", ")} ${why}`);
  const sentPaths = () => Object.keys(secrets).map((key) => `secureJsonData.${key} (sent)`);
  const body = datasourceBody(definition, current);

  if (!current) {
    item.action = "create";
    item.changed = sentPaths();
    if (unset.length) missingProblem(unset, "not set");
    return { item, apply: async () => ({ version: (await client.createDatasource({ ...body, secureJsonData: secrets })).version }) };
  }

  const differs = datasourceDiff(body, current);
  if (current.readOnly) {
    item.action = "skipped";
    item.changed = differs;
    item.reason = `provisioned read-only in Grafana${differs.length ? "; change it in the provisioning file" : ""}`;
    return { item };
  }
  const stored = current.secureJsonFields ?? {};
  const lacking = Object.keys(definition.secureJsonData).filter((key) => !stored[key]);
  if (!differs.length && !lacking.length && !options.updateSecrets) return { item };

  // A secret unset here but stored in Grafana is kept: a PUT without the key leaves it (§2.3).
  const missing = unset.filter((entry) => lacking.includes(entry.key));
  if (missing.length) missingProblem(missing, "not set, and Grafana has no value either");
  if (!differs.length && !Object.keys(secrets).length) return { item };
  item.action = "update";
  item.changed = [...differs, ...sentPaths()];
  return {
    item,
    apply: async () => ({ version: (await client.updateDatasource(definition.uid, { ...body, secureJsonData: secrets, version: current.version })).version }),
  };
}

/** The full body (a PUT replaces every column, §2.3). Optional fields the definition leaves out keep
 *  Grafana's current value, so that what Grafana decides for itself (e.g. isDefault) does not flap. */
function datasourceBody(definition: DatasourceDefinition, current: DatasourceDto | null): DatasourceBody {
  return {
    uid: definition.uid,
    name: definition.name,
    type: definition.type,
    access: definition.access,
    url: definition.url,
    user: definition.user ?? current?.user ?? "",
    basicAuth: definition.basicAuth ?? current?.basicAuth ?? false,
    basicAuthUser: definition.basicAuthUser ?? current?.basicAuthUser ?? "",
    isDefault: definition.isDefault ?? current?.isDefault ?? false,
    jsonData: definition.jsonData,
  };
}

/** Paths where Grafana's datasource differs from the body, ignoring what Grafana adds or rewrites
 *  (id, orgId, version, typeLogoUrl, secureJsonFields, readOnly, accessControl, the type alias). */
function datasourceDiff(body: DatasourceBody, current: DatasourceDto): string[] {
  const canonical = (type: string) => TYPE_ALIASES[type] ?? type;
  const ours = { ...pick(body), type: canonical(body.type) };
  const theirs = { ...pick(current as unknown as DatasourceBody), type: canonical(current.type) };
  return diffPaths(theirs, ours);
}

function pick(ds: DatasourceBody) {
  return {
    name: ds.name,
    type: ds.type,
    access: ds.access,
    url: ds.url,
    user: ds.user ?? "",
    basicAuth: ds.basicAuth ?? false,
    basicAuthUser: ds.basicAuthUser ?? "",
    isDefault: ds.isDefault ?? false,
    jsonData: ds.jsonData ?? {},
  };
}

/** The dashboard JSON the push sends for a definition (also what `push --dry-run --preview` draws). */
export function desiredDashboard(definition: DashboardDefinition): Record<string, unknown> {
  return { ...definition.json, uid: definition.uid, title: definition.json.title ?? definition.title };
}

async function planDashboard(client: GrafanaClient, definition: DashboardDefinition, folderUid: string, options: PushOptions): Promise<Planned> {
  const desired = desiredDashboard(definition);
  const hash = dashboardHash(desired);
  const message = `${PUSH_MARKER} sha256:${hash}`;
  const item: PushItem = { kind: "dashboard", uid: definition.uid, name: definition.title, action: "unchanged", changed: [] };
  const save = (version: number | undefined, overwrite: boolean) => async () => {
    const saved = await client.saveDashboard({ dashboard: version === undefined ? desired : { ...desired, version }, folderUid, message, overwrite });
    return { version: saved.version };
  };

  let current: DashboardWithMeta | null;
  try {
    current = await client.getDashboard(definition.uid);
  } catch (error) {
    if (!isGrafanaError(error, "storedAsV2")) throw error;
    const { apisPath } = (error as GrafanaError).detail;
    item.changed = ["(stored as schema v2: saved from Grafana's UI)"];
    if (!options.force) {
      item.action = "refused";
      item.reason = "saved from Grafana's UI as schema v2 since the last push; --force overwrites it after a backup";
      return { item };
    }
    item.action = "update";
    item.reason = "forced over a schema-v2 save";
    return {
      item,
      apply: async () => {
        if (!apisPath) throw badInput(`dashboard ${definition.uid}: Grafana's 406 names no /apis path to back it up from; not overwritten`);
        const backup = writeBackup(options, definition.uid, "v2", { source: apisPath, resource: await client.getDashboardResource(apisPath) });
        return { backup, ...(await save(undefined, true)()) };
      },
    };
  }
  if (!current) {
    item.action = "create";
    return { item, apply: save(undefined, false) };
  }

  const currentHash = dashboardHash(current.dashboard);
  item.changed = diffPaths(normaliseDashboard(current.dashboard), normaliseDashboard(desired));
  if ((current.meta.folderUid ?? "") !== folderUid) item.changed.push(`(folder: ${current.meta.folderUid || "General"} -> ${folderUid})`);
  if (!item.changed.length) return { item };
  if (current.meta.provisioned) {
    item.action = "skipped";
    item.reason = "provisioned from a file in Grafana; change the file instead";
    return { item };
  }

  const version = current.meta.version;
  const provenance = lastSave(await client.dashboardVersions(definition.uid, 1), currentHash);
  if (provenance === "ours") {
    item.action = "update";
    return { item, apply: save(version, false) };
  }
  if (provenance === "changed" && !options.force) {
    item.action = "refused";
    item.reason = `changed in Grafana since the last push (version ${version}); --force overwrites it after a backup`;
    return { item };
  }
  item.action = "update";
  item.reason = provenance === "changed" ? `forced over version ${version}` : "first version, not saved since it was created: backed up first";
  return {
    item,
    apply: async () => {
      const backup = writeBackup(options, definition.uid, `v${version}`, { source: `/api/dashboards/uid/${definition.uid}`, dashboard: current.dashboard, meta: current.meta });
      return { backup, ...(await save(version, provenance === "changed")()) };
    },
  };
}

/** Who saved the dashboard last, from its newest version entry. */
function lastSave(versions: DashboardVersion[], currentHash: string): "ours" | "first-save" | "changed" {
  const newest = versions[0];
  if (!newest) return "changed";
  const marker = newest.message.match(MARKER_PATTERN)?.[1];
  if (marker) return marker === currentHash ? "ours" : "changed";
  return newest.version === 1 && newest.message === "Initial save" ? "first-save" : "changed";
}

/** The dashboard without what Grafana sets on save and read (id, version, §4.2), keys sorted. */
function normaliseDashboard(json: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, version: _version, ...rest } = json;
  return sortKeys(rest) as Record<string, unknown>;
}

function dashboardHash(json: Record<string, unknown>): string {
  return createHash("sha256").update(JSON.stringify(normaliseDashboard(json))).digest("hex");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Paths whose values differ, e.g. `panels[2].targets[0].rawSql`; at most MAX_PATHS, then a count. */
function diffPaths(before: unknown, after: unknown): string[] {
  const paths: string[] = [];
  walk(before, after, "", paths);
  return paths.length > MAX_PATHS ? [...paths.slice(0, MAX_PATHS), `(and ${paths.length - MAX_PATHS} more)`] : paths;
}

function walk(a: unknown, b: unknown, path: string, out: string[]) {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      walk(a[key], b[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path || "(whole value)");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function writeBackup(options: PushOptions, uid: string, label: string, content: Record<string, unknown>): string {
  const dir = resolve(options.backupDir ?? "backups");
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const path = join(dir, `${uid}-${label}-${stamp}.json`);
  writeFileSync(path, `${JSON.stringify({ uid, savedAt: new Date().toISOString(), ...content }, null, 2)}\n`);
  return path;
}
