/**
 * A TCP relay between the SDK and a server, whose server-to-client direction can be paused:
 * while paused, the relay stops reading what the server sends, so the server's socket fills
 * up exactly as it would for a client that stopped reading. TLS passes through untouched.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class PausableProxy {
  private readonly server: Server;
  private readonly upstreams = new Set<Socket>();
  private target = 0;
  port = 0;

  private constructor() {
    this.server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      this.upstreams.add(upstream);
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => client.write(chunk));
      const end = (): void => {
        this.upstreams.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
  }

  static async start(): Promise<PausableProxy> {
    const proxy = new PausableProxy();
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** Where connections go from now on (the server's port). */
  forwardTo(port: number): void {
    this.target = port;
  }

  /** Stops reading from the server on every open connection. */
  pause(): void {
    for (const upstream of this.upstreams) upstream.pause();
  }

  resume(): void {
    for (const upstream of this.upstreams) upstream.resume();
  }

  async close(): Promise<void> {
    for (const upstream of this.upstreams) upstream.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
