import { checkConfig as w5500 } from '../../runtime/drivers/w5500/config';
import type { DriverName, NetdevConfig, Target } from '../targets/target';
import { UserError } from '../util/errors';

/** Drivers whose options the build checks with the driver's own checker, so that the board bundle
 *  leaves its checks out (KN_CHECKED) and a bad option is a build error, not a failure on the board. */
const CHECKS: Partial<Record<DriverName, (options: Record<string, unknown>) => void>> = { w5500 };

export function checksOptions(netdev: NetdevConfig | null): boolean {
  return !!netdev && !!CHECKS[netdev.driver];
}

/** Throws a UserError naming the option when the target's driver options (the target merged with
 *  kaluma-net.json's "netdev") are bad. */
export function checkDriverOptions(target: Target): void {
  const nd = target.netdev;
  const check = nd && CHECKS[nd.driver];
  if (!check) return;
  const { driver: _driver, wifi: _wifi, ...options } = nd;
  try {
    check(options);
  } catch (e) {
    throw new UserError(`netdev options of target ${target.id} (its JSON and kaluma-net.json "netdev"): ${(e as Error).message}`);
  }
}
