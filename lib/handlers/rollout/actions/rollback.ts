// Rollback: 100% to `from` in one call, read back, keep the test listener on the new (idle)
// color, record, release the lock, and hand the Fail
// state an error name and a cause a person can act on. Rollback Started is announced as the
// restore begins, Rollout Rolled Back once the weights read back restored.
import { type ColorWeights, describeSplit } from '../../shared/color-weights';
import type { RolloutClients } from '../aws-clients';
import { WeightsNotApplied } from '../errors';
import { publishRolloutEvents } from '../event-publisher';
import { rollbackStarted, rolledBack, type RollbackReason, taskEventContext } from '../rollout-events';
import { type CaughtFailure, formatRollbackCause, type RolloutPosition } from '../rollback-cause';
import { parseRolloutInput } from '../rollout-input';
import { executionRecord } from '../execution-record';
import { releaseLockAndRecord } from '../state-table';
import { rollbackWeights, weightsMatch } from '../step-weights';
import type { TaskEvent } from '../task-event';
import { pointTestRuleAt, readColorWeights, writeColorWeights } from '../traffic-rule';

/** Becomes `$.rollback`; the final Fail state reads `error` and `cause`. */
export interface RollbackResult {
  readonly error: string;
  readonly cause: string;
}

export async function rollback(event: TaskEvent, clients: RolloutClients, now: () => Date): Promise<RollbackResult> {
  const { service } = event;
  const input = parseRolloutInput(event.input);
  const failure = (event.state.failure ?? {}) as CaughtFailure;
  const position = (event.state.progress ?? { stepIndex: 0, stepCount: service.plan.length, percent: 0 }) as RolloutPosition;

  const why: RollbackReason = {
    failure,
    position,
    watchedAlarms: [...service.alarmNames.any, ...service.alarmNames.BLUE, ...service.alarmNames.GREEN],
  };
  // Announced while the weights are restored, not before: the event must never delay the restore.
  // publishRolloutEvents never rejects, so awaiting it later cannot hide a restore error.
  const announced = publishRolloutEvents(clients.events, () => [rollbackStarted(taskEventContext(event, input, now()), why)]);

  const target = rollbackWeights(input.from);
  let before: ColorWeights | undefined;
  let after: ColorWeights | undefined;
  try {
    before = await readColorWeights(clients.elbv2, service.ruleArn, service.targetGroups, service.name);
    // Write even when the rule already matches: one idempotent call is cheaper than being wrong.
    await writeColorWeights(clients.elbv2, service.ruleArn, service.targetGroups, target);
    after = await readColorWeights(clients.elbv2, service.ruleArn, service.targetGroups, service.name);
  } finally {
    await announced;
  }
  if (!weightsMatch(after, target)) {
    throw new WeightsNotApplied(
      `rollback wrote ${describeSplit(target)} to ${service.ruleArn} but read back ` +
      `${after ? describeSplit(after) : 'no forward action'}.`,
    );
  }
  // The new color stays idle: the test listener must keep pointing at it (a failed Finalize may
  // already have pointed it at `from`).
  if (service.testRuleArn) {
    await pointTestRuleAt(clients.elbv2, service.testRuleArn, service.targetGroups[input.to]);
  }
  const cause = formatRollbackCause({ service: service.name, from: input.from, to: input.to, failure, position, restored: target });
  const endedAt = now().toISOString();
  const trafficMoved = !before || !weightsMatch(before, target);
  const record = executionRecord(event, input, endedAt, 'ROLLED_BACK', cause);
  await releaseLockAndRecord(clients.dynamodb, service.tableName, service.name, record.entry,
    trafficMoved || position.stepIndex > 0 ? record.moveTo(input.from, 'ROLLBACK') : undefined);
  await publishRolloutEvents(clients.events, () => [
    rolledBack(taskEventContext(event, input, new Date(endedAt)), why, { weights: after ?? target, cause, trafficMoved }),
  ]);
  return { error: failure.Error ?? 'RolloutFailed', cause };
}
