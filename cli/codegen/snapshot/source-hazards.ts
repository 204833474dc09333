// Source constructs the JerryScript 2.4 snapshot generator refuses or silently gets wrong, found before it
// runs so the message can point at the bundle:
//  - tagged templates: the saver refuses functions that keep a tagged-template list;
//  - RegExp literals with the s flag: the saver tests the tagged-template bit (0x40) on RegExp blocks too,
//    where it is the s flag, so it refuses them with the same misleading message;
//  - 0n: the saver looks the direct BigInt zero up in its literal map, does not find it, and writes a
//    wrong value (measured: the number 0 or a garbage pointer) or crashes;
//  - string literals over 65535 bytes (CESU-8): the literal table has a 16-bit length; a generator with
//    16-bit compressed pointers refuses them, one with 32-bit pointers silently truncates the length.
// esbuild lowers the first two with supported: { 'template-literal': false, 'regexp-dot-all-flag': false }.

import type { Node } from 'acorn';
import { acorn, acornWalk } from '../../util/deps';
import { MAXIMUM_STRING_BYTES } from './format';

export interface SourceHazard {
  line: number;
  column: number;
  message: string;
}

function cesu8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return n;
}

interface LiteralNode extends Node {
  value?: unknown;
  bigint?: string;
  regex?: { pattern: string; flags: string };
}

interface TemplateElementNode extends Node {
  value: { cooked: string | null; raw: string };
}

/** Hazards in a script, or null when acorn cannot parse it (the generator then reports the syntax error). */
export function findSnapshotHazards(code: string): SourceHazard[] | null {
  let ast: Node;
  try {
    ast = acorn().parse(code, { ecmaVersion: 'latest', sourceType: 'script', locations: true, allowHashBang: true });
  } catch {
    return null;
  }
  const hazards: SourceHazard[] = [];
  const add = (node: Node, message: string) => hazards.push({ line: node.loc?.start.line ?? 0, column: (node.loc?.start.column ?? 0) + 1, message });
  const longString = (node: Node, text: string) => {
    const bytes = cesu8Length(text);
    if (bytes > MAXIMUM_STRING_BYTES) add(node, `a string literal of ${bytes} bytes; a snapshot literal holds at most ${MAXIMUM_STRING_BYTES} (split it)`);
  };
  acornWalk().simple(ast, {
    TaggedTemplateExpression(node) {
      add(node, 'a tagged template; the snapshot generator refuses them (lower template literals: esbuild supported {"template-literal": false})');
    },
    Literal(node) {
      const lit = node as LiteralNode;
      if (lit.regex?.flags.includes('s')) {
        add(node, `RegExp literal /${lit.regex.pattern.slice(0, 40)}/${lit.regex.flags} with the s flag; the snapshot generator refuses it (esbuild supported {"regexp-dot-all-flag": false} turns it into new RegExp)`);
      } else if (lit.bigint !== undefined && BigInt(lit.bigint) === 0n) {
        add(node, 'the BigInt literal 0n; the snapshot generator stores it wrongly (it comes back as the number 0 or crashes the generator): write BigInt(0)');
      } else if (typeof lit.value === 'string') {
        longString(node, lit.value);
      }
    },
    TemplateElement(node) {
      const cooked = (node as TemplateElementNode).value.cooked;
      if (cooked !== null) longString(node, cooked);
    },
  });
  return hazards;
}
