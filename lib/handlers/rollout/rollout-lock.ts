// One rollout at a time per service (invariant 5). The lock is a conditional write in the state
// table; this module decides what a lock attempt means and says so.

export interface LockHolder {
  readonly executionId: string;
  readonly acquiredAt: string;
  readonly reason: string;
}

/** Status of the holder's execution (DescribeExecution), or NOT_FOUND. */
export type HolderStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | 'NOT_FOUND';

export type LockDecision =
  | { readonly kind: 'ACQUIRE' }
  /**
   * The holder's execution ended without releasing the lock (stopped from the console, or it
   * timed out): take the lock over. Its weights may be mixed; this rollout's steps and rollback
   * settle them.
   */
  | { readonly kind: 'TAKE_OVER'; readonly staleExecutionId: string; readonly status: HolderStatus }
  /** The same execution already holds it (a retried task): proceed. */
  | { readonly kind: 'HELD_BY_US' }
  | { readonly kind: 'REFUSE'; readonly message: string };

export function decideLock(
  service: string,
  executionId: string,
  holder: LockHolder | undefined,
  holderStatus?: HolderStatus,
): LockDecision {
  if (!holder) {
    return { kind: 'ACQUIRE' };
  }
  if (holder.executionId === executionId) {
    return { kind: 'HELD_BY_US' };
  }
  if (holderStatus !== undefined && holderStatus !== 'RUNNING' && holderStatus !== 'PENDING_REDRIVE') {
    return { kind: 'TAKE_OVER', staleExecutionId: holder.executionId, status: holderStatus };
  }
  return {
    kind: 'REFUSE',
    message:
      `Another rollout of ${service} is running (execution ${holder.executionId}, started ${holder.acquiredAt}, ` +
      `reason: ${holder.reason}). Only one rollout per service may run at a time. Wait for it to finish, ` +
      'or stop it from the cdk-blue-green CLI (which rolls it back), then start this one again.',
  };
}
