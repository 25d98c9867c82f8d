// Verify: read the weights back; the step is not complete until they match (the state machine
// retries WeightsNotApplied a few times, then rolls back).
import { describeSplit } from '../../shared/color-weights';
import type { RolloutClients } from '../aws-clients';
import { WeightsNotApplied } from '../errors';
import { publishRolloutEvents } from '../event-publisher';
import { taskEventContext, weightsShifted } from '../rollout-events';
import { parseRolloutInput } from '../rollout-input';
import { weightsForStep, weightsMatch } from '../step-weights';
import type { TaskEvent } from '../task-event';
import { readColorWeights } from '../traffic-rule';
import { requireStep } from './set-weights';

export interface VerifiedWeights {
  readonly split: string;
}

export async function verifyWeights(event: TaskEvent, clients: RolloutClients, now: () => Date): Promise<VerifiedWeights> {
  const { service } = event;
  const step = requireStep(event);
  const input = parseRolloutInput(event.input);
  const { from, to } = input;
  const expected = weightsForStep(from, to, step.percent);
  const actual = await readColorWeights(clients.elbv2, service.ruleArn, service.targetGroups, service.name);
  if (!weightsMatch(actual, expected)) {
    throw new WeightsNotApplied(
      `step ${step.index} wrote ${describeSplit(expected)} to the listener rule but read back ` +
      `${actual ? describeSplit(actual) : 'no forward action'}; something else is changing the rule ${service.ruleArn}.`,
    );
  }
  // Announced only now: a step is not complete before the read-back matches.
  await publishRolloutEvents(clients.events, () => [weightsShifted(taskEventContext(event, input, now()), step, expected)]);
  return { split: describeSplit(expected) };
}
