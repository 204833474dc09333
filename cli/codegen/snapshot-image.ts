import type { Target } from '../targets/target';
import { generateSnapshot, snapshotContainer } from './snapshot';
import { writeUf2 } from '../image/uf2-write';
import { roundUpToSector } from '../image/program-bytes';
import { UserError } from '../util/errors';

export interface SnapshotImageOptions {
  program: string;
  name: string;
  target: Target;
  formats: readonly string[];
  tool?: string;
}

/** `--format snapshot`: <name>.snapshot, and its program-region container as .snapshot.bin/.snapshot.uf2
 *  when bin/uf2 are asked for too (for a firmware whose loader recognises the container). */
export async function buildSnapshotImage(o: SnapshotImageOptions): Promise<{ file: string; bytes: Uint8Array; format: 'snapshot' | 'snapshot-bin' | 'snapshot-uf2' }[]> {
  let snapshot: Uint8Array;
  try {
    snapshot = await generateSnapshot(o.program, { tool: o.tool, resourceName: `${o.name}.js` });
  } catch (e) {
    throw new UserError(`--format snapshot: ${(e as Error).message}`);
  }
  const out: { file: string; bytes: Uint8Array; format: 'snapshot' | 'snapshot-bin' | 'snapshot-uf2' }[] = [{ file: `${o.name}.snapshot`, bytes: snapshot, format: 'snapshot' }];
  const flash = o.target.flash;
  if (!flash || !(o.formats.includes('bin') || o.formats.includes('uf2'))) return out;
  const container = snapshotContainer(snapshot);
  if (container.length > flash.programSize) {
    throw new UserError(`the snapshot container (${container.length} bytes) is larger than the ${flash.programSize}-byte program region of target ${o.target.id}`);
  }
  const region = new Uint8Array(roundUpToSector(container.length)).fill(0xff);
  region.set(container);
  if (o.formats.includes('bin')) out.push({ file: `${o.name}.snapshot.bin`, bytes: region, format: 'snapshot-bin' });
  if (o.formats.includes('uf2')) out.push({ file: `${o.name}.snapshot.uf2`, bytes: writeUf2([{ address: flash.programBase, bytes: region }], flash.uf2Family), format: 'snapshot-uf2' });
  return out;
}
