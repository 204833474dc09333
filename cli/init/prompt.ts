import { createInterface } from 'node:readline/promises';
import { UserError } from '../util/errors';

export interface Asker {
  /** One of `choices`, by name or by its number in the list; empty input takes `fallback`. */
  choose(question: string, choices: string[], fallback: string): Promise<string>;
  close(): void;
}

export function asker(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Asker {
  const rl = createInterface({ input, output, terminal: false });
  const ended = new Promise<never>((_, reject) => rl.once('close', () => reject(new UserError('init: the input ended before every question was answered'))));
  ended.catch(() => undefined);
  return {
    async choose(question, choices, fallback) {
      output.write(`${question}:\n${choices.map((c, i) => `  ${i + 1}) ${c}`).join('\n')}\n`);
      for (;;) {
        const a = (await Promise.race([rl.question(`choose 1-${choices.length} or a name [${fallback}]: `), ended])).trim() || fallback;
        const n = /^\d+$/.test(a) ? Number(a) : NaN;
        if (n >= 1 && n <= choices.length) return choices[n - 1];
        if (choices.includes(a)) return a;
        output.write(`  "${a}" is not one of 1-${choices.length}: ${choices.join(', ')}\n`);
      }
    },
    close: () => rl.close(),
  };
}
