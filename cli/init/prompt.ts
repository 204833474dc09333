import { createInterface } from 'node:readline';
import { UserError } from '../util/errors';

export interface Asker {
  /** One of `choices`, by name or by its number in the list; empty input takes `fallback`. */
  choose(question: string, choices: string[], fallback: string): Promise<string>;
  close(): void;
}

export function asker(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Asker {
  const rl = createInterface({ input, terminal: false });
  // The iterator keeps lines that arrive before their question is asked (typed ahead, or piped).
  const lines = rl[Symbol.asyncIterator]();
  const answer = async (prompt: string) => {
    output.write(prompt);
    const line = await lines.next();
    if (line.done) throw new UserError('init: the input ended before every question was answered');
    return line.value.trim();
  };
  return {
    async choose(question, choices, fallback) {
      output.write(`${question}:\n${choices.map((c, i) => `  ${i + 1}) ${c}`).join('\n')}\n`);
      for (;;) {
        const a = (await answer(`choose 1-${choices.length} or a name [${fallback}]: `)) || fallback;
        const n = /^\d+$/.test(a) ? Number(a) : NaN;
        if (n >= 1 && n <= choices.length) return choices[n - 1];
        if (choices.includes(a)) return a;
        output.write(`  "${a}" is not one of 1-${choices.length}: ${choices.join(', ')}\n`);
      }
    },
    close: () => rl.close(),
  };
}
