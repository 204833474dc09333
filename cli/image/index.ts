// The image stage: a built (and stamped) program -> the files to flash (.bin, .uf2), optionally
// combined with a Kaluma firmware and with Wi-Fi credentials pre-seeded into the storage area.

import { type FlashLayout, assertFlashLayout } from './flash-layout';
import { mergeFirmware } from './firmware-merge';
import { programBin } from './program-bytes';
import { storageImage } from './storage-slots';
import { hex32 } from './uf2-format';
import { type FlashRegion, writeUf2 } from './uf2-write';
import { findProgramWifi, type WifiCredentials, type WifiSummary, wifiStorageEntries } from './wifi-credentials';

export type ImageFormat = 'bin' | 'uf2';

export interface MakeImagesOptions {
  /** The final program text, stamp included. */
  programText: string;
  target: FlashLayout;
  formats: readonly ImageFormat[];
  /** A Kaluma firmware UF2 to combine with the program into one UF2. */
  firmware?: Uint8Array;
  wifi?: WifiCredentials;
  /** Wi-Fi credentials in the program text (findProgramWifi), when the caller already looked. */
  programWifi?: WifiSummary | null;
}

export interface ImageOutput {
  name: ImageFormat;
  bytes: Uint8Array;
  /** Something the user must know about this file (never a credential's value). */
  note?: string;
  /** The file holds a Wi-Fi password: write it with mode 0o600. */
  containsSecrets?: boolean;
  /** Where the file holds Wi-Fi credentials: the program text, the storage slots. */
  wifiIn: ('program' | 'storage')[];
}

export function makeImages(options: MakeImagesOptions): ImageOutput[] {
  const { target } = options;
  assertFlashLayout(target);
  const formats = [...new Set(options.formats)];
  for (const format of formats) {
    if (format !== 'bin' && format !== 'uf2') throw new Error(`unknown image format "${String(format)}" (expected bin or uf2)`);
  }
  const wantsUf2 = formats.includes('uf2');
  if (options.firmware && !wantsUf2) {
    throw new Error('a firmware can only be combined into a UF2 image: add uf2 to the formats');
  }
  if (options.wifi && !wantsUf2) {
    throw new Error('Wi-Fi credentials are written into the storage sectors of a UF2 image: add uf2 to the formats');
  }

  const bin = programBin(options.programText, target.programSize);
  const regions: FlashRegion[] = [{ address: target.programBase, bytes: bin }];
  if (options.wifi) {
    regions.push({ address: target.storageBase, bytes: storageImage(wifiStorageEntries(options.wifi), target.storageSize) });
  }

  const inProgram = options.programWifi === undefined ? findProgramWifi(options.programText) : options.programWifi;
  const programSecret = !!inProgram?.passwordPresent;
  return formats.map((format): ImageOutput => {
    const wifiIn: ImageOutput['wifiIn'] = inProgram ? ['program'] : [];
    if (format === 'bin') return { name: 'bin', bytes: bin, containsSecrets: programSecret, wifiIn };
    const bytes = options.firmware ? mergeFirmware(options.firmware, regions, target) : writeUf2(regions, target.uf2Family);
    if (!options.wifi) return { name: 'uf2', bytes, containsSecrets: programSecret, wifiIn };
    return {
      name: 'uf2',
      bytes,
      containsSecrets: programSecret || options.wifi.password !== undefined,
      wifiIn: [...wifiIn, 'storage'],
      note:
        `the .uf2 also pre-seeds the Wi-Fi storage slots (${options.wifi.password !== undefined ? 'SSID and password' : 'SSID'}) at ` +
        `${hex32(target.storageBase)}: flashing it replaces all of the board's storage items`,
    };
  });
}

export { removeStaleTemps, writeFileAtomic, type AtomicWriteOptions } from './atomic-write';
export { mergeFirmware } from './firmware-merge';
export type { FlashLayout, NamedFlashLayout } from './flash-layout';
export { formatInspect } from './inspect-format';
export { inspectFile, type InspectOptions } from './inspect';
export type { InspectResult } from './inspect-result';
export { programBin, programBytes } from './program-bytes';
export { readStamp, stampProgram, type StampFields, type StampInfo, type StampReading } from './stamp';
export { readStorage, storageImage, type StorageReading } from './storage-slots';
export { describeFamily, familyName, UF2_FAMILY } from './uf2-format';
export { readUf2, type Uf2Reading } from './uf2-read';
export { writeUf2, type FlashRegion } from './uf2-write';
export { findProgramWifi, WIFI_SECURITY_MODES, wifiStorageEntries, type WifiCredentials, type WifiSummary } from './wifi-credentials';
