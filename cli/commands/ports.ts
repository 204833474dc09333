import type { Command } from 'commander';
import { isKalumaPort, listSerialPorts } from '../flash/port-list';

export function register(program: Command): void {
  program
    .command('ports')
    .description('list serial ports with their USB ids; Kaluma boards (vendor id 0x2E8A) are marked')
    .option('--json', 'machine-readable list on stdout')
    .action(async (flags: { json?: boolean }) => {
      const ports = await listSerialPorts();
      if (flags.json) {
        process.stdout.write(JSON.stringify(ports.map((p) => ({ ...p, kaluma: isKalumaPort(p) })), null, 2) + '\n');
        return;
      }
      if (!ports.length) {
        process.stdout.write('no serial ports found\n');
        return;
      }
      const rows = ports.map((p) => [
        p.path,
        p.vendorId ? `${p.vendorId.toUpperCase()}:${(p.productId ?? '????').toUpperCase()}` : '-',
        p.manufacturer ?? '',
        isKalumaPort(p) ? '<- Kaluma board (Raspberry Pi RP2)' : '',
      ]);
      const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ['PORT', 'VID:PID', 'MANUFACTURER'][i].length));
      const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join('  ').trimEnd() + '\n';
      process.stdout.write(line(['PORT', 'VID:PID', 'MANUFACTURER', '']));
      for (const r of rows) process.stdout.write(line(r));
    });
}
