// Type declarations for kaluma-net projects: the board's globals, our `net`/`events`/`stream`
// runtime and the Kaluma firmware modules the templates use. Reference with
// "types": ["kaluma-net/types"] in tsconfig.json.
/// <reference path="./kaluma-globals.d.ts" />
/// <reference path="./runtime-modules.d.ts" />
/// <reference path="./firmware-modules.d.ts" />
