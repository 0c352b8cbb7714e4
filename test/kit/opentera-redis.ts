/**
 * OpenTera's Redis protocol spoken from outside, as its Python services speak it (spec §6):
 * plain ioredis links, binary protobuf payloads built with src/protocol, and the RPC client of
 * `RedisRPCClient.py` (subscribe to `RedisRPCClient.<uuid4>`, publish an RPCMessage, wait for
 * one JSON reply or time out).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  create,
  moduleMessage,
  RPCMessageSchema,
  teraEvent,
  toBinary,
  TeraEventSchema,
  TeraModuleMessageSchema,
  ValueSchema,
  type Any,
  type Value,
} from '../../src/protocol/messages.js';
import { USER_MANAGER_MESSAGES, USER_MANAGER_RPC } from '../../src/topics.js';

export interface RpcReply {
  method: string;
  id: number;
  pattern: string;
  status: 'OK' | 'Error';
  return_value: unknown;
}

type Arg = string | number | boolean;

/** Python's arg encoding: bool, float → double, int → int, str → string. */
function value(arg: Arg): Value {
  if (typeof arg === 'boolean')
    return create(ValueSchema, { argValue: { case: 'boolValue', value: arg } });
  if (typeof arg === 'string')
    return create(ValueSchema, { argValue: { case: 'stringValue', value: arg } });
  return Number.isInteger(arg)
    ? create(ValueSchema, { argValue: { case: 'intValue', value: BigInt(arg) } })
    : create(ValueSchema, { argValue: { case: 'doubleValue', value: arg } });
}

export class OpenTeraService {
  readonly redis: Redis;
  /** The id of the last RPC sent (a counter from 0, as RedisRPCClient). */
  lastId = -1;

  constructor(readonly url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1 });
    this.redis.on('error', () => {});
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

  /**
   * `RedisRPCClient.call`: the parsed JSON reply, or undefined when none came within
   * `timeoutMs` (an unknown method is never answered).
   */
  async call(method: string, args: Arg[] = [], timeoutMs = 5000): Promise<RpcReply | undefined> {
    return (await this.replies(method, args, timeoutMs, 0))[0];
  }

  /** Every reply to one call: those arriving within `graceMs` after the first (or timeout). */
  async replies(
    method: string,
    args: Arg[] = [],
    timeoutMs = 5000,
    graceMs = 300,
  ): Promise<RpcReply[]> {
    const replyTo = `RedisRPCClient.${randomUUID()}`;
    const sub = new Redis(this.url, { maxRetriesPerRequest: 1 });
    sub.on('error', () => {});
    try {
      const replies: RpcReply[] = [];
      let first: () => void = () => {};
      const gotFirst = new Promise<void>((resolve) => (first = resolve));
      sub.on('message', (_channel: string, text: string) => {
        replies.push(JSON.parse(text) as RpcReply);
        first();
      });
      await sub.subscribe(replyTo);
      const message = create(RPCMessageSchema, {
        method,
        replyTo,
        id: BigInt(++this.lastId),
        timestamp: Date.now() / 1000,
        args: args.map(value),
      });
      await this.redis.publish(USER_MANAGER_RPC, Buffer.from(toBinary(RPCMessageSchema, message)));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gotFirst, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
      if (replies.length > 0 && graceMs > 0) await new Promise((r) => setTimeout(r, graceMs));
      return replies;
    } finally {
      sub.disconnect();
    }
  }

  close(): void {
    this.redis.disconnect();
  }
}
