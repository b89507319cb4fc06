/**
 * The one error type Shipyard throws on purpose. `code` is stable and machine-readable (tests and `--json`
 * output rely on it); `message` is the one line a person reads. Anything else that escapes is a bug.
 */
export type ErrorCode =
  | "INVALID_ANSWER"
  | "MISSING_ANSWER"
  | "UNKNOWN_TEMPLATE"
  | "ALREADY_EXISTS"
  | "NAME_CLASH"
  | "NOT_A_SHIPYARD_REPO"
  | "UNKNOWN_PACKAGE"
  | "UNKNOWN_PACKAGE_MANAGER"
  | "DIRTY_FILES"
  | "TARGET_NOT_EMPTY"
  | "TARGET_NOT_WRITABLE"
  | "TARGET_NOT_A_DIRECTORY"
  | "TEMPLATE_ERROR"
  | "INSTALL_FAILED"
  | "UPGRADE_SOURCE"
  | "CYCLE"
  | "INTERRUPTED"
  | "OUTSIDE_REPO"
  | "UNREADABLE"
  | "LOCKED"
  | "BROKEN_STATE"
  | "USAGE";

export class ShipyardError extends Error {
  readonly code: ErrorCode;
  /** What to do about it, printed on a second line when present. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = "ShipyardError";
    this.code = code;
    this.hint = hint;
  }
}

/**
 * Bad input exits 2, as a usage error does: a flag, a path leading out of the repository, broken state under
 * .shipyard/, a broken template manifest. A failed operation (a clash, dirty files, a failed install) exits 1.
 */
const BAD_INPUT = new Set<ErrorCode>(["USAGE", "UNKNOWN_PACKAGE_MANAGER", "OUTSIDE_REPO", "BROKEN_STATE", "TEMPLATE_ERROR"]);

export function exitCodeOf(code: ErrorCode): 1 | 2 {
  return BAD_INPUT.has(code) ? 2 : 1;
}
