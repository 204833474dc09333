// Node's own errors (code, class and message) from one table: a bundle carries the index of an
// error and this one string, not a class or a function per code. In a message, each % takes the
// next argument. The first letter of an entry is the class: T TypeError, R RangeError, E Error.
export const enum E {
  MissingArgs,
  ArgType,
  ArgValue,
  BadPort,
  OutOfRange,
  ClosedBeforeConnection,
  Destroyed,
  WriteAfterEnd,
  NullValues,
  Ended,
  // Appended to TABLE only where a server may run (KN_SERVER; else two empty entries keep the indexes).
  AlreadyListen,
  NotRunning,
  // Appended only where the program names connect()'s localAddress option.
  BadIP,
}

const TABLE =
  'TERR_MISSING_ARGS:The "options" or "port" or "path" argument must be specified' +
  '|TERR_INVALID_ARG_TYPE:The "%" argument must be of type %. Received %' +
  "|TERR_INVALID_ARG_VALUE:The argument '%' %. Received %" +
  '|RERR_SOCKET_BAD_PORT:% should be >= 0 and < 65536. Received %.' +
  '|RERR_OUT_OF_RANGE:The value of "%" is out of range. It must be a non-negative finite number. Received %' +
  '|EERR_SOCKET_CLOSED_BEFORE_CONNECTION:Socket closed before the connection was established' +
  '|EERR_STREAM_DESTROYED:Cannot call write after a stream was destroyed' +
  '|EERR_STREAM_WRITE_AFTER_END:write after end' +
  '|TERR_STREAM_NULL_VALUES:May not write null values to stream' +
  '|EEPIPE:This socket has been ended by the other party';

/** The error `i` of the table, its message filled with `args`. */
export function err(i: E, ...args: unknown[]): Error & { code: string } {
  const t = (
    TABLE +
    (globalThis.KN_SERVER !== false
      ? '|EERR_SERVER_ALREADY_LISTEN:Listen method has been called more than once without closing.|EERR_SERVER_NOT_RUNNING:Server is not running.'
      : '||') +
    (globalThis.KN_M_localAddress !== false ? '|TERR_INVALID_IP_ADDRESS:Invalid IP address: %' : '')
  ).split('|')[i];
  const c = t.indexOf(':');
  // The arguments go in with a loop, not a replace() callback: a function costs the board's heap.
  const parts = t.slice(c + 1).split('%');
  let m = parts[0];
  for (let k = 1; k < parts.length; k++) m += String(args[k - 1]) + parts[k];
  const e = new (t[0] === 'T' ? TypeError : t[0] === 'R' ? RangeError : Error)(m) as Error & { code: string };
  e.code = t.slice(1, c);
  return e;
}

/** How Node names a value in "Received ..." (its determineSpecificType). */
export function kind(v: unknown): string {
  return v == null
    ? '' + v
    : typeof v === 'function'
      ? 'function ' + v.name
      : typeof v === 'object'
        ? 'an instance of ' + ((v.constructor && v.constructor.name) || 'Object')
        : 'type ' + typeof v + ' (' + (typeof v === 'string' ? "'" + v + "'" : String(v)) + ')';
}

/** A port as Node validates it (validatePort): a number or a numeric string in 0..65535; `name`
 *  names it in the error. */
export function toPort(p: unknown, name: string): number {
  if (typeof p !== 'number' && typeof p !== 'string') throw err(E.ArgType, name, 'number or string', kind(p));
  if ((typeof p === 'string' && !p.trim()) || +p !== +p >>> 0 || +p > 65535) throw err(E.BadPort, name, kind(p));
  return +p;
}
