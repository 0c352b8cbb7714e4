/**
 * Prometheus metrics of one node, on a private registry (two servers in one test process
 * must not share counters). Served at GET /metrics.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'terarelay_connections',
    help: 'Open websocket connections by principal kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly eventsDelivered = new Counter({
    name: 'terarelay_events_delivered_total',
    help: 'Frames sent to websocket clients',
    registers: [this.registry],
  });
  readonly eventsDropped = new Counter({
    name: 'terarelay_events_dropped_total',
    help: 'Bus messages dropped before fan-out, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly closes = new Counter({
    name: 'terarelay_connection_closes_total',
    help: 'Websocket closes initiated by the server, by close code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly busErrors = new Counter({
    name: 'terarelay_bus_errors_total',
    help: 'Bus publish or subscribe failures (messages lost)',
    labelNames: ['op'] as const,
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: 'terarelay_logins_total',
    help: 'Login attempts by principal kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
