import { defineCommand } from "citty";
import { EXIT, UnreachableError } from "./lib/errors.ts";
import { exitWith, jsonArg, runCommand, stepLine } from "./lib/cli.ts";
import { type ComponentStatus, shellExports, stackDown, stackEnv, stackStatus, stackUp } from "./lib/stack.ts";

const print = (statuses: ComponentStatus[], json: boolean | undefined) => {
  if (json) console.log(JSON.stringify({ components: statuses }));
  else for (const s of statuses) console.log(stepLine(s.name, s.state, s.detail.split("\n").join("\n" + " ".repeat(38))));
};

const up = defineCommand({
  meta: { name: "up", description: "Start PostgreSQL, RabbitMQ and the demo services unless running or set in the environment" },
  args: { ...jsonArg },
  run: ({ args }) =>
    exitWith(async () => {
      const statuses = await stackUp(args.json ? () => {} : (line) => console.error(line)).catch((error: Error) => {
        throw new UnreachableError(`stack up failed: ${error.message}`);
      });
      print(statuses, args.json);
    }),
});

const down = defineCommand({
  meta: { name: "down", description: "Stop every process of the local stack (what the environment points at is left alone)" },
  args: { ...jsonArg },
  run: ({ args }) => exitWith(async () => print(await stackDown(), args.json)),
});

const status = defineCommand({
  meta: { name: "status", description: "Show each component: running, stopped, external or unavailable (and why)" },
  args: { ...jsonArg },
  run: ({ args }) =>
    exitWith(async () => {
      const statuses = await stackStatus();
      print(statuses, args.json);
      return statuses.every((s) => s.state === "running" || s.state === "external") ? EXIT.ok : EXIT.checkFailed;
    }),
});

const env = defineCommand({
  meta: { name: "env", description: "Print `export NAME=value` lines for the running stack: eval \"$(bun run --silent stack env)\"" },
  run: () => exitWith(async () => console.log(shellExports(stackEnv(await stackStatus())))),
});

export const stackCommand = defineCommand({
  meta: { name: "stack", description: "The live stack for tests and the demo (Grafana is not part of it: set GRAFANA_URL)." },
  subCommands: { up, down, status, env },
});

if (import.meta.main) runCommand(stackCommand);
