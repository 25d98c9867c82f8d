// The EventBridge events a rollout emits at each decision (invariant 6), built from plain data.
// Sending them is event-publisher.ts's job; deciding what they say is this module's.
//
// Every event has source `cdk-blue-green`, a stable detail-type, and a detail that always names
// the service, the execution, and (once the input is valid) `from` and `to`. Its resources are
// the state machine and execution ARNs, so a rule can tell apart two services of the same name
// in different stacks.
import type { ColorWeights, FleetColor } from '../shared/color-weights';
import { type CaughtFailure, messageOfCause, type RolloutPosition } from './rollback-cause';
import type { RolloutInput } from './rollout-input';
import type { TaskEvent } from './task-event';

export const ROLLOUT_EVENT_SOURCE = 'cdk-blue-green';

/** The detail-types: part of the public contract (users write rules on them), never renamed. */
export const ROLLOUT_DETAIL_TYPES = {
  started: 'Blue-Green Rollout Started',
  refused: 'Blue-Green Rollout Refused',
  healthGatePassed: 'Blue-Green Health Gate Passed',
  smokeTestPassed: 'Blue-Green Smoke Test Passed',
  weightsShifted: 'Blue-Green Weights Shifted',
  succeeded: 'Blue-Green Rollout Succeeded',
  rollbackStarted: 'Blue-Green Rollback Started',
  rolledBack: 'Blue-Green Rollout Rolled Back',
} as const;

export type RolloutDetailType = typeof ROLLOUT_DETAIL_TYPES[keyof typeof ROLLOUT_DETAIL_TYPES];

/** One PutEvents entry (the SDK's field names); no EventBusName means the default bus. */
export interface RolloutEventEntry {
  readonly Source: string;
  readonly DetailType: RolloutDetailType;
  readonly Detail: string;
  readonly Resources: string[];
  readonly Time: Date;
}

/** What every event of one task knows: the service, the execution, its input, and the time. */
export interface RolloutEventContext {
  readonly service: string;
  readonly execution: { readonly id: string; readonly name: string };
  /** Undefined when the input itself was invalid (a refused rollout). */
  readonly input?: RolloutInput;
  readonly at: Date;
}

/** The context of a task's events; `input` undefined when it did not validate. */
export function taskEventContext(event: TaskEvent, input: RolloutInput | undefined, at: Date): RolloutEventContext {
  return { service: event.service.name, execution: { id: event.execution.id, name: event.execution.name }, input, at };
}

/** A traffic step as events report it (1-based `index`). */
export interface EventStep {
  readonly index: number;
  readonly count: number;
  readonly percent: number;
}

export function rolloutStarted(
  context: RolloutEventContext,
  plan: ReadonlyArray<{ readonly percent: number; readonly bakeSeconds: number }>,
): RolloutEventEntry {
  return entry(context, ROLLOUT_DETAIL_TYPES.started, { plan: plan.map((s) => ({ percent: s.percent, bakeSeconds: s.bakeSeconds })) });
}

/** The lock is held, the start is unsafe, or the input is invalid: nothing was changed. */
export function rolloutRefused(context: RolloutEventContext, refusal: { readonly name: string; readonly message: string }): RolloutEventEntry {
  return entry(context, ROLLOUT_DETAIL_TYPES.refused, { error: refusal.name, cause: refusal.message });
}

export function healthGatePassed(context: RolloutEventContext, targets: { readonly healthy: number; readonly required: number }): RolloutEventEntry {
  return entry(context, ROLLOUT_DETAIL_TYPES.healthGatePassed, { healthyTargets: targets.healthy, requiredHealthyTargets: targets.required });
}

/** `kind` says which smoke test passed; `observed` what it saw (status, URL, or the function's verdict). */
export function smokeTestPassed(context: RolloutEventContext, kind: 'HTTP' | 'LAMBDA', observed: string): RolloutEventEntry {
  return entry(context, ROLLOUT_DETAIL_TYPES.smokeTestPassed, { smokeTest: kind, observed });
}

/** A step's weights were written AND read back from the rule: the step is complete. */
export function weightsShifted(context: RolloutEventContext, step: EventStep, weights: ColorWeights): RolloutEventEntry {
  return entry(context, ROLLOUT_DETAIL_TYPES.weightsShifted, { step: eventStep(step), weights: { BLUE: weights.BLUE, GREEN: weights.GREEN } });
}

export function rolloutSucceeded(context: RolloutEventContext, liveColor: FleetColor): RolloutEventEntry {
  return entry(context, ROLLOUT_DETAIL_TYPES.succeeded, { liveColor });
}

/** Why the rollback runs: the caught failure, where the rollout was, and the watched alarms it names. */
export interface RollbackReason {
  readonly failure: CaughtFailure;
  readonly position: RolloutPosition;
  /** Every alarm the service watches: those the failure names are reported. */
  readonly watchedAlarms: readonly string[];
}

export function rollbackStarted(context: RolloutEventContext, why: RollbackReason): RolloutEventEntry {
  return entry(context, ROLLOUT_DETAIL_TYPES.rollbackStarted, rollbackFields(why));
}

/** Traffic is back on `from`: `weights` are what the rule read back after the one restoring call. */
export function rolledBack(
  context: RolloutEventContext,
  why: RollbackReason,
  outcome: { readonly weights: ColorWeights; readonly cause: string; readonly trafficMoved: boolean },
): RolloutEventEntry {
  return entry(context, ROLLOUT_DETAIL_TYPES.rolledBack, {
    ...rollbackFields(why),
    // The full, actionable cause the execution fails with, rather than the raw failure message.
    cause: outcome.cause,
    weights: { BLUE: outcome.weights.BLUE, GREEN: outcome.weights.GREEN },
    trafficMoved: outcome.trafficMoved,
  });
}

/**
 * The watched alarms a failure message names. AlarmBreach messages quote each alarm
 * (`alarm "name" is ALARM ...`); matching the quoted form of the known names avoids parsing the
 * rest of the message and never reports an alarm the service does not watch.
 */
export function alarmsNamedIn(message: string, watched: readonly string[]): string[] {
  return [...new Set(watched)].filter((name) => message.includes(`alarm "${name}"`));
}

/**
 * The state machine's ARN from a standard workflow's execution ARN
 * (`arn:<partition>:states:<region>:<account>:execution:<state machine>:<execution>`).
 */
export function stateMachineArnOf(executionArn: string): string | undefined {
  const match = /^arn:([^:]+):states:([^:]*):([^:]*):execution:([^:]+):[^:]+$/.exec(executionArn);
  return match ? `arn:${match[1]}:states:${match[2]}:${match[3]}:stateMachine:${match[4]}` : undefined;
}

function rollbackFields(why: RollbackReason): Record<string, unknown> {
  const message = messageOfCause(why.failure);
  const alarms = alarmsNamedIn(message, why.watchedAlarms);
  return {
    error: why.failure.Error ?? 'RolloutFailed',
    cause: message,
    // stepIndex 0: no traffic had moved yet, so there is no step to report.
    ...(why.position.stepIndex > 0 ? { step: eventStep({ index: why.position.stepIndex, count: why.position.stepCount, percent: why.position.percent }) } : {}),
    // `alarm` is the first for simple rules (`detail.alarm`); `alarms` lists all when several breached.
    ...(alarms.length > 0 ? { alarm: alarms[0], alarms } : {}),
  };
}

function eventStep(step: EventStep): EventStep {
  return { index: step.index, count: step.count, percent: step.percent };
}

function entry(context: RolloutEventContext, detailType: RolloutDetailType, fields: Record<string, unknown>): RolloutEventEntry {
  const { service, execution, input } = context;
  const detail = {
    service,
    executionId: execution.id,
    executionName: execution.name,
    ...(input ? { from: input.from, to: input.to, reason: input.reason, requestedBy: input.requestedBy } : {}),
    ...fields,
  };
  const stateMachineArn = stateMachineArnOf(execution.id);
  return {
    Source: ROLLOUT_EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    Resources: stateMachineArn ? [stateMachineArn, execution.id] : [],
    Time: context.at,
  };
}
