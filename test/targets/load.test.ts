import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listTargetIds, loadTarget, networkTargetIds } from '../../cli/targets/load';

test('ships the required targets and hides abstract bases', () => {
  const ids = listTargetIds();
  for (const id of ['pico-w', 'pico2-w', 'pico-esp01', 'w5500-evb-pico', 'pico', 'pico2', 'host', 'sim']) assert.ok(ids.includes(id), id);
  for (const id of ['rp2040', 'rp2350', 'kaluma-1.2']) assert.not.ok(ids.includes(id), id);
});

test('extends chain: board data merges over the base', () => {
  const t = loadTarget('pico-esp01');
  assert.is(t.engine.id, 'kaluma-1.2');
  assert.is(t.engine.esbuildTarget, 'es2019');
  assert.is(t.flash!.programBase, 0x10100000);
  assert.is(t.flash!.uf2Family, 0xe48bff56);
  assert.equal(t.netdev, { driver: 'esp-at', wifi: true, uart: { bus: 0, tx: 0, rx: 1, baudrate: 115200 } });
  assert.not.ok(t.builtinModules.includes('pico_cyw43'));
});

test('pico-w adds pico_cyw43 to the built-ins; pico2-w moves the program region', () => {
  assert.ok(loadTarget('pico-w').builtinModules.includes('pico_cyw43'));
  const p2w = loadTarget('pico2-w');
  assert.is(p2w.flash!.programBase, 0x10110000);
  assert.is(p2w.flash!.programSize, 1472 * 1024);
  assert.is(p2w.flash!.uf2Family, 0xe48bff59);
  assert.is(loadTarget('pico2').flash!.programSize, 1536 * 1024);
});

test('w5500 pins and network targets', () => {
  const t = loadTarget('w5500-evb-pico');
  assert.equal(t.netdev!.spi, { bus: 0, miso: 16, cs: 17, sck: 18, mosi: 19 });
  assert.is(t.netdev!.reset, 20);
  assert.is(t.netdev!.interrupt, 21);
  assert.equal(networkTargetIds(), ['host', 'pico-esp01', 'pico-w', 'pico2-w', 'sim', 'w5500-evb-pico']);
  assert.is(loadTarget('pico').netdev, null);
});

test('unknown target lists the valid ones', () => {
  assert.throws(() => loadTarget('pico-x'), /unknown target "pico-x"; valid targets: host, pico, pico-esp01/);
});

test('validation errors name the file and the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kn-targets-'));
  writeFileSync(join(dir, 'base.json'), JSON.stringify({ id: 'base', abstract: true, name: 'b', heapSize: 1, builtinModules: [], engine: { id: 'e', name: 'e', firmware: '1', esbuildTarget: 'es2019', unsupportedSyntax: [], missingBuiltins: [] } }));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ id: 'bad', extends: 'base', name: 'x', flash: { programBase: 'nope', programSize: 4096, storageBase: 0, storageSize: 0, uf2Family: 1 } }));
  assert.throws(() => loadTarget('bad', dir), (e: Error) => e.message === `${join(dir, 'bad.json')}: field "flash.programBase" must be a non-negative integer (or a "0x..." hex string)`);
  writeFileSync(join(dir, 'loop.json'), JSON.stringify({ id: 'loop', extends: 'loop' }));
  assert.throws(() => loadTarget('loop', dir), /"extends" cycle: loop -> loop/);
  writeFileSync(join(dir, 'drv.json'), JSON.stringify({ id: 'drv', extends: 'base', name: 'x', pc: true, netdev: { driver: 'nic9000' } }));
  assert.throws(() => loadTarget('drv', dir), /drv.json: field "netdev.driver" must be one of cyw43, esp-at, w5500, sim, host/);
  writeFileSync(join(dir, 'broken.json'), '{ nope');
  assert.throws(() => loadTarget('broken', dir), /broken\.json:\d+:\d+: invalid JSON/);
});

test.run();
