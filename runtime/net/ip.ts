// Address syntax checks, as net.isIP / isIPv4 / isIPv6.

export function isIPv4(s: string): boolean {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s);
}

export function isIPv6(s: string): boolean {
  const halves = String(s).replace(/%[\w.~-]+$/, '').split('::');
  const joined = halves.filter(Boolean).join(':');
  const groups = joined ? joined.split(':') : [];
  let n = groups.length;
  if (n && halves[halves.length - 1] && isIPv4(groups[n - 1])) {
    groups.pop();
    n++;
  }
  return halves.length < 3 && groups.every((g) => /^[\da-f]{1,4}$/i.test(g)) && (halves.length > 1 ? n < 8 : n === 8);
}

/** 4, 6, or 0 when `s` is not an IP address. */
export function isIP(s: string): number {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0;
}
