/**
 * TeraRelay under test, in its own process: the configuration `terarelay serve` would build
 * from the flags given as one JSON object (argv[2], keys as in `--config` files), started by the
 * same `startServer`. The IPC channel adds what only a benchmark needs: publishing on the
 * node's bus without Redis, garbage collection and memory readings.
 */
import { loadConfig, type ConfigKey } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { ready, serveIpc } from './ipc.js';

const flags = JSON.parse(process.argv[2] ?? '{}') as Partial<Record<ConfigKey, unknown>>;
const server = await startServer(loadConfig({ flags, env: {} }));
serveIpc(
  {
    publish: (request) => {
      if (request.op === 'publish') void server.deps.bus.publish(request.topic, request.payload);
    },
    connections: async () => {
      const { values } = await server.deps.metrics.connections.get();
      return values.reduce((sum, v) => sum + v.value, 0);
    },
  },
  () => server.stop(),
);
ready(server.port);
