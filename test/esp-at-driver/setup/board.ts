// A pico-esp01 board in plain Node for the behaviour scripts: our ESP-AT driver on a Kaluma-like
// UART in front of the modem emulator (real host sockets on 127.0.0.1).
import { EspAtModem, type EspAtDialect } from '../../../cli/emulate/esp-at/modem';
import { createEspAtNetdev } from '../../../runtime/drivers/esp-at';
import { KalumaUart } from '../kaluma-uart';

export function installBoard(dialect: EspAtDialect): void {
  const modem = new EspAtModem({ dialect });
  const drv = createEspAtNetdev(new KalumaUart(modem), {
    wifi: { ssid: 'lab', password: 'secret' },
    log: (m) => console.error('esp-at: ' + m),
  });
  const g = globalThis as unknown as Record<string, unknown>;
  g.__netdev = drv.netdev;
  g.__ieee80211dev = drv.wifi;
  // The script's last event closes its sockets; then power the board off so the process exits.
  const exit = process.exit.bind(process);
  process.on('beforeExit', () => {
    drv.close();
    exit(0);
  });
}
