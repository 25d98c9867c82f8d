// Finalize: the test listener now points at the old color (the new idle one), the state table
// records the live color, the last move and a history entry, and the lock is released.
import type { RolloutClients } from '../aws-clients';
import { publishRolloutEvents } from '../event-publisher';
import { rolloutSucceeded, taskEventContext } from '../rollout-events';
import { parseRolloutInput } from '../rollout-input';
import { releaseLockAndRecord } from '../state-table';
import type { TaskEvent } from '../task-event';
import { pointTestRuleAt } from '../traffic-rule';

export interface FinalizeResult {
  readonly liveColor: string;
  readonly endedAt: string;
}

export async function finalize(event: TaskEvent, clients: RolloutClients, now: () => Date): Promise<FinalizeResult> {
  const { service, execution } = event;
  const input = parseRolloutInput(event.input);
  if (service.testRuleArn) {
    await pointTestRuleAt(clients.elbv2, service.testRuleArn, service.targetGroups[input.from]);
  }
  const endedAt = now().toISOString();
  await releaseLockAndRecord(clients.dynamodb, service.tableName, service.name, {
    executionId: execution.id,
    executionName: execution.name,
    from: input.from,
    to: input.to,
    reason: input.reason,
    requestedBy: input.requestedBy,
    startedAt: execution.startTime,
    endedAt,
    outcome: 'SUCCEEDED',
    plan: service.plan,
  }, {
    color: input.to,
    kind: 'ROLLOUT',
    executionId: execution.id,
    executionName: execution.name,
    at: endedAt,
    reason: input.reason,
    requestedBy: input.requestedBy,
  });
  await publishRolloutEvents(clients.events, () => [rolloutSucceeded(taskEventContext(event, input, new Date(endedAt)), input.to)]);
  return { liveColor: input.to, endedAt };
}
