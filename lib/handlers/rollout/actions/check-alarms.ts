// Bake: one check of the watched alarms (user + built-in for the new color) and of an abort
// request. A breach throws, which sends the execution to the rollback path within one poll.
import type { RolloutClients } from '../aws-clients';
import { describeBreaches, judgeAlarms } from '../alarm-judgement';
import { readAlarms } from '../alarm-reader';
import { bakeProgress } from '../bake-progress';
import { AlarmBreach, RolloutAborted } from '../errors';
import { parseRolloutInput } from '../rollout-input';
import { readServiceState } from '../state-table';
import type { TaskEvent } from '../task-event';
import { requireStep } from './set-weights';

export interface AlarmCheck {
  readonly step: number;
  readonly elapsedSeconds: number;
  readonly bakeSeconds: number;
  readonly watched: number;
}

export async function checkAlarms(event: TaskEvent, clients: RolloutClients): Promise<AlarmCheck> {
  const { service } = event;
  const step = requireStep(event);
  const { to } = parseRolloutInput(event.input);
  const progress = bakeProgress(event.poll ?? step.polls, step.pollIntervalSeconds, step.bakeSeconds);
  const at = `step ${step.index} of ${step.count} (${step.percent}% on ${to}), ${progress.elapsedSeconds} s into a ` +
    `${step.bakeSeconds} s bake`;

  const state = await readServiceState(clients.dynamodb, service.tableName, service.name);
  if (state.abortRequested) {
    throw new RolloutAborted(`an abort was requested in the state table at ${at}.`);
  }
  const watched = [...service.alarmNames.any, ...service.alarmNames[to]];
  if (watched.length > 0) {
    const observed = await readAlarms(clients.cloudwatch, watched);
    const judgement = judgeAlarms(watched, observed, service.insufficientData);
    if (judgement.breaches.length > 0 || judgement.missing.length > 0) {
      throw new AlarmBreach(`${describeBreaches(judgement)} (seen at ${at}).`);
    }
  }
  return { step: step.index, elapsedSeconds: progress.elapsedSeconds, bakeSeconds: step.bakeSeconds, watched: watched.length };
}
