// The cause a failed rollout ends with: which step, which check or alarm, what was observed, and
// where the traffic is now. It is what a person reads in the console, the CLI and CloudFormation.
import type { ColorWeights, FleetColor } from '../shared/color-weights';

/** A Catch result as Step Functions records it. */
export interface CaughtFailure {
  readonly Error?: string;
  readonly Cause?: string;
}

/**
 * The human message inside a caught Cause. Lambda errors arrive as a JSON document
 * (`{"errorType","errorMessage","trace"}`) on AWS and as "Name: message" in some local executors.
 */
export function messageOfCause(failure: CaughtFailure): string {
  const cause = failure.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') {
      return parsed.errorMessage;
    }
  } catch {
    // not JSON: a plain message
  }
  const prefix = `${failure.Error}: `;
  if (failure.Error && cause.startsWith(prefix)) {
    return cause.slice(prefix.length);
  }
  return cause || 'no cause was recorded';
}

/** Where the rollout was when it failed (from the state data). */
export interface RolloutPosition {
  /** 1-based step whose weights were last written; 0 before any weight moved. */
  readonly stepIndex: number;
  readonly stepCount: number;
  readonly percent: number;
}

const NEXT_STEPS: Record<string, string> = {
  HealthGateTimeout: 'Check why the instances fail their health check (target group health reasons, instance logs), then deploy again.',
  TargetsUnhealthy: 'Check why the new color\'s instances became unhealthy (target group health reasons, instance logs), then deploy again.',
  SmokeTestFailed: 'Request the smoke test path on the test listener yourself, fix the application, then deploy again.',
  AlarmBreach: 'Look at the alarm and the new color\'s logs and metrics around that time, fix the cause, then deploy again.',
  WeightsNotApplied: 'Something else changed the listener rule during the rollout; find out what, then deploy again.',
  RolloutAborted: 'The rollout was stopped on request; deploy again when ready.',
  'States.Timeout': 'A task took too long; check the rollout handler\'s logs.',
};

export function formatRollbackCause(params: {
  readonly service: string;
  readonly from: FleetColor;
  readonly to: FleetColor;
  readonly failure: CaughtFailure;
  readonly position: RolloutPosition;
  readonly restored: ColorWeights;
}): string {
  const { service, from, to, failure, position, restored } = params;
  const where = position.stepIndex === 0
    ? `before any traffic moved to ${to}`
    : `at step ${position.stepIndex} of ${position.stepCount} (${position.percent}% on ${to})`;
  const errorName = failure.Error ?? 'Error';
  const next = NEXT_STEPS[errorName] ?? 'Read the rollout handler\'s logs for this execution, fix the cause, then deploy again.';
  return (
    `Rollout of ${service} from ${from} to ${to} failed ${where}: ${errorName}: ${messageOfCause(failure)} ` +
    `Traffic is back on ${from} (read back: BLUE ${restored.BLUE}% / GREEN ${restored.GREEN}%). ${next}`
  );
}
