// Reading a rollout execution for the isComplete handler.
import { messageOfCause } from '../rollout/rollback-cause';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export type CompletionDecision =
  | { readonly kind: 'WAIT' }
  | { readonly kind: 'DONE' }
  | { readonly kind: 'FAIL'; readonly message: string };

/**
 * `awaitingAbort`: the deploy asked a leftover rollout to stop; any end is fine then, because the
 * rollout's own rollback path restored the old color.
 */
export function decideCompletion(
  execution: { readonly name: string; readonly status: ExecutionStatus; readonly error?: string; readonly cause?: string },
  awaitingAbort: boolean,
): CompletionDecision {
  if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') {
    return { kind: 'WAIT' };
  }
  if (execution.status === 'SUCCEEDED' || awaitingAbort) {
    return { kind: 'DONE' };
  }
  // A refused start ends with the Lambda error document as its cause: show only its message.
  const detail = execution.cause
    ? `${execution.error ?? 'Error'}: ${messageOfCause({ Error: execution.error, Cause: execution.cause })}`
    : execution.error ?? 'no cause recorded';
  return {
    kind: 'FAIL',
    message: `The rollout ${execution.name} ended ${execution.status}: ${detail} ` +
      '(CloudFormation now rolls the stack back; the fleet that served traffic before was not changed.)',
  };
}
