// Human-readable text of an inspection result (the --json form is the result itself).

import type { InspectResult } from './inspect-result';
import { formatHeapLine } from '../pipeline/heap-estimate';

function kilobytes(size: number): string {
  return size >= 1024 && size % 1024 === 0 ? `${size / 1024} KB` : `${size} bytes`;
}

export function formatInspect(result: InspectResult): string {
  const lines: string[] = [];
  const kind = result.kind.toUpperCase();
  if (result.uf2) {
    const families = result.uf2.families.map((f) => (f.name === f.id ? f.id : `${f.name} (${f.id})`)).join(', ') || 'none';
    const skipped = result.uf2.skippedBlocks > 0 ? `, ${result.uf2.skippedBlocks} skipped by the boot ROM` : '';
    lines.push(`${result.file}: ${kind}, ${result.size} bytes, ${result.uf2.blocks} blocks${skipped}, family ${families}`);
  } else {
    lines.push(`${result.file}: ${kind}, ${result.size} bytes`);
  }
  lines.push(`  sha256: ${result.sha256}`);
  if (result.layout) lines.push(`  layout: ${result.layout}`);
  if (result.regions.length > 0) {
    lines.push('  regions:');
    for (const region of result.regions) {
      lines.push(`    ${region.address}-${region.end}  ${kilobytes(region.size).padStart(9)}  ${region.role}`);
    }
  }
  const program = result.program;
  if (program) {
    const where = program.address ? ` at ${program.address}` : '';
    const sectors = `${program.sectors} sector${program.sectors === 1 ? '' : 's'}`;
    lines.push(`  program${where}: ${program.textBytes} bytes of text + NUL (${sectors})`);
    if (program.stamp) {
      const s = program.stamp;
      const check = s.hashMatches ? 'matches' : `DOES NOT MATCH the content (${s.actualSha256})`;
      lines.push(`  stamp: kaluma-net ${s.v}, target ${s.target}, engine ${s.engine}, sha256 ${s.sha256} (${check})`);
    } else {
      lines.push('  stamp: none');
    }
    if (program.heap) lines.push(formatHeapLine(program.heap));
  }
  if (result.snapshot) {
    const s = result.snapshot;
    lines.push(`  program at ${s.address}: JerryScript snapshot container, ${s.size} bytes of snapshot (verification ${s.verified ? 'ok' : 'FAILED'})`);
  }
  if (result.storage) {
    const keys = result.storage.keys.length > 0 ? result.storage.keys.join(', ') : 'no keys';
    lines.push(`  storage at ${result.storage.address}: ${keys}`);
  }
  if (result.wifi) {
    const security = result.wifi.security ? `, security ${result.wifi.security}` : '';
    const program = result.snapshot ? 'the program (snapshot byte code)' : 'the program text';
    const where = result.wifi.in.map((w) => (w === 'program' ? program : 'the storage area')).join(' and ');
    lines.push(`  Wi-Fi: SSID ${JSON.stringify(result.wifi.ssid)}, password ${result.wifi.password}${security} (in ${where}): keep this file private`);
  } else {
    lines.push('  Wi-Fi: no credentials');
  }
  if (result.problems.length === 0) {
    lines.push('  problems: none');
  } else {
    lines.push('  problems:');
    for (const problem of result.problems) lines.push(`    - ${problem}`);
  }
  return lines.join('\n');
}
