// Shared by the behaviour scripts: per-actor event logs (each actor's events are causally ordered,
// so they do not depend on timing), one final BEHAVIOUR line, and a watchdog.
// Board-compatible ES2019: no Node APIs.

export function harness(limitMs) {
  const log = {};
  let over = false;
  const watchdog = setTimeout(() => finish('watchdog'), limitMs || 8000);

  /** A logger for one actor: log('event', detail...) appends "event detail...". */
  function actor(name) {
    const list = (log[name] = []);
    return function () {
      list.push(Array.prototype.slice.call(arguments).join(' '));
    };
  }

  /** Prints the log once; `why` marks an unfinished scenario. */
  function finish(why) {
    if (over) return;
    over = true;
    clearTimeout(watchdog);
    if (why) log.unfinished = why;
    console.log('BEHAVIOUR ' + JSON.stringify(log));
  }

  /** Calls `fn` once `n` calls of the returned function happened. */
  function after(n, fn) {
    return function () {
      if (--n === 0) fn();
    };
  }

  return { actor, finish, after, log };
}

/** The Node-style fields of an error that do not depend on the port or timing. */
export function describeError(e, port) {
  const s = String(port);
  return [e.code, e.errno, e.syscall, e.address, e.port === port ? 'PORT' : e.port, String(e.message).split(s).join('PORT')].join(' ');
}

export function text(bytes) {
  return new TextDecoder().decode(bytes);
}

/** Joins received chunks (Uint8Array) into one. */
export function concat(chunks) {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const c of chunks) {
    out.set(c, n);
    n += c.length;
  }
  return out;
}

/** An order-sensitive 32-bit checksum. */
export function checksum(sum, bytes) {
  for (let i = 0; i < bytes.length; i++) sum = (Math.imul(sum, 31) + bytes[i]) >>> 0;
  return sum;
}
