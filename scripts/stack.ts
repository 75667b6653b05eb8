import { defineCommand } from "citty";
import { EXIT } from "./lib/errors.ts";
import { jsonArg, runCommand, stepLine } from "./lib/cli.ts";
import { type ComponentStatus, HEALTHY_STATES, shellExports, stackDown, stackEnv, stackStatus, stackUp } from "./lib/stack/stack.ts";
import { ALL_STACK_PACKAGES, TEST_PACKAGES, ensurePackages } from "./lib/debian-packages.ts";
import { TOOL_NAMES, ensureTools, installAllowed, missingTools, toolPath, toolVersion, toolsMissingError } from "./lib/stack/prometheus-tools.ts";

const print = (statuses: ComponentStatus[], json: boolean | undefined) => {
  if (json) console.log(JSON.stringify({ components: statuses }));
  else for (const s of statuses) console.log(stepLine(s.name, s.state, s.detail.split("\n").join("\n" + " ".repeat(38))));
};

const up = defineCommand({
  meta: {
    name: "up",
    description:
      "Start PostgreSQL, RabbitMQ, Alertmanager, Prometheus and the demo services unless running or set in the environment " +
      "(exit 2 when a port is taken by another process). Builds Prometheus and Alertmanager first when they are missing (`stack tools`)",
  },
  args: {
    ...jsonArg,
    install: {
      type: "boolean",
      description:
        "Install the Debian packages it lacks (as root on Debian) and build Prometheus and Alertmanager when missing (default; --no-install or STACK_NO_INSTALL=1 refuses instead, with the one command to run)",
    },
  },
  run: async ({ args }) => {
    const install = installAllowed(args.install);
    // Refused before anything starts: the one command that builds them.
    if (!install && missingTools().missing.length) throw toolsMissingError();
    print(await stackUp(args.json ? () => {} : (line) => console.error(line), undefined, { install, packages: install }), args.json);
  },
});

const packages = defineCommand({
  meta: {
    name: "packages",
    description:
      "Install the Debian packages the stack runs on (with --tests, also those the test suite needs) unless present: as root on Debian, saying what and why; " +
      "otherwise exit 2 with the one apt-get command",
  },
  args: {
    ...jsonArg,
    tests: { type: "boolean", description: "Also the test suite's: docker-compose, chromium, fonts-inter" },
    install: { type: "boolean", description: "Install what is missing (default; --no-install or STACK_NO_INSTALL=1 refuses instead)" },
  },
  run: async ({ args }) => {
    const wanted = [...ALL_STACK_PACKAGES, ...(args.tests ? TEST_PACKAGES : [])];
    const plan = await ensurePackages(wanted, args.json ? () => {} : (line) => console.error(line), { allowed: installAllowed(args.install) });
    if (args.json) console.log(JSON.stringify({ packages: wanted.map((pkg) => pkg.name), installed: plan.missing.map((pkg) => pkg.name) }));
    else console.log(plan.missing.length ? `installed ${plan.missing.map((pkg) => pkg.name).join(", ")}` : `all there: ${wanted.map((pkg) => pkg.name).join(", ")}`);
  },
});

const tools = defineCommand({
  meta: {
    name: "tools",
    description: "Build Prometheus, promtool, Alertmanager and amtool of the pinned releases with Go, unless already built (about 8 minutes once per machine)",
  },
  args: { ...jsonArg },
  run: async ({ args }) => {
    const dir = await ensureTools(args.json ? () => {} : (line) => console.error(line));
    const built = TOOL_NAMES.map((name) => ({ name, version: toolVersion(name, dir), path: toolPath(name, dir) }));
    if (args.json) console.log(JSON.stringify({ tools: built }));
    else for (const tool of built) console.log(stepLine(tool.name, tool.version ?? "?", tool.path));
  },
});

const down = defineCommand({
  meta: {
    name: "down",
    description: "Stop every process this stack started (proven by its pid files; nothing else is touched)",
  },
  args: {
    ...jsonArg,
    purge: { type: "boolean", description: "Also remove the stack directory: databases, logs, generated passwords (it can reach 850 MB)" },
  },
  run: async ({ args }) => print(await stackDown({ purge: args.purge }), args.json),
});

const status = defineCommand({
  meta: {
    name: "status",
    description: "Show each component: running, stopped, external, unavailable, unhealthy or blocked (and why); exit 0 when healthy, else 1",
  },
  args: { ...jsonArg },
  run: async ({ args }) => {
    const statuses = await stackStatus();
    print(statuses, args.json);
    return statuses.every((s) => HEALTHY_STATES.includes(s.state)) ? EXIT.ok : EXIT.checkFailed;
  },
});

const env = defineCommand({
  meta: { name: "env", description: "Print `export NAME=value` lines for the running stack: eval \"$(bun run --silent stack env)\"" },
  run: async () => console.log(shellExports(stackEnv(await stackStatus()))),
});

export const stackCommand = defineCommand({
  meta: { name: "stack", description: "The live stack for tests and the demo (Grafana is not part of it: set GRAFANA_URL)." },
  subCommands: { up, down, status, env, tools, packages },
});

if (import.meta.main) runCommand(stackCommand);
