// The plain, JSON-ready result of `kaluma-net inspect`. Addresses and family ids are hex strings.
// It never holds a Wi-Fi password or any other storage value except the SSID.

export type InspectKind = 'uf2' | 'bin' | 'js';

export interface InspectRegion {
  role: 'firmware' | 'storage' | 'program' | 'other';
  address: string;
  /** Address of the last byte. */
  end: string;
  size: number;
  family: string | null;
}

export interface InspectStamp {
  v: string;
  target: string;
  engine: string;
  sha256: string;
  actualSha256: string;
  hashMatches: boolean;
}

export interface InspectProgram {
  /** Where the program region starts (UF2 only). */
  address: string | null;
  /** Program text bytes, without the NUL terminator. */
  textBytes: number;
  /** 4 KB sectors the text and its terminator occupy. */
  sectors: number;
  stamp: InspectStamp | null;
  /** The heap the stamped target's engine needs to parse the program (estimate); null when the
   *  program has no stamp naming a board target. */
  heap: { parse: number; heapSize: number } | null;
}

export interface InspectStorage {
  address: string;
  /** Keys of the used slots; values are never shown. */
  keys: string[];
  removedSlots: number;
  emptySlots: number;
}

export interface InspectWifi {
  ssid: string;
  password: 'present' | 'absent';
  security: string | null;
  /** Where the file holds them: the program text (the driver's options, or the program's own
   *  `wifi.connect({...})`) and/or the storage slots WIFI_*. */
  in: ('program' | 'storage')[];
}

export interface InspectUf2 {
  blocks: number;
  /** Blocks the boot ROM does not write (RP2350-E10 ignore block, not-main-flash blocks). */
  skippedBlocks: number;
  families: { id: string; name: string; blocks: number }[];
}

export interface InspectResult {
  file: string;
  kind: InspectKind;
  size: number;
  sha256: string;
  uf2: InspectUf2 | null;
  /** The board layout the UF2's regions were matched to, e.g. `pico, pico-w`. */
  layout: string | null;
  regions: InspectRegion[];
  program: InspectProgram | null;
  /** A UF2 whose program region holds a snapshot container (cli/codegen/snapshot/CONTAINER.md). */
  snapshot: { address: string; size: number; verified: boolean } | null;
  storage: InspectStorage | null;
  wifi: InspectWifi | null;
  problems: string[];
}
