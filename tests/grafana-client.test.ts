// The Grafana client against its target (tests/support/grafana-target.ts: the double, or a real Grafana
// when GRAFANA_URL is set): every status of grafana-facts §1-5 it meets becomes the documented error
// class and exit code. Tests marked "double only" need what only the double can stage.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exitCodeFor } from "../scripts/lib/errors.ts";
import { GrafanaClient } from "../scripts/lib/grafana/client.ts";
import { type GrafanaError, grafanaCase } from "../scripts/lib/grafana/errors.ts";
import { startGrafanaDouble } from "./support/grafana-double.ts";
import { type GrafanaTarget, grafanaTarget, onRealGrafana, uniqueUid } from "./support/grafana-target.ts";
import { settings, useLiveStack } from "./support/live.ts";

let target: GrafanaTarget;
let client: GrafanaClient;
beforeAll(async () => {
  target = await grafanaTarget();
  client = target.client();
});
afterAll(() => target.close());

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: Error) => ({ error }),
  );
  if ("value" in outcome) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

const postgresBody = (uid: string, password: string) => {
  const pg = settings().postgres;
  return {
    uid,
    name: `PostgreSQL ${uid}`,
    type: "postgres", // the alias: read back as grafana-postgresql-datasource (§2.3)
    access: "proxy",
    url: `${pg.host}:${pg.port}`,
    user: pg.adminUser,
    jsonData: { database: pg.database, sslmode: "disable" },
    secureJsonData: { password },
  };
};

describe("health and auth", () => {
  test("/api/health answers without credentials, with the database state and version", async () => {
    const health = await new GrafanaClient({ url: target.url, auth: {} }).health();
    expect(health.database).toBe("ok");
    expect(health.version ?? "").toMatch(/^\d+\.\d+/);
  });

  test("a wrong password is the auth failure (exit 2) naming the settings to check", async () => {
    const error = await failure(new GrafanaClient({ url: target.url, auth: { user: target.auth.user ?? "admin", password: "not-the-password" } }).getFolder("x"));
    expect(grafanaCase(error)).toBe("auth");
    expect(exitCodeFor(error)).toBe(2);
    expect(error.message).toContain("HTTP 401");
    expect(error.message).toContain("GRAFANA_ADMIN_PASSWORD");
  });

  test("no credentials and a bad token are 401s too; the token's message names GRAFANA_TOKEN", async () => {
    const none = await failure(new GrafanaClient({ url: target.url, auth: {} }).getFolder("x"));
    expect(grafanaCase(none)).toBe("auth");
    const token = await failure(new GrafanaClient({ url: target.url, auth: { token: "glsa_not_a_token_00000000" } }).getFolder("x"));
    expect(grafanaCase(token)).toBe("auth");
    expect(token.message).toContain("GRAFANA_TOKEN");
    expect(exitCodeFor(token)).toBe(2);
  });

  test("a Viewer token on a write route is the permission failure (exit 2) quoting the permission", async () => {
    const viewer = target.viewerToken();
    if (!viewer) return console.warn("skipped: set GRAFANA_VIEWER_TOKEN to run this against a real Grafana");
    const error = (await failure(
      new GrafanaClient({ url: target.url, auth: { token: viewer } }).createDatasource(postgresBody(uniqueUid("viewer"), "x")),
    )) as GrafanaError;
    expect(grafanaCase(error)).toBe("permission");
    expect(error.detail.permission).toBe("datasources:create");
    expect(error.message).toContain("datasources:create");
    expect(exitCodeFor(error)).toBe(2);
  });
});

describe("no answer, or not Grafana's", () => {
  test("a closed port is the unreachable failure (exit 3) saying how to start Grafana", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    const error = await failure(new GrafanaClient({ url, auth: {} }).health());
    expect(grafanaCase(error)).toBe("unreachable");
    expect(exitCodeFor(error)).toBe(3);
    expect(error.message).toContain("docker compose up -d grafana");
  });

  test("a Grafana that never answers times out as the unreachable failure (exit 3)", async () => {
    const silent = Bun.serve({ port: 0, hostname: "127.0.0.1", idleTimeout: 30, fetch: () => new Promise<Response>(() => {}) });
    try {
      const error = await failure(new GrafanaClient({ url: `http://127.0.0.1:${silent.port}`, auth: {}, timeoutMs: 300 }).health());
      expect(grafanaCase(error)).toBe("unreachable");
      expect(error.message).toContain("did not answer within 0.3s");
    } finally {
      await silent.stop(true);
    }
  });

  test("503 from /api/health (database failing, §1.7) is the server failure (exit 3); an HTML page is not Grafana (exit 2)", async () => {
    const odd = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request) =>
        new URL(request.url).pathname === "/api/health"
          ? Response.json({ database: "failing" }, { status: 503 })
          : new Response("<html>login</html>", { headers: { "content-type": "text/html" } }),
    });
    try {
      const oddClient = new GrafanaClient({ url: `http://127.0.0.1:${odd.port}`, auth: {} });
      const failing = await failure(oddClient.health());
      expect(grafanaCase(failing)).toBe("server");
      expect(exitCodeFor(failing)).toBe(3);
      const html = await failure(oddClient.getFolder("x"));
      expect(grafanaCase(html)).toBe("rejected");
      expect(html.message).toContain("is GRAFANA_URL a Grafana?");
      expect(exitCodeFor(html)).toBe(2);
    } finally {
      await odd.stop(true);
    }
  });
});

describe("datasources by uid", () => {
  test("create, read back, update: versions, the type alias, secrets only as secureJsonFields", async () => {
    const uid = uniqueUid("ds");
    const created = await client.createDatasource(postgresBody(uid, "first-secret-value"));
    expect(created.version).toBe(1);
    const read = (await client.getDatasource(uid))!;
    expect(read.type).toBe("grafana-postgresql-datasource");
    expect(read.secureJsonFields).toEqual({ password: true });
    expect(JSON.stringify(read)).not.toContain("first-secret-value");

    // Without secureJsonData the password is kept (§2.3).
    const { secureJsonData: _secret, ...withoutSecret } = postgresBody(uid, "");
    const updated = await client.updateDatasource(uid, { ...withoutSecret, url: `${withoutSecret.url}`, version: read.version });
    expect(updated.version).toBe(2);
    expect((await client.getDatasource(uid))!.secureJsonFields).toEqual({ password: true });

    const stale = await failure(client.updateDatasource(uid, { ...withoutSecret, version: 1 }));
    expect(grafanaCase(stale)).toBe("conflict");
    expect(exitCodeFor(stale)).toBe(1);
  });

  test("an absent uid reads as null; a second datasource of the same name is a 409", async () => {
    expect(await client.getDatasource(uniqueUid("absent"))).toBeNull();
    const uid = uniqueUid("dup");
    await client.createDatasource(postgresBody(uid, "x"));
    const clash = await failure(client.createDatasource({ ...postgresBody(uniqueUid("other"), "x"), name: `PostgreSQL ${uid}` }));
    expect(grafanaCase(clash)).toBe("conflict");
    expect(clash.message).toContain("same name");
  });

  test.skipIf(onRealGrafana)("double only: a provisioned read-only datasource refuses a PUT (the readOnlyDatasource failure, exit 2)", async () => {
    const uid = uniqueUid("ro");
    target.double!.provisionDatasource({ ...postgresBody(uid, "x"), secureJsonData: { password: "x" } });
    expect((await client.getDatasource(uid))!.readOnly).toBe(true);
    const error = await failure(client.updateDatasource(uid, { ...postgresBody(uid, "y"), version: 1 }));
    expect(grafanaCase(error)).toBe("readOnlyDatasource");
    expect(exitCodeFor(error)).toBe(2);
  });
});

// The double's health checks reach the stack's loopback services, which a Grafana in a container cannot.
describe.skipIf(onRealGrafana)("double only: datasource health really connects", () => {
  useLiveStack();

  test("PostgreSQL: OK with the right password, ERROR (400) with a wrong one or a closed port", async () => {
    const pg = settings().postgres;
    const good = uniqueUid("pg-ok");
    await client.createDatasource(postgresBody(good, pg.adminPassword ?? ""));
    expect(await client.datasourceHealth(good)).toMatchObject({ ok: true, status: "OK", message: "Database Connection OK" });

    const wrong = uniqueUid("pg-bad");
    await client.createDatasource(postgresBody(wrong, "wrong-password"));
    const refused = await client.datasourceHealth(wrong);
    expect(refused).toMatchObject({ ok: false, status: "ERROR" });
    expect(refused.message).toMatch(/password/i);

    const closed = uniqueUid("pg-closed");
    await client.createDatasource({ ...postgresBody(closed, "x"), url: "127.0.0.1:1" });
    const down = await client.datasourceHealth(closed);
    expect(down.ok).toBe(false);
    expect(down.message).toStartWith("Network error: Failed to connect to the server.");
  });

  test("Infinity: the custom health check GETs url + path with the datasource's basic auth (RabbitMQ's management API)", async () => {
    const mq = settings().rabbitmq;
    const infinity = (uid: string, password: string, extra: Record<string, unknown> = {}) => ({
      uid,
      name: `RabbitMQ ${uid}`,
      type: "yesoreyeram-infinity-datasource",
      access: "proxy",
      url: mq.managementUrl,
      basicAuth: true,
      basicAuthUser: mq.user,
      jsonData: { auth_method: "basicAuth", allowedHosts: [mq.managementUrl], customHealthCheckEnabled: true, customHealthCheckUrl: "/api/overview", ...extra },
      secureJsonData: { basicAuthPassword: password },
    });
    const good = uniqueUid("inf-ok");
    await client.createDatasource(infinity(good, mq.password ?? ""));
    expect(await client.datasourceHealth(good)).toMatchObject({ ok: true, message: "Health check successful" });

    const wrong = uniqueUid("inf-bad");
    await client.createDatasource(infinity(wrong, "wrong-password"));
    const refused = await client.datasourceHealth(wrong);
    expect(refused.ok).toBe(false);
    expect(refused.message).toContain("status code : 401");

    // No custom check: nothing is requested, so even a wrong password passes (infinity-facts §1.4).
    const unchecked = uniqueUid("inf-none");
    await client.createDatasource(infinity(unchecked, "wrong-password", { customHealthCheckEnabled: false }));
    expect((await client.datasourceHealth(unchecked)).ok).toBe(true);
  });

  test("Infinity: a 204 (empty body) fails the check; only exactly 200 with a body passes", async () => {
    const service = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (r) => (new URL(r.url).pathname === "/empty" ? new Response(null, { status: 204 }) : Response.json({ ok: 1 })) });
    try {
      const base = `http://127.0.0.1:${service.port}`;
      const body = (uid: string, path: string) => ({
        uid,
        name: `svc ${uid}`,
        type: "yesoreyeram-infinity-datasource",
        access: "proxy",
        url: base,
        jsonData: { customHealthCheckEnabled: true, customHealthCheckUrl: path },
      });
      const ok = uniqueUid("svc-ok");
      await client.createDatasource(body(ok, "/health"));
      expect((await client.datasourceHealth(ok)).ok).toBe(true);
      const empty = uniqueUid("svc-204");
      await client.createDatasource(body(empty, "/empty"));
      const health = await client.datasourceHealth(empty);
      expect(health.ok).toBe(false);
      expect(JSON.stringify(health.details)).toContain("204");
    } finally {
      await service.stop(true);
    }
  });
});

describe("folders", () => {
  test("create and read by uid; an absent one is null; creating it again is the folderExists failure", async () => {
    const uid = uniqueUid("folder");
    expect(await client.getFolder(uid)).toBeNull();
    const created = await client.createFolder({ uid, title: `Folder ${uid}` });
    expect(created.uid).toBe(uid);
    expect((await client.getFolder(uid))!.title).toBe(`Folder ${uid}`);
    const again = await failure(client.createFolder({ uid, title: `Folder ${uid}` }));
    expect(grafanaCase(again)).toBe("folderExists");
  });

  test.skipIf(onRealGrafana)("double only: both UNCONFIRMED answers to an existing folder uid (409, 412) are the folderExists failure", async () => {
    for (const status of [409, 412] as const) {
      const double = await startGrafanaDouble({ unconfirmed: { folderExists: status } });
      try {
        const c = new GrafanaClient({ url: double.url, auth: { user: double.adminUser, password: double.adminPassword } });
        await c.createFolder({ uid: "f", title: "F" });
        const error = await failure(c.createFolder({ uid: "f", title: "F" }));
        expect(grafanaCase(error)).toBe("folderExists");
        expect((error as GrafanaError).detail.status).toBe(status);
      } finally {
        await double.stop();
      }
    }
  });
});

describe("dashboards", () => {
  const dashboard = (uid: string, title: string) => ({ uid, title, tags: ["test"], panels: [], schemaVersion: 41 });

  test("save, read back, versions newest first; a stale version is a 412 version-mismatch (exit 1)", async () => {
    const folderUid = uniqueUid("dash-folder");
    await client.createFolder({ uid: folderUid, title: `Folder ${folderUid}` });
    const uid = uniqueUid("dash");
    const first = await client.saveDashboard({ dashboard: dashboard(uid, "First"), folderUid, message: "one" });
    expect(first.version).toBe(1);
    const second = await client.saveDashboard({ dashboard: { ...dashboard(uid, "Second"), version: 1 }, folderUid, message: "two" });
    expect(second.version).toBe(2);

    const read = (await client.getDashboard(uid))!;
    expect(read.dashboard.title).toBe("Second");
    expect(read.dashboard.version).toBe(2);
    expect(read.meta).toMatchObject({ version: 2, folderUid });

    const versions = await client.dashboardVersions(uid);
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions[0]!.message).toBe("two");

    const stale = (await failure(client.saveDashboard({ dashboard: { ...dashboard(uid, "Third"), version: 1 }, folderUid }))) as GrafanaError;
    expect(grafanaCase(stale)).toBe("precondition");
    expect(stale.detail.reason).toBe("version-mismatch");
    expect(exitCodeFor(stale)).toBe(1);
    expect((await client.saveDashboard({ dashboard: dashboard(uid, "Third"), folderUid, overwrite: true })).version).toBe(3);
    expect(await client.getDashboard(uniqueUid("absent"))).toBeNull();
  });

  test("an empty title and an unknown folder are rejected (400, exit 2)", async () => {
    const untitled = await failure(client.saveDashboard({ dashboard: dashboard(uniqueUid("d"), "") }));
    expect(grafanaCase(untitled)).toBe("rejected");
    expect(untitled.message).toContain("Dashboard title cannot be empty");
    const nowhere = await failure(client.saveDashboard({ dashboard: dashboard(uniqueUid("d"), "T"), folderUid: uniqueUid("no-folder") }));
    expect(grafanaCase(nowhere)).toBe("rejected");
    expect(exitCodeFor(nowhere)).toBe(2);
  });

  test.skipIf(onRealGrafana)("double only: provisioned (400) and stored-as-v2 (406, readable through the /apis path it names)", async () => {
    const provisioned = uniqueUid("prov");
    target.double!.provisionDashboard(dashboard(provisioned, "Provisioned"));
    expect((await client.getDashboard(provisioned))!.meta.provisioned).toBe(true);
    const refused = await failure(client.saveDashboard({ dashboard: { ...dashboard(provisioned, "Changed"), version: 1 } }));
    expect(grafanaCase(refused)).toBe("provisionedDashboard");

    const v2 = uniqueUid("v2");
    await client.saveDashboard({ dashboard: dashboard(v2, "Will be v2") });
    target.double!.markStoredAsV2(v2, { title: "Will be v2", elements: { a: {} }, layout: { kind: "TabsLayout" } });
    const error = (await failure(client.getDashboard(v2))) as GrafanaError;
    expect(grafanaCase(error)).toBe("storedAsV2");
    expect(exitCodeFor(error)).toBe(1);
    expect(error.detail.apisPath).toBe(`/apis/dashboard.grafana.app/v2/namespaces/default/dashboards/${v2}`);
    const resource = await client.getDashboardResource(error.detail.apisPath!);
    expect(resource.spec).toMatchObject({ layout: { kind: "TabsLayout" } });
    await expect(client.getDashboardResource("/api/admin/settings")).rejects.toMatchObject({ detail: { grafana: "rejected" } });
  });
});

describe("/api/ds/query", () => {
  test("an unknown datasource is a 404 and an empty query list a 400", async () => {
    const unknown = await failure(client.query({ from: "now-1h", to: "now", queries: [{ refId: "A", datasource: { uid: uniqueUid("none") } }] }));
    expect(grafanaCase(unknown)).toBe("notFound");
    const empty = await failure(client.query({ from: "now-1h", to: "now", queries: [] }));
    expect(grafanaCase(empty)).toBe("rejected");
    expect(empty.message).toContain("No queries found");
  });

  test.skipIf(onRealGrafana)("double only: the injected executor answers; a 400 with results is an answer, not an error", async () => {
    const double = await startGrafanaDouble({
      executor: async (body) => {
        const queries = (body as { queries: { refId: string }[] }).queries;
        return { status: 400, body: { results: Object.fromEntries(queries.map((q) => [q.refId, { status: 500, error: "db query error", errorSource: "downstream", frames: [] }])) } };
      },
    });
    try {
      const c = new GrafanaClient({ url: double.url, auth: { user: double.adminUser, password: double.adminPassword } });
      await c.createDatasource(postgresBody("q", "x"));
      const answer = await c.query({ from: "now-1h", to: "now", queries: [{ refId: "A", datasource: { uid: "q" }, rawSql: "SELECT 1" }] });
      expect(answer.status).toBe(400);
      expect(answer.results.A!.error).toBe("db query error");
    } finally {
      await double.stop();
    }
    const bare = await startGrafanaDouble();
    try {
      const c = new GrafanaClient({ url: bare.url, auth: { user: bare.adminUser, password: bare.adminPassword } });
      await c.createDatasource(postgresBody("q", "x"));
      const error = await failure(c.query({ from: "now-1h", to: "now", queries: [{ refId: "A", datasource: { uid: "q" } }] }));
      expect(error.message).toContain("501");
    } finally {
      await bare.stop();
    }
  });
});
