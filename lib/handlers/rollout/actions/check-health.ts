// Health gate: count healthy targets on the new color; ready, wait, or time out.
import type { RolloutClients } from '../aws-clients';
import { HealthGateTimeout } from '../errors';
import { publishRolloutEvents } from '../event-publisher';
import { desiredCapacityOf } from '../fleet-capacity';
import { decideHealthGate, requiredHealthyTargets } from '../health-gate';
import { parseRolloutInput } from '../rollout-input';
import { healthGatePassed, taskEventContext } from '../rollout-events';
import type { TaskEvent } from '../task-event';
import { countHealthyTargets } from '../traffic-rule';

/** Becomes `$.health`; the Choice after the task reads `ready`. */
export interface HealthResult {
  readonly ready: boolean;
  readonly healthy: number;
  readonly required: number;
  /** Checks done so far, carried to the next check (elapsed = attempt x interval). */
  readonly attempt: number;
}

export async function checkHealth(event: TaskEvent, clients: RolloutClients, now: () => Date): Promise<HealthResult> {
  const { service } = event;
  const input = parseRolloutInput(event.input);
  const { to } = input;
  const previous = event.state.health as HealthResult | undefined;
  const attempt = previous?.attempt ?? 0;
  const desired = await desiredCapacityOf(clients.autoscaling, service.autoScalingGroups?.[to] ?? '');
  const required = requiredHealthyTargets(service.requiredHealthyTargets[to], desired);
  const healthy = await countHealthyTargets(clients.elbv2, service.targetGroups[to]);
  const decision = decideHealthGate({
    healthy,
    required,
    attempt,
    intervalSeconds: service.healthGate.intervalSeconds,
    timeoutSeconds: service.healthGate.timeoutSeconds,
  });
  if (decision.kind === 'TIMEOUT') {
    throw new HealthGateTimeout(
      `${to} had ${healthy} healthy target(s) of the ${required} required after waiting ${decision.waitedSeconds} s ` +
      `(health gate timeout ${service.healthGate.timeoutSeconds} s); no traffic was moved to it.`,
    );
  }
  if (decision.kind === 'READY') {
    await publishRolloutEvents(clients.events, () => [healthGatePassed(taskEventContext(event, input, now()), { healthy, required })]);
  }
  return { ready: decision.kind === 'READY', healthy, required, attempt: attempt + 1 };
}
