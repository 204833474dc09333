// W5500 register map, command codes, states and bits (shared/docs/w5500.md §2–§6).

/** Common register block offsets (BSB 0x00). */
export const COMMON = {
  MR: 0x00,
  GAR: 0x01,
  SUBR: 0x05,
  SHAR: 0x09,
  SIPR: 0x0f,
  INTLEVEL: 0x13,
  IR: 0x15,
  IMR: 0x16,
  SIR: 0x17,
  SIMR: 0x18,
  RTR: 0x19,
  RCR: 0x1b,
  PTIMER: 0x1c,
  PMAGIC: 0x1d,
  PHAR: 0x1e,
  PSID: 0x24,
  PMRU: 0x26,
  UIPR: 0x28,
  UPORTR: 0x2c,
  PHYCFGR: 0x2e,
  VERSIONR: 0x39,
} as const;

/** Bytes of the common block that hold registers (0x2F..0x38 are reserved). */
export const COMMON_SIZE = 0x3a;

/** Socket register block offsets (BSB 1+4n). */
export const SN = {
  MR: 0x00,
  CR: 0x01,
  IR: 0x02,
  SR: 0x03,
  PORT: 0x04,
  DHAR: 0x06,
  DIPR: 0x0c,
  DPORT: 0x10,
  MSSR: 0x12,
  TOS: 0x15,
  TTL: 0x16,
  RXBUF_SIZE: 0x1e,
  TXBUF_SIZE: 0x1f,
  TX_FSR: 0x20,
  TX_RD: 0x22,
  TX_WR: 0x24,
  RX_RSR: 0x26,
  RX_RD: 0x28,
  RX_WR: 0x2a,
  IMR: 0x2c,
  FRAG: 0x2d,
  KPALVTR: 0x2f,
} as const;

/** Bytes of a socket block that hold registers. */
export const SOCKET_SIZE = 0x30;

/** Socket block offsets that are reserved (reads 0, writes ignored). */
export function isReservedSocketOffset(offset: number): boolean {
  return offset === 0x14 || (offset >= 0x17 && offset <= 0x1d) || offset >= SOCKET_SIZE;
}

/** Socket block offsets the host may not write (status / chip-owned counters). */
export function isReadOnlySocketOffset(offset: number): boolean {
  return (
    offset === SN.SR ||
    (offset >= SN.TX_FSR && offset < SN.TX_WR) ||
    (offset >= SN.RX_RSR && offset < SN.RX_RD) ||
    (offset >= SN.RX_WR && offset < SN.RX_WR + 2)
  );
}

export const CMD = {
  OPEN: 0x01,
  LISTEN: 0x02,
  CONNECT: 0x04,
  DISCON: 0x08,
  CLOSE: 0x10,
  SEND: 0x20,
  SEND_MAC: 0x21,
  SEND_KEEP: 0x22,
  RECV: 0x40,
} as const;

export const SR = {
  CLOSED: 0x00,
  INIT: 0x13,
  LISTEN: 0x14,
  SYNSENT: 0x15,
  SYNRECV: 0x16,
  ESTABLISHED: 0x17,
  FIN_WAIT: 0x18,
  CLOSING: 0x1a,
  TIME_WAIT: 0x1b,
  CLOSE_WAIT: 0x1c,
  LAST_ACK: 0x1d,
  UDP: 0x22,
  MACRAW: 0x42,
} as const;

/** Sn_IR bits. */
export const SNIR = { CON: 0x01, DISCON: 0x02, RECV: 0x04, TIMEOUT: 0x08, SEND_OK: 0x10 } as const;

/** IR (common) bits. */
export const IR = { MP: 0x10, PPPOE: 0x20, UNREACH: 0x40, CONFLICT: 0x80 } as const;

/** Sn_MR protocol values (bits 3..0) and option bits. */
export const PROTO = { CLOSED: 0x0, TCP: 0x1, UDP: 0x2, MACRAW: 0x4 } as const;
export const SNMR_BCASTB = 0x40;

export const VERSION = 0x04;

/** PHYCFGR: reset value of the configuration bits (RST=1, OPMD=0, OPMDC=111) and status bits. */
export const PHY = { RESET_CONFIG: 0xb8, RST: 0x80, OPMD: 0x40, OPMDC_MASK: 0x38, POWER_DOWN: 0x30, DPX: 0x04, SPD: 0x02, LNK: 0x01 } as const;

/** MR bits that store a value (WOL, PB, PPPoE, FARP); bit 7 is RST, bits 6/2/0 reserved. */
export const MR_RST = 0x80;
export const MR_STORED = 0x3a;

/** Block kinds by BSB (block select bits). */
export type Block =
  | { kind: 'common' }
  | { kind: 'socket' | 'tx' | 'rx'; socket: number }
  | { kind: 'reserved' };

export function decodeBsb(bsb: number): Block {
  if (bsb === 0) return { kind: 'common' };
  const socket = bsb >> 2;
  switch (bsb & 3) {
    case 1:
      return { kind: 'socket', socket };
    case 2:
      return { kind: 'tx', socket };
    case 3:
      return { kind: 'rx', socket };
    default:
      return { kind: 'reserved' };
  }
}

/** Reset value of the common block (bytes 0..COMMON_SIZE-1), without PHY status bits. */
export function commonResetValues(): Uint8Array {
  const r = new Uint8Array(COMMON_SIZE);
  r[COMMON.RTR] = 0x07;
  r[COMMON.RTR + 1] = 0xd0;
  r[COMMON.RCR] = 0x08;
  r[COMMON.PTIMER] = 0x28;
  r[COMMON.PHYCFGR] = PHY.RESET_CONFIG;
  r[COMMON.VERSIONR] = VERSION;
  return r;
}

/** Reset value of one socket block (bytes 0..SOCKET_SIZE-1). */
export function socketResetValues(): Uint8Array {
  const r = new Uint8Array(SOCKET_SIZE);
  r.fill(0xff, SN.DHAR, SN.DHAR + 6);
  r[SN.TTL] = 0x80;
  r[SN.RXBUF_SIZE] = 0x02;
  r[SN.TXBUF_SIZE] = 0x02;
  r[SN.IMR] = 0xff;
  r[SN.FRAG] = 0x40;
  return r;
}

/** Buffer sizes (KB) the datasheet allows in Sn_RXBUF_SIZE / Sn_TXBUF_SIZE. */
export const VALID_BUFFER_KB = [0, 1, 2, 4, 8, 16];
