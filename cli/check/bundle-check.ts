// The engine check of a bundle, one module at a time. The bundle is checked in a readable view
// (esbuild's syntax minification and lowering as in the program, identifiers and whitespace kept),
// in which esbuild puts a `// <path>` comment line before each module's statements. Each module's
// piece is scanned once and the scan is cached by its text: the runtime and the driver are checked
// once (then come from the cache, in memory for --watch, on disk for the next command), a user module
// again only when its text changed.
//
// Renaming and whitespace change neither the syntax, nor the built-ins used, nor the function count
// and string literal bytes, so the view's figures are the program's. And a program seen before with
// nothing to report needs no view at all: its figures are cached by its text.
import type { BundleView } from '../bundle/bundle';
import type { EngineProfile } from '../targets/target';
import { contentCache } from '../util/content-cache';
import { locator, placeFindings, scanProgram, type EngineCheck, type Finding, type HeapShape, type Scan } from './engine-check';

interface CheckOptions {
  cwd: string;
  profile: EngineProfile;
  snapshot?: boolean;
  /** The bundle holds Wi-Fi credentials (in the driver's bootstrap): what is derived from that piece,
   *  or from the whole program, stays in memory. */
  credentials?: boolean;
}

export interface BundleCheckInput extends CheckOptions {
  /** The readable view of the bundle and its source map. */
  code: string;
  map?: string;
}

export interface BundleCheck extends EngineCheck {
  /** Module pieces scanned now (not found in the cache): what this check cost. */
  scanned: number;
  pieces: number;
}

export interface ProgramCheckInput extends CheckOptions {
  /** The program as it will be written. */
  program: string;
  view(): Promise<BundleView>;
}

const profileKey = (profile: EngineProfile, snapshot: boolean) =>
  JSON.stringify([profile.id, profile.name, profile.unsupportedSyntax, profile.missingBuiltins, snapshot]);

/** The check of a program: from the cache when it was seen clean before, else of its view, piece by piece. */
export async function checkProgram(input: ProgramCheckInput): Promise<BundleCheck> {
  const clean = contentCache<HeapShape>('clean-program', input.cwd);
  const key = clean.key(profileKey(input.profile, !!input.snapshot), input.program);
  const known = clean.get(key);
  if (known) return { diagnostics: [], stringBytes: known.stringBytes, functions: known.functions, scanned: 0, pieces: 0 };
  const view = await input.view();
  const check = checkBundle({ ...input, code: view.code, map: view.map });
  if (!check.diagnostics.length) clean.set(key, { stringBytes: check.stringBytes, functions: check.functions }, !input.credentials);
  return check;
}

const HEAD = '"use strict";\n(() => {\n';
const TAIL = '})();\n';
/** What strict mode a piece is parsed in (the program's "use strict" banner); offsets shift by it. */
const STRICT = '"use strict";';
const STRICT_BYTES = '"use strict"'.length;
/** The piece that installs the driver, where the credentials are. */
const BOOTSTRAP_PIECE = /^\/\/ kaluma-net:[^\n]*bootstrap/;

interface Piece {
  start: number;
  text: string;
}

/** The module pieces of the IIFE body, or undefined when the view is not shaped as expected. */
function pieces(code: string): Piece[] | undefined {
  if (!code.startsWith(HEAD) || !code.endsWith(TAIL)) return undefined;
  const out: Piece[] = [];
  const end = code.length - TAIL.length;
  let start = HEAD.length;
  const marker = /\n(?=  \/\/ )/g;
  marker.lastIndex = start;
  for (let m = marker.exec(code); m && m.index < end; m = marker.exec(code)) {
    out.push({ start, text: code.slice(start, m.index + 1) });
    start = m.index + 1;
  }
  out.push({ start, text: code.slice(start, end) });
  return out.filter((p) => p.text.trim());
}

export function checkBundle(input: BundleCheckInput): BundleCheck {
  const { code, profile } = input;
  const snapshot = !!input.snapshot;
  const cache = contentCache<Scan>('engine-check', input.cwd);
  const profileText = profileKey(profile, snapshot);
  let scanned = 0;
  const scan = (text: string, disk: boolean): Scan => {
    const key = cache.key(profileText, text);
    let s = cache.get(key);
    if (!s) {
      scanned++;
      s = scanProgram(STRICT + text, profile, snapshot);
      cache.set(key, s, disk);
    }
    return s;
  };

  let findings: Finding[] = [];
  let stringBytes = 0;
  let functions = 0;
  const parts = pieces(code);
  const scans = parts?.map((p) => ({ p, s: scan(p.text, !(input.credentials && BOOTSTRAP_PIECE.test(p.text.trimStart()))) }));
  if (scans && scans.every(({ s }) => !s.parseError)) {
    // The IIFE around the modules and the program's own "use strict"; not each piece's.
    functions = 1;
    stringBytes = STRICT_BYTES;
    for (const { p, s } of scans) {
      stringBytes += s.stringBytes - STRICT_BYTES;
      functions += s.functions;
      for (const f of s.findings) findings.push({ ...f, pos: f.pos - STRICT.length + p.start });
    }
  } else {
    // A piece that does not parse alone (an unexpected view): the whole bundle, as one piece.
    const s = scanProgram(code, profile, snapshot);
    scanned++;
    ({ findings, stringBytes, functions } = s);
  }
  const where = locator(code, input.map, input.cwd);
  return { diagnostics: placeFindings(findings, where), stringBytes, functions, scanned, pieces: scans?.length ?? 1 };
}
