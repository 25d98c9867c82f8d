// Shift: write the step's weights in one ModifyRule call.
import { describeSplit, type ColorWeights } from '../../shared/color-weights';
import type { RolloutClients } from '../aws-clients';
import { parseRolloutInput } from '../rollout-input';
import { weightsForStep } from '../step-weights';
import type { StepConfig, TaskEvent } from '../task-event';
import { writeColorWeights } from '../traffic-rule';

/** Becomes `$.progress`: the rollback cause says which step the rollout had reached. */
export interface StepProgress {
  readonly stepIndex: number;
  readonly stepCount: number;
  readonly percent: number;
  readonly weights: ColorWeights;
  readonly split: string;
}

export function requireStep(event: TaskEvent): StepConfig {
  if (!event.step) {
    throw new Error(`The ${event.action} task has no step in its parameters; the state machine definition is broken. Redeploy the stack.`);
  }
  return event.step;
}

export async function setWeights(event: TaskEvent, clients: RolloutClients): Promise<StepProgress> {
  const { service } = event;
  const step = requireStep(event);
  const { from, to } = parseRolloutInput(event.input);
  const weights = weightsForStep(from, to, step.percent);
  await writeColorWeights(clients.elbv2, service.ruleArn, service.targetGroups, weights);
  return { stepIndex: step.index, stepCount: step.count, percent: step.percent, weights, split: describeSplit(weights) };
}
