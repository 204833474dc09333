// Inspection of program text (.js) and of program-region bytes (.bin, or a UF2's program region).

import { checkEngine } from '../check/engine-check';
import { inspectSnapshot } from '../codegen/snapshot/inspect';
import { estimateParseHeap } from '../pipeline/heap-estimate';
import { listTargetIds, loadTarget } from '../targets/load';
import type { InspectProgram } from './inspect-result';
import { programBytes, roundUpToSector } from './program-bytes';
import { readStamp } from './stamp';
import { Script } from 'node:vm';
import { FLASH_SECTOR_SIZE } from './uf2-format';
import { findProgramWifi, type WifiSummary } from './wifi-credentials';

export interface ProgramAnalysis {
  program: InspectProgram | null;
  problems: string[];
  /** Wi-Fi credentials in the program text. */
  wifi: WifiSummary | null;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function analyseProgramText(text: string, address: string | null): ProgramAnalysis {
  const problems: string[] = [];
  if (!text.replace(/\/\*[\s\S]*?\*\//g, '').trim()) problems.push('the program is empty');
  try {
    programBytes(text);
  } catch (error) {
    problems.push(message(error));
  }
  let stamp: InspectProgram['stamp'] = null;
  try {
    const reading = readStamp(text);
    if (reading) {
      stamp = { ...reading.info, actualSha256: reading.actualSha256, hashMatches: reading.hashMatches };
      if (!reading.hashMatches) {
        problems.push(`the program text was changed after the build (stamp hash ${reading.info.sha256}, content hash ${reading.actualSha256})`);
      }
    }
  } catch (error) {
    problems.push(message(error));
  }
  if (!stamp) syntaxView(text, problems);
  const program = { address, textBytes: text.length, sectors: roundUpToSector(text.length + 1) / FLASH_SECTOR_SIZE, stamp, heap: stamp ? engineView(text, stamp.target, problems) : null };
  return { program, problems, wifi: findProgramWifi(text) };
}

/** For a program with no stamp (no board to judge it by): a syntax error is a problem on any engine.
 *  Node's own parser (vm.Script compiles without running) keeps inspect free of acorn. */
function syntaxView(text: string, problems: string[]): void {
  try {
    new Script(text, { filename: 'program' });
  } catch (error) {
    const line = /^program:(\d+)/.exec((error as Error).stack ?? '')?.[1];
    problems.push(`${line ? `line ${line}: ` : ''}syntax error: ${message(error)}`);
  }
}

/** For a program stamped for a board target: what that board's engine cannot parse (a problem) and
 *  the heap it needs to parse the rest (estimate). */
function engineView(text: string, targetId: string, problems: string[]): InspectProgram['heap'] {
  if (!listTargetIds().includes(targetId)) return null;
  const target = loadTarget(targetId);
  if (!target.flash) return null;
  const check = checkEngine({ code: text, cwd: process.cwd(), profile: target.engine, snapshot: false });
  for (const d of check.diagnostics) if (d.severity === 'error') problems.push(`${d.where}: ${d.message}`);
  return estimateParseHeap({ bytes: text.length, stringBytes: check.stringBytes, functions: check.functions }, target.heapSize);
}

/** Program-region bytes: text, NUL terminator, then erased flash (0xFF). */
export function analyseProgramRegion(bytes: Uint8Array, address: string | null): ProgramAnalysis {
  if (bytes.length === 0 || bytes[0] === 0xff) {
    return { program: null, problems: ['the program region holds no program (it starts with 0xFF, erased flash)'], wifi: null };
  }
  const nul = bytes.indexOf(0);
  const textEnd = nul >= 0 ? nul : bytes.length;
  const analysis = analyseProgramText(Buffer.from(bytes.subarray(0, textEnd)).toString('latin1'), address);
  if (nul < 0) {
    analysis.problems.push('the program has no NUL terminator; the firmware would read past its end');
  } else if (bytes.subarray(nul + 1).some((b) => b !== 0xff)) {
    analysis.problems.push('bytes after the NUL terminator are not erased flash (0xFF)');
  }
  return analysis;
}

/** A program region holding a snapshot container: its size, its verification, Wi-Fi in its byte code. */
export function analyseSnapshotRegion(bytes: Uint8Array, address: string): { snapshot: { address: string; size: number; verified: boolean }; problems: string[]; wifi: WifiSummary | null } {
  try {
    const r = inspectSnapshot(bytes);
    const wifi = r.wifi && { ssid: r.wifi.ssid, passwordPresent: r.wifi.password === 'present', security: null };
    return { snapshot: { address, size: r.size, verified: r.verification.ok }, problems: r.verification.errors.map((e) => `snapshot: ${e}`), wifi };
  } catch (error) {
    return { snapshot: { address, size: 0, verified: false }, problems: [`snapshot: ${message(error)}`], wifi: null };
  }
}
