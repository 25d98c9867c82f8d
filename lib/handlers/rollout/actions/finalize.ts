// Finalize: the test listener now points at the old color (the new idle one), the state table
// records the live color, the last move and a history entry, and the lock is released.
import type { RolloutClients } from '../aws-clients';
import { publishRolloutEvents } from '../event-publisher';
import { rolloutSucceeded, taskEventContext } from '../rollout-events';
import { parseRolloutInput } from '../rollout-input';
import { executionRecord } from '../execution-record';
import { releaseLockAndRecord } from '../state-table';
import type { TaskEvent } from '../task-event';
import { pointTestRuleAt } from '../traffic-rule';

export interface FinalizeResult {
  readonly liveColor: string;
  readonly endedAt: string;
}

export async function finalize(event: TaskEvent, clients: RolloutClients, now: () => Date): Promise<FinalizeResult> {
  const { service } = event;
  const input = parseRolloutInput(event.input);
  if (service.testRuleArn) {
    await pointTestRuleAt(clients.elbv2, service.testRuleArn, service.targetGroups[input.from]);
  }
  const endedAt = now().toISOString();
  const record = executionRecord(event, input, endedAt, 'SUCCEEDED');
  await releaseLockAndRecord(clients.dynamodb, service.tableName, service.name, record.entry, record.moveTo(input.to, 'ROLLOUT'));
  await publishRolloutEvents(clients.events, () => [rolloutSucceeded(taskEventContext(event, input, new Date(endedAt)), input.to)]);
  return { liveColor: input.to, endedAt };
}
