/**
 * The UserManagerModule's RPC interface, answered from the Presence seam.
 *
 * A binary RPCMessage arrives on `module.TeraServer.UserManagerModule.rpc`; for a known method
 * the JSON text `{"method", "id", "pattern", "status": "OK", "return_value"}` is published on
 * its `reply_to` channel (`status: "Error"`, `return_value: null` when the call fails). An
 * unknown method, an undecodable message or one without `reply_to` gets no reply, as in
 * OpenTera (the caller times out). Stateless: the caller decides which node answers.
 */
import type { Logger } from 'pino';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { PrincipalKind } from '../principal.js';
import type { RPCMessage, Value } from '../protocol/messages.js';
import { USER_MANAGER_RPC } from '../topics.js';
import { updateDeviceStatus } from './device-status.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Method = (args: readonly Value[]) => Promise<Json>;

export type RpcDeps = Pick<Deps, 'presence' | 'principals' | 'bus' | 'codec' | 'log' | 'metrics'>;

export class UserManagerRpc {
  private readonly log: Logger;
  private readonly methods: ReadonlyMap<string, Method>;

  constructor(private readonly deps: RpcDeps) {
    this.log = deps.log.child({ module: 'user-manager-rpc' });
    const kinds: Array<[string, PrincipalKind]> = [
      ['users', 'user'],
      ['participants', 'participant'],
      ['devices', 'device'],
    ];
    const methods = new Map<string, Method>();
    for (const [plural, kind] of kinds) {
      methods.set(`online_${plural}`, () => deps.presence.online(kind));
      methods.set(`busy_${plural}`, async () => Object.fromEntries(await deps.presence.busy(kind)));
      methods.set(`status_${plural}`, () => this.status(kind));
    }
    methods.set('update_device_status', (args) => this.updateDeviceStatus(args));
    this.methods = methods;
  }

  /** Handles one bus message; never throws. Resolves once the reply is published. */
  async handle(payload: Uint8Array): Promise<void> {
    let message: RPCMessage;
    try {
      message = this.deps.codec.decodeRpc(payload);
    } catch {
      this.deps.metrics.eventsDropped.inc({ reason: 'undecodable' });
      return;
    }
    const method = this.methods.get(message.method);
    if (!method || !message.replyTo) {
      this.log.debug({ method: message.method }, 'RPC without a known method or reply_to; ignored');
      return;
    }
    let status = 'OK';
    let returnValue: Json = null;
    try {
      returnValue = await method(message.args);
    } catch (err) {
      status = 'Error';
      this.log.warn({ err: (err as Error).message, method: message.method }, 'RPC failed');
    }
    const reply = {
      method: message.method,
      id: Number(message.id),
      pattern: USER_MANAGER_RPC,
      status,
      return_value: returnValue,
    };
    await this.deps.bus.publish(message.replyTo, new TextEncoder().encode(JSON.stringify(reply)));
  }

  /** uuid → {online, busy} over online ∪ busy; devices add their last status or null. */
  private async status(kind: PrincipalKind): Promise<Json> {
    const { presence } = this.deps;
    const [online, busy, statuses] = await Promise.all([
      presence.online(kind),
      presence.busy(kind),
      kind === 'device' ? presence.deviceStatuses() : Promise.resolve(null),
    ]);
    const onlineSet = new Set(online);
    const out: { [uuid: string]: Json } = {};
    for (const uuid of [...online, ...busy.keys()]) {
      if (uuid in out) continue;
      const entry: { [key: string]: Json } = { online: onlineSet.has(uuid), busy: busy.has(uuid) };
      if (statuses) {
        const s = statuses.get(uuid);
        entry.status = s ? { status: s.status, timestamp: s.timestamp } : null;
      }
      out[uuid] = entry;
    }
    return out;
  }

  /** `update_device_status(uuid, status, timestamp)` → `{uuid, status, timestamp}` or null. */
  private async updateDeviceStatus(args: readonly Value[]): Promise<Json> {
    const [uuid, status, timestamp] = args.map((a) => a.argValue);
    if (uuid?.case !== 'stringValue' || status?.case !== 'stringValue')
      throw new AppError('BAD_REQUEST', 'update_device_status(uuid: str, status: str, timestamp)');
    const ts = numberOf(timestamp);
    if (ts === undefined)
      throw new AppError('BAD_REQUEST', 'update_device_status: timestamp must be a number');
    const device = await this.deps.principals.find('device', uuid.value);
    if (!device) return null;
    const done = await updateDeviceStatus(this.deps, device, status.value, ts);
    return done ? { uuid: uuid.value, status: status.value, timestamp: ts } : null;
  }
}

function numberOf(value: Value['argValue'] | undefined): number | undefined {
  switch (value?.case) {
    case 'intValue':
    case 'uintValue':
      return Number(value.value);
    case 'doubleValue':
    case 'floatValue':
      return value.value;
    default:
      return undefined;
  }
}
