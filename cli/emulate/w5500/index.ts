// The emulated WIZnet W5500 (Ethernet over SPI) for `kaluma-net run --emulate` and tests.
export { W5500Chip, type W5500Wiring } from './chip';
export type { W5500NetworkConfig, W5500Options } from './options';
