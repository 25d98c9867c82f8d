// One rollout at a time per service (invariant 5). The lock is a conditional write in the state
// table; this module decides what a lock attempt means and says so.

export interface LockHolder {
  readonly executionId: string;
  readonly acquiredAt: string;
  readonly reason: string;
}

export type LockDecision =
  | { readonly kind: 'ACQUIRE' }
  /** The same execution already holds it (a retried task): proceed. */
  | { readonly kind: 'HELD_BY_US' }
  | { readonly kind: 'REFUSE'; readonly message: string };

export function decideLock(service: string, executionId: string, holder: LockHolder | undefined): LockDecision {
  if (!holder) {
    return { kind: 'ACQUIRE' };
  }
  if (holder.executionId === executionId) {
    return { kind: 'HELD_BY_US' };
  }
  return {
    kind: 'REFUSE',
    message:
      `Another rollout of ${service} is running (execution ${holder.executionId}, started ${holder.acquiredAt}, ` +
      `reason: ${holder.reason}). Only one rollout per service may run at a time. Wait for it to finish, ` +
      'or stop it from the cdk-blue-green CLI (which rolls it back), then start this one again.',
  };
}
