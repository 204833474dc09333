import type { Target } from '../targets/target';

export interface ReadmeFacts {
  target: Target;
  typescript: boolean;
  /** The program opens a server (the CYW43 firmware driver serves one client at a time). */
  server: boolean;
}

/** What `npm start` (kaluma-net run [--emulate]) does on this target. */
function startLine(target: Target): string {
  const stop = 'It ends when the program has nothing left to do; Ctrl-C stops it.';
  if (target.pc) return `builds the program and runs it on this PC, in a sandbox that looks like Kaluma, on this PC's real network. ${stop}`;
  const hardware = {
    cyw43: "the board's Wi-Fi chip is emulated under the firmware's own CYW43 driver, joined to an emulated access point",
    'esp-at': 'an emulated ESP-01 modem (AT firmware) answers on UART0',
    w5500: 'an emulated W5500 Ethernet chip answers on SPI0',
  }[target.netdev!.driver as 'cyw43' | 'esp-at' | 'w5500'];
  return `builds the program for ${target.id} and runs it on this PC with the board's driver: ${hardware}; the emulated network is this PC's loopback (127.0.0.1). ${stop}`;
}

function commands(f: ReadmeFacts): string[] {
  const { target } = f;
  const lines = [`- \`npm start\` ${startLine(target)}`];
  if (target.pc) {
    lines.push('- `npm run build` writes `dist/index.js`, checked against what Kaluma 1.2\'s engine (JerryScript 2.4) can run.');
  } else {
    lines.push(
      '- `npm run build` writes `dist/index.js` (the program) and `dist/index.uf2` (the program as a UF2 image), with a size report and an estimate of the heap the board needs to parse it.',
      `- \`npm run flash\` uploads the program over USB serial to the board (running Kaluma 1.2.x) and starts it. Or copy \`dist/index.uf2\` to the board's BOOTSEL drive: it holds the program only, so the Kaluma firmware for ${target.id} must already be on the board.`,
    );
  }
  if (f.typescript) lines.push('- `npm run typecheck` type-checks the sources against the typings of Kaluma and the `net` runtime.');
  return lines;
}

const WIFI = `## Wi-Fi

The board joins Wi-Fi before it opens sockets; \`net\` calls made earlier wait for the link. The
credentials are read at build time from the environment or from a \`.env\` file next to
\`package.json\` (\`.gitignore\` keeps \`.env\` and \`.env.*\` out of git):

    KALUMA_NET_WIFI_SSID=my-network
    KALUMA_NET_WIFI_PASSWORD=my-password

A build with credentials says which output files contain them. Or store them on the board once
(\`storage.setItem('WIFI_SSID', ...)\` and \`'WIFI_PASSWORD'\`) and build without.
\`npm start\` without credentials joins the emulated access point.`;

function targetSections(f: ReadmeFacts): string[] {
  const { target } = f;
  const id = target.id;
  switch (target.netdev?.driver) {
    case 'host':
      return [
        `## On a board\n\nThe same program runs on a board with a network (\`npx kaluma-net targets\`). A project made for the board,\n\`npx kaluma-net init <dir> --target pico-w\`, has the scripts and the README for that board.`,
      ];
    case 'cyw43':
      return [
        `## ${target.name}\n\nThe program uses the firmware's own CYW43 Wi-Fi driver.` +
          (f.server ? '\nThat driver cannot tell concurrent clients apart, so a server serves one client at a time: later\nclients wait until the current one closes.' : ''),
        WIFI,
      ];
    case 'esp-at':
      return [
        `## Wiring\n\nAn ESP-01 running Espressif's AT firmware on the Pico's UART0: Pico GP0 (TX) to ESP RX, GP1 (RX)\nto ESP TX, 115200 baud, 3.3 V, common ground. Driver options go under \`"netdev"\` in \`kaluma-net.json\`.`,
        WIFI,
      ];
    case 'w5500':
      return [
        `## Ethernet\n\nThe W5500 of the ${id} is on SPI0 (MISO GP16, CS GP17, SCK GP18, MOSI GP19, RST GP20, INT GP21).\nThe address comes from DHCP; for a static one set\n\`"netdev": { "ip": { "ip": "192.168.1.50", "subnet": "255.255.255.0", "gateway": "192.168.1.1", "dns": "192.168.1.1" } }\`\nin \`kaluma-net.json\`.`,
      ];
    default:
      throw new Error(`no README section for target ${id}`);
  }
}

/** The project's README: the template's own text, then what is true for this target. */
export function projectReadme(templateText: string, f: ReadmeFacts): string {
  return [templateText.trimEnd(), `## Commands (target ${f.target.id})\n\n${commands(f).join('\n')}`, ...targetSections(f)].join('\n\n') + '\n';
}
