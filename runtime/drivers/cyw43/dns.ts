// dns.lookup (KN_DNS) through the firmware's resolver. The firmware has no lookup of its own: its
// bind() resolves the address it is given (lwIP's dns_gethostbyname, blocking up to 3 s) into the
// socket's laddr and binds a local port, which a firmware socket of the lookup's own does without
// sending anything; the socket is closed with the answer.
import { ERRNO } from '../../netdev-contract';
import { blocking, call, closeNative, defer, fail, messageOf, native, netdev, newConn, whenNative } from './core';

export function lookup(host: string, cb: (err: number, address?: string) => void): void {
  const c = newConn('STREAM');
  whenNative(c, (code, msg) => {
    if (code) return fail(cb, code, msg);
    let address: string | undefined;
    try {
      blocking(() => native.bind(c.nfd, host, 0));
      const o = native.get(c.nfd);
      if (o) address = o.laddr;
    } catch (e) {
      msg = globalThis.KN_ERRMSG !== false && 'getaddrinfo ENOTFOUND ' + host + ' (' + messageOf(e) + ')';
    }
    closeNative(c);
    if (!address) return fail(cb, ERRNO.ENOTFOUND, msg);
    defer(() => {
      netdev.errno = 0;
      call(cb, 0, address);
    });
  });
}
