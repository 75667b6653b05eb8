// Exit codes and errors, decided in one place. EXIT_CODES is the README's table (a test keeps the two
// equal); every command's --help ends with it (scripts/lib/cli.ts). An expected failure is a ToolkitError:
// its kind says which row of the table it exits with, its message what failed, its hint what to do.
// Anything else thrown is a bug (exit 1, printed with its stack trace), except the connection and
// credential failures of the libraries the toolkit uses, classified by their codes below.
export const EXIT_CODES = [
  { code: 0, kind: "ok", meaning: "ok" },
  { code: 1, kind: "checkFailed", meaning: "a check failed; also a bug, printed with its stack trace" },
  { code: 2, kind: "badInput", meaning: "bad input or config: a mistyped command line, an invalid setting, credentials a service refused" },
  { code: 3, kind: "unreachable", meaning: "a dependency unreachable: connection refused or timed out" },
  { code: 4, kind: "noGrafana", meaning: "`setup` only: no Grafana answered at `GRAFANA_URL`; provisioning is done and `check` ran instead" },
  { code: 5, kind: "alertsFiring", meaning: "`check` only: every panel answered, but alerts are firing in Prometheus (`--ignore-alerts` lists them without this code)" },
] as const;

type ExitKind = (typeof EXIT_CODES)[number]["kind"];

/** Exit code by kind: EXIT.badInput is 2. */
export const EXIT = Object.fromEntries(EXIT_CODES.map((row) => [row.kind, row.code])) as { readonly [K in ExitKind]: number };

export const EXIT_CODES_HELP = `Exit codes: ${EXIT_CODES.map((row) => `${row.code} ${row.meaning.replaceAll("`", "")}`).join("; ")}.`;

/** What went wrong, as far as the exit code goes. */
export type FailureKind = "checkFailed" | "badInput" | "unreachable";

export interface FailureOptions<Detail> {
  /** What to do about it; printed after the message. */
  hint?: string;
  /** Every problem found, printed as a list under the message (bad input is reported all at once). */
  problems?: string[];
  /** Data for callers that react to the failure (a Grafana answer's status and body, say). */
  detail?: Detail;
}

/** The one error type of the toolkit: kind, message, hint and exit code. */
export class ToolkitError<Detail = undefined> extends Error {
  readonly hint?: string;
  readonly problems: string[];
  readonly detail: Detail;

  constructor(
    readonly kind: FailureKind,
    readonly summary: string,
    options: FailureOptions<Detail> = {},
  ) {
    const problems = options.problems ?? [];
    super(`${summary}${options.hint ? `: ${options.hint}` : ""}${problems.map((p) => `\n  - ${p}`).join("")}`);
    this.name = "ToolkitError";
    this.hint = options.hint;
    this.problems = problems;
    this.detail = options.detail as Detail;
  }

  get exitCode(): number {
    return EXIT[this.kind];
  }
}

/** Bad input or configuration: reported with every problem, nothing changed (exit 2). */
export const badInput = (message: string, problems: string[] = []) => new ToolkitError("badInput", message, { problems });

/** A service the command needs did not answer (exit 3); the message or hint says what to start. */
export const unreachable = (message: string, hint?: string) => new ToolkitError("unreachable", message, { hint });

/** A check ran and found something wrong (exit 1, no stack trace: it is not a bug). */
export const checkFailed = (message: string) => new ToolkitError("checkFailed", message);

/** True when `error` is a ToolkitError of this kind. */
export function isFailure(error: unknown, kind: FailureKind): error is ToolkitError<unknown> {
  return error instanceof ToolkitError && error.kind === kind;
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

/** What kind of failure an error is: a ToolkitError says; else a library's error code; else a bug. */
export function classify(error: unknown): FailureKind | "bug" {
  if (error instanceof ToolkitError) return error.kind;
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === "string" && AUTHENTICATION_CODES.has(code)) return "badInput";
  if ((typeof code === "string" && NETWORK_CODES.has(code)) || name === "TimeoutError") return "unreachable";
  return "bug";
}

export function exitCodeFor(error: unknown): number {
  const kind = classify(error);
  return kind === "bug" ? EXIT.checkFailed : EXIT[kind];
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
  const message = `${what}: HTTP ${response.status}${body ? ` ${body}` : ""}`;
  const options = { hint: hint || undefined };
  if (response.status === 401 || response.status === 403) return new ToolkitError("badInput", message, options);
  if (response.status >= 500 || response.status === 429) return new ToolkitError("unreachable", message, options);
  return new Error(`${message}${hint ? `: ${hint}` : ""}`);
}
