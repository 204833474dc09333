import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { programBin, programBytes } from '../../cli/image/program-bytes';

test('program bytes are the ASCII text followed by one NUL', () => {
  assert.equal([...programBytes('ab\n')], [0x61, 0x62, 0x0a, 0x00]);
  assert.equal([...programBytes('')], [0x00]);
});

test('a NUL inside the program is refused with its position', () => {
  assert.throws(() => programBytes('let a;\nb\0c'), /NUL character at offset 8 \(line 2, column 2\)/);
});

test('non-ASCII text is refused, naming the character', () => {
  assert.throws(() => programBytes('x = "é"'), /non-ASCII character U\+00E9 at offset 5 \(line 1, column 6\)/);
  assert.throws(() => programBytes('"😀"'), /U\+D83D/);
  assert.throws(() => programBytes('\x80'), /U\+0080/);
});

test('the bin is padded with 0xFF to whole 4 KB sectors', () => {
  const fits = programBin('a'.repeat(4095), 8192);
  assert.is(fits.length, 4096);
  assert.is(fits[4094], 0x61);
  assert.is(fits[4095], 0x00);

  const spills = programBin('a'.repeat(4096), 8192);
  assert.is(spills.length, 8192);
  assert.is(spills[4096], 0x00);
  assert.ok(spills.subarray(4097).every((b) => b === 0xff));

  const small = programBin('print(1)', 4096);
  assert.is(small.length, 4096);
  assert.is(small[8], 0);
  assert.ok(small.subarray(9).every((b) => b === 0xff));
});

test('a program exactly filling the region is accepted; one byte more is refused with both sizes', () => {
  assert.is(programBin('a'.repeat(8191), 8192).length, 8192);
  assert.throws(() => programBin('a'.repeat(8192), 8192), /8193 bytes with its NUL terminator, larger than the 8192-byte \(8 KB\) program region/);
});

test('a region size that is not whole sectors is refused', () => {
  assert.throws(() => programBin('x', 5000), /5000 is not a whole number of 4 KB flash sectors/);
  assert.throws(() => programBin('x', 0), /not a whole number/);
});

test.run();
