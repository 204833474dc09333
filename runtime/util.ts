// A small `util`: inherits, format, promisify and inspect's basics, each dropped from a bundle that
// does not use it.

/** Node's util.inherits: `ctor`'s instances inherit `superCtor`'s prototype; ctor.super_ is set. */
export function inherits(ctor: any, superCtor: any): void {
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  ctor.super_ = superCtor;
}

/** util.format: %s %d %i %f %j %o %O %% as in Node; the other arguments follow, separated by spaces. */
export function format(f?: unknown, ...args: unknown[]): string {
  let s: string;
  if (typeof f === 'string') {
    s = f.replace(/%([sdifjoO%])/g, (m, c: string) => {
      if (c === '%') return '%';
      if (!args.length) return m;
      const v: any = args.shift();
      return c === 's'
        ? typeof v === 'string'
          ? v
          : typeof v === 'object' && v
            ? inspect(v, { depth: 1 })
            : String(v)
        : c === 'd'
          ? String(Number(v))
          : c === 'i'
            ? String(parseInt(v))
            : c === 'f'
              ? String(parseFloat(v))
              : c === 'j'
                ? JSON.stringify(v)
                : inspect(v);
    });
  } else s = inspect(f);
  for (const v of args) s += ' ' + (typeof v === 'string' ? v : inspect(v));
  return s;
}

/** util.promisify: `fn(...args, (err, value))` as a function returning a promise of `value`. */
export function promisify(fn: (...args: any[]) => void): (...args: any[]) => Promise<any> {
  return function (this: unknown, ...args: any[]) {
    return new Promise((resolve, reject) => fn.apply(this, [...args, (e: unknown, v: unknown) => (e ? reject(e) : resolve(v))]));
  };
}

/** util.inspect's basics: primitives, arrays, plain and class objects (to `depth`, default 2),
 *  functions, errors, dates, regular expressions, typed arrays; circular references. */
export function inspect(v: unknown, opts?: { depth?: number }): string {
  return show(v, opts && opts.depth != null ? opts.depth : 2, []);
}

function show(v: any, depth: number, seen: unknown[]): string {
  const t = typeof v;
  if (t === 'string') return seen.length ? "'" + v.replace(/'/g, "\\'") + "'" : "'" + v + "'";
  if (t === 'function') return '[Function: ' + (v.name || '(anonymous)') + ']';
  if (t === 'bigint') return v + 'n';
  if (t !== 'object' || v === null) return Object.is(v, -0) ? '-0' : String(v);
  if (v instanceof Error) return v.stack || v.name + ': ' + v.message;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof RegExp) return String(v);
  if (seen.indexOf(v) >= 0) return '[Circular]';
  const name = v.constructor && v.constructor.name;
  const array: boolean = Array.isArray(v) || ArrayBuffer.isView(v);
  const tag = array ? (name === 'Array' ? '' : name + '(' + v.length + ') ') : name && name !== 'Object' ? name + ' ' : '';
  if (depth < 0) return '[' + (name || 'Object') + ']';
  const items: string[] = [];
  seen.push(v);
  if (array) for (let i = 0; i < v.length; i++) items.push(show(v[i], depth - 1, seen));
  else for (const k of Object.keys(v)) items.push((/^[A-Za-z_$][\w$]*$/.test(k) ? k : "'" + k + "'") + ': ' + show(v[k], depth - 1, seen));
  seen.pop();
  const [open, close] = array ? ['[', ']'] : ['{', '}'];
  return tag + (items.length ? open + ' ' + items.join(', ') + ' ' + close : open + close);
}

export default { inherits, format, promisify, inspect };
