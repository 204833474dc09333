export class Metrics {
  constructor() {
    this.connections = 0;
    this.errors = 0;
    this.byStatus = new Map();
    this.started = Date.now();
  }
  count(status) {
    this.byStatus.set(status, (this.byStatus.get(status) || 0) + 1);
  }
  snapshot() {
    const statuses = {};
    for (const [k, v] of this.byStatus) statuses[k] = v;
    return { connections: this.connections, errors: this.errors, statuses, uptimeMs: Date.now() - this.started };
  }
}
