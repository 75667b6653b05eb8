// The one entry point of every command (scripts/lib/cli.ts runCommand): a mistyped command line never
// acts, help always answers, and every outcome has its documented exit code.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { resolveCall } from "../scripts/lib/cli.ts";
import { badInput, checkFailed, EXIT_CODES, EXIT_CODES_HELP, unreachable, describeFailure, exitCodeFor } from "../scripts/lib/errors.ts";
import { configCommand } from "../scripts/config.ts";
import { demoCommand } from "../scripts/demo.ts";
import { roleCommand } from "../scripts/role.ts";
import { stackCommand } from "../scripts/stack.ts";
import { adminSql, runCli, settings, useLiveStack } from "./support/live.ts";

const scratch = mkdtempSync(join(tmpdir(), "cli-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The bad-input message a command line is refused with (fails the test when it is accepted). */
async function refusal(command: Parameters<typeof resolveCall>[0], argv: string[]): Promise<string> {
  const error = await resolveCall(command, argv).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toMatchObject({ kind: "badInput" });
  return (error as Error).message;
}

describe("the command line is checked before anything runs", () => {
  test("an unknown option is refused, naming the closest valid one", async () => {
    expect(await refusal(roleCommand, ["--dryrun"])).toContain("unknown option --dryrun (did you mean --dry-run?)");
    expect(await refusal(roleCommand, ["--dry-run", "--stirct"])).toContain("unknown option --stirct (did you mean --strict?)");
    expect(await refusal(configCommand, ["--jsno"])).toContain("did you mean --json?");
    expect(await refusal(demoCommand, ["seed", "--signals", "5", "--databse", "x"])).toContain("did you mean --database?");
    expect(await refusal(roleCommand, ["-s"])).toContain("unknown option -s");
  });

  test("a switch given a value is refused, whatever the value", async () => {
    for (const argv of [["--dry-run=false"], ["--dry-run=true"], ["--json=no"], ["--no-strict=1"]]) {
      expect(await refusal(roleCommand, argv)).toContain("is a switch and takes no value");
    }
  });

  test("an option that needs a value must get one, and once", async () => {
    expect(await refusal(roleCommand, ["--env-file"])).toContain("--env-file needs a value");
    expect(await refusal(roleCommand, ["--env-file", "--strict"])).toContain("--env-file needs a value");
    expect(await refusal(roleCommand, ["--env-file="])).toContain("--env-file needs a value");
    expect(await refusal(roleCommand, ["--env-file", "a", "--env-file", "b"])).toContain("--env-file is given more than once");
  });

  test("a stray word is refused, with the option it probably meant", async () => {
    expect(await refusal(roleCommand, ["strict"])).toContain('unexpected argument "strict" (did you mean --strict?)');
  });

  test("unknown and missing subcommands are refused, naming the closest", async () => {
    expect(await refusal(stackCommand, ["upp"])).toContain('unknown command "upp" (did you mean up?)');
    expect(await refusal(stackCommand, [])).toContain("which command? One of: up, down, status, env");
    expect(await refusal(stackCommand, ["--json"])).toContain("which command?");
  });

  test("missing required arguments are refused", async () => {
    expect(await refusal(demoCommand, ["seed"])).toContain("missing --signals");
    expect(await refusal(demoCommand, ["fault"])).toContain("missing NAME");
    expect(await refusal(demoCommand, ["fault", "down", "extra"])).toContain('unexpected argument "extra"');
  });

  test("good command lines resolve to the command that runs, with its own arguments", async () => {
    const seed = await resolveCall(demoCommand, ["seed", "--signals", "5", "--database=x"]);
    expect([seed.help, seed.rawArgs]).toEqual([false, ["--signals", "5", "--database=x"]]);
    expect(seed.command).toBe(((await demoCommand.subCommands) as Record<string, unknown>).seed as typeof seed.command);
    // The demo's default subcommand takes its options without being named.
    const paced = await resolveCall(demoCommand, ["--pace", "10"]);
    expect(paced.command).toBe(((await demoCommand.subCommands) as Record<string, unknown>).run as typeof paced.command);
    expect((await resolveCall(demoCommand, [])).rawArgs).toEqual([]);
    expect((await resolveCall(roleCommand, ["--no-strict", "--json", "--env-file", "-"])).help).toBe(false);
    expect((await resolveCall(demoCommand, ["fault", "down", "--service", "order-manager", "--off"])).rawArgs).toEqual(["down", "--service", "order-manager", "--off"]);
  });

  test("--help and -h always answer, even next to a mistake", async () => {
    expect((await resolveCall(roleCommand, ["--help"])).help).toBe(true);
    expect((await resolveCall(roleCommand, ["--dryrun", "-h"])).help).toBe(true);
    expect((await resolveCall(stackCommand, ["up", "--help"])).parent).toBe(stackCommand);
  });
});

describe("from the shell", () => {
  test("`stack upp` and `demo seed --signals` exit 2 with the closest valid choice", async () => {
    const stack = await runCli(["scripts/stack.ts", "upp"]);
    expect(stack.code).toBe(2);
    expect(stack.stderr).toContain("did you mean up?");
    const seed = await runCli(["scripts/demo.ts", "seed", "--signals"]);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain("--signals needs a value");
  });

  test("--help exits 0 with the usage and the exit codes, without colour codes when piped", async () => {
    for (const argv of [["scripts/role.ts", "--help"], ["scripts/stack.ts", "status", "-h"], ["scripts/config.ts", "--help"], ["scripts/demo.ts", "--help"]]) {
      const help = await runCli(argv);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("USAGE");
      expect(help.stdout).toContain(EXIT_CODES_HELP);
      expect(help.stdout).not.toContain("\x1b[");
    }
  });

  test("every command file enters through runCommand, never citty's runMain", () => {
    const scripts = join(import.meta.dir, "..", "scripts");
    const commands = readdirSync(scripts).filter((name) => name.endsWith(".ts") && readFileSync(join(scripts, name), "utf8").includes("defineCommand("));
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const name of commands) {
      const text = readFileSync(join(scripts, name), "utf8");
      expect({ name, runMain: /\brunMain\b/.test(text) }).toEqual({ name, runMain: false });
      expect({ name, entry: /if \(import\.meta\.main\) runCommand\(\w+\);/.test(text) }).toEqual({ name, entry: true });
    }
  });
});

describe("exit codes, decided in one place", () => {
  test("the table of exit codes is the README's, row for row", () => {
    const readme = readFileSync(join(import.meta.dir, "..", "README.md"), "utf8");
    const rows = [...readme.matchAll(/^\| (\d) \| (.+) \|$/gm)].map((m) => ({ code: Number(m[1]), meaning: m[2] }));
    expect(rows).toEqual(EXIT_CODES.map(({ code, meaning }) => ({ code, meaning })));
  });

  /** A command file of its own that fails as told, run as a user would. */
  async function failing(body: string) {
    const file = join(scratch, `failing-${Math.random().toString(36).slice(2, 8)}.ts`);
    const cli = join(import.meta.dir, "..", "scripts", "lib", "cli.ts");
    const errors = join(import.meta.dir, "..", "scripts", "lib", "errors.ts");
    writeFileSync(
      file,
      `import { runCommand } from ${JSON.stringify(cli)};\nimport * as errors from ${JSON.stringify(errors)};\n` +
        `void errors;\nrunCommand({ meta: { name: "failing" }, run: async () => { ${body} } });\n`,
    );
    return runCli([file]);
  }

  test("a bug exits 1 with its stack trace; a failed check exits 1 without one; run's returned code is the exit code", async () => {
    const bug = await failing("const value = undefined as unknown as { x: number }; return value.x;");
    expect(bug.code).toBe(1);
    expect(bug.stderr).toContain("unexpected failure (a bug)");
    expect(bug.stderr).toMatch(/TypeError.*\n\s+at /);
    const check = await failing('throw errors.checkFailed("2 panels answered nothing");');
    expect(check.code).toBe(1);
    expect(check.stderr.trim()).toBe("2 panels answered nothing");
    expect((await failing("return 3;")).code).toBe(3);
    expect((await failing('throw errors.badInput("no");')).code).toBe(2);
  });

  test("HTTP: connection refused and timeouts are 3; our own classes keep their codes", async () => {
    expect(exitCodeFor(await fetch("http://127.0.0.1:1/").catch((caught: unknown) => caught))).toBe(3);
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const timedOut = await fetch(`http://127.0.0.1:${silent.port}/`, { signal: AbortSignal.timeout(300) }).catch((caught: unknown) => caught);
      expect(exitCodeFor(timedOut)).toBe(3);
    } finally {
      silent.stop(true);
    }
    expect(exitCodeFor(unreachable("x"))).toBe(3);
    expect(exitCodeFor(badInput("x"))).toBe(2);
    expect(exitCodeFor(checkFailed("x"))).toBe(1);
    expect(exitCodeFor(new RangeError("x"))).toBe(1);
    expect(describeFailure(badInput("x"))).toBe("x");
    expect(describeFailure(new RangeError("x"))).toContain("RangeError: x\n    at ");
  });
});

describe("against the live stack", () => {
  useLiveStack();

  test("`role --dryrun` exits 2 and creates no role; so does `--dry-run=false`", async () => {
    const role = `t_cli_${Math.random().toString(36).slice(2, 8)}`;
    const env = { ...process.env, GRAFANA_POSTGRES_USER: role, GRAFANA_POSTGRES_PASSWORD: "cli-test-password" };
    for (const flag of ["--dryrun", "--dry-run=false"]) {
      const result = await runCli(["scripts/role.ts", flag], env);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("--dry-run");
      expect(result.stdout).toBe("");
    }
    const sql = await adminSql();
    try {
      expect(await sql`SELECT 1 FROM pg_roles WHERE rolname = ${role}`).toHaveLength(0);
    } finally {
      await sql.end();
    }
  });

  test("PostgreSQL: connection refused or timed out is 3, refused credentials 2", async () => {
    const pg = settings().postgres;
    const errorOf = async (options: postgres.Options<Record<string, never>>) => {
      const sql = postgres({ max: 1, onnotice: () => {}, ...options });
      try {
        return await sql`SELECT 1`.then(() => undefined, (caught: unknown) => caught);
      } finally {
        await sql.end({ timeout: 0 });
      }
    };
    expect(exitCodeFor(await errorOf({ host: "127.0.0.1", port: 1 }))).toBe(3);
    expect(exitCodeFor(await errorOf({ host: pg.host, port: pg.port, user: pg.adminUser, password: "not-the-password", database: pg.database }))).toBe(2);
    // A port that accepts and never answers: the connect timeout.
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      expect(exitCodeFor(await errorOf({ host: "127.0.0.1", port: silent.port, connect_timeout: 1 }))).toBe(3);
    } finally {
      silent.stop(true);
    }
  });
});
