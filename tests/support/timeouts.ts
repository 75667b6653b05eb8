// Tests that start other programs (the toolkit's own commands, promtool, amtool, docker-compose) get half a
// minute each instead of Bun's 5 s: on a busy 2-core machine a program's start alone can take seconds
// (docker-compose tests timed out at 5 s in a fresh-machine CI run). Bun takes the default per test
// file, so each such file calls this at its top. Tests against live services get theirs from
// useLiveStack() (live.ts).
import { setDefaultTimeout } from "bun:test";

export function programTests(): void {
  setDefaultTimeout(30_000);
}
