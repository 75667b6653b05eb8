import { defineCommand } from "citty";
import { EXIT } from "./lib/errors.ts";
import { jsonArg, runCommand, stepLine } from "./lib/cli.ts";
import { type ComponentStatus, HEALTHY_STATES, shellExports, stackDown, stackEnv, stackStatus, stackUp } from "./lib/stack/stack.ts";

const print = (statuses: ComponentStatus[], json: boolean | undefined) => {
  if (json) console.log(JSON.stringify({ components: statuses }));
  else for (const s of statuses) console.log(stepLine(s.name, s.state, s.detail.split("\n").join("\n" + " ".repeat(38))));
};

const up = defineCommand({
  meta: {
    name: "up",
    description: "Start PostgreSQL, RabbitMQ and the demo services unless running or set in the environment (exit 2 when a port is taken by another process)",
  },
  args: { ...jsonArg },
  run: async ({ args }) => {
    print(await stackUp(args.json ? () => {} : (line) => console.error(line)), args.json);
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
  subCommands: { up, down, status, env },
});

if (import.meta.main) runCommand(stackCommand);
