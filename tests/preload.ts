// Brings the live stack up before any test file loads (see scripts/lib/stack.ts), and points the
// toolkit's settings at it unless the environment already points somewhere else.
import { stackEnv, stackUp } from "../scripts/lib/stack.ts";

const statuses = await stackUp((line) => console.error(`[stack] ${line}`));
for (const [name, value] of Object.entries(stackEnv(statuses))) process.env[name] ??= value;
