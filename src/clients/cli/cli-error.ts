/** The CLI's exit codes, and the error that carries one. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, NOT_RUNNING: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILURE,
  ) {
    super(message);
  }
}
