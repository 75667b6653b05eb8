import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { adminSql, rabbitApi, runCli, settings } from "./support/live.ts";

describe("live stack", () => {
  test("PostgreSQL 15 answers with the stack's admin credentials", async () => {
    const sql = await adminSql();
    try {
      const [row] = await sql`SELECT current_setting('server_version_num')::int AS version, current_user AS who`;
      expect(Math.floor(row!.version / 10000)).toBe(15);
      expect(row!.who).toBe(settings().postgres.adminUser);
    } finally {
      await sql.end();
    }
  });

  test("RabbitMQ's management API needs auth and lists a queue the test declares", async () => {
    const queue = `stack-test-${Date.now()}`;
    const declared = await rabbitApi(`/api/queues/%2F/${queue}`, { method: "PUT", body: JSON.stringify({ durable: false, auto_delete: false }) });
    expect(declared.status).toBeLessThan(300);
    try {
      const queues = (await (await rabbitApi("/api/queues")).json()) as { name: string; messages?: number }[];
      expect(queues.map((q) => q.name)).toContain(queue);
      expect((await rabbitApi("/api/overview", {}, { user: settings().rabbitmq.user, password: "wrong" })).status).toBe(401);
      const anonymous = await fetch(`${settings().rabbitmq.managementUrl}/api/overview`);
      expect(anonymous.status).toBe(401);
    } finally {
      await rabbitApi(`/api/queues/%2F/${queue}`, { method: "DELETE" });
    }
  });

  test("`stack env` prints exports a shell can eval", async () => {
    const result = await runCli(["scripts/stack.ts", "env"], { ...process.env, POSTGRES_HOST: "", RABBITMQ_HOST: "" });
    expect(result.code).toBe(0);
    const shell = spawnSync("bash", ["-c", `${result.stdout}\necho "$POSTGRES_PORT $RABBITMQ_MANAGEMENT_URL"`], { encoding: "utf8" });
    expect(shell.stdout.trim()).toMatch(/^\d+ http:\/\/127\.0\.0\.1:\d+$/);
  });

  test("a second stack in its own directory starts, and `stack down` leaves none of its processes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stack-updown-"));
    const env = {
      ...process.env,
      STACK_DIR: dir,
      STACK_POSTGRES_PORT: "56432",
      STACK_AMQP_PORT: "56672",
      STACK_RABBITMQ_MANAGEMENT_PORT: "56673",
      STACK_EPMD_PORT: "56674",
      STACK_RABBITMQ_DIST_PORT: "56675",
      POSTGRES_HOST: "",
      RABBITMQ_HOST: "",
    };
    const processesOf = () =>
      spawnSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
        .stdout.split("\n")
        .filter((line) => line.includes(dir) || line.includes("56674") || line.includes("56432"));
    try {
      const up = await runCli(["scripts/stack.ts", "up", "--json"], env);
      expect(up.stderr).not.toContain("failed");
      const states = Object.fromEntries((JSON.parse(up.stdout).components as { name: string; state: string }[]).map((c) => [c.name, c.state]));
      expect(states).toMatchObject({ postgres: "started", rabbitmq: "started" });
      expect(processesOf().length).toBeGreaterThan(0);
    } finally {
      const down = await runCli(["scripts/stack.ts", "down"], env);
      expect(down.code).toBe(0);
    }
    expect(processesOf()).toEqual([]);
  }, 180_000);
});
