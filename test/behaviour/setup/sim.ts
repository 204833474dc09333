// Installs the sim driver with small buffers, so that backpressure is exercised.
import { install } from '../../../runtime/drivers/sim';

install({ bufferSize: 1024 });
