/** The relay's own figures, read from its Prometheus text at `/metrics` over HTTPS. */
import type { Agent } from 'node:https';
import { get } from './http.js';

/** One scrape: `value(name, labels)` is the sample whose labels include `labels`, or null. */
export interface Scrape {
  value(name: string, labels?: Record<string, string>): number | null;
}

/** GET /metrics of the server on `port`; throws `metrics <status>` on another answer than 200. */
export async function scrapeMetrics(port: number, agent: Agent | false): Promise<Scrape> {
  const answer = await get(`https://127.0.0.1:${port}/metrics`, { agent });
  if (answer.status !== 200) throw new Error(`metrics ${answer.status}`);
  const lines = answer.body.split('\n');
  return {
    value(name, labels = {}) {
      const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      for (const line of lines) {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (m?.[1] !== name) continue;
        const have = m[2] ?? '';
        if (wanted.every((w) => have.split(',').includes(w))) return Number(m[3]);
      }
      return null;
    },
  };
}
