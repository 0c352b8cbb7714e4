/**
 * The Lua scripts of RedisPresence (key layout in redis.ts), one `.lua` file each beside this
 * module, read once at start with the preludes they use (now.lua, prune.lua) in front.
 *
 * Each runs atomically, so a principal's "came online" / "went offline" is seen by exactly one
 * caller across nodes. Time is Redis' own clock (TIME), in ms. An entry is live while its
 * expiry is in the future; an expired entry still counts for the came-online/went-offline
 * transitions until a leave, join or sweep removes it, so every announced CONNECTED is matched
 * by exactly one DISCONNECTED. Each file's header gives its KEYS, ARGV and reply.
 */
import { readFileSync } from 'node:fs';

const read = (name: string): string =>
  readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');

const NOW = read('now');
const PRUNE = read('prune');

export const JOIN = NOW + PRUNE + read('join');
export const LEAVE = NOW + PRUNE + read('leave');
export const SWEEP = NOW + read('sweep');
export const REFRESH = NOW + read('refresh');
export const LIVE = NOW + read('live');
export const ONLINE = NOW + read('online');
export const SET_BUSY = read('set-busy');
export const CLEAR_BUSY_IF = read('clear-busy-if');
export const SET_STATUS = NOW + read('set-status');
