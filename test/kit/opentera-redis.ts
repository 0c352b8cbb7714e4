/**
 * OpenTera's Redis protocol spoken from outside, as its Python services speak it: plain ioredis
 * links, binary protobuf payloads built with src/protocol, and the RPC client of
 * `RedisRPCClient.py` (./rpc-client.ts) over its own Redis connections.
 */
import { Redis } from 'ioredis';
import {
  moduleMessage,
  teraEvent,
  toBinary,
  TeraEventSchema,
  TeraModuleMessageSchema,
  type Any,
} from '../../src/protocol/messages.js';
import { USER_MANAGER_MESSAGES } from '../../src/topics.js';
import { RpcClient, type Arg, type RpcLink, type RpcReply } from './rpc-client.js';

export type { RpcReply } from './rpc-client.js';

export class OpenTeraService {
  readonly redis: Redis;
  private readonly rpc: RpcClient;

  constructor(readonly url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1 });
    this.redis.on('error', () => {});
    this.rpc = new RpcClient(this.link());
  }

  /** The id of the last RPC call (a counter from 0, as RedisRPCClient). */
  get lastId(): number {
    return this.rpc.lastId;
  }

  /** `ServiceOpenTera.send_event_message`: a binary TeraEvent on `topic`. */
  async publishEvent(topic: string, events: Any[]): Promise<number> {
    return this.redis.publish(
      topic,
      Buffer.from(toBinary(TeraEventSchema, teraEvent(topic, events))),
    );
  }

  /** `send_tera_message` to the UserManagerModule (source `service<key>`, no dot). */
  async sendToUserManager(serviceKey: string, data: Any[]): Promise<number> {
    const message = moduleMessage(`service${serviceKey}`, USER_MANAGER_MESSAGES, data);
    return this.redis.publish(
      USER_MANAGER_MESSAGES,
      Buffer.from(toBinary(TeraModuleMessageSchema, message)),
    );
  }

  /** A binary TeraModuleMessage on `topic`. */
  async publishModuleMessage(topic: string, data: Any[], source = 'module.test.messages') {
    const message = moduleMessage(source, topic, data);
    return this.redis.publish(topic, Buffer.from(toBinary(TeraModuleMessageSchema, message)));
  }

  /** `RedisRPCClient.call`: the reply, or undefined when none came (unknown methods get none). */
  call(method: string, args: Arg[] = [], timeoutMs?: number): Promise<RpcReply | undefined> {
    return this.rpc.call(method, args, timeoutMs);
  }

  /** Every reply to one call, across the cluster (RpcClient.replies). */
  replies(method: string, args: Arg[] = [], timeoutMs?: number): Promise<RpcReply[]> {
    return this.rpc.replies(method, args, timeoutMs);
  }

  /** Publishes on the shared link; listens on a connection of its own, as RedisRPCClient. */
  private link(): RpcLink {
    return {
      publish: (topic, payload) => this.redis.publish(topic, Buffer.from(payload)),
      subscribe: async (topic, onMessage) => {
        const sub = new Redis(this.url, { maxRetriesPerRequest: 1 });
        sub.on('error', () => {});
        sub.on('messageBuffer', (_channel: Buffer, payload: Buffer) => onMessage(payload));
        await sub.subscribe(topic);
        return async () => sub.disconnect();
      },
    };
  }

  close(): void {
    this.redis.disconnect();
  }
}
