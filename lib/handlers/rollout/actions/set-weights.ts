// Shift: check the new color still has its healthy targets (invariant 1: no weight ever goes to a
// color without them), then write the step's weights in one ModifyRule call.
import { describeSplit, type ColorWeights } from '../../shared/color-weights';
import type { RolloutClients } from '../aws-clients';
import { parseRolloutInput } from '../rollout-input';
import { weightsForStep } from '../step-weights';
import type { StepConfig, TaskEvent } from '../task-event';
import { countHealthyTargets, writeColorWeights } from '../traffic-rule';
import { TargetsUnhealthy } from '../errors';
import { publishRolloutEvents } from '../event-publisher';
import { smokeTestPassed, taskEventContext } from '../rollout-events';

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

/** What the HTTP smoke test task leaves at `$.smokeTest` when it passed. */
interface HttpSmokeTestResult {
  readonly url?: string;
  readonly status?: number;
}

export async function setWeights(event: TaskEvent, clients: RolloutClients, now: () => Date): Promise<StepProgress> {
  const { service } = event;
  const step = requireStep(event);
  const input = parseRolloutInput(event.input);
  const { from, to } = input;
  const httpSmokeTest = event.state.smokeTest as HttpSmokeTestResult | undefined;
  if (step.index === 1 && httpSmokeTest) {
    // The HTTP smoke test runs in its own function inside the user's VPC, where EventBridge may be
    // out of reach; the state machine hands its result to this first step, which announces it.
    await publishRolloutEvents(clients.events, () => [smokeTestPassed(taskEventContext(event, input, now()), 'HTTP',
      `GET ${httpSmokeTest.url ?? '(unknown URL)'} answered ${httpSmokeTest.status ?? '(unknown status)'}`)]);
  }
  const weights = weightsForStep(from, to, step.percent);
  const required = service.requiredHealthyTargets[to];
  const healthy = await countHealthyTargets(clients.elbv2, service.targetGroups[to]);
  if (healthy < required) {
    throw new TargetsUnhealthy(
      `before step ${step.index} (${step.percent}% on ${to}), ${to} had ${healthy} healthy target(s) of the ${required} ` +
      'required, so its weight was not raised.',
    );
  }
  await writeColorWeights(clients.elbv2, service.ruleArn, service.targetGroups, weights);
  return { stepIndex: step.index, stepCount: step.count, percent: step.percent, weights, split: describeSplit(weights) };
}
