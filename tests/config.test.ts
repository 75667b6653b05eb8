import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolkitError } from "../scripts/lib/errors.ts";
import { envExample, loadConfig } from "../scripts/lib/config.ts";
import { runCli } from "./support/live.ts";

const dir = mkdtempSync(join(tmpdir(), "config-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function envFile(name: string, text: string) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
/** The environment of a child process without any of the toolkit's settings. */
const bareEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(POSTGRES|GRAFANA|RABBITMQ|WS_GATEWAY|MODEL_SERVICE|ORDERMANAGER|POSITION_MANAGER)_/.test(name)));

describe("config", () => {
  test("reads the trading system's own .env names", () => {
    const path = envFile(
      "system.env",
      "POSTGRES_HOST=db.internal\nPOSTGRES_PORT=6543\nGRAFANA_POSTGRES_PASSWORD='s3cret'\nRABBITMQ_HOST=mq\nORDERMANAGER_PORT=4601\nWS_GATEWAY_API_KEY=k\n",
    );
    const config = loadConfig({ envFile: path, env: {} });
    expect(config.postgres).toMatchObject({ host: "db.internal", port: 6543 });
    expect(config.monitorRole.password).toBe("s3cret");
    expect(config.rabbitmq.managementUrl).toBe("http://mq:15672");
    expect(config.services["order-manager"].url).toBe("http://order-manager:4601");
    expect(config.services["ws-gateway"].apiKey).toBe("k");
    expect(config.envFile).toBe(path);
  });

  test("the environment wins over the file", () => {
    const path = envFile("override.env", "POSTGRES_PORT=6543\n");
    expect(loadConfig({ envFile: path, env: { POSTGRES_PORT: "7000" } }).postgres.port).toBe(7000);
  });

  test("every problem is reported at once, by variable name, secrets never echoed", () => {
    const path = envFile("bad.env", `POSTGRES_PORT=70000\nGRAFANA_URL=ftp://grafana\nGRAFANA_POSTGRES_USER=${"n".repeat(64)}\nGRAFANA_TOKEN=\n`);
    let error: unknown;
    try {
      loadConfig({ envFile: path, env: { RABBITMQ_PASSWORD: "topsecret-value" }, required: ["POSTGRES_PASSWORD"] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ kind: "badInput" });
    const problems = (error as ToolkitError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toContain("POSTGRES_PORT: expected a port number");
    expect(problems.join("\n")).toContain("GRAFANA_URL: expected an http:// or https:// URL");
    expect(problems.join("\n")).toContain("GRAFANA_POSTGRES_USER: expected a PostgreSQL name: not empty, at most 63 bytes");
    expect(problems.join("\n")).toContain("POSTGRES_PASSWORD: required here but not set");
    expect((error as Error).message).not.toContain("topsecret-value");
  });

  test("database, user and table names are any name PostgreSQL accepts quoted: case, spaces and quotes kept", () => {
    const config = loadConfig({
      envFile: "/dev/null",
      env: { POSTGRES_DB: "XXXX", POSTGRES_USER: "Trader Admin", GRAFANA_POSTGRES_USER: 'Grafana "RO"', GRAFANA_POSTGRES_EXTRA_TABLES: "Fills, daily-PnL" },
    });
    expect(config.postgres).toMatchObject({ database: "XXXX", adminUser: "Trader Admin" });
    expect(config.monitorRole.user).toBe('Grafana "RO"');
    expect(config.monitorRole.extraTables).toEqual(["Fills", "daily-PnL"]);
    // 63 bytes is PostgreSQL's limit (a longer name is cut short), counted in bytes, not characters.
    expect(loadConfig({ envFile: "/dev/null", env: { POSTGRES_DB: "é".repeat(31) + "x" } }).postgres.database).toHaveLength(32);
    expect(() => loadConfig({ envFile: "/dev/null", env: { POSTGRES_DB: "é".repeat(32) } })).toThrow("POSTGRES_DB: expected a PostgreSQL name");
    expect(() => loadConfig({ envFile: "/dev/null", env: { GRAFANA_POSTGRES_EXTRA_TABLES: `orders,${"t".repeat(64)}` } })).toThrow(
      "GRAFANA_POSTGRES_EXTRA_TABLES: expected comma-separated table names",
    );
  });

  test("the command exits 2 naming a bad port, a bad URL and a missing required value", async () => {
    const path = envFile("cli.env", "RABBITMQ_MANAGEMENT_PORT=0\nRABBITMQ_MANAGEMENT_URL=not a url\n");
    const result = await runCli(["scripts/config.ts", "--env-file", path, "--require", "GRAFANA_POSTGRES_PASSWORD"], bareEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("RABBITMQ_MANAGEMENT_PORT: expected a port number (1-65535), got \"0\"");
    expect(result.stderr).toContain("RABBITMQ_MANAGEMENT_URL: expected an http:// or https:// URL");
    expect(result.stderr).toContain("GRAFANA_POSTGRES_PASSWORD: required here but not set");
  });

  test("a missing POSTGRES_PASSWORD with no .env says where settings come from, the stack's `env` included", () => {
    // A directory of its own: no .env in it whatever the checkout holds.
    const empty = mkdtempSync(join(dir, "no-env-"));
    const role = Bun.spawnSync(["bun", join(import.meta.dir, "..", "scripts", "role.ts")], { cwd: empty, env: bareEnv() });
    const stderr = role.stderr.toString();
    expect(role.exitCode).toBe(2);
    expect(stderr).toContain("POSTGRES_PASSWORD: required here but not set");
    expect(stderr).toContain(`no .env file at ${join(empty, ".env")} and no --env-file`);
    expect(stderr).toContain('eval "$(bun run --silent stack env)"');
    // With a file read, the hint is not needed: the problem is in the file.
    const withFile = Bun.spawnSync(["bun", join(import.meta.dir, "..", "scripts", "role.ts"), "--env-file", envFile("empty.env", "")], { cwd: empty, env: bareEnv() });
    expect(withFile.exitCode).toBe(2);
    expect(withFile.stderr.toString()).not.toContain("no .env file");
  });

  test("a missing --env-file is bad input, and good settings exit 0", async () => {
    expect((await runCli(["scripts/config.ts", "--env-file", join(dir, "missing.env")], bareEnv())).code).toBe(2);
    const ok = await runCli(["scripts/config.ts", "--json", "--env-file", envFile("ok.env", "GRAFANA_ADMIN_PASSWORD=pw-not-shown\n")], bareEnv());
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).grafana).toMatchObject({ url: "http://localhost:4700", adminPassword: "********" });
    expect(ok.stdout).not.toContain("pw-not-shown");
  });

  test("env.example documents exactly the settings the code reads", () => {
    expect(readFileSync(join(import.meta.dir, "..", "env.example"), "utf8")).toBe(envExample());
  });
});
