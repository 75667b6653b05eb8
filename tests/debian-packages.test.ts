// The stack installs the Debian packages it lacks when it runs as root on Debian, and otherwise stops at
// once with the one apt-get command. The plan is tested on hosts described by the test (which packages
// are there, root or not, Debian or not), so nothing is uninstalled; the live test proves that on this
// machine, where all are there, nothing is installed.
import { describe, expect, test } from "bun:test";
import {
  ALL_STACK_PACKAGES,
  type DebianPackage,
  type Host,
  STACK_PACKAGES,
  TEST_PACKAGES,
  ensurePackages,
  planPackages,
  thisHost,
} from "../scripts/lib/debian-packages.ts";
import { EXIT, type ToolkitError } from "../scripts/lib/errors.ts";
import { runCli } from "./support/live.ts";

/** A host on which only `present` are installed. */
const host = (present: string[], overrides: Partial<Host> = {}): Host => ({ root: true, debian: true, present: (pkg) => present.includes(pkg.name), ...overrides });
const wanted = ALL_STACK_PACKAGES;

describe("the plan", () => {
  test("all there: nothing to do", () => {
    expect(planPackages(wanted, host(["procps", "postgresql-15", "rabbitmq-server"]), true)).toEqual({ missing: [], action: "none", command: "" });
  });

  test("root on Debian, installing allowed: the missing ones are installed, in order, each once", () => {
    const plan = planPackages([...wanted, ...STACK_PACKAGES.postgres], host(["procps"]), true);
    expect(plan.action).toBe("install");
    expect(plan.missing.map((pkg) => pkg.name)).toEqual(["postgresql-15", "rabbitmq-server"]);
    expect(plan.command).toBe("apt-get install -y --no-install-recommends postgresql-15 rabbitmq-server");
  });

  test("refused with the one command: --no-install, not root (sudo), not Debian", () => {
    const off = planPackages(wanted, host(["procps", "rabbitmq-server"]), false);
    expect(off).toMatchObject({ action: "refuse", command: "apt-get install -y --no-install-recommends postgresql-15" });
    expect(off.reason).toContain("STACK_NO_INSTALL=1");
    const user = planPackages(wanted, host(["procps"], { root: false }), true);
    expect(user).toMatchObject({ action: "refuse", command: "sudo apt-get install -y --no-install-recommends postgresql-15 rabbitmq-server" });
    expect(user.reason).toContain("as root");
    expect(planPackages(wanted, host([], { debian: false }), true).reason).toContain("not Debian");
  });
});

describe("ensurePackages", () => {
  const recorder = () => {
    const calls: string[][] = [];
    return { calls, run: async (argv: string[]) => (calls.push(argv), 0) };
  };

  test("installs what is missing with apt-get, saying what and why", async () => {
    const { calls, run } = recorder();
    const lines: string[] = [];
    await ensurePackages(wanted, (line) => lines.push(line), { allowed: true, host: host(["procps"]), run });
    expect(calls).toEqual([
      ["apt-get", "update", "-qq"],
      ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql-15", "rabbitmq-server"],
    ]);
    expect(lines[0]).toContain("installing postgresql-15 (PostgreSQL 15, the stack's database), rabbitmq-server (RabbitMQ");
    expect(lines[0]).toContain("--no-install or STACK_NO_INSTALL=1 refuses instead");
  });

  test("a refusal runs nothing and is bad input (exit 2) naming the packages, why not, and the command", async () => {
    const { calls, run } = recorder();
    const error = (await ensurePackages(wanted, () => {}, { allowed: false, host: host(["procps"]), run }).catch((caught: unknown) => caught)) as ToolkitError;
    expect(calls).toEqual([]);
    expect(error.exitCode).toBe(EXIT.badInput);
    expect(error.message).toBe(
      "Debian packages missing: postgresql-15 (PostgreSQL 15, the stack's database), rabbitmq-server (RabbitMQ with its management plugin, the stack's broker). " +
        "Not installed now: installing is turned off (--no-install or STACK_NO_INSTALL=1). Install them with: apt-get install -y --no-install-recommends postgresql-15 rabbitmq-server",
    );
  });

  test("a failing apt-get is reported with the command to run by hand", async () => {
    const error = (await ensurePackages(wanted, () => {}, { allowed: true, host: host([]), run: async () => 100 }).catch((caught: unknown) => caught)) as Error;
    expect(error?.message).toContain("Install them with: apt-get install -y --no-install-recommends procps postgresql-15 rabbitmq-server");
  });
});

describe("this machine", () => {
  test("every package the stack and the tests run on is there: nothing is installed", async () => {
    const all: DebianPackage[] = [...ALL_STACK_PACKAGES, ...TEST_PACKAGES];
    const missing = all.filter((pkg) => !thisHost().present(pkg)).map((pkg) => pkg.name);
    expect(missing).toEqual([]);
    const calls: string[][] = [];
    const plan = await ensurePackages(all, () => {}, { allowed: true, run: async (argv) => (calls.push(argv), 0) });
    expect(plan.action).toBe("none");
    expect(calls).toEqual([]);
    const cli = await runCli(["scripts/stack.ts", "packages", "--tests", "--json"]);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({ packages: all.map((pkg) => pkg.name), installed: [] });
  });
});
