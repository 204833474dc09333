/** An error meant for the user: the CLI prints its message as one line and exits non-zero. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UserError';
  }
}
