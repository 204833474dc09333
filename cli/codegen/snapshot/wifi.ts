// Wi-Fi credentials in a snapshot's byte code: an object literal `{ssid: "...", password: "..."}`
// (the network driver's options from the build, or the program's own `wifi.connect({...})`) compiles
// to property stores whose name and value are both string literals. The inspector reports them and
// never shows the password.

import { decodeCode } from './bytecode';
import { CODE_FLAG_FULL_LITERAL_ENCODING } from './format';
import type { CodeBlock, FunctionBlock } from './model';

export interface SnapshotWifi {
  ssid: string;
  password: 'present' | 'absent';
  /** The password literals, to keep out of what the inspector prints. */
  secrets: string[];
}

function constString(fn: FunctionBlock, index: number): string | undefined {
  if (index < fn.registerEnd || index >= fn.constLiteralEnd) return undefined;
  const slot = fn.literals[index - fn.registerEnd];
  return slot?.kind === 'string' ? slot.value : undefined;
}

export function findSnapshotWifi(blocks: readonly CodeBlock[]): SnapshotWifi | null {
  let ssid: string | undefined;
  const secrets = new Set<string>();
  blocks.forEach((b, index) => {
    if (b.kind !== 'function') return;
    let instructions;
    try {
      instructions = decodeCode(b.code, (b.statusFlags & CODE_FLAG_FULL_LITERAL_ENCODING) !== 0, { base: 0, label: `block #${index}` });
    } catch {
      return;
    }
    for (const ins of instructions) {
      if (ins.literals.length !== 2) continue;
      const [a, c] = ins.literals.map((i) => constString(b, i));
      for (const [name, value] of [[c, a], [a, c]]) {
        if (value === undefined) continue;
        if (name === 'ssid') ssid ??= value;
        else if (name === 'password' && value) secrets.add(value);
      }
    }
  });
  if (ssid === undefined) return null;
  return { ssid, password: secrets.size ? 'present' : 'absent', secrets: [...secrets] };
}
