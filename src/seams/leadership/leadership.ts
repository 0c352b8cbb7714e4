/**
 * Leadership: which node does the duties OpenTera gives its single UserManagerModule (answer
 * RPC, consume its `.messages`, turn DatabaseEvents into disconnect commands, sweep dead nodes'
 * presence entries), so that each is done exactly once across the cluster.
 *
 * Contract:
 * - at most one node of a cluster sees `isLeader === true` at a time;
 * - a node that can no longer be sure it leads stops at once; when it can be again, some node
 *   (often the same) is elected within one renew period;
 * - `onChange` listeners hear every transition (true = became leader, false = stopped).
 */
export interface Leadership {
  readonly isLeader: boolean;
  onChange(listener: (leader: boolean) => void): void;
  /** Idempotent. Stops leading, so that another node can take over at once. */
  close(): Promise<void>;
}
