export const statusHandler = (metrics) => () => ({ status: 200, body: metrics.snapshot() });
