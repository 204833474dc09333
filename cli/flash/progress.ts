// Transfer progress: a redrawn bar on a terminal, a line per quarter otherwise (logs, CI).
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  update(sent: number, total: number): void;
  /** End the bar's line (no-op when nothing was drawn). */
  finish(): void;
}

export function createProgress(out: ProgressOutput, label = 'flash'): Progress {
  let drawn = false;
  let lastQuarter = -1;
  const kb = (n: number) => (n / 1024).toFixed(n < 100 * 1024 ? 1 : 0);
  return {
    update(sent, total) {
      const ratio = total ? sent / total : 1;
      if (out.isTTY) {
        const width = 30;
        const full = Math.round(ratio * width);
        out.write(`\r${label} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${kb(sent)}/${kb(total)} KB`);
        drawn = true;
        return;
      }
      const quarter = Math.floor(ratio * 4);
      if (quarter === lastQuarter) return;
      lastQuarter = quarter;
      out.write(`${label}: ${quarter * 25}% (${kb(sent)} of ${kb(total)} KB)\n`);
    },
    finish() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
