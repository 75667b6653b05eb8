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
    // With a list, the hint follows it (what to do about all of them); alone, it follows the summary.
    const list = problems.map((p) => `\n  - ${p}`).join("");
    super(problems.length ? `${summary.replace(/:$/, "")}:${list}${options.hint ? `\n${options.hint}` : ""}` : `${summary}${options.hint ? `: ${options.hint}` : ""}`);
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

// The network failures in the toolkit's words; the library's own text goes underneath.
const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: "the connection was refused: nothing listens there",
  ECONNRESET: "the connection was reset",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "no route to the host",
  ENETUNREACH: "the network is unreachable",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name could not be resolved just now",
};

/** Why a connection failed, in the toolkit's words, and the library's own text to print underneath (a
 *  library's wording, such as Bun's "Is the computer able to access the url?", never stands alone). */
export function networkCause(error: unknown): { cause: string; original: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const original = typeof message === "string" ? message : String(error);
  return { cause: (typeof code === "string" && NETWORK_WORDS[code]) || original, original };
}

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

/** A failure as the one JSON object a command run with --json prints: what the message says, the exit
 *  code, and for an expected failure its hint and every problem found. */
export function failureJson(error: unknown): { ok: false; error: string; exitCode: number; hint?: string; problems?: string[] } {
  const exitCode = exitCodeFor(error);
  if (error instanceof ToolkitError) {
    return { ok: false, error: error.summary, exitCode, ...(error.hint ? { hint: error.hint } : {}), ...(error.problems.length ? { problems: error.problems } : {}) };
  }
  return { ok: false, error: error instanceof Error ? error.message : String(error), exitCode };
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

/** " (did you mean X?)" when one candidate is close to what was typed (a few letters off, or the start
 *  of only one: `--dry` for `--dry-run`), else "". For option, command, fault and setting names alike. */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const key = (s: string) => s.replace(/^-+/, "").replace(/[-_]/g, "").toLowerCase();
  const started = key(typed).length >= 2 ? candidates.filter((candidate) => key(candidate).startsWith(key(typed))) : [];
  if (started.length === 1) return ` (did you mean ${started[0]}?)`;
  const best = nearest(typed, candidates, Math.max(2, Math.floor(key(typed).length / 3)), key);
  return best !== undefined ? ` (did you mean ${best}?)` : "";
}

/** The candidate nearest to `typed` when at most `most` edits away (a letter added, dropped or changed),
 *  the two compared as `key` gives them; the first of equally near ones. */
export function nearest(typed: string, candidates: readonly string[], most: number, key = (s: string) => s): string | undefined {
  let best: string | undefined;
  let bestDistance = most + 1;
  for (const candidate of candidates) {
    const distance = editDistance(key(typed), key(candidate));
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
