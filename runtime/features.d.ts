// Compile-time switches (cli/bundle/features.ts): every bundle defines each one as a constant, so
// the code behind a switch that is off is left out. Read them as `globalThis.KN_<NAME>` (nothing
// else is replaced) and treat undefined (outside a bundle: unit tests in Node) as "may be used".
declare var KN_CLIENT: boolean | undefined;
declare var KN_SERVER: boolean | undefined;
/** dns.lookup is used: drivers add their resolver (netdev.lookup). */
declare var KN_DNS: boolean | undefined;
declare var KN_DHCP: boolean | undefined;
/** The build ran the driver's option checks (cli/bundle/driver-options.ts): the driver skips them. */
declare var KN_CHECKED: boolean | undefined;
/** Write `globalThis.KN_ERRMSG !== false && 'sentence'` where a driver fills netdev.errmsg. */
declare var KN_ERRMSG: boolean | undefined;
/** Optional members (cli/bundle/features.ts OPTIONAL_MEMBERS): false when the program never names them. */
declare var KN_M_listeners: boolean | undefined;
declare var KN_M_listenerCount: boolean | undefined;
declare var KN_M_removeAllListeners: boolean | undefined;
declare var KN_M_pipe: boolean | undefined;
declare var KN_M_isPaused: boolean | undefined;
declare var KN_M_setEncoding: boolean | undefined;
declare var KN_M_setNoDelay: boolean | undefined;
declare var KN_M_setKeepAlive: boolean | undefined;
declare var KN_M_address: boolean | undefined;
declare var KN_M_readyState: boolean | undefined;
declare var KN_M_pending: boolean | undefined;
declare var KN_M_getConnections: boolean | undefined;
declare var KN_M_prependListener: boolean | undefined;
declare var KN_M_readable: boolean | undefined;
declare var KN_M_writable: boolean | undefined;
declare var KN_M_read: boolean | undefined;
/** Options of connect() that are only validated (checked where the program names them). */
declare var KN_M_localAddress: boolean | undefined;
declare var KN_M_localPort: boolean | undefined;
