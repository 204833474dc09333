// The baseline of bench/build.mjs: what the official Kaluma CLI's `kaluma bundle` runs
// (kaluma-project/kaluma-cli lib/bundle.js): webpack 5, mode production (its default, minified),
// node: false, and Kaluma's built-in modules as commonjs externals. One whole command, as a user
// runs it: `node bench/webpack-bundle.mjs <entry> <outdir>`.
import webpack from 'webpack';
import { resolve } from 'node:path';

// The official CLI's list, as it ships.
const BUILTIN_MODULES = [
  'events', 'gpio', 'led', 'button', 'pwm', 'adc', 'i2c', 'spi', 'uart', 'rp2', 'graphics', 'at', 'stream',
  'net', 'dgram', 'http', 'wifi', 'url', 'path', 'flash', 'fs', 'rtc', 'vfs_lfs', 'vfs_fat', 'sdcard', 'pico_cyw43',
];

const [entry, outdir] = process.argv.slice(2);
const compiler = webpack({
  mode: 'production',
  entry: resolve(entry),
  output: { path: resolve(outdir), filename: 'index.js' },
  node: false,
  externals: Object.fromEntries(BUILTIN_MODULES.map((m) => [m, `commonjs ${m}`])),
});
compiler.run((err, stats) => {
  compiler.close(() => undefined);
  if (err || stats.hasErrors()) {
    process.stderr.write(String(err ?? stats.toString('errors-only')) + '\n');
    process.exitCode = 1;
  }
});
