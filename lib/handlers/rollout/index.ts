// The rollout handler: ONE Lambda function per stack, invoked by every service's rollout state
// machine. Each task names its `action`; the service's configuration comes in the task's
// Parameters. Every decision is logged as one JSON line (invariant 6).
import { logEvent } from '../shared/structured-log';
import { type RolloutClients, rolloutClients } from './aws-clients';
import { checkAlarms } from './actions/check-alarms';
import { checkHealth } from './actions/check-health';
import { finalize } from './actions/finalize';
import { lock } from './actions/lock';
import { rollback } from './actions/rollback';
import { runSmokeTest } from './actions/run-smoke-test';
import { setWeights } from './actions/set-weights';
import { verifyWeights } from './actions/verify-weights';
import type { RolloutAction, TaskEvent } from './task-event';

type ActionHandler = (event: TaskEvent, clients: RolloutClients, now: () => Date) => Promise<unknown>;

const ACTIONS: Record<RolloutAction, ActionHandler> = {
  lock,
  checkHealth,
  runSmokeTest,
  setWeights,
  verifyWeights,
  checkAlarms,
  finalize,
  rollback,
};

export async function handler(event: TaskEvent): Promise<unknown> {
  const run = ACTIONS[event?.action];
  if (!run) {
    throw new Error(
      `Unknown rollout action ${JSON.stringify(event?.action)}; expected one of ${Object.keys(ACTIONS).join(', ')}. ` +
      'The state machine and the handler come from different cdk-blue-green versions: redeploy the stack.',
    );
  }
  const missing = (['id', 'name', 'startTime'] as const).filter((k) => typeof event.execution?.[k] !== 'string' || !event.execution[k]);
  if (missing.length > 0) {
    // The lock and the history are keyed on the execution: without it two rollouts would look alike.
    throw new Error(
      `The ${event.action} task did not receive the execution's ${missing.join(', ')} ($$.Execution.Id/Name/StartTime). ` +
      'Step Functions always provides them; an offline executor must pass them in its context object.',
    );
  }
  const context = {
    service: event.service?.name,
    execution: event.execution?.name,
    action: event.action,
    step: event.step?.index,
    poll: event.poll,
  };
  try {
    const result = await run(event, rolloutClients(), () => new Date());
    logEvent('INFO', `rollout.${event.action}`, { ...context, result });
    return result;
  } catch (error) {
    const e = error as Error;
    logEvent(e.name === 'AwsThrottled' || e.name === 'AwsUnavailable' ? 'WARN' : 'ERROR', `rollout.${event.action}.failed`, {
      ...context,
      error: e.name,
      message: e.message,
    });
    throw error;
  }
}
