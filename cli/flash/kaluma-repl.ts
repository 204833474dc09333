// Drives Kaluma's REPL (kaluma-platform.md §5, kaluma-api.md §12): prompt `> `, lines end with `\r`,
// output lines with `\r\n`, echo on by default (never relied on either way).
import { UserError } from '../util/errors';
import { SerialTimeoutError, type SerialLink } from './serial-link';

const CTRL_C = '\x03';
const CA_CA = '\x18\x18';

export interface ReplTimeouts {
  /** An answer to a dot-command. */
  replyMs: number;
  /** `.flash -e`: erasing the program region takes 10 s or more. */
  eraseMs: number;
}

export class KalumaRepl {
  constructor(
    private readonly link: SerialLink,
    private readonly timeouts: ReplTimeouts,
    private readonly attempts = 3,
  ) {}

  /**
   * Bring the board to an idle prompt: end a YMODEM session left open (CA CA), abort running JS
   * (Ctrl+C), drop the rest of the line, then `.reset` so a running program's output and timers stop.
   */
  async interrupt(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.link.discard();
      await this.link.write(CA_CA);
      await delay(20);
      await this.link.write(CTRL_C + '\r');
      await delay(20);
      this.link.discard();
      await this.link.write('.reset\r');
      try {
        await this.link.expect(/soft reset[^]*?> /, this.timeouts.replyMs, 'answer to .reset');
        return;
      } catch (e) {
        if (!(e instanceof SerialTimeoutError) || attempt >= this.attempts) throw noAnswer(this.link.path, '.reset', e);
      }
    }
  }

  /** The firmware version from the `.hi` banner (`Welcome to Kaluma v1.2.1`). */
  async version(): Promise<string> {
    const m = await this.ask('.hi', /Welcome to Kaluma v(\d+\.\d+\.\d+[\w.+-]*)/, 'Kaluma banner');
    return m[1];
  }

  /** Size of the program region (`.flash -t`). */
  async areaSize(): Promise<number> {
    return Number((await this.ask('.flash -t', /(\d+)\r?\n/, 'program area size'))[1]);
  }

  /** Size of the stored program (`.flash -s`): its bytes before the terminating NUL. */
  async programSize(): Promise<number> {
    return Number((await this.ask('.flash -s', /(\d+)\r?\n/, 'program size'))[1]);
  }

  /** Send `.flash -w`; the board's YMODEM receiver takes over the port. */
  async startWrite(): Promise<void> {
    this.link.discard();
    await this.link.write('.flash -w\r');
  }

  /** Erase the program region (`.flash -e`) and wait for the prompt. */
  async erase(): Promise<void> {
    this.link.discard();
    await this.link.write('.flash -e\r');
    try {
      await this.link.expect(/> $/, this.timeouts.eraseMs, 'prompt after .flash -e');
    } catch (e) {
      throw noAnswer(this.link.path, '.flash -e', e);
    }
  }

  /**
   * `.flash -r` dumps the stored program (newlines may come as `\r\n`). True when it reads back equal to
   * `program`; false when the dump ends (the prompt follows) with other bytes.
   */
  async readsBack(program: Uint8Array, timeoutMs: number): Promise<boolean> {
    const text = Buffer.from(program).toString('latin1');
    const forms = [text, text.replace(/\r?\n/g, '\r\n')];
    this.link.discard();
    await this.link.write('.flash -r\r');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const size = this.link.peek().length;
      if (size >= text.length + 4) {
        const got = this.link.peek().toString('latin1');
        if (forms.some((f) => got.includes(f + '\r\n> '))) {
          this.link.discard();
          return true;
        }
        // Dump and prompt are there, nothing more comes, and the dump differs.
        if (/\r?\n> $/.test(got) && !(await this.link.waitForLength(size + 1, 200))) {
          this.link.discard();
          return false;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.link.waitForLength(this.link.peek().length + 1, left))) {
        throw new UserError(`${this.link.path}: the read-back (.flash -r) did not finish within ${timeoutMs} ms`);
      }
    }
  }

  /** Restart the board's JS runtime and run the stored program. */
  async load(): Promise<void> {
    await this.link.write('.load\r');
  }

  private async ask(command: string, answer: RegExp, what: string): Promise<RegExpExecArray> {
    for (let attempt = 1; ; attempt++) {
      this.link.discard();
      await this.link.write(command + '\r');
      try {
        const m = await this.link.expect(answer, this.timeouts.replyMs, what);
        await this.link.expect(/> /, this.timeouts.replyMs, 'prompt');
        return m;
      } catch (e) {
        if (!(e instanceof SerialTimeoutError) || attempt >= this.attempts) throw noAnswer(this.link.path, command, e);
      }
    }
  }
}

function noAnswer(path: string, command: string, e: unknown): Error {
  if (!(e instanceof SerialTimeoutError)) return e as Error;
  return new UserError(
    `${path}: the board does not answer ${command} (${e.message.replace(`${path}: `, '')}). ` +
      'Is it a Kaluma board? Unplug and replug it; if the REPL stays silent, hold BOOTSEL while plugging it in and reinstall the Kaluma firmware.',
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
