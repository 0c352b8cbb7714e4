/**
 * Prefetch: work a login needs about its principal (e.g. whether it is online) that only
 * needs the principal's uuid, started as soon as a credential claims that uuid (a token's
 * verified signature names it) instead of after the account is read, so both wait in the same
 * round. The login takes the work of the uuid it finally authenticated (`of`); any other is
 * dropped, and a rejection is only seen by whoever awaits it.
 */
export class Prefetch<T> {
  private readonly started = new Map<string, Promise<T>>();

  constructor(private readonly run: (uuid: string) => Promise<T>) {}

  /** Starts the work for `uuid` unless it was started already. */
  start(uuid: string): void {
    if (this.started.has(uuid)) return;
    const work = this.run(uuid);
    work.catch(() => {});
    this.started.set(uuid, work);
  }

  /** The work for `uuid`, started now if no credential claimed it earlier. */
  of(uuid: string): Promise<T> {
    this.start(uuid);
    return this.started.get(uuid)!;
  }
}
