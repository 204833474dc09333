/** A snapshot (or snapshot container) whose bytes do not follow the format. */
export class SnapshotFormatError extends Error {
  constructor(
    message: string,
    /** File offset the problem was found at, when there is one. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset}, 0x${offset.toString(16)})`);
    this.name = 'SnapshotFormatError';
  }
}

export const hex = (n: number, width = 0): string => `0x${n.toString(16).padStart(width, '0')}`;
