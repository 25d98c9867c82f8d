// Lock: validate the input, check the start is safe on the real weights, take the service's lock,
// and say so: a Rollout Started event, or Rollout Refused when any of that said no.
import { describeSplit } from '../../shared/color-weights';
import type { RolloutClients } from '../aws-clients';
import { RolloutRefused } from '../errors';
import { publishRolloutEvents } from '../event-publisher';
import { rolloutRefused, rolloutStarted, taskEventContext } from '../rollout-events';
import { parseRolloutInput, type RolloutInput } from '../rollout-input';
import { decideStart } from '../start-check';
import { executionStatusOf } from '../execution-reader';
import { acquireLock } from '../state-table';
import type { TaskEvent } from '../task-event';
import { readColorWeights } from '../traffic-rule';

/** Becomes `$.progress`: no step started yet. */
export interface LockResult {
  readonly stepIndex: 0;
  readonly stepCount: number;
  readonly percent: 0;
}

export async function lock(event: TaskEvent, clients: RolloutClients, now: () => Date): Promise<LockResult> {
  let input: RolloutInput | undefined;
  try {
    input = parseRolloutInput(event.input);
    await takeLock(event, clients, input);
  } catch (error) {
    const e = error as Error;
    // Only a refusal is a decision; throttling is retried by the state machine and reported by the logs.
    if (e?.name === 'RolloutRefused' || e?.name === 'InvalidRolloutInput') {
      await publishRolloutEvents(clients.events, () => [rolloutRefused(taskEventContext(event, input, now()), e)]);
    }
    throw error;
  }
  await publishRolloutEvents(clients.events, () => [rolloutStarted(taskEventContext(event, input, now()), event.service.plan)]);
  return { stepIndex: 0, stepCount: event.service.plan.length, percent: 0 };
}

async function takeLock(event: TaskEvent, clients: RolloutClients, input: RolloutInput): Promise<void> {
  const { service } = event;
  const weights = await readColorWeights(clients.elbv2, service.ruleArn, service.targetGroups, service.name);
  if (!weights) {
    throw new RolloutRefused(
      `The listener rule ${service.ruleArn} of ${service.name} has no forward action to BLUE/GREEN, so no rollout can ` +
      'start. Deploy the stack again: the traffic custom resource restores the rule.',
    );
  }
  const decision = decideStart(service.name, input.from, input.to, weights);
  if (decision.kind === 'REFUSE') {
    throw new RolloutRefused(`${decision.message} (now: ${describeSplit(weights)})`);
  }
  await acquireLock(clients.dynamodb, service.tableName, service.name, {
    executionId: event.execution.id,
    acquiredAt: event.execution.startTime,
    reason: input.reason,
  }, (executionId) => executionStatusOf(clients.sfn, executionId));
}
