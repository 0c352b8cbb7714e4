/**
 * The client side of the UserManagerModule RPC, as OpenTera's `RedisRPCClient.py` speaks it:
 * subscribe to a private `RedisRPCClient.<uuid4>` channel, publish an RPCMessage naming it, read
 * the JSON replies. Runs over any publish/subscribe link: Redis from outside, or a node's bus.
 */
import { randomUUID } from 'node:crypto';
import type { Bus } from '../../src/seams/bus/bus.js';
import {
  create,
  RPCMessageSchema,
  toBinary,
  ValueSchema,
  type Value,
} from '../../src/protocol/messages.js';
import { USER_MANAGER_RPC } from '../../src/topics.js';
import { waitFor } from './waiting.js';

export interface RpcReply {
  method: string;
  id: number;
  pattern: string;
  status: 'OK' | 'Error';
  return_value: unknown;
}

export type Arg = string | number | boolean;

/** Where the client publishes and listens. */
export interface RpcLink {
  publish(topic: string, payload: Uint8Array): Promise<unknown>;
  /** Resolves once `onMessage` gets what is published on `topic`, with a way to stop. */
  subscribe(topic: string, onMessage: (payload: Buffer) => void): Promise<() => Promise<unknown>>;
}

/** A link over a node's own bus (one node, in-process seams). */
export const busLink = (bus: Bus): RpcLink => ({
  publish: (topic, payload) => bus.publish(topic, payload),
  async subscribe(topic, onMessage) {
    const sub = await bus.subscribe(topic, (_topic, payload) => onMessage(Buffer.from(payload)));
    return () => sub.unsubscribe();
  },
});

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

/** The method every leader answers, used as the barrier after a call. */
const SENTINEL_METHOD = 'online_users';

export class RpcClient {
  /** The id of the last call (a counter from 0, as RedisRPCClient; barriers take ids too). */
  lastId = -1;
  private nextId = 0;

  constructor(private readonly link: RpcLink) {}

  /** `RedisRPCClient.call`: the first reply, or undefined when none came (see `replies`). */
  async call(method: string, args: Arg[] = [], timeoutMs?: number): Promise<RpcReply | undefined> {
    return (await this.replies(method, args, timeoutMs))[0];
  }

  /**
   * Every reply to one call (none for an unknown method). A barrier says when no more will come:
   * right after the call, a sentinel call (`online_users`, always answered) goes to the same
   * reply channel. A node answers its RPCs one at a time in arrival order, so once the
   * sentinel's reply is in, so is every reply that node gives to the call. Resolves then, or
   * with what came once `timeoutMs` has passed without the sentinel's reply (no node answering).
   */
  async replies(method: string, args: Arg[] = [], timeoutMs = 5000): Promise<RpcReply[]> {
    const replyTo = `RedisRPCClient.${randomUUID()}`;
    const got: RpcReply[] = [];
    const stop = await this.link.subscribe(replyTo, (payload) => {
      got.push(JSON.parse(payload.toString('utf8')) as RpcReply);
    });
    try {
      this.lastId = await this.send(method, args, replyTo);
      const sentinel = await this.send(SENTINEL_METHOD, [], replyTo);
      const isSentinel = (r: RpcReply): boolean => r.id === sentinel;
      await waitFor(() => got.some(isSentinel), {
        what: `the reply to the sentinel after ${method}`,
        timeoutMs,
      }).catch(() => undefined);
      return got.filter((r) => !isSentinel(r));
    } finally {
      await stop();
    }
  }

  private async send(method: string, args: Arg[], replyTo: string): Promise<number> {
    const id = this.nextId++;
    const message = create(RPCMessageSchema, {
      method,
      replyTo,
      id: BigInt(id),
      timestamp: Date.now() / 1000,
      args: args.map(value),
    });
    await this.link.publish(USER_MANAGER_RPC, toBinary(RPCMessageSchema, message));
    return id;
  }
}
