// Put a program on a Kaluma board over USB serial: REPL -> version lock -> YMODEM -> verify -> .load.
import type { StampInfo } from '../image/stamp';
import { UserError } from '../util/errors';
import { KalumaRepl } from './kaluma-repl';
import { checkProgram } from './program-file';
import { SerialLink } from './serial-link';
import { flashTimeouts, type FlashTimeouts } from './timeouts';
import { checkEngineLock } from './version-lock';
import { sendYmodem, YmodemError } from './ymodem-sender';

export interface FlashOptions {
  port: string;
  program: Uint8Array;
  stamp: StampInfo | null;
  /** Names the program in messages (a file path). */
  where: string;
  /** Flash even when the program's engine profile differs from the board's. */
  force?: boolean;
  /** Send `.load` afterwards (default true). */
  load?: boolean;
  /** Compare a read-back (`.flash -r`) with the program (default true); the size is checked always. */
  verify?: boolean;
  timeouts?: Partial<FlashTimeouts>;
  /** Attempts per YMODEM packet (default 10). */
  maxRetries?: number;
  /** Whole YMODEM sessions tried before giving up (default 2). */
  sessions?: number;
  log?: (line: string) => void;
  onProgress?: (sent: number, total: number) => void;
}

export interface FlashReport {
  port: string;
  kalumaVersion: string;
  bytes: number;
  blocks: number;
  resends: number;
  sessions: number;
  /** Time of the successful YMODEM session. */
  transferMs: number;
  readBack: boolean;
  loaded: boolean;
}

export const RECOVERY_HINT =
  'To recover: unplug and replug the board, then flash again; `kaluma-net erase` clears a half-written program. ' +
  'If the REPL does not answer, hold BOOTSEL while plugging the board in and reinstall the Kaluma firmware (or use `kaluma-net flash --uf2`).';

export async function flashProgram(o: FlashOptions): Promise<FlashReport> {
  checkProgram(o.program, o.where);
  const t = flashTimeouts(o.timeouts);
  const log = o.log ?? (() => undefined);
  const sessions = o.sessions ?? 2;
  const link = await SerialLink.open(o.port);
  try {
    const repl = new KalumaRepl(link, t);
    await repl.sync();
    const kalumaVersion = await repl.version();
    for (const warning of checkEngineLock(kalumaVersion, o.stamp, o.where, !!o.force)) log(`warning: ${warning}`);
    const area = await repl.areaSize();
    if (o.program.length + 1 > area) {
      throw new UserError(`${o.where}: the program has ${o.program.length} bytes; with its NUL terminator it does not fit the board's ${area}-byte program region`);
    }

    let result: { blocks: number; resends: number } | undefined;
    let transferMs = 0;
    let session = 1;
    for (; ; session++) {
      await repl.startWrite();
      const started = Date.now();
      try {
        result = await sendYmodem(link, {
          name: 'usercode',
          data: o.program,
          timeouts: t,
          maxRetries: o.maxRetries ?? 10,
          headerFirst: true,
          onProgress: o.onProgress,
        });
        transferMs = Date.now() - started;
        await repl.endWrite();
        break;
      } catch (e) {
        if (!(e instanceof YmodemError)) throw e;
        if (!e.retryable || session >= sessions) {
          // Leave no receiver open (Kaluma's never gives up by itself): the board stays usable.
          await repl.sync().catch(() => undefined);
          throw new UserError(`${o.port}: flashing ${o.where} failed: ${e.message}. The program on the board is incomplete. ${RECOVERY_HINT}`);
        }
        log(`transfer failed (${e.message}); starting a new session`);
        await repl.sync().catch(() => {
          throw new UserError(`${o.port}: flashing ${o.where} failed: ${e.message}; then the board stopped answering its REPL. ${RECOVERY_HINT}`);
        });
      }
    }

    const stored = await repl.programSize();
    if (stored !== o.program.length) {
      throw new UserError(`${o.port}: verification failed: the board holds a ${stored}-byte program, ${o.where} has ${o.program.length} bytes. ${RECOVERY_HINT}`);
    }
    const readBack = o.verify ?? true;
    // The dump is the program once more over USB (~1 MB/s on a board); the bound is generous.
    if (readBack && !(await repl.readsBack(o.program, t.replyMs + (t.replyMs * o.program.length) / 4096))) {
      throw new UserError(`${o.port}: verification failed: the program read back from the board (.flash -r) differs from ${o.where} (use --no-verify to skip the read-back). ${RECOVERY_HINT}`);
    }
    const loaded = o.load ?? true;
    if (loaded) await repl.load();
    return { port: o.port, kalumaVersion, bytes: o.program.length, blocks: result.blocks, resends: result.resends, sessions: session, transferMs, readBack, loaded };
  } finally {
    await link.close();
  }
}
