// The push against its target (the double, or a real Grafana when GRAFANA_URL is set), with small
// definitions of its own: idempotent, --dry-run changes nothing, dashboards changed in Grafana are not
// overwritten without --force (and are backed up first), and every failure changes nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exitCodeFor } from "../scripts/lib/errors.ts";
import { GrafanaClient } from "../scripts/lib/grafana/client.ts";
import { type GrafanaError, grafanaCase } from "../scripts/lib/grafana/errors.ts";
import { type PushDefinitions, type PushOptions, type PushResult, pushToGrafana } from "../scripts/lib/grafana/push.ts";
import { FOLDER, type DashboardDefinition, type DatasourceDefinition } from "../grafana/types.ts";
import { dashboardDefinitions, datasourceDefinitions } from "../grafana/index.ts";
import { type GrafanaTarget, grafanaTarget, onRealGrafana, uniqueUid } from "./support/grafana-target.ts";
import { runCli, settings, useLiveStack } from "./support/live.ts";

let target: GrafanaTarget;
let client: GrafanaClient;
beforeAll(async () => {
  target = await grafanaTarget();
  client = target.client();
});
afterAll(() => target.close());

const SECRETS = { GRAFANA_POSTGRES_PASSWORD: "pg-secret-for-push-test", RABBITMQ_MONITOR_PASSWORD: "mq-secret-for-push-test" };

/** A folder, two datasources and two dashboards, all with uids of their own. */
function definitions(): PushDefinitions & { datasources: DatasourceDefinition[]; dashboards: DashboardDefinition[] } {
  const id = uniqueUid("push");
  const pg = settings().postgres;
  const dashboard = (suffix: string, title: string): DashboardDefinition => ({
    uid: `${id}-${suffix}`,
    title,
    file: suffix,
    json: {
      uid: `${id}-${suffix}`,
      title,
      tags: ["ytrader"],
      time: { from: "now-6h", to: "now" },
      schemaVersion: 41,
      panels: [{ id: 1, type: "table", title: "Signals", gridPos: { x: 0, y: 0, w: 12, h: 8 }, targets: [{ refId: "A", rawSql: "SELECT 1", format: "table" }] }],
    },
  });
  return {
    folder: { uid: `${id}-folder`, title: `Push test ${id}` },
    datasources: [
      {
        uid: `${id}-pg`,
        name: `PostgreSQL ${id}`,
        type: "grafana-postgresql-datasource",
        access: "proxy",
        url: `${pg.host}:${pg.port}`,
        user: "grafana_monitor",
        jsonData: { database: pg.database, sslmode: "disable", timeInterval: "1m" },
        secureJsonData: { password: "GRAFANA_POSTGRES_PASSWORD" },
      },
      {
        uid: `${id}-mq`,
        name: `RabbitMQ ${id}`,
        type: "yesoreyeram-infinity-datasource",
        access: "proxy",
        url: "http://rabbitmq:15672",
        basicAuth: true,
        basicAuthUser: "grafana_monitor",
        jsonData: { auth_method: "basicAuth", allowedHosts: ["http://rabbitmq:15672"], customHealthCheckEnabled: true, customHealthCheckUrl: "/api/overview" },
        secureJsonData: { basicAuthPassword: "RABBITMQ_MONITOR_PASSWORD" },
      },
    ],
    dashboards: [dashboard("overview", "Overview"), dashboard("orders", "Orders")],
  };
}

// Every backup directory lives under one root, removed when the file's tests end.
const backupRoot = mkdtempSync(join(tmpdir(), "push-backups-"));
afterAll(() => rmSync(backupRoot, { recursive: true, force: true }));
const backupDir = () => mkdtempSync(join(backupRoot, "run-"));
const push = (defs: PushDefinitions, options: Partial<PushOptions> = {}, c = client) => pushToGrafana(c, defs, { secrets: SECRETS, backupDir: backupDir(), ...options });
const actions = (result: PushResult) => Object.fromEntries(result.items.map((i) => [`${i.kind}:${i.uid}`, i.action]));

/** Versions of everything the definitions name (null when absent): "nothing changed" means equal. */
async function versions(defs: ReturnType<typeof definitions>) {
  const out: Record<string, number | null> = { folder: (await client.getFolder(defs.folder!.uid)) ? 1 : null };
  for (const ds of defs.datasources) out[ds.uid] = (await client.getDatasource(ds.uid))?.version ?? null;
  for (const d of defs.dashboards) out[d.uid] = (await client.getDashboard(d.uid).catch(() => null))?.meta.version ?? null;
  return out;
}

describe("idempotent push", () => {
  test("the first push creates everything; the second reports 0 changes and leaves every version as it was", async () => {
    const defs = definitions();
    const first = await push(defs);
    expect(first.ok).toBe(true);
    expect(first.changes).toBe(5);
    expect(Object.values(actions(first)).every((a) => a === "create")).toBe(true);
    const ds = (await client.getDatasource(defs.datasources[0]!.uid))!;
    expect(ds.secureJsonFields).toEqual({ password: true });
    expect((await client.getDashboard(defs.dashboards[0]!.uid))!.meta.folderUid).toBe(defs.folder!.uid);

    const before = await versions(defs);
    const second = await push(defs);
    expect(second).toMatchObject({ ok: true, changes: 0 });
    expect(Object.values(actions(second)).every((a) => a === "unchanged")).toBe(true);
    expect(await versions(defs)).toEqual(before);
  });

  test("a changed definition is sent with the changed paths; the secret goes along, its value never shows", async () => {
    const defs = definitions();
    await push(defs);
    defs.datasources[0]!.jsonData.timeInterval = "5m";
    (defs.dashboards[0]!.json.panels as { title: string }[])[0]!.title = "Signals, renamed";
    const result = await push(defs);
    expect(result.changes).toBe(2);
    const byUid = Object.fromEntries(result.items.map((i) => [i.uid, i]));
    expect(byUid[defs.datasources[0]!.uid]!.changed).toEqual(["jsonData.timeInterval", "secureJsonData.password (sent)"]);
    expect(byUid[defs.dashboards[0]!.uid]!.changed).toEqual(["panels[0].title"]);
    expect(JSON.stringify(result)).not.toContain(SECRETS.GRAFANA_POSTGRES_PASSWORD);
    expect((await client.getDashboard(defs.dashboards[0]!.uid))!.meta.version).toBe(2);

    // Once the toolkit's own save is the newest version, the next change needs no backup.
    (defs.dashboards[0]!.json.panels as { title: string }[])[0]!.title = "Signals, again";
    const third = await push(defs);
    const item = third.items.find((i) => i.uid === defs.dashboards[0]!.uid)!;
    expect(item).toMatchObject({ action: "update", version: 3 });
    expect(item.backup).toBeUndefined();
  });

  test("--update-secrets sends the secrets of unchanged datasources; without it nothing is sent", async () => {
    const defs = definitions();
    await push(defs);
    const before = await versions(defs);
    const result = await push(defs, { updateSecrets: true });
    expect(result.changes).toBe(2);
    expect(result.items.find((i) => i.uid === defs.datasources[1]!.uid)!.changed).toEqual(["secureJsonData.basicAuthPassword (sent)"]);
    const after = await versions(defs);
    expect(after[defs.datasources[0]!.uid]).toBe(before[defs.datasources[0]!.uid]! + 1);
    expect((await push(defs)).changes).toBe(0);
  });
});

describe("--dry-run", () => {
  test("on an empty Grafana it plans every create and creates nothing", async () => {
    const defs = definitions();
    const result = await push(defs, { dryRun: true });
    expect(result).toMatchObject({ ok: true, dryRun: true, changes: 5 });
    expect(Object.values(await versions(defs)).every((v) => v === null)).toBe(true);
  });

  test("after a push it lists what differs and leaves every version as it was", async () => {
    const defs = definitions();
    await push(defs);
    const before = await versions(defs);
    defs.datasources[1]!.url = "http://rabbitmq.internal:15672";
    defs.dashboards[1]!.json.title = "Orders and fills";
    const result = await push(defs, { dryRun: true });
    expect(result.changes).toBe(2);
    expect(result.items.find((i) => i.uid === defs.datasources[1]!.uid)!.changed).toContain("url");
    expect(result.items.find((i) => i.uid === defs.dashboards[1]!.uid)!.changed).toEqual(["title"]);
    expect(await versions(defs)).toEqual(before);
    expect(JSON.stringify(result)).not.toContain(SECRETS.RABBITMQ_MONITOR_PASSWORD);
  });
});

describe("dashboards changed in Grafana since the last push", () => {
  test("an edit through the API is not overwritten without --force; --force backs it up first", async () => {
    const defs = definitions();
    await push(defs);
    const uid = defs.dashboards[0]!.uid;
    const current = (await client.getDashboard(uid))!;
    await client.saveDashboard({ dashboard: { ...current.dashboard, title: "Edited by hand" }, folderUid: defs.folder!.uid, message: "hand edit" });

    const refused = await push(defs);
    expect(refused.ok).toBe(false);
    expect(actions(refused)[`dashboard:${uid}`]).toBe("refused");
    expect(refused.items.find((i) => i.uid === uid)!.changed).toEqual(["title"]);
    expect((await client.getDashboard(uid))!.dashboard.title).toBe("Edited by hand");

    const dir = backupDir();
    const forced = await pushToGrafana(client, defs, { secrets: SECRETS, force: true, backupDir: dir });
    expect(forced.ok).toBe(true);
    const item = forced.items.find((i) => i.uid === uid)!;
    expect(item.action).toBe("update");
    expect(readdirSync(dir)).toHaveLength(1);
    const backup = JSON.parse(readFileSync(item.backup!, "utf8"));
    expect(backup.dashboard.title).toBe("Edited by hand");
    expect((await client.getDashboard(uid))!.dashboard.title).toBe("Overview");
    expect((await push(defs)).changes).toBe(0);
  });

  test.skipIf(onRealGrafana)("double only: one saved as schema v2 (406) is refused; --force backs up the v2 resource, then restores v1", async () => {
    const defs = definitions();
    await push(defs);
    const uid = defs.dashboards[1]!.uid;
    target.double!.markStoredAsV2(uid, { title: "Orders (v2)", elements: { "panel-1": {} }, layout: { kind: "TabsLayout", spec: { tabs: [] } } });

    const refused = await push(defs);
    expect(refused.ok).toBe(false);
    expect(actions(refused)[`dashboard:${uid}`]).toBe("refused");

    const dir = backupDir();
    const forced = await pushToGrafana(client, defs, { secrets: SECRETS, force: true, backupDir: dir });
    const item = forced.items.find((i) => i.uid === uid)!;
    expect(item.action).toBe("update");
    const backup = JSON.parse(readFileSync(item.backup!, "utf8"));
    expect(backup.resource.spec).toMatchObject({ title: "Orders (v2)", layout: { kind: "TabsLayout" } });
    expect((await client.getDashboard(uid))!.dashboard.title).toBe("Orders");
  });

  test.skipIf(onRealGrafana)("double only: provisioned datasources and dashboards are reported and skipped", async () => {
    const defs = definitions();
    const [pg] = defs.datasources;
    target.double!.provisionDatasource({ uid: pg!.uid, name: pg!.name, type: "postgres", url: "elsewhere:5432", jsonData: {} });
    target.double!.provisionDashboard({ ...defs.dashboards[0]!.json, title: "From a file" });
    const result = await push(defs);
    expect(result.ok).toBe(true);
    const skipped = result.items.filter((i) => i.action === "skipped");
    expect(skipped.map((i) => i.uid).sort()).toEqual([pg!.uid, defs.dashboards[0]!.uid].sort());
    expect(skipped.find((i) => i.kind === "datasource")!.changed).toContain("url");
    expect((await client.getDatasource(pg!.uid))!.url).toBe("elsewhere:5432");
  });
});

describe("failures change nothing", () => {
  test("a wrong password: the auth failure, exit 2", async () => {
    const defs = definitions();
    const error = await pushToGrafana(new GrafanaClient({ url: target.url, auth: { user: target.auth.user ?? "admin", password: "wrong" } }), defs, { secrets: SECRETS }).catch((e: Error) => e);
    expect(grafanaCase(error)).toBe("auth");
    expect(exitCodeFor(error)).toBe(2);
    expect(Object.values(await versions(defs)).every((v) => v === null)).toBe(true);
  });

  test("a Viewer token: the permission failure naming the permission, exit 2", async () => {
    const viewer = target.viewerToken();
    if (!viewer) return console.warn("skipped: set GRAFANA_VIEWER_TOKEN to run this against a real Grafana");
    const defs = definitions();
    const error = (await pushToGrafana(new GrafanaClient({ url: target.url, auth: { token: viewer } }), defs, { secrets: SECRETS }).catch((e: Error) => e)) as GrafanaError;
    expect(grafanaCase(error)).toBe("permission");
    expect(error.message).toMatch(/lacks the permission (folders|datasources|dashboards):/);
    expect(exitCodeFor(error)).toBe(2);
    expect(Object.values(await versions(defs)).every((v) => v === null)).toBe(true);
  });

  test("a secret setting that is not set: bad input naming it, before anything is sent", async () => {
    const defs = definitions();
    const error = await push(defs, { secrets: { GRAFANA_POSTGRES_PASSWORD: SECRETS.GRAFANA_POSTGRES_PASSWORD } }).catch((e: Error) => e);
    expect(error).toMatchObject({ kind: "badInput" });
    expect((error as Error).message).toContain("RABBITMQ_MONITOR_PASSWORD");
    expect(Object.values(await versions(defs)).every((v) => v === null)).toBe(true);
  });

  test("an unreachable Grafana: the unreachable failure, exit 3", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    const error = await push(definitions(), {}, new GrafanaClient({ url, auth: target.auth })).catch((e: Error) => e);
    expect(grafanaCase(error)).toBe("unreachable");
    expect(exitCodeFor(error)).toBe(3);
  });
});

describe("bun run push, as a user runs it", () => {
  // The command pushes the stack's own settings: its secrets come from the stack's environment.
  useLiveStack();
  // The command pushes grafana/index.ts's definitions into FOLDER, with secrets from the environment.
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli(["scripts/push.ts", "--env-file", "/dev/null", ...args], { ...process.env, ...target.env, ...extra });

  test("pushes, then reports 0 changes; --json ends with ok and changes", async () => {
    // What the command creates on a real Grafana is removed after the file's tests; what was there before is left.
    const toolkit = { folders: [FOLDER.uid], datasources: datasourceDefinitions(settings()).map((ds) => ds.uid), dashboards: dashboardDefinitions().map((d) => d.uid) };
    const absent = { folders: [] as string[], datasources: [] as string[], dashboards: [] as string[] };
    for (const uid of toolkit.folders) if (!(await client.getFolder(uid))) absent.folders.push(uid);
    for (const uid of toolkit.datasources) if (!(await client.getDatasource(uid))) absent.datasources.push(uid);
    for (const uid of toolkit.dashboards) if (!(await client.getDashboard(uid).catch(() => null))) absent.dashboards.push(uid);
    target.created(absent);
    const first = await cli(["--json"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true });
    expect(await client.getFolder(FOLDER.uid)).not.toBeNull();
    const second = await cli([]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("0 changes: Grafana already has the same content");
  });

  test("a wrong password exits 2 and an unreachable Grafana 3, each saying what failed", async () => {
    const wrong = await cli(["--json"], { GRAFANA_TOKEN: "", GRAFANA_ADMIN_USER: target.auth.user ?? "admin", GRAFANA_ADMIN_PASSWORD: "wrong-password" });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("refused the credentials");
    expect(JSON.parse(wrong.stdout)).toMatchObject({ ok: false, exitCode: 2 });
    expect(wrong.stdout + wrong.stderr).not.toContain(target.auth.password ?? "no-password-set");

    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    const down = await cli([], { GRAFANA_URL: url });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`Grafana at ${url} is unreachable`);
    expect(down.stderr).toContain("docker compose up -d grafana");
  });
});
