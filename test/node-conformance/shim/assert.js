'use strict';
// Our stand-in for Node's `assert`, as far as Node's net tests use it. It runs on Node (the baseline)
// and in the board sandbox (no Node built-ins there), so it is plain ES2017 with no imports.

class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
    this.code = 'ERR_ASSERTION';
  }
}

const show = (v) => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'function' ? `[Function ${v.name}]` : String(v));

function fail(message, actual, expected, op) {
  if (message instanceof Error) throw message;
  throw new AssertionError(message || (op ? `${show(actual)} ${op} ${show(expected)}` : 'Failed'));
}

function ok(value, message) {
  if (!value) fail(message || `The expression evaluated to a falsy value: ${show(value)}`);
}

function deepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

/** Node's rules for the `expected` argument of throws(): a validation function, a RegExp for
 *  String(err), an Error class, or an object whose every key must match (RegExp values test strings). */
function check(err, expected, message) {
  if (expected === undefined) return;
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && err instanceof expected) return;
    if (Error.isPrototypeOf(expected) || expected === Error) fail(message || `The error is not an instance of ${expected.name}: ${err}`);
    if (expected.call({}, err) !== true) fail(message || `The validation function did not return true for ${err}`);
    return;
  }
  if (expected instanceof RegExp) {
    if (!expected.test(String(err))) fail(message || `The input did not match ${expected}: ${err}`);
    return;
  }
  for (const key of Object.keys(expected)) {
    const want = expected[key];
    const got = err == null ? undefined : err[key];
    const same = want instanceof RegExp && typeof got === 'string' ? want.test(got) : deepEqual(got, want);
    if (!same) fail(message || `Expected error.${key} to be ${show(want)}, got ${show(got)} (${err && err.message})`);
  }
}

function throws(fn, expected, message) {
  if (typeof expected === 'string') {
    message = expected;
    expected = undefined;
  }
  try {
    fn();
  } catch (err) {
    check(err, expected, message);
    return;
  }
  fail(`Missing expected exception${message ? ': ' + message : '.'}`);
}

const assert = (value, message) => ok(value, message);
Object.assign(assert, {
  AssertionError,
  ok,
  fail,
  throws,
  equal: (a, b, m) => a == b || fail(m, a, b, '=='),
  notEqual: (a, b, m) => a != b || fail(m, a, b, '!='),
  strictEqual: (a, b, m) => Object.is(a, b) || fail(m, a, b, '==='),
  notStrictEqual: (a, b, m) => !Object.is(a, b) || fail(m, a, b, '!=='),
  deepStrictEqual: (a, b, m) => deepEqual(a, b) || fail(m || `${JSON.stringify(a)} deepStrictEqual ${JSON.stringify(b)}`),
  match: (s, re, m) => re.test(s) || fail(m || `${show(s)} does not match ${re}`),
  ifError: (e) => {
    if (e !== null && e !== undefined) throw e;
  },
  doesNotThrow: (fn) => {
    fn();
  },
});
assert.strict = assert;

module.exports = assert;
