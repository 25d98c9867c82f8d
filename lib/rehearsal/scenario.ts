// The scenario language: what happens to the world while a rollout runs. Events happen at a
// virtual time (`at('7m', alarm('Web/Green5xx', 'ALARM'))`); faults hit the Nth matching call
// (`throttle('ModifyRule', { nth: 3 })`, `handlerThrows('checkAlarms', { nth: 2 })`).
import type { AlarmState } from './aws/alarm-model';

export type Color = 'BLUE' | 'GREEN';

/** What a scenario can do to the rehearsed world (implemented by Rehearsal). */
export interface ScenarioWorld {
  setAlarmState(alarm: string, state: AlarmState, reason: string): void;
  setHealthyTargets(color: Color, healthy: number | undefined): void;
  setTraffic(weights: Partial<Record<Color, number>>, who: string): void;
  startRollout(input: unknown, name?: string): void;
  stopRollout(name: string | undefined, who: string): void;
  note(event: string): void;
}

export interface ScenarioEvent {
  readonly description: string;
  apply(world: ScenarioWorld): void;
}

export interface TimedEvent {
  readonly kind: 'event';
  readonly atSeconds: number;
  readonly event: ScenarioEvent;
}

export interface CallFault {
  readonly kind: 'call-fault';
  /** API operation without "Command" (e.g. ModifyRule, PutItem) or "Service.Operation". */
  readonly operation: string;
  readonly nth: number;
  readonly times: number;
  readonly errorName?: string;
  readonly message?: string;
  readonly throttling: boolean;
  readonly description: string;
}

export interface HandlerFault {
  readonly kind: 'handler-fault';
  /** Matches the payload's `action`, the Task state's name, or the function's logical id. */
  readonly target: string;
  readonly nth: number;
  readonly times: number;
  readonly errorType: string;
  readonly message: string;
  readonly description: string;
}

export interface ScriptedFunction {
  readonly kind: 'scripted-function';
  /** Function name, logical id or construct path (part). */
  readonly function: string;
  readonly respond: (payload: any) => unknown;
  readonly description: string;
}

export interface HttpScript {
  readonly kind: 'http';
  readonly color: Color;
  readonly status: number;
  readonly body: string;
  readonly description: string;
}

export type ScenarioStep = TimedEvent | CallFault | HandlerFault | ScriptedFunction | HttpScript;

/**
 * A virtual duration: a number of seconds, or text such as '90s', '7m', '1h30m', '2m30s'.
 */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') {
    if (!(value >= 0)) throw new Error(`rehearsal: a duration must be 0 or more seconds (got ${value}).`);
    return value;
  }
  const match = /^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s)?\s*$/.exec(value);
  if (!match || value.trim() === '') {
    throw new Error(`rehearsal: '${value}' is not a duration. Use seconds (90) or text like '90s', '7m', '1h30m'.`);
  }
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

/** `event` happens when virtual time reaches `time` (counted from the start of the rehearsal). */
export function at(time: number | string, event: ScenarioEvent): TimedEvent {
  return { kind: 'event', atSeconds: parseDuration(time), event };
}

/** An alarm (logical id, construct path or part of one, or alarm name) changes state. */
export function alarm(name: string, state: AlarmState, reason?: string): ScenarioEvent {
  return {
    description: `alarm ${name} → ${state}`,
    apply: (world) => world.setAlarmState(name, state, reason ?? `rehearsal: scripted ${state}`),
  };
}

/** Only `count` targets of a color's target group pass health checks (undefined: all of them again). */
export function healthy(color: Color, count: number | undefined): ScenarioEvent {
  return {
    description: `${color} healthy targets = ${count ?? 'all'}`,
    apply: (world) => world.setHealthyTargets(color, count),
  };
}

/** Someone changes the weights outside the rollout (e.g. an emergency rollback in the console). */
export function moveTraffic(weights: Partial<Record<Color, number>>, who = 'an operator'): ScenarioEvent {
  return {
    description: `${who} sets the weights to ${JSON.stringify(weights)}`,
    apply: (world) => world.setTraffic(weights, who),
  };
}

/** A second rollout of the same service is started (e.g. to prove it is refused). */
export function startRollout(input: unknown, name?: string): ScenarioEvent {
  return {
    description: `a second rollout starts (${JSON.stringify(input)})`,
    apply: (world) => world.startRollout(input, name),
  };
}

/**
 * Someone stops a running execution (StopExecution, e.g. in the console). Step Functions runs no
 * Catch and no rollback for a stopped execution: the weights stay where they were.
 */
export function stopRollout(name?: string, who = 'an operator'): ScenarioEvent {
  return {
    description: `${who} stops execution ${name ?? '(the running one)'}`,
    apply: (world) => world.stopRollout(name, who),
  };
}

interface NthOptions {
  /** Which matching call fails first, counting from 1. @default 1 */
  readonly nth?: number;
  /** How many consecutive matching calls fail. @default 1 */
  readonly times?: number;
}

/**
 * The Nth call of an AWS operation is throttled, as the handler sees it after the SDK's own
 * retries (the mocks sit where the SDK's `send` is, below which its retry loop lives).
 */
export function throttle(operation: string, options: NthOptions = {}): CallFault {
  const nth = options.nth ?? 1;
  const times = options.times ?? 1;
  return { kind: 'call-fault', operation, nth, times, throttling: true, description: `throttle ${operation} call ${nth}${times > 1 ? `-${nth + times - 1}` : ''}` };
}

/** The Nth call of an AWS operation fails with a named service error. */
export function failCall(operation: string, errorName: string, options: NthOptions & { readonly message?: string } = {}): CallFault {
  const nth = options.nth ?? 1;
  const times = options.times ?? 1;
  return { kind: 'call-fault', operation, nth, times, errorName, message: options.message, throttling: false, description: `${operation} call ${nth} fails with ${errorName}` };
}

/**
 * The Nth invocation of a handler crashes before doing anything (target: the payload's `action`,
 * the Task state's name, or the function's logical id).
 */
export function handlerThrows(target: string, options: NthOptions & { readonly errorType?: string; readonly message?: string } = {}): HandlerFault {
  const nth = options.nth ?? 1;
  const times = options.times ?? 1;
  return {
    kind: 'handler-fault', target, nth, times,
    errorType: options.errorType ?? 'Error',
    message: options.message ?? `rehearsal: ${target} crashed (scripted)`,
    description: `${target} invocation ${nth} crashes`,
  };
}

/** A function the rehearsal cannot run (another runtime, a user's hook) answers with this. */
export function lambdaResult(fn: string, respond: unknown | ((payload: any) => unknown)): ScriptedFunction {
  return {
    kind: 'scripted-function', function: fn,
    respond: typeof respond === 'function' ? respond as (payload: any) => unknown : () => respond,
    description: `${fn} answers ${typeof respond === 'function' ? 'via a script' : JSON.stringify(respond)}`,
  };
}

/** HTTP requests that reach a color's targets get this response (default: 200 "OK"). */
export function httpResponse(color: Color, status: number, body = ''): HttpScript {
  return { kind: 'http', color, status, body, description: `${color} answers HTTP ${status}` };
}
