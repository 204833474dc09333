// The line editor of Kaluma 1.2.1's REPL, ported from src/repl.c (handle_normal, handle_escape,
// set_cursor_to_position, km_repl_print_prompt) so that every byte it echoes is the firmware's.
// What a finished line does (a command or JS) is the caller's: `enter` and `softReset` are awaited,
// because on the board they run inside the handler and block it.

const BUFFER_SIZE = 1024; // KALUMA_REPL_BUFFER_SIZE (rp2 boards)
const HISTORY_SIZE = 10; // KALUMA_REPL_HISTORY_SIZE
const ESCAPE_SIZE = 16;

export const PROMPT_TAIL = '\x1b[H\x1b[900C\x1b[6n\x1b8\x1b[2C';
export const COLOR_NORMAL = '\x1b[0m';
export const COLOR_ERROR = '\x1b[31m';

export interface LineHandlers {
  print(text: string): void;
  /** A line ended with `\r` (maybe empty). */
  enter(line: string): Promise<void>;
  /** Ctrl+D: the `.reset` command. */
  softReset(): Promise<void>;
}

export class LineEditor {
  echo = true;
  private buffer = '';
  private position = 0;
  private width = 80;
  private escaping = false;
  private escape = '';
  private readonly history: string[] = [];
  private historyPosition = 0;

  constructor(private readonly h: LineHandlers) {}

  /** km_repl_print_prompt: normal colour, then (echo on) the prompt with the line buffer and the
   *  terminal-width query (`ESC[6n`, answered by a terminal with `ESC[<row>;<col>R`). */
  printPrompt(): void {
    this.h.print(COLOR_NORMAL);
    if (this.echo) this.h.print(`\r\x1b7> ${this.buffer}${PROMPT_TAIL}`);
  }

  async byte(b: number): Promise<void> {
    if (this.escaping) this.escapeByte(b);
    else await this.normalByte(b);
  }

  /** history_push: every line run (command or code) is remembered, the oldest dropped. */
  private takeLine(): string {
    const line = this.buffer;
    this.buffer = '';
    this.position = 0;
    if (line.length > 0) {
      if (this.history.length >= HISTORY_SIZE) this.history.shift();
      this.history.push(line);
      this.historyPosition = this.history.length;
    }
    return line;
  }

  private async normalByte(b: number): Promise<void> {
    const p = (t: string) => this.h.print(t);
    switch (b) {
      case 0x0d:
        if (this.echo) p('\r\n');
        await this.h.enter(this.takeLine());
        this.printPrompt();
        return;
      case 0x01:
        this.position = 0;
        return this.setCursor();
      case 0x04:
        await this.h.softReset();
        this.printPrompt();
        return;
      case 0x05:
        this.position = this.buffer.length;
        return this.setCursor();
      case 0x08:
      case 0x7f:
        if (this.buffer.length > 0 && this.position > 0) {
          this.position--;
          this.buffer = this.buffer.slice(0, this.position) + this.buffer.slice(this.position + 1);
          if (this.echo) {
            p('\x1b[D\x1b[K\x1b[J');
            p(`\x1b8> ${this.buffer}`);
            this.setCursor();
          }
        }
        return;
      case 0x1b:
        this.escaping = true;
        this.escape = '';
        return;
    }
    const ch = String.fromCharCode(b);
    if (this.buffer.length >= BUFFER_SIZE - 1) {
      p(`${COLOR_ERROR}REPL buffer overflow\r\n${COLOR_NORMAL}`);
      return;
    }
    if (this.position === this.buffer.length) {
      this.buffer += ch;
      this.position++;
      if (this.echo) p(ch);
    } else {
      this.buffer = this.buffer.slice(0, this.position) + ch + this.buffer.slice(this.position);
      this.position++;
      if (this.echo) {
        p(`\x1b8> ${this.buffer}`);
        this.setCursor();
      }
    }
  }

  private escapeByte(b: number): void {
    const p = (t: string) => this.h.print(t);
    const ch = String.fromCharCode(b);
    if (this.escape.length < ESCAPE_SIZE) this.escape += ch;
    const e = this.escape;
    if (/[a-zA-Z]/.test(ch)) {
      this.escaping = false;
      if (e === '[A') {
        if (this.historyPosition > 0) this.recall(this.history[--this.historyPosition]);
      } else if (e === '[B') {
        if (this.historyPosition === this.history.length) {
          // nothing newer
        } else if (this.historyPosition === this.history.length - 1) {
          this.historyPosition++;
          p('\x1b[2K\r> ');
          this.buffer = '';
          this.position = 0;
        } else this.recall(this.history[++this.historyPosition]);
      } else if (e === '[D') {
        if (this.position > 0) {
          this.position--;
          this.setCursor();
        }
      } else if (e === '[C') {
        if (this.position < this.buffer.length) {
          this.position++;
          this.setCursor();
        }
      } else if (ch === 'R') {
        // A terminal's answer to the width query: `[<row>;<col>R`.
        const semicolon = e.indexOf(';');
        const width = parseInt(e.slice(semicolon + 1, -1), 10);
        this.width = width > 0 ? width : this.width;
      } else p('\x1b' + e);
    } else if (ch === '~') {
      this.escaping = false;
      if (e === '[3~' && this.buffer.length > 0 && this.position < this.buffer.length) {
        this.buffer = this.buffer.slice(0, this.position) + this.buffer.slice(this.position + 1);
        if (this.echo) {
          p('\x1b[K\x1b[J');
          p(`\x1b8> ${this.buffer}`);
          this.setCursor();
        }
      }
      this.escape = '';
    }
  }

  private recall(line: string): void {
    this.h.print(`\x1b[2K\r> ${line}`);
    this.buffer = line;
    this.position = line.length;
  }

  /** set_cursor_to_position: back to the saved cursor (after `> `), then right/down. */
  private setCursor(): void {
    const horz = (this.position + 2) % this.width;
    const vert = Math.floor((this.position + 2) / this.width);
    let out = '\x1b8';
    if (horz > 0) out += `\x1b[${horz}C`;
    if (vert > 0) out += `\x1b[${vert}B`;
    this.h.print(out);
  }
}
