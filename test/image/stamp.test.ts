import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { programBytes } from '../../cli/image/program-bytes';
import { readStamp, stampProgram } from '../../cli/image/stamp';

const FIELDS = { v: '0.1.0', target: 'pico-w', engine: 'kaluma-1.2' };
const BODY = '"use strict";\nconsole.log("hi");\n';

test('the stamp is one leading comment line with version, target, engine and the body hash', () => {
  const stamped = stampProgram(BODY, FIELDS);
  const hash = createHash('sha256').update(BODY).digest('hex').slice(0, 16);
  assert.is(stamped, `/*kaluma-net:{"v":"0.1.0","target":"pico-w","engine":"kaluma-1.2","sha256":"${hash}"}*/\n${BODY}`);
  assert.ok(programBytes(stamped).length > 0, 'stays plain ASCII');
});

test('the program still runs as a strict-mode script after the stamp', () => {
  const stamped = stampProgram('"use strict";\nundeclared = 1;\n', FIELDS);
  assert.throws(() => runInNewContext(stamped), /undeclared is not defined/);
});

test('round trip: read back the fields and a matching hash', () => {
  const reading = readStamp(stampProgram(BODY, FIELDS));
  assert.ok(reading);
  assert.equal({ v: reading!.info.v, target: reading!.info.target, engine: reading!.info.engine }, FIELDS);
  assert.ok(reading!.hashMatches);
  assert.is(reading!.actualSha256, reading!.info.sha256);
});

test('tampering with the body is detected', () => {
  const stamped = stampProgram(BODY, FIELDS);
  const tampered = stamped.replace('"hi"', '"ho"');
  const reading = readStamp(tampered);
  assert.is(reading!.hashMatches, false);
  assert.is.not(reading!.actualSha256, reading!.info.sha256);
  assert.is(readStamp(stamped + ' ')!.hashMatches, false);
});

test('stamping is deterministic and replaces an existing stamp', () => {
  const once = stampProgram(BODY, FIELDS);
  assert.is(stampProgram(BODY, FIELDS), once);
  const again = stampProgram(once, { ...FIELDS, target: 'pico' });
  assert.is(again.split('/*kaluma-net:').length, 2, 'exactly one stamp');
  assert.ok(again.endsWith(BODY));
  assert.is(readStamp(again)!.info.target, 'pico');
});

test('no stamp, malformed stamps and unsafe fields', () => {
  assert.is(readStamp(BODY), null);
  assert.throws(() => readStamp('/*kaluma-net:{"v":'), /not closed/);
  assert.throws(() => readStamp('/*kaluma-net:{nope}*/\nx'), /not valid JSON/);
  assert.throws(() => readStamp('/*kaluma-net:{"v":"1"}*/\nx'), /no string field "target"/);
  assert.throws(() => stampProgram(BODY, { ...FIELDS, target: 'a*/b' }), /stamp field target must be printable ASCII/);
  assert.throws(() => stampProgram(BODY, { ...FIELDS, v: 'ü' }), /stamp field v/);
});

test.run();
