// Compile-time switches (cli/bundle/features.ts): every bundle defines each one as a constant, so
// the code behind a switch that is off is left out. Read them as `globalThis.KN_<NAME>` (nothing
// else is replaced) and treat undefined (outside a bundle: unit tests in Node) as "may be used".
declare var KN_CLIENT: boolean | undefined;
declare var KN_SERVER: boolean | undefined;
/** dns.lookup is used: drivers add their resolver (netdev.lookup). */
declare var KN_DNS: boolean | undefined;
declare var KN_DHCP: boolean | undefined;
/** Write `globalThis.KN_ERRMSG !== false && 'sentence'` where a driver fills netdev.errmsg. */
declare var KN_ERRMSG: boolean | undefined;
