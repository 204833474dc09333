// Installs the host driver as global.__netdev, with a trivial realm (plain Node is the board here).
import { createHostNetdev } from '../../../cli/run/host-netdev';

(globalThis as any).__netdev = createHostNetdev({
  bytes: (b) => new Uint8Array(b),
  callback: (fn) => fn(),
});
