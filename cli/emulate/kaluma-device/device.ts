// An emulated Kaluma 1.2.1 board as seen over its USB serial port, written from the firmware's source
// (src/repl.c, src/ymodem.c, src/prog.c, targets/rp2/src/tty.c, TinyUSB's CDC class) and checked
// against bytes captured from the real firmware (test/flash/data/). Every byte it prints is the
// firmware's; what it cannot do is run JavaScript (see `evaluate` and the program behaviours).
//
// The input path is the board's: host bytes arrive in USB packets of up to 64 bytes, enter TinyUSB's
// 256-byte CDC FIFO only while it has room for a whole packet (else they wait on the host), and a
// packet holding Ctrl+C (outside YMODEM) makes the firmware stop the VM and FLUSH that FIFO, so the
// bytes that came with it are lost. The main loop moves the FIFO into the tty ring buffer and hands
// everything there to the REPL at once; a command that blocks (YMODEM, erase, a busy program) holds
// the rest of that chunk until it returns.
//
// Not emulated: JavaScript (a REPL line prints `undefined` unless `evaluate` says otherwise, except a
// character the lexer rejects), the fs module's dot-commands (listed by `.help`, doing nothing), real
// `.mem` figures, and the 2048-byte ring buffer's overwrite when more is queued than it holds (our
// sender never has more than one packet in flight).
import { LineEditor, COLOR_ERROR, COLOR_NORMAL } from './line-editor';
import { RESULT_TEXT, receiveYmodem, type FaultKind } from './ymodem-receiver';

const CTRL_C = 0x03;
const USB_PACKET = 64; // CFG_TUD_CDC_EP_BUFSIZE
const CDC_FIFO = 256; // CFG_TUD_CDC_RX_BUFSIZE

/** A fault on the block with YMODEM sequence number `seq` (0 = header), `times` times (default 1). */
export interface BlockFault {
  seq: number;
  times?: number;
}

export interface KalumaDeviceFaults {
  /** Byte `index` of the packet after its start byte (0 = the sequence number, 2.. = data, then CRC) is lost on the way in. */
  dropByte?: (BlockFault & { index: number })[];
  /** The device's answer to the block is lost on the way out (the block itself was taken). */
  dropAnswer?: BlockFault[];
  /** The block is taken for a CRC error (answered `C`, not stored). */
  badCrc?: BlockFault[];
  /** The block is answered NAK (not stored). */
  nak?: BlockFault[];
  /** The block is acknowledged but stored with its first byte flipped (a flash write that silently fails). */
  corruptStore?: BlockFault[];
  /** Writing the block fails (packet_cb < 0): CA CA, then `Verification failed`. */
  writeFails?: BlockFault[];
  /** When this block arrives the device stops answering anything, for good. */
  stallAt?: number;
  /** The device never answers at all. */
  silent?: boolean;
  /** What `.flash -t` reports instead of the real region size. */
  reportedAreaSize?: number;
}

/** What a program does while it runs: nothing, print a line every `chatterMs` (console.log), or
 *  loop without yielding (only Ctrl+C stops it). */
export type ProgramBehaviour = 'idle' | 'chatty' | 'busy';

export interface KalumaDeviceOptions {
  /** Firmware version in the `.hi` banner. */
  version?: string;
  /** Program region size in bytes (pico: 128 sectors of 4 KB). */
  regionSize?: number;
  /** Time to erase the program region (flash_range_erase of 512 KB: ~1.2 s typical, up to 16 s). */
  eraseMs?: number;
  /** The receiver's timeout (DOWNLOAD_TIMEOUT, 1 s): the `C` interval and the time a packet may take. */
  tickMs?: number;
  /** The pause after a YMODEM session before its message (km_delay(500)). */
  doneDelayMs?: number;
  /** Interval of a chatty program's output lines. */
  chatterMs?: number;
  echo?: boolean;
  /** What runs when the port opens. */
  running?: ProgramBehaviour;
  /** What the stored program does when `.load` starts it. */
  runs?: ProgramBehaviour;
  /** Program stored at start (without its NUL). */
  program?: Uint8Array;
  /** The output of a REPL line of JavaScript (the emulator runs none); default: `undefined`, as an
   *  expression statement without a value prints. Lines with a character the engine rejects always
   *  give the firmware's SyntaxError. */
  evaluate?: (code: string) => string;
  faults?: KalumaDeviceFaults;
}

const COMMANDS: [string, string][] = [
  ['.help', 'Print this help message'],
  ['.hi', 'Print welcome message'],
  ['.echo', 'Echo on/off'],
  ['.reset', 'Soft reset'],
  ['.flash', 'Commands for flash'],
  ['.load', 'Load code from flash'],
  ['.mem', 'Heap memory status'],
  ['.gc', 'Perform garbage collection'],
  // registered by the fs module at start-up and after every soft reset (not emulated)
  ['.ls', 'List files'],
  ['.pwd', 'Print current directory'],
  ['.cd', 'Change current directory'],
  ['.mkdir', 'Create directory'],
  ['.rm', 'Remove file or directory'],
  ['.cat', 'Print the content of file'],
];

export class KalumaDevice {
  /** The program region; 0xFF = erased. */
  readonly region: Uint8Array;
  /** What happened, in order: 'reset', 'load', 'erase', 'header usercode 1234', 'fault nak 3', 'ymodem Done', 'ctrl-c', ... */
  readonly events: string[] = [];
  /** Every line the REPL ran (commands and JavaScript), as the firmware's line buffer held it. */
  readonly lines: string[] = [];

  private readonly o: Required<Omit<KalumaDeviceOptions, 'program' | 'faults' | 'evaluate'>>;
  private readonly faults: KalumaDeviceFaults;
  private readonly used = new Map<object, number>();
  private readonly editor: LineEditor;
  private readonly hostQueue: Uint8Array[] = [];
  private cdcFifo: number[] = [];
  private ring: number[] = [];
  private usbBlocked = false;
  private ymodemState = false;
  private vmStop = false;
  private busy = false;
  private idle = false;
  private wakers: (() => void)[] = [];
  private chatter: ReturnType<typeof setInterval> | undefined;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;
  private bytesRemained = 0;
  private cursor = 0;

  constructor(
    private readonly send: (bytes: Uint8Array) => void,
    private readonly options: KalumaDeviceOptions = {},
  ) {
    this.o = {
      version: options.version ?? '1.2.1',
      regionSize: options.regionSize ?? 128 * 4096,
      eraseMs: options.eraseMs ?? 1200,
      tickMs: options.tickMs ?? 1000,
      doneDelayMs: options.doneDelayMs ?? 500,
      chatterMs: options.chatterMs ?? 100,
      echo: options.echo ?? true,
      running: options.running ?? 'idle',
      runs: options.runs ?? 'idle',
    };
    this.faults = options.faults ?? {};
    this.region = new Uint8Array(this.o.regionSize).fill(0xff);
    if (options.program) {
      this.region.set(options.program);
      this.region[options.program.length] = 0;
    }
    this.editor = new LineEditor({
      print: (t) => this.print(t),
      enter: (line) => this.runLine(line),
      softReset: () => this.softReset(),
    });
    this.editor.echo = this.o.echo;
    void this.mainLoop();
  }

  /** The stored program with its terminating NUL; empty when the region holds none. */
  storedProgram(): Uint8Array {
    const nul = this.region.indexOf(0);
    return this.region[0] === 0xff || nul < 0 ? new Uint8Array(0) : this.region.slice(0, nul + 1);
  }

  /** Bytes from the host, as one USB transfer (split into packets of 64). */
  receive(bytes: Uint8Array): void {
    if (this.closed || this.faults.silent) return;
    for (let i = 0; i < bytes.length; i += USB_PACKET) this.hostQueue.push(bytes.slice(i, i + USB_PACKET));
    this.pumpUsb();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.chatter);
    for (const t of this.timers) clearTimeout(t);
    this.wake();
  }

  // ---- USB CDC and the tty ring buffer ----

  /** TinyUSB takes a packet only with room for a whole one; tud_cdc_rx_wanted_cb sees Ctrl+C. */
  private pumpUsb(): void {
    while (!this.usbBlocked && this.hostQueue.length && CDC_FIFO - this.cdcFifo.length >= USB_PACKET) {
      const packet = this.hostQueue.shift()!;
      this.cdcFifo.push(...packet);
      if (!this.ymodemState && packet.includes(CTRL_C)) {
        this.events.push('ctrl-c');
        this.vmStop = true;
        this.cdcFifo = []; // tud_cdc_read_flush
      }
    }
    this.wake();
  }

  /** km_tty_available: the FIFO into the ring buffer; any byte read clears a pending VM stop. */
  private ttyAvailable(): number {
    while (this.cdcFifo.length) {
      this.ring.push(...this.cdcFifo);
      this.cdcFifo = [];
      this.vmStop = false;
      this.pumpUsb(); // room again: packets waiting on the host come in
    }
    return this.ring.length;
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }

  private nextEvent(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakers.push(resolve);
      if (timeoutMs !== undefined) this.after(timeoutMs, resolve);
    });
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** km_tty_read_sync: `len` bytes once they are all in the ring buffer, else null after the timeout. */
  private async readSync(len: number, timeoutMs: number): Promise<Uint8Array | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closed) return new Promise<never>(() => undefined);
      if (len > 1 && this.ttyAvailable() >= 1) this.dropInjectedByte();
      if (this.ttyAvailable() >= len) return Uint8Array.from(this.ring.splice(0, len));
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await this.nextEvent(left);
    }
  }

  // ---- the firmware's main loop (km_io_run) ----

  private async mainLoop(): Promise<void> {
    if (this.o.running === 'chatty') this.startChatter();
    if (this.o.running === 'busy') await this.runBusy();
    while (!this.closed) {
      if (this.ttyAvailable() > 0) {
        const chunk = this.ring.splice(0);
        for (const b of chunk) await this.editor.byte(b);
        continue;
      }
      this.idle = true;
      await this.nextEvent();
      this.idle = false;
    }
  }

  /** JavaScript that never yields: only the VM stop set by Ctrl+C ends it (jerryxx_print_error). */
  private async runBusy(): Promise<void> {
    this.busy = true;
    while (!this.vmStop && !this.closed) await this.nextEvent();
    this.vmStop = false;
    this.busy = false;
    this.print(`${COLOR_ERROR}Aborted\r\n${COLOR_NORMAL}`);
  }

  private startChatter(): void {
    let n = 0;
    this.chatter = setInterval(() => {
      // Timers run between main-loop turns only: not inside a command, not during a busy program.
      if (this.idle && !this.busy) this.print(`\x1b[2K\r${COLOR_NORMAL}tick ${++n}\r\n`);
    }, this.o.chatterMs);
  }

  /** km_runtime_cleanup: the program's timers are gone. */
  private stopProgram(): void {
    clearInterval(this.chatter);
    this.chatter = undefined;
  }

  // ---- lines ----

  private async runLine(line: string): Promise<void> {
    if (!line.length) return;
    this.lines.push(line);
    if (line[0] !== '.') return this.runCode(line);
    const tokens = line.split(' ').filter((t) => t.length > 0).slice(0, 5);
    const [name, arg] = tokens;
    if (!COMMANDS.some(([n]) => n === name)) {
      this.print(`${COLOR_ERROR}Unknown command: ${name ?? ''}\r\n${COLOR_NORMAL}`);
      return;
    }
    switch (name) {
      case '.help':
        for (const [n, desc] of COMMANDS) this.print(`${n}\t${desc}\r\n`);
        this.print('\r\nCTRL+C\tAbort running code\r\nCTRL+D\tSoft reset\r\n');
        return;
      case '.hi':
        return this.print(
          '         ___\r\n' +
            `   _____/ . \\   Welcome to Kaluma v${this.o.version}\r\n` +
            '  /        __>  https://kaluma.io\r\n' +
            ' |/\\________/\r\n' +
            "  \\__@  v  v    Type '.help' for more info.\r\n" +
            '-----------------------------------------------\r\n' +
            '\r\n',
        );
      case '.echo':
        if (arg === 'on') this.editor.echo = true;
        else if (arg === 'off') this.editor.echo = false;
        return;
      case '.reset':
        return this.softReset();
      case '.flash':
        return this.flashCommand(arg);
      case '.load':
        this.events.push('load');
        this.stopProgram();
        if (this.o.runs === 'chatty') this.startChatter();
        if (this.o.runs === 'busy') await this.runBusy();
        return;
      case '.mem':
        return this.print('total: 184312, occupied: 12480, peak: 14192\r\n');
    }
  }

  /** run_code: the emulator runs no JavaScript, but a character the engine's lexer rejects is the
   *  SyntaxError the firmware prints (our flasher relies on it to empty the line buffer). */
  private async runCode(code: string): Promise<void> {
    const at = invalidCharacter(code);
    if (at) {
      this.print(`${COLOR_ERROR}SyntaxError: Invalid (unexpected) character. [<anonymous>:${at.line}:${at.column}]\r\n${COLOR_NORMAL}`);
      return;
    }
    this.print(this.options.evaluate ? this.options.evaluate(code) : `\x1b[90mundefined${COLOR_NORMAL}\r\n`);
  }

  private async softReset(): Promise<void> {
    this.events.push('reset');
    this.stopProgram();
    this.print('\r\nsoft reset\r\n');
  }

  private async flashCommand(arg: string | undefined): Promise<void> {
    switch (arg) {
      case '-e':
        await this.eraseRegion();
        this.events.push('erase');
        return this.print('Flash has erased\r\n');
      case '-t':
        return this.print(`${this.faults.reportedAreaSize ?? this.o.regionSize}\r\n`);
      case '-s':
        return this.print(`${this.programSize()}\r\n`);
      case '-r': {
        const text = Buffer.from(this.region.subarray(0, this.programSize())).toString('latin1');
        return this.print(text.replace(/\n/g, '\r\n') + '\r\n');
      }
      case '-w':
        return this.ymodemSession();
      default:
        this.print(
          '.flash command options:\r\n-w\tWrite code to flash via YMODEM\r\n-e\tErase the code in flash\r\n' +
            '-t\tPrint total size of flash for code\r\n-s\tPrint the size of the code in flash\r\n-r\tPrint the code in flash\r\n',
        );
    }
  }

  /** km_prog_get_size: strlen of the region, 0 when its first byte is erased. */
  private programSize(): number {
    if (this.region[0] === 0xff) return 0;
    const nul = this.region.indexOf(0);
    return nul < 0 ? this.region.length : nul;
  }

  /** flash_range_erase runs with interrupts off: USB is not serviced meanwhile. */
  private async eraseRegion(): Promise<void> {
    this.usbBlocked = true;
    await this.sleep(this.o.eraseMs);
    this.region.fill(0xff);
    this.usbBlocked = false;
    this.pumpUsb();
  }

  // ---- `.flash -w` ----

  private async ymodemSession(): Promise<void> {
    this.ymodemState = true;
    this.print("Transfer a file via YMODEM... (press 'a' to abort)\r\n");
    const result = await receiveYmodem(
      {
        read: (len, timeoutMs) => this.readSync(len, timeoutMs),
        putc: (...bytes) => this.send(new Uint8Array(bytes)),
        fault: (kind, seq) => this.take(kind, seq),
        stallsAt: (seq) => {
          if (this.faults.stallAt !== seq) return false;
          this.events.push(`stalled at block ${seq}`);
          return true;
        },
      },
      {
        header: async (name, size) => {
          this.events.push(`header ${name} ${size}`);
          await this.eraseRegion();
          this.bytesRemained = size;
          this.cursor = 0;
        },
        packet: (data, seq) => this.programWrite(data, seq),
        footer: () => {
          // km_prog_end: the terminating NUL goes in even when the region is full.
          if (this.cursor < this.region.length) this.region[this.cursor] = 0;
          this.bytesRemained = 0;
        },
      },
      this.o.tickMs,
    );
    await this.sleep(this.o.doneDelayMs);
    this.events.push(`ymodem ${RESULT_TEXT[result]}`);
    this.print(`\r\n${RESULT_TEXT[result]}\r\n`);
    this.ymodemState = false;
  }

  /** packet_cb + km_prog_write: at most the announced bytes; the byte that would fill the region fails (EDQUOT). */
  private programWrite(data: Uint8Array, seq: number): boolean {
    const len = Math.min(this.bytesRemained, data.length);
    this.bytesRemained -= len;
    if (this.take('writeFails', seq)) return false;
    const start = this.cursor;
    for (let i = 0; i < len; i++) {
      if (this.cursor + 1 >= this.region.length) return false;
      this.region[this.cursor++] = data[i];
    }
    if (len && this.take('corruptStore', seq)) this.region[start] ^= 0x01;
    return true;
  }

  /** A `dropByte` fault: the byte is taken out of the ring buffer before the packet body is read. */
  private dropInjectedByte(): void {
    const seq = this.ring[0];
    const f = this.faults.dropByte?.find((x) => x.seq === seq && this.available(x) && this.ring.length > x.index);
    if (!f) return;
    this.use(f, 'dropByte');
    this.ring.splice(f.index, 1);
  }

  // ---- helpers ----

  private take(kind: FaultKind, seq: number): boolean {
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

/** Where JerryScript's lexer meets a character it rejects (a control character outside a string literal). */
export function invalidCharacter(code: string): { line: number; column: number } | null {
  let quote = '';
  let line = 1;
  let column = 0;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    const c = ch.charCodeAt(0);
    column++;
    if (ch === '\n') {
      line++;
      column = 0;
      quote = '';
      continue;
    }
    if (quote) {
      if (ch === '\\') {
        i++;
        column++;
      } else if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if ((c < 0x20 && ch !== '\t' && ch !== '\v' && ch !== '\f' && ch !== '\r') || c === 0x7f) return { line, column };
  }
  return null;
}
