// The local stack: its services answer with its own credentials, and it knows what it owns. Second
// stacks here get a directory of their own and ports probed free, and are removed in `finally`.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { SETTINGS } from "../scripts/lib/config.ts";
import { postgresPid } from "../scripts/lib/stack/local-postgres.ts";
import { listeningPortsOf, portFree } from "../scripts/lib/stack/daemon.ts";
import { connect } from "node:net";
import { PORT_SETTINGS, type PortName, stackDir, stackPorts } from "../scripts/lib/stack/stack-paths.ts";
import { adminSql, freeStackPorts, rabbitApi, runCli, settings, useLiveStack } from "./support/live.ts";


type Components = Record<string, string>;
const states = (stdout: string): Components =>
  Object.fromEntries((JSON.parse(stdout).components as { name: string; state: string }[]).map((c) => [c.name, c.state]));

/** The environment of a shell that has not pointed the toolkit anywhere: no settings, no STACK_*. */
function bareEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !(name in SETTINGS) && !name.startsWith("STACK_")) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Processes whose command line names the directory or one of the ports. */
const processesOf = (dir: string, ports: Record<string, string>) =>
  spawnSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((line) => line.includes(dir) || Object.values(ports).some((port) => line.includes(`port=${port}`) || line.includes(`port ${port}`)));

describe("live stack", () => {
  useLiveStack();

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
    expect(shell.stdout.trim()).toBe(`${stackPorts().postgres} http://127.0.0.1:${stackPorts().rabbitmqManagement}`);
  });

  test("`stack status` exits 0 for the healthy stack the tests run on", async () => {
    const status = await runCli(["scripts/stack.ts", "status", "--json"]);
    expect(states(status.stdout)).toEqual({ postgres: "running", rabbitmq: "running", alertmanager: "running", prometheus: "running", demo: "running", monitor: "running" });
    expect(status.code).toBe(0);
  });
});

describe("what the stack owns", () => {
  useLiveStack();

  test("a stack in another directory on this stack's ports owns nothing there: status blocked (exit 1), up exit 2, down touches nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stack-foreign-"));
    const ports = stackPorts();
    const samePorts = Object.fromEntries((Object.keys(PORT_SETTINGS) as PortName[]).map((name) => [PORT_SETTINGS[name].variable, String(ports[name])]));
    const env = bareEnv({ STACK_DIR: dir, ...samePorts });
    const ourPostgres = postgresPid(stackDir());
    expect(ourPostgres).not.toBeNull();
    try {
      const status = await runCli(["scripts/stack.ts", "status", "--json"], env);
      expect(states(status.stdout)).toEqual({ postgres: "blocked", rabbitmq: "blocked", alertmanager: "blocked", prometheus: "blocked", demo: "blocked", monitor: "blocked" });
      expect(status.code).toBe(1);

      const up = await runCli(["scripts/stack.ts", "up"], env);
      expect(up.code).toBe(2);
      expect(up.stderr).toContain(`port ${ports.postgres} (STACK_POSTGRES_PORT) is taken by a process that is not this stack's`);

      const down = await runCli(["scripts/stack.ts", "down", "--json"], env);
      expect(down.code).toBe(0);
      expect(JSON.parse(down.stdout).components.map((c: { detail: string }) => c.detail)).toEqual(Array(6).fill("was not running"));
      // Ours is untouched: the same server process, and every component still answers.
      expect(postgresPid(stackDir())).toBe(ourPostgres);
      expect((await runCli(["scripts/stack.ts", "status"])).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("a second stack on free ports: its ports recorded in its directory, status 0 without STACK_*, down stops all of it, --purge removes the directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stack-updown-"));
    const ports = freeStackPorts();
    const env = bareEnv({ STACK_DIR: dir, ...ports });
    try {
      const up = await runCli(["scripts/stack.ts", "up", "--json"], env);
      expect(up.stderr).toBe("");
      expect(states(up.stdout)).toEqual({ postgres: "started", rabbitmq: "started", alertmanager: "started", prometheus: "started", demo: "started", monitor: "started" });
      expect(JSON.parse(readFileSync(join(dir, "ports.json"), "utf8")).postgres).toBe(Number(ports.STACK_POSTGRES_PORT));
      expect(processesOf(dir, ports).length).toBeGreaterThan(0);

      // A shell that knows only the directory finds the stack on the recorded ports.
      const status = await runCli(["scripts/stack.ts", "status", "--json"], bareEnv({ STACK_DIR: dir }));
      expect(states(status.stdout)).toEqual({ postgres: "running", rabbitmq: "running", alertmanager: "running", prometheus: "running", demo: "running", monitor: "running" });
      expect(status.code).toBe(0);
      // And refuses to move it while it runs.
      const moved = await runCli(["scripts/stack.ts", "up"], bareEnv({ STACK_DIR: dir, STACK_POSTGRES_PORT: "1" }));
      expect(moved.code).toBe(2);
      expect(moved.stderr).toContain("already runs on other ports: STACK_POSTGRES_PORT=1");

      const down = await runCli(["scripts/stack.ts", "down"], env);
      expect(down.code).toBe(0);
      expect(processesOf(dir, ports)).toEqual([]);
      expect(existsSync(join(dir, "ports.json"))).toBe(false);
      const stopped = await runCli(["scripts/stack.ts", "status", "--json"], env);
      expect(states(stopped.stdout)).toEqual({ postgres: "stopped", rabbitmq: "stopped", alertmanager: "stopped", prometheus: "stopped", demo: "stopped", monitor: "stopped" });
      expect(stopped.code).toBe(1);

      // Straight up again: the connections the stopped services left in TIME-WAIT take no port.
      const again = await runCli(["scripts/stack.ts", "up", "--json"], env);
      expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
      expect(states(again.stdout)).toEqual({ postgres: "started", rabbitmq: "started", alertmanager: "started", prometheus: "started", demo: "started", monitor: "started" });
      expect((await runCli(["scripts/stack.ts", "down"], env)).code).toBe(0);

      expect((await runCli(["scripts/stack.ts", "down", "--purge"], env)).code).toBe(0);
      expect(existsSync(dir)).toBe(false);
    } finally {
      await runCli(["scripts/stack.ts", "down", "--purge"], env);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  test("`bun test` starts the stack only for a test that needs it, stops what it started, and leaves alone a stack that was already running", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stack-testrun-"));
    const probeDir = mkdtempSync(join(tmpdir(), "stack-probe-"));
    const probe = join(probeDir, "probe.test.ts");
    const live = JSON.stringify(join(import.meta.dir, "support", "live.ts"));
    writeFileSync(probe, `import { expect, test } from "bun:test";\nimport { useLiveStack } from ${live};\nuseLiveStack();\ntest("probe", () => expect(process.env.POSTGRES_PORT).toBeTruthy());\n`);
    const pure = join(probeDir, "pure.test.ts");
    writeFileSync(pure, `import { expect, test } from "bun:test";\ntest("pure", () => expect(1 + 1).toBe(2));\n`);
    // PostgreSQL, Alertmanager and Prometheus start: RabbitMQ is "external" (this stack's), so the demo is unavailable.
    const env = bareEnv({ STACK_DIR: dir, ...freeStackPorts(), RABBITMQ_HOST: "127.0.0.1", RABBITMQ_PORT: String(stackPorts().amqp) });
    try {
      const untouched = await runCli(["test", pure], env);
      expect(untouched.code).toBe(0);
      expect(untouched.stderr).not.toContain("[stack]");
      expect(postgresPid(dir)).toBeNull();

      const fresh = await runCli(["test", probe], env);
      expect(fresh.code).toBe(0);
      expect(fresh.stderr).toContain("[stack] postgres: starting");
      expect(fresh.stderr).toContain("[stack] stopped what this test run started: postgres, alertmanager, prometheus");
      expect(postgresPid(dir)).toBeNull();

      expect((await runCli(["scripts/stack.ts", "up"], env)).code).toBe(0);
      const running = postgresPid(dir);
      expect(running).not.toBeNull();
      const again = await runCli(["test", probe], env);
      expect(again.code).toBe(0);
      expect(again.stderr).not.toContain("stopped what this test run started");
      expect(postgresPid(dir)).toBe(running);
    } finally {
      await runCli(["scripts/stack.ts", "down", "--purge"], env);
      rmSync(dir, { recursive: true, force: true });
      rmSync(probeDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("a port is taken only by a socket listening on it", () => {
  test("the kernel's table: LISTEN takes its port, TIME-WAIT and established connections do not", () => {
    // /proc/net/tcp's columns (sl, local, remote, st, ...), written by hand: 0A is LISTEN, 06 TIME-WAIT, 01 ESTABLISHED
    const table = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 0100007F:D6D8 00000000:0000 0A 00000000:00000000 00:00000000 00000000   0        0 1001 1",
      "   1: 0100007F:D6D9 0100007F:9C40 06 00000000:00000000 03:00001000 00000000     0        0 0 3",
      "   2: 00000000:D6DA 0100007F:9C41 01 00000000:00000000 00:00000000 00000000   0        0 1002 1",
    ].join("\n");
    expect(listeningPortsOf(table)).toEqual([0xd6d8]);
    const table6 = [
      "  sl  local_address                         remote_address                        st",
      "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A",
    ].join("\n");
    expect(listeningPortsOf(table6)).toEqual([8080]);
  });

  test("a port whose server stopped while a connection was open is free; a listening one is not", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: (socket) => void socket.end(), data() {} } });
    const { port } = server;
    expect(portFree(port)).toBe(false);
    // The server closes first: its side of the connection stays in TIME-WAIT for a minute.
    await new Promise<void>((done) => connect(port, "127.0.0.1").on("close", () => done()).on("error", () => done()));
    server.stop(true);
    expect(portFree(port)).toBe(true);
  });
});

describe("the stack directory", () => {
  test("`down --purge` refuses a directory the stack did not make", async () => {
    const dir = mkdtempSync(join(tmpdir(), "not-a-stack-"));
    writeFileSync(join(dir, "precious.txt"), "keep me");
    try {
      const purge = await runCli(["scripts/stack.ts", "down", "--purge"], bareEnv({ STACK_DIR: dir }));
      expect(purge.code).toBe(2);
      expect(purge.stderr).toContain("is not a stack directory");
      expect(readFileSync(join(dir, "precious.txt"), "utf8")).toBe("keep me");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
