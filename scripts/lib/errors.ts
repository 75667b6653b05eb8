// Exit codes shared by every command; README and each command's --help list them.
export const EXIT = {
  ok: 0,
  checkFailed: 1,
  badInput: 2,
  unreachable: 3,
} as const;

export const EXIT_CODES_HELP =
  "Exit codes: 0 ok, 1 a check failed, 2 bad input or config, 3 a dependency unreachable.";

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

/** A check ran and found something wrong (exit 1). */
export class CheckFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailedError";
  }
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof BadInputError) return EXIT.badInput;
  if (error instanceof UnreachableError) return EXIT.unreachable;
  return EXIT.checkFailed;
}
