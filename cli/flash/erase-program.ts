// `kaluma-net erase`: clear the board's program region so it boots to an idle REPL.
import { UserError } from '../util/errors';
import { KalumaRepl } from './kaluma-repl';
import { SerialLink } from './serial-link';
import { flashTimeouts, type FlashTimeouts } from './timeouts';

export interface EraseOptions {
  port: string;
  timeouts?: Partial<FlashTimeouts>;
}

export async function eraseProgram(o: EraseOptions): Promise<{ kalumaVersion: string }> {
  const t = flashTimeouts(o.timeouts);
  const link = await SerialLink.open(o.port);
  try {
    const repl = new KalumaRepl(link, t);
    await repl.sync();
    const kalumaVersion = await repl.version();
    await repl.erase();
    const left = await repl.programSize();
    if (left !== 0) throw new UserError(`${o.port}: the board still reports a ${left}-byte program after .flash -e`);
    return { kalumaVersion };
  } finally {
    await link.close();
  }
}
