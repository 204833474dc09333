/** A resolved board target: what every stage after target loading reads. */
export interface EngineProfile {
  id: string;
  name: string;
  firmware: string;
  esbuildTarget: string;
  supported: Record<string, boolean>;
  unsupportedSyntax: string[];
  missingBuiltins: string[];
}

export interface FlashLayout {
  programBase: number;
  programSize: number;
  storageBase: number;
  storageSize: number;
  uf2Family: number;
}

export type DriverName = 'cyw43' | 'esp-at' | 'w5500' | 'sim' | 'host';

export interface NetdevConfig {
  driver: DriverName;
  wifi: boolean;
  [key: string]: unknown;
}

export interface Target {
  id: string;
  name: string;
  file: string;
  /** Runs only on the PC (host, sim): no flash layout, no images. */
  pc: boolean;
  heapSize: number;
  engine: EngineProfile;
  builtinModules: string[];
  flash: FlashLayout | null;
  netdev: NetdevConfig | null;
}
