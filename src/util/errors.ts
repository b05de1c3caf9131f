/** Bad input from the user: printed as one line, exit code 2, never a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A check that failed (verify, report --check): exit code 1. */
export class CheckFailed extends Error {
  override readonly name = 'CheckFailed';
}
