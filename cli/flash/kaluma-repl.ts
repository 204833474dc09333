// Drives Kaluma 1.2.1's REPL as its firmware really behaves (src/repl.c, targets/rp2/src/tty.c):
// - every typed byte is echoed; after a line the board prints its output, then the prompt
//   `ESC[0m \r ESC7 > <line buffer> ESC[H ESC[900C ESC[6n ESC8 ESC[2C` (with echo off: `ESC[0m` only);
// - Ctrl+C is caught by the USB layer: it stops running JavaScript and drops every byte of its USB
//   packet (and any not yet read), but the REPL's line buffer keeps what was typed before it;
// - bytes that are not a command or JavaScript stay in the line buffer and are prepended to the
//   next line, so nothing is sent before the board is known to sit at an empty line.
import { UserError } from '../util/errors';
import { SerialTimeoutError, type SerialLink } from './serial-link';

const CA_CA = '\x18\x18';
const CTRL_C = '\x03';
/**
 * Empties the line buffer without running it: `~` ends an escape sequence left half-typed (and is
 * otherwise typed), Ctrl+E and one backspace make room in a full buffer, Ctrl+A and CAN put a
 * character no JavaScript may start with in front, and Enter evaluates it: a SyntaxError, nothing runs.
 */
const CLEAR_LINE = '~\x05\x7f\x01\x18\r';
const PROMPT_TAIL = '\x1b[H\x1b[900C\x1b[6n\x1b8\x1b[2C';
const EMPTY_PROMPT = `\x1b[0m\r\x1b7> ${PROMPT_TAIL}`;
/** `.reset`, then a line that only the attempt at hand typed: an answer that came late for an earlier
 *  attempt cannot be taken for this one's. */
const synced = (nonce: string) => `\r\nsoft reset\r\n${EMPTY_PROMPT}.echo on ${nonce}\r\n${EMPTY_PROMPT}`;
const TRANSFER_START = "Transfer a file via YMODEM... (press 'a' to abort)\r\n";

export interface ReplTimeouts {
  /** An answer to a short command. */
  replyMs: number;
  /** `.flash -e`: erasing the 512 KB program region takes ~1.2 s, up to 16 s on a slow chip. */
  eraseMs: number;
  /** The pause between the Ctrl+C packet and the next bytes, so the two never share a USB packet. */
  gapMs: number;
}

export class KalumaRepl {
  constructor(
    private readonly link: SerialLink,
    private readonly timeouts: ReplTimeouts,
    private readonly attempts = 3,
  ) {}

  /**
   * Bring the board to an idle REPL with an empty line, echo on and no program running, from any
   * state: a YMODEM receiver left open (CA CA ends it), JavaScript in a loop (Ctrl+C), a half-typed
   * line or escape sequence (CLEAR_LINE), a program printing from timers (`.reset`). Proven by the
   * `.reset` answer and a line of this attempt's own, each followed by a prompt with an empty line.
   */
  async sync(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.link.discard();
      await this.link.write(CA_CA + CTRL_C);
      await delay(this.timeouts.gapMs);
      const nonce = `${attempt}${Math.random().toString(36).slice(2, 8)}`;
      await this.link.write(`${CLEAR_LINE}.echo on\r.reset\r.echo on ${nonce}\r`);
      try {
        // An open receiver prints "Aborted" after a 500 ms pause, well within replyMs.
        await this.link.expect(literal(synced(nonce)), this.timeouts.replyMs, 'answer to .reset');
        this.link.discard();
        return;
      } catch (e) {
        if (!(e instanceof SerialTimeoutError) || attempt >= this.attempts) throw noAnswer(this.link.path, '.reset', e);
      }
    }
  }

  /** The firmware version from the `.hi` banner (`Welcome to Kaluma v1.2.1`). */
  async version(): Promise<string> {
    const out = await this.command('.hi', this.timeouts.replyMs);
    const m = /Welcome to Kaluma v(\d+\.\d+\.\d+[\w.+-]*)\r\n/.exec(out);
    if (!m) throw new UserError(`${this.link.path}: the board's .hi banner names no Kaluma version (got ${JSON.stringify(out.slice(0, 120))})`);
    return m[1];
  }

  /** Size of the program region (`.flash -t`). */
  async areaSize(): Promise<number> {
    return this.number('.flash -t');
  }

  /** Size of the stored program (`.flash -s`): its bytes before the terminating NUL. */
  async programSize(): Promise<number> {
    return this.number('.flash -s');
  }

  /** Erase the program region (`.flash -e`). */
  async erase(): Promise<void> {
    const out = await this.command('.flash -e', this.timeouts.eraseMs);
    if (out !== 'Flash has erased\r\n') throw new UserError(`${this.link.path}: unexpected answer to .flash -e: ${JSON.stringify(out)}`);
  }

  /** `.flash -w`: once the board announces its receiver, YMODEM owns the port. */
  async startWrite(): Promise<void> {
    await this.send('.flash -w', TRANSFER_START, this.timeouts.replyMs);
  }

  /** After the receiver's last message ("Done", consumed by the sender): the prompt follows. */
  async endWrite(): Promise<void> {
    try {
      await this.link.expect(literal(`\r\n${EMPTY_PROMPT}`), this.timeouts.replyMs, 'prompt after the transfer');
    } catch (e) {
      throw noAnswer(this.link.path, '.flash -w', e);
    }
  }

  /**
   * `.flash -r` prints the stored program with every `\n` sent as `\r\n`, then `\r\n`. True when that
   * is exactly `program`; false when the dump differs.
   */
  async readsBack(program: Uint8Array, timeoutMs: number): Promise<boolean> {
    const dump = Buffer.from(program).toString('latin1').replace(/\n/g, '\r\n');
    const expected = `.flash -r\r\n${dump}\r\n${EMPTY_PROMPT}`;
    this.link.discard();
    await this.link.write('.flash -r\r');
    // Compared once the answer is as long as the expected one: a regex over a growing dump is quadratic.
    if (!(await this.link.waitForLength(expected.length, timeoutMs))) {
      const got = this.link.peek().length;
      throw new UserError(`${this.link.path}: the read-back (.flash -r) did not finish within ${timeoutMs} ms (${got} of ${expected.length} bytes)`);
    }
    const got = this.link.peek().subarray(0, expected.length).toString('latin1');
    if (got === expected) {
      this.link.discard();
      return true;
    }
    // Let a longer dump finish so that the REPL is idle again.
    await this.link.expect(literal(EMPTY_PROMPT), this.timeouts.replyMs, 'prompt after .flash -r').catch(() => undefined);
    this.link.discard();
    return false;
  }

  /** `.load`: restart the JS runtime and run the stored program; returns once the board has the line. */
  async load(): Promise<void> {
    await this.send('.load', '', this.timeouts.replyMs);
  }

  /** Type `line`, wait for its echo and the board's answer up to the next prompt; the answer. */
  async command(line: string, timeoutMs: number): Promise<string> {
    this.link.discard();
    await this.link.write(line + '\r');
    try {
      const m = await this.link.expect(new RegExp(`${escape(line)}\r\n([^]*?)${escape(EMPTY_PROMPT)}`), timeoutMs, `answer to ${line}`);
      return m[1];
    } catch (e) {
      throw noAnswer(this.link.path, line, e);
    }
  }

  private async send(line: string, answer: string, timeoutMs: number): Promise<void> {
    this.link.discard();
    await this.link.write(line + '\r');
    try {
      await this.link.expect(literal(`${line}\r\n${answer}`), timeoutMs, `answer to ${line}`);
    } catch (e) {
      throw noAnswer(this.link.path, line, e);
    }
  }

  private async number(command: string): Promise<number> {
    const out = await this.command(command, this.timeouts.replyMs);
    const m = /^(\d+)\r\n$/.exec(out);
    if (!m) throw new UserError(`${this.link.path}: unexpected answer to ${command}: ${JSON.stringify(out)}`);
    return Number(m[1]);
  }
}

function noAnswer(path: string, command: string, e: unknown): Error {
  if (!(e instanceof SerialTimeoutError)) return e as Error;
  return new UserError(
    `${path}: the board does not answer ${command} (${e.message.replace(`${path}: `, '')}). ` +
      'Is it a Kaluma board? Unplug and replug it; if the REPL stays silent, hold BOOTSEL while plugging it in and reinstall the Kaluma firmware.',
  );
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function literal(text: string): RegExp {
  return new RegExp(escape(text));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
