// An emulated Kaluma 1.2 board as seen over its USB serial port: the REPL and the `.flash -w` YMODEM
// receiver, written from kaluma-platform.md §5 and kaluma-api.md §12 (not from our sender), with the
// program region as bytes so tests can compare what was stored. Faults can be injected per block.
import { crc16 } from './crc';

const SOH = 0x01;
const STX = 0x02;
const EOT = 0x04;
const ACK = 0x06;
const NAK = 0x15;
const CA = 0x18;
const C = 0x43;
const CTRL_C = 0x03;
const CTRL_D = 0x04;

/** A fault on the block with YMODEM sequence number `seq` (0 = header), `times` times (default 1). */
export interface BlockFault {
  seq: number;
  times?: number;
}

export interface KalumaDeviceFaults {
  /** Byte `index` of the packet after its start byte (1 = the inverted sequence number, 2.. = data, then CRC) is lost on the way in. */
  dropByte?: (BlockFault & { index: number })[];
  /** The device's answer to the block is lost on the way out (the block itself was taken). */
  dropAnswer?: BlockFault[];
  /** The block is taken for a CRC error (answered `C`, not stored). */
  badCrc?: BlockFault[];
  /** The block is answered NAK (not stored). */
  nak?: BlockFault[];
  /** The block is acknowledged but stored with its first byte flipped (a failing flash write). */
  corruptStore?: BlockFault[];
  /** At this block the device gives up: CA CA, then `Failed to receive`. */
  abortAt?: BlockFault[];
  /** When this block arrives the device stops answering anything, for good. */
  stallAt?: number;
  /** The device never answers at all. */
  silent?: boolean;
  /** What `.flash -t` reports instead of the real region size. */
  reportedAreaSize?: number;
}

export interface KalumaDeviceOptions {
  /** Firmware version in the `.hi` banner. */
  version?: string;
  /** Program region size in bytes (pico/pico-w: 512 KB). */
  regionSize?: number;
  /** Time to erase the program region (real boards: 10 s or more). */
  eraseMs?: number;
  /** The receiver's second: `C` interval and packet timeout. */
  tickMs?: number;
  /** Consecutive bad packets tolerated once a session began; one more aborts it (CA CA). */
  maxErrors?: number;
  /** Interval of a chatty program's output lines. */
  chatterMs?: number;
  echo?: boolean;
  /** What runs when the port opens: nothing, a program that prints, or JS in a busy loop (only Ctrl+C gets through). */
  running?: 'idle' | 'chatty' | 'busy';
  /** Program stored at start (without its NUL). */
  program?: Uint8Array;
  faults?: KalumaDeviceFaults;
}

type Mode = 'repl' | 'busy' | 'ymodem' | 'working' | 'stalled';

interface Receiver {
  phase: 'start' | 'body' | 'ca';
  expected: number;
  begun: boolean;
  errors: number;
  size: number | null;
  cursor: number;
  body: Uint8Array;
  filled: number;
}

export class KalumaDevice {
  /** The program region; 0xFF = erased. */
  readonly region: Uint8Array;
  /** What happened, in order: 'reset', 'load', 'erase', 'header usercode 1234', 'fault nak 3', 'ymodem Done', ... */
  readonly events: string[] = [];

  private readonly o: Required<Omit<KalumaDeviceOptions, 'program' | 'faults'>>;
  private readonly faults: KalumaDeviceFaults;
  private readonly used = new Map<object, number>();
  private mode: Mode;
  private echo: boolean;
  private line = '';
  private queue: number[] = [];
  private rx: Receiver | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chatter: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(
    private readonly send: (bytes: Uint8Array) => void,
    options: KalumaDeviceOptions = {},
  ) {
    this.o = {
      version: options.version ?? '1.2.1',
      regionSize: options.regionSize ?? 512 * 1024,
      eraseMs: options.eraseMs ?? 10000,
      tickMs: options.tickMs ?? 1000,
      maxErrors: options.maxErrors ?? 5,
      chatterMs: options.chatterMs ?? 100,
      echo: options.echo ?? true,
      running: options.running ?? 'idle',
    };
    this.faults = options.faults ?? {};
    this.echo = this.o.echo;
    this.region = new Uint8Array(this.o.regionSize).fill(0xff);
    if (options.program) {
      this.region.set(options.program);
      this.region[options.program.length] = 0;
    }
    this.mode = this.o.running === 'busy' ? 'busy' : 'repl';
    if (this.o.running === 'chatty') this.startChatter();
  }

  /** The stored program with its terminating NUL; empty when the region holds none. */
  storedProgram(): Uint8Array {
    const nul = this.region.indexOf(0);
    return this.region[0] === 0xff || nul < 0 ? new Uint8Array(0) : this.region.slice(0, nul + 1);
  }

  /** Bytes from the host. */
  receive(bytes: Uint8Array): void {
    if (this.closed || this.faults.silent) return;
    for (let i = 0; i < bytes.length; i++) {
      if (this.mode === 'stalled') return;
      if (this.mode === 'working') {
        this.queue.push(...bytes.subarray(i));
        return;
      }
      if (this.mode === 'ymodem') this.receiverByte(bytes[i]);
      else this.replByte(bytes[i]);
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.chatter);
  }

  // ---- REPL ----

  private replByte(b: number): void {
    if (this.mode === 'busy') {
      if (b === CTRL_C) {
        this.mode = 'repl';
        this.print('Aborted\r\n');
        this.prompt();
      }
      return;
    }
    if (b === CTRL_C) this.line = '';
    else if (b === CTRL_D) {
      this.line = '';
      this.runLine('.reset');
    } else if (b === 0x0d) {
      if (this.echo) this.print('\r\n');
      const line = this.line;
      this.line = '';
      this.runLine(line);
    } else if (b === 0x08 || b === 0x7f) {
      if (this.line) {
        this.line = this.line.slice(0, -1);
        if (this.echo) this.print('\x1b[D\x1b[K');
      }
    } else if (b !== 0x0a) {
      this.line += String.fromCharCode(b);
      if (this.echo) this.send(new Uint8Array([b]));
    }
  }

  private runLine(line: string): void {
    const [cmd, arg] = line.trim().split(/ +/);
    if (!cmd) return this.prompt();
    if (!cmd.startsWith('.')) {
      this.print('undefined\r\n'); // the emulator evaluates no JS
      return this.prompt();
    }
    switch (cmd) {
      case '.hi':
        this.print(`Welcome to Kaluma v${this.o.version}\r\nhttps://kalumajs.org\r\nType '.help' for more info.\r\n`);
        break;
      case '.echo':
        if (arg === 'on' || arg === 'off') this.echo = arg === 'on';
        break;
      case '.reset':
        this.events.push('reset');
        clearInterval(this.chatter);
        this.print('soft reset\r\n');
        break;
      case '.load':
        // Cleanup drops the running program's timers, then the stored program runs (not emulated).
        this.events.push('load');
        clearInterval(this.chatter);
        break;
      case '.mem':
        this.print('total: 184320, occupied: 4096, peak: 8192\r\n');
        break;
      case '.gc':
        break;
      case '.help':
        this.print('.echo\tEcho on/off.\r\n.reset\tSoft reset.\r\n.load\tLoad and run the program.\r\n.flash\tFlash program.\r\n.mem\tHeap memory status.\r\n.gc\tGarbage collection.\r\n.hi\tBanner.\r\n');
        break;
      case '.flash':
        return this.flashCommand(arg);
      default:
        this.print(`Unknown command: ${cmd}\r\n`);
    }
    this.prompt();
  }

  private flashCommand(arg: string | undefined): void {
    switch (arg) {
      case '-w':
        return this.startReceiver();
      case '-e':
        return this.work(this.o.eraseMs, 'repl', () => {
          this.region.fill(0xff);
          this.events.push('erase');
          this.prompt();
        });
      case '-t':
        this.print(`${this.faults.reportedAreaSize ?? this.o.regionSize}\r\n`);
        break;
      case '-s':
        this.print(`${this.programSize()}\r\n`);
        break;
      case '-r': {
        const text = Buffer.from(this.region.subarray(0, this.programSize())).toString('latin1');
        this.print(text.replace(/\n/g, '\r\n') + '\r\n');
        break;
      }
      default:
        this.print('.flash options: -w write (YMODEM), -e erase, -t area size, -s program size, -r read\r\n');
    }
    this.prompt();
  }

  private programSize(): number {
    if (this.region[0] === 0xff) return 0;
    const nul = this.region.indexOf(0);
    return nul < 0 ? this.region.length : nul;
  }

  private prompt(): void {
    this.print('> ');
  }

  private startChatter(): void {
    let n = 0;
    this.chatter = setInterval(() => {
      if (this.mode === 'repl') this.print(`tick ${++n}\r\n`);
    }, this.o.chatterMs);
  }

  // ---- YMODEM receiver ----

  private startReceiver(): void {
    this.mode = 'ymodem';
    this.rx = { phase: 'start', expected: 0, begun: false, errors: 0, size: null, cursor: 0, body: new Uint8Array(0), filled: 0 };
    this.armTimer();
  }

  /** Nothing (or not a whole packet) within one tick counts as a bad packet. */
  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.mode !== 'ymodem' || !this.rx) return;
      this.rx.phase = 'start';
      this.badPacket();
    }, this.o.tickMs);
  }

  private badPacket(): void {
    const rx = this.rx!;
    if (rx.begun) rx.errors++;
    if (rx.errors > this.o.maxErrors) {
      this.send(new Uint8Array([CA, CA]));
      return this.endSession('Failed to receive');
    }
    this.send(new Uint8Array([C]));
    this.armTimer();
  }

  private receiverByte(b: number): void {
    const rx = this.rx!;
    if (rx.phase === 'body') {
      const drop = this.faults.dropByte?.find((f) => f.index === rx.filled && rx.filled >= 1 && rx.body[0] === f.seq && this.available(f));
      if (drop) return this.use(drop, 'dropByte');
      rx.body[rx.filled++] = b;
      if (rx.filled === rx.body.length) {
        clearTimeout(this.timer);
        rx.phase = 'start';
        this.packet(rx.body.subarray(2, rx.body.length - 2), rx.body[0], rx.body[1], (rx.body[rx.body.length - 2] << 8) | rx.body[rx.body.length - 1]);
      }
      return;
    }
    if (rx.phase === 'ca') {
      rx.phase = 'start';
      if (b === CA) {
        this.send(new Uint8Array([ACK]));
        return this.endSession('Aborted');
      }
      return this.badPacket();
    }
    clearTimeout(this.timer);
    if (b === SOH || b === STX) {
      rx.phase = 'body';
      rx.body = new Uint8Array((b === SOH ? 128 : 1024) + 4);
      rx.filled = 0;
      this.armTimer();
    } else if (b === EOT) {
      this.send(new Uint8Array([ACK]));
      rx.expected = 0; // the next header ends the session (or starts another file)
      this.armTimer();
    } else if (b === CA) {
      rx.phase = 'ca';
      this.armTimer();
    } else if (b === 0x41 || b === 0x61) {
      this.send(new Uint8Array([CA, CA]));
      this.endSession('Aborted');
    } else this.badPacket();
  }

  private packet(data: Uint8Array, seq: number, notSeq: number, crc: number): void {
    const rx = this.rx!;
    if (this.faults.stallAt === seq) {
      this.mode = 'stalled';
      this.events.push(`stalled at block ${seq}`);
      return;
    }
    if ((seq ^ notSeq) !== 0xff || crc16(data) !== crc || this.take('badCrc', seq)) return this.badPacket();
    rx.errors = 0;
    if (this.take('nak', seq) || seq !== (rx.expected & 0xff)) {
      this.send(new Uint8Array([NAK]));
      return this.armTimer();
    }
    if (rx.expected === 0) {
      if (data[0] === 0) {
        this.answer(seq, [ACK]);
        if (rx.size !== null && rx.size < this.region.length) this.region[rx.size] = 0; // the terminating NUL
        return this.endSession('Done');
      }
      const text = Buffer.from(data).toString('latin1');
      const name = text.slice(0, text.indexOf('\0'));
      const size = parseInt(text.slice(name.length + 1), 10);
      this.events.push(`header ${name} ${size}`);
      rx.begun = true;
      rx.expected = 1;
      rx.size = Number.isFinite(size) ? size : 0;
      rx.cursor = 0;
      return this.work(this.o.eraseMs, 'ymodem', () => {
        this.region.fill(0xff);
        this.answer(seq, [ACK, C]);
        this.armTimer();
      });
    }
    if (this.take('abortAt', seq)) {
      this.send(new Uint8Array([CA, CA]));
      return this.endSession('Failed to receive');
    }
    if (rx.cursor + data.length > this.region.length) {
      this.send(new Uint8Array([CA, CA]));
      return this.endSession('Verification failed');
    }
    this.region.set(data, rx.cursor);
    if (this.take('corruptStore', seq)) this.region[rx.cursor] ^= 0x01;
    rx.cursor += data.length;
    rx.expected++;
    this.answer(seq, [ACK]);
    this.armTimer();
  }

  private answer(seq: number, bytes: number[]): void {
    if (!this.take('dropAnswer', seq)) this.send(new Uint8Array(bytes));
  }

  private endSession(message: string): void {
    clearTimeout(this.timer);
    this.rx = null;
    this.mode = 'repl';
    this.events.push(`ymodem ${message}`);
    this.print(`${message}\r\n`);
    this.prompt();
  }

  // ---- helpers ----

  /** Busy for `ms` (flash erase): input waits in the USB buffer, then is handled in `next` mode. */
  private work(ms: number, next: Mode, done: () => void): void {
    this.mode = 'working';
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.mode = next;
      done();
      const queued = this.queue;
      this.queue = [];
      if (queued.length) this.receive(new Uint8Array(queued));
    }, ms);
  }

  private take(kind: 'dropAnswer' | 'badCrc' | 'nak' | 'abortAt' | 'corruptStore', seq: number): boolean {
    const f = this.faults[kind]?.find((x) => x.seq === seq && this.available(x));
    if (f) this.use(f, kind);
    return !!f;
  }

  private available(f: BlockFault): boolean {
    return (this.used.get(f) ?? 0) < (f.times ?? 1);
  }

  private use(f: BlockFault, kind: string): void {
    this.used.set(f, (this.used.get(f) ?? 0) + 1);
    this.events.push(`fault ${kind} ${f.seq}`);
  }

  private print(text: string): void {
    if (!this.closed) this.send(Buffer.from(text, 'latin1'));
  }
}
