// Exit codes shared by every command, and the one mapping from an error to its code. README and every
// command's --help list them (scripts/lib/cli.ts appends EXIT_CODES_HELP to each usage).
export const EXIT = {
  ok: 0,
  /** A check found something wrong; also a bug, printed with its stack trace. */
  checkFailed: 1,
  /** Bad input or configuration, credentials a service refused included. */
  badInput: 2,
  /** A dependency refused the connection or did not answer in time. */
  unreachable: 3,
} as const;

export const EXIT_CODES_HELP =
  "Exit codes: 0 ok; 1 a check failed (or a bug, printed with its stack trace); 2 bad input, config or credentials; 3 a dependency unreachable (connection refused or timed out).";

/** Bad input or configuration: reported with every problem, nothing changed (exit 2). */
export class BadInputError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}\n${problems.map((p) => `  - ${p}`).join("\n")}` : message);
    this.name = "BadInputError";
  }
}

/** A service the command needs did not answer (exit 3). The message says what to start. */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreachableError";
  }
}

/** A check ran and found something wrong (exit 1, no stack trace: it is not a bug). */
export class CheckFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailedError";
  }
}

// PostgreSQL's SQLSTATEs for refused credentials; sockets', postgres.js's and fetch's codes for a
// connection refused, timed out or to a host that does not resolve.
const AUTHENTICATION_CODES = new Set(["28P01", "28000"]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

export type Failure = "checkFailed" | "badInput" | "unreachable" | "bug";

/** What kind of failure an error is: by our classes, else by a library's error code; else a bug. */
export function classify(error: unknown): Failure {
  if (error instanceof CheckFailedError) return "checkFailed";
  if (error instanceof BadInputError) return "badInput";
  if (error instanceof UnreachableError) return "unreachable";
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === "string" && AUTHENTICATION_CODES.has(code)) return "badInput";
  if ((typeof code === "string" && NETWORK_CODES.has(code)) || name === "TimeoutError") return "unreachable";
  return "bug";
}

export function exitCodeFor(error: unknown): number {
  return { checkFailed: EXIT.checkFailed, badInput: EXIT.badInput, unreachable: EXIT.unreachable, bug: EXIT.checkFailed }[classify(error)];
}

/** What to print for an error: the message for an expected failure, the stack trace for a bug. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return `unexpected failure (a bug): ${String(error)}`;
  return classify(error) === "bug" ? `unexpected failure (a bug):\n${error.stack ?? error.message}` : error.message;
}

/**
 * The error for an HTTP answer the caller did not expect, decided by its status before any body is
 * read: 401/403 are credentials or permissions (config, exit 2); 5xx and 429 a service not serving
 * (exit 3); anything else means we asked wrongly (a bug, exit 1).
 */
export async function httpFailure(response: Response, what: string, hint = ""): Promise<Error> {
  const body = (await response.text().catch(() => "")).slice(0, 200);
  const message = `${what}: HTTP ${response.status}${body ? ` ${body}` : ""}${hint ? `: ${hint}` : ""}`;
  if (response.status === 401 || response.status === 403) return new BadInputError(message);
  if (response.status >= 500 || response.status === 429) return new UnreachableError(message);
  return new Error(message);
}
