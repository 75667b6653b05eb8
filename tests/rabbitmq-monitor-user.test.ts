// The RabbitMQ user Grafana reads the management API with: tagged monitoring, no vhost permissions.
import { afterAll, describe, expect, test } from "bun:test";
import { convergeMonitorUser } from "../scripts/lib/role/rabbitmq-monitor-user.ts";
import { rabbitApi, settings, useLiveStack } from "./support/live.ts";

useLiveStack();

const user = `t_monitor_${Math.random().toString(36).slice(2, 8)}`;
const password = "monitor-pass-1";
const queue = `${user}-queue`;
const admin = () => ({ url: settings().rabbitmq.managementUrl, user: settings().rabbitmq.user, password: settings().rabbitmq.password ?? "" });
const asMonitor = (path: string, init: RequestInit = {}, pass = password) => rabbitApi(path, init, { user, password: pass });

afterAll(async () => {
  await rabbitApi(`/api/users/${user}`, { method: "DELETE" });
  await rabbitApi(`/api/queues/%2F/${encodeURIComponent(queue)}`, { method: "DELETE" });
});

describe("RabbitMQ monitoring user", () => {
  test("is created tagged monitoring; a second run changes nothing", async () => {
    const first = await convergeMonitorUser(admin(), user, password);
    expect(first.changes).toContain(`create user ${user} tagged monitoring`);
    expect(first.changes).toContain("read-only access to vhost / (no configure, write or read)");
    const second = await convergeMonitorUser(admin(), user, password);
    expect(second).toEqual({ changes: [], extras: [], revoked: [] });
    const details = (await (await rabbitApi(`/api/users/${user}`)).json()) as { tags: string[] | string };
    expect([details.tags].flat().join(",")).toBe("monitoring");
  });

  test("reads every queue's numbers without any vhost permission", async () => {
    await rabbitApi(`/api/queues/%2F/${encodeURIComponent(queue)}`, { method: "PUT", body: JSON.stringify({ durable: false }) });
    const response = await asMonitor("/api/queues");
    expect(response.status).toBe(200);
    const names = ((await response.json()) as { name: string }[]).map((q) => q.name);
    expect(names).toContain(queue);
    expect((await asMonitor("/api/overview")).status).toBe(200);
  });

  test("can neither publish, read messages, declare nor delete", async () => {
    const publish = await asMonitor("/api/exchanges/%2F/amq.default/publish", {
      method: "POST",
      body: JSON.stringify({ properties: {}, routing_key: queue, payload: "x", payload_encoding: "string" }),
    });
    const get = await asMonitor(`/api/queues/%2F/${encodeURIComponent(queue)}/get`, {
      method: "POST",
      body: JSON.stringify({ count: 1, ackmode: "ack_requeue_true", encoding: "auto" }),
    });
    const declare = await asMonitor(`/api/queues/%2F/${encodeURIComponent(`${queue}-2`)}`, { method: "PUT", body: JSON.stringify({ durable: false }) });
    const remove = await asMonitor(`/api/queues/%2F/${encodeURIComponent(queue)}`, { method: "DELETE" });
    // Publishing answers 400 wrapping the broker's 403 ACCESS_REFUSED; the others answer 401.
    for (const response of [publish, get, declare, remove]) {
      expect(response.ok).toBe(false);
      expect(await response.text()).toMatch(/ACCESS_REFUSED|Access refused/);
    }
  });

  test("a changed password is set again; vhost permissions are reported, and removed with strict", async () => {
    await rabbitApi(`/api/users/${user}`, { method: "PUT", body: JSON.stringify({ password: "drifted", tags: "monitoring" }) });
    await rabbitApi(`/api/permissions/%2F/${user}`, { method: "PUT", body: JSON.stringify({ configure: "", write: ".*", read: ".*" }) });
    const report = await convergeMonitorUser(admin(), user, password);
    expect(report.changes).toEqual([`update user ${user} (tags monitoring, password)`]);
    expect(report.extras).toContain("permissions on vhost /: configure '', write '.*', read '.*'");
    expect(report.revoked).toEqual([]);
    expect((await asMonitor("/api/whoami")).status).toBe(200);
    const strict = await convergeMonitorUser(admin(), user, password, { strict: true });
    expect(strict.revoked).toEqual(["permissions on vhost /"]);
    const permissions = (await (await rabbitApi(`/api/users/${user}/permissions`)).json()) as { vhost: string }[];
    expect(permissions.find((p) => p.vhost === "/")).toMatchObject({ configure: "", write: "", read: "" });
    // Emptied, not deleted: the user still sees the vhost's queues.
    expect((await (await asMonitor("/api/queues/%2F")).json()) as unknown[]).not.toEqual([]);
  });

  test("a wrong admin password is reported as such", async () => {
    const error = await convergeMonitorUser({ ...admin(), password: "wrong" }, user, password).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "badInput" });
    expect((error as Error).message).toContain("check RABBITMQ_USER/RABBITMQ_PASSWORD");
  });

  test("an admin user without the administrator tag is told so", async () => {
    // Valid credentials of a user tagged monitoring only: the API answers 401 "Not administrator user".
    const viewer = `${user}-viewer`;
    await rabbitApi(`/api/users/${viewer}`, { method: "PUT", body: JSON.stringify({ password, tags: "monitoring" }) });
    try {
      const error = await convergeMonitorUser({ ...admin(), user: viewer, password }, `${user}-other`, password).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ kind: "badInput" });
      expect((error as Error).message).toContain(`${viewer} is not tagged administrator`);
    } finally {
      await rabbitApi(`/api/users/${viewer}`, { method: "DELETE" });
    }
  });

  test("every answer's status is checked before its body: a proxy's 403 page is a refusal, not a JSON error", async () => {
    // A proxy in front of the management API that forbids one route, answering with an HTML page.
    const upstream = settings().rabbitmq.managementUrl;
    const proxy = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request) => {
        const url = new URL(request.url);
        if (url.pathname === "/api/vhosts") return new Response("<html><body>403 Forbidden</body></html>", { status: 403, headers: { "content-type": "text/html" } });
        return fetch(`${upstream}${url.pathname}${url.search}`, { method: request.method, headers: request.headers, body: request.body });
      },
    });
    try {
      const error = await convergeMonitorUser({ ...admin(), url: `http://127.0.0.1:${proxy.port}` }, `${user}-proxied`, password, { dryRun: true }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ kind: "badInput" });
      expect((error as Error).message).toContain("listing RabbitMQ vhosts: HTTP 403");
    } finally {
      proxy.stop(true);
    }
  });

  test("a management API that does not answer is unreachable", async () => {
    const error = await convergeMonitorUser({ ...admin(), url: "http://127.0.0.1:1" }, user, password).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "unreachable" });
  });
});
