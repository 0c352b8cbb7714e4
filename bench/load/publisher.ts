/**
 * How the load generator puts events on a server's bus: with Redis, PUBLISH on OpenTera's
 * UserManager channel (as OpenTera's services do); without, over the server process's IPC
 * channel to its in-process bus.
 */
import { Redis } from 'ioredis';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';
import type { ServerProcess } from '../child.js';

export interface Publisher {
  publish(payload: Uint8Array): void;
  close(): Promise<void>;
}

export function redisPublisher(url: string): Publisher {
  const redis = new Redis(url);
  return {
    publish: (payload) => void redis.publish(USER_MANAGER_EVENTS, Buffer.from(payload)),
    close: async () => void (await redis.quit()),
  };
}

export function ipcPublisher(server: ServerProcess): Publisher {
  return {
    publish: (payload) => server.post({ op: 'publish', topic: USER_MANAGER_EVENTS, payload }),
    close: async () => {},
  };
}
