import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileAtomic } from '../../cli/image/atomic-write';

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'kaluma-net-atomic-'));
});
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('writes bytes and strings, replacing an existing file, leaving no temp file', async () => {
  const path = join(dir, 'app.uf2');
  writeFileSync(path, 'old content that is longer');
  await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
  assert.equal([...readFileSync(path)], [1, 2, 3]);
  await writeFileAtomic(join(dir, 'app.js'), 'print(1)');
  assert.is(readFileSync(join(dir, 'app.js'), 'utf8'), 'print(1)');
  assert.equal(readdirSync(dir).sort(), ['app.js', 'app.uf2']);
});

test('mode applies to the new file', async () => {
  const path = join(dir, 'secret.uf2');
  await writeFileAtomic(path, 'x', { mode: 0o600 });
  assert.is(statSync(path).mode & 0o077, 0, 'no access for group or others');
});

test('a failure leaves the old file and no temp file, and names the path', async () => {
  const blocker = join(dir, 'out');
  mkdirSync(blocker); // renaming a file over a directory fails
  writeFileSync(join(blocker, 'keep'), 'k');
  try {
    await writeFileAtomic(blocker, 'data');
    assert.unreachable('should have failed');
  } catch (error) {
    assert.instance(error, Error);
    assert.match((error as Error).message, new RegExp(`${blocker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write the file \\(E`));
  }
  assert.equal(readdirSync(dir), ['out']);
  assert.ok(existsSync(join(blocker, 'keep')));
});

test('a missing directory is an error naming the path', async () => {
  const path = join(dir, 'no', 'such', 'dir', 'a.bin');
  try {
    await writeFileAtomic(path, 'x');
    assert.unreachable('should have failed');
  } catch (error) {
    assert.match((error as Error).message, /a\.bin: cannot write the file \(ENOENT\)/);
  }
});

test.run();
