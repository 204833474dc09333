'use strict';
// Our stand-in for Node's test/common, as far as Node's net tests use it. Under Node (the baseline)
// the call counts are checked at process 'exit', as Node's own common does. In the board sandbox,
// which has no 'exit' event, the program is over when no driver socket is open and no timer of the
// program is pending (the same condition that ends `kaluma-net run`): the checks and the tests'
// own process.on('exit') handlers run then. Either way the last line is "common: ok" on success.
const assert = require('./assert');

const checks = [];
const exitHooks = [];
const isNode = typeof process === 'object' && typeof process.on === 'function' && !!process.versions;

function expect(fn, expected, exact, what) {
  const c = { expected, actual: 0, exact, what: what || (fn && fn.name) || '<anonymous>' };
  checks.push(c);
  return function (...args) {
    c.actual++;
    if (fn) return fn.apply(this, args);
  };
}

function mustCall(fn, n) {
  if (typeof fn === 'number') return expect(undefined, fn, true);
  return expect(fn, n === undefined ? 1 : n, true);
}

function mustCallAtLeast(fn, n) {
  if (typeof fn === 'number') return expect(undefined, fn, false);
  return expect(fn, n === undefined ? 1 : n, false);
}

function mustNotCall(msg) {
  return function mustNotCall(...args) {
    throw new assert.AssertionError(`${msg || 'function should not have been called'} (called with ${args.map(String).join(', ')})`);
  };
}

function mustSucceed(fn, n) {
  return mustCall(function (err, ...args) {
    assert.ifError(err);
    if (fn) return fn.apply(this, args);
  }, n);
}

function expectsError(validator, n) {
  return mustCall(function (actual) {
    assert.throws(() => {
      throw actual;
    }, validator);
    return true;
  }, n);
}

/** The " Received ..." suffix of Node's ERR_INVALID_ARG_TYPE messages. */
function invalidArgTypeHelper(input) {
  if (input == null) return ` Received ${input}`;
  if (typeof input === 'function' && input.name) return ` Received function ${input.name}`;
  if (typeof input === 'object') {
    if (input.constructor && input.constructor.name) return ` Received an instance of ${input.constructor.name}`;
    return ` Received ${String(input)}`;
  }
  let shown = typeof input === 'string' ? `'${input}'` : Object.is(input, -0) ? '-0' : String(input);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof input} (${shown})`;
}

function finish() {
  for (const fn of exitHooks) fn(0);
  const bad = checks.filter((c) => (c.exact ? c.actual !== c.expected : c.actual < c.expected));
  if (bad.length) {
    const lines = bad.map((c) => `  ${c.what}: expected ${c.exact ? '' : 'at least '}${c.expected} call(s), got ${c.actual}`);
    throw new assert.AssertionError(`Mismatched call counts:\n${lines.join('\n')}`);
  }
  console.log('common: ok');
}

if (isNode) {
  process.on('exit', (code) => {
    if (code === 0) finish();
  });
} else {
  watchUntilIdle();
}

/** Board sandbox: counts the program's pending timers and polls the driver's socket table. */
function watchUntilIdle() {
  const g = global;
  if (typeof process === 'undefined') g.process = {};
  const st = g.setTimeout;
  const ct = g.clearTimeout;
  const si = g.setInterval;
  const ci = g.clearInterval;
  const pending = new Set();
  g.setTimeout = function (fn, ms, ...args) {
    const id = st(() => {
      pending.delete(id);
      fn(...args);
    }, ms);
    pending.add(id);
    return id;
  };
  g.setInterval = function (fn, ms, ...args) {
    const id = si(() => fn(...args), ms);
    pending.add(id);
    return id;
  };
  g.clearTimeout = (id) => {
    pending.delete(id);
    ct(id);
  };
  g.clearInterval = (id) => {
    pending.delete(id);
    ci(id);
  };
  process.on = process.once = function (type, fn) {
    if (type === 'exit') exitHooks.push(fn);
    return process;
  };
  // A connection the driver reported gone (close_cb) no longer counts, though the program never
  // closed it (it may hold unread data): Node's handle is not active either after EOF.
  const gone = new Set();
  const seen = new Set();
  const instrument = (d) => {
    const get = d.get;
    d.get = function (fd) {
      const k = get.call(this, fd);
      if (k && !seen.has(k)) {
        seen.add(k);
        let cb = k.close_cb;
        Object.defineProperty(k, 'close_cb', {
          configurable: true,
          enumerable: true,
          get: () =>
            cb &&
            function () {
              gone.add(k);
              return cb.apply(this, arguments);
            },
          set: (f) => {
            cb = f;
          },
        });
      }
      return k;
    };
  };
  if (g.__netdev) instrument(g.__netdev);
  else {
    let netdev;
    Object.defineProperty(g, '__netdev', {
      configurable: true,
      get: () => netdev,
      set: (d) => {
        netdev = d;
        if (d) instrument(d);
      },
    });
  }
  const openSockets = () => {
    const d = g.__netdev;
    let n = 0;
    if (d)
      for (let fd = 0; fd < 64; fd++) {
        const k = d.get(fd);
        if (k && !gone.has(k)) n++;
      }
    return n;
  };
  const started = Date.now();
  let quiet = 0;
  const poll = () => {
    quiet = pending.size || openSockets() ? 0 : quiet + 1;
    if (quiet >= 3) return finish();
    if (Date.now() - started > 20000) {
      throw new Error(`common: still busy after 20 s (${pending.size} timer(s), ${openSockets()} socket(s) open)`);
    }
    st(poll, 20);
  };
  st(poll, 20);
}

module.exports = {
  mustCall,
  mustCallAtLeast,
  mustNotCall,
  mustSucceed,
  expectsError,
  invalidArgTypeHelper,
  platformTimeout: (ms) => ms,
  skip: (why) => {
    console.log(`common: skip: ${why}`);
  },
  localhostIPv4: '127.0.0.1',
  PORT: 12346,
  PIPE: '/tmp/kaluma-net-conformance.sock',
  hasIPv6: false,
  hasCrypto: false,
  isSunOS: false,
  isWindows: false,
  inFreeBSDJail: false,
};
