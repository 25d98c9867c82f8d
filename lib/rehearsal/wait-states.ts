// Wait states on the virtual clock. Before a definition runs, each Wait state becomes a Task with
// the same InputPath/OutputPath/Next/End whose local handler advances the virtual clock by the
// wait and returns its input unchanged, which is exactly what a Wait state outputs. The original
// state is kept so the handler knows how long to wait.
import { deepCopy } from './deep-copy';

export const VIRTUAL_WAIT_RESOURCE = 'arn:aws:lambda:us-east-1:123456789012:function:rehearsal-virtual-wait';

export interface WaitStateDefinition {
  readonly Seconds?: number;
  readonly SecondsPath?: string;
  readonly Timestamp?: string;
  readonly TimestampPath?: string;
}

export interface TransformedDefinition {
  readonly definition: any;
  /** Original Wait states by state name (state names are unique across a whole state machine). */
  readonly waits: ReadonlyMap<string, WaitStateDefinition>;
  /** Every Task state (after the transform) by name, including those in Parallel/Map branches. */
  readonly tasks: ReadonlyMap<string, any>;
}

export function transformWaitStates(definition: any): TransformedDefinition {
  const copy = deepCopy(definition);
  const waits = new Map<string, WaitStateDefinition>();
  const tasks = new Map<string, any>();
  visitStates(copy, (name, state, states) => {
    if (state.Type === 'Wait') {
      waits.set(name, { Seconds: state.Seconds, SecondsPath: state.SecondsPath, Timestamp: state.Timestamp, TimestampPath: state.TimestampPath });
      const task: Record<string, unknown> = { Type: 'Task', Resource: VIRTUAL_WAIT_RESOURCE };
      for (const key of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End']) {
        if (key in state) task[key] = state[key];
      }
      states[name] = task;
      tasks.set(name, task);
    } else if (state.Type === 'Task') {
      tasks.set(name, state);
    }
  });
  return { definition: copy, waits, tasks };
}

/** Calls `visit` for every state, descending into Parallel branches and Map processors. */
export function visitStates(definition: any, visit: (name: string, state: any, states: Record<string, any>) => void): void {
  for (const [name, state] of Object.entries<any>(definition.States ?? {})) {
    visit(name, state, definition.States);
    for (const branch of state.Branches ?? []) {
      visitStates(branch, visit);
    }
    if (state.Iterator) visitStates(state.Iterator, visit);
    if (state.ItemProcessor) visitStates(state.ItemProcessor, visit);
  }
}

/**
 * For every state inside a Map or Parallel state, the enclosing Map/Parallel states, innermost
 * first; and each Map/Parallel state's definition.
 */
export function enclosingGroups(definition: any): { readonly of: ReadonlyMap<string, string[]>; readonly groups: ReadonlyMap<string, any> } {
  const of = new Map<string, string[]>();
  const groups = new Map<string, any>();
  const walk = (machine: any, chain: string[]) => {
    for (const [name, state] of Object.entries<any>(machine.States ?? {})) {
      of.set(name, chain);
      const inner = [...(state.Branches ?? []), ...(state.Iterator ? [state.Iterator] : []), ...(state.ItemProcessor ? [state.ItemProcessor] : [])];
      if (inner.length > 0) {
        groups.set(name, state);
        inner.forEach((branch) => walk(branch, [name, ...chain]));
      }
    }
  };
  walk(definition, []);
  return { of, groups };
}

/** Whether a Catch of `state` catches an error named `errorName` (Task states). */
export function catches(state: any, errorName: string): boolean {
  return (state?.Catch ?? []).some((c: any) => (c.ErrorEquals as string[]).some((e) =>
    e === errorName || e === 'States.ALL' || (e === 'States.TaskFailed' && errorName !== 'States.Timeout')));
}

/** Seconds a Wait state waits for `input` at virtual time `nowMs`. */
export function waitSeconds(wait: WaitStateDefinition, input: unknown, nowMs: number, stateName: string): number {
  if (wait.Seconds !== undefined) {
    return wait.Seconds;
  }
  if (wait.SecondsPath !== undefined) {
    const seconds = readJsonPath(input, wait.SecondsPath, stateName);
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      throw Object.assign(new Error(`The SecondsPath parameter of ${stateName} does not reference a valid non-negative integer (got ${JSON.stringify(seconds)})`), { name: 'States.Runtime' });
    }
    return seconds;
  }
  const timestamp = wait.Timestamp ?? (wait.TimestampPath !== undefined ? readJsonPath(input, wait.TimestampPath, stateName) : undefined);
  const target = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(target)) {
    throw Object.assign(new Error(`The timestamp of ${stateName} is not a valid ISO-8601 timestamp (got ${JSON.stringify(timestamp)})`), { name: 'States.Runtime' });
  }
  return Math.max(0, (target - nowMs) / 1000);
}

/** A reference path ($.a.b[0]) into a JSON value; the only JSONPath form a Wait state needs. */
export function readJsonPath(input: unknown, jsonPath: string, stateName: string): unknown {
  if (!jsonPath.startsWith('$')) {
    throw new Error(`rehearsal: ${stateName}: '${jsonPath}' is not a JSONPath.`);
  }
  const parts = jsonPath.slice(1).match(/\.[A-Za-z0-9_$-]+|\[\d+\]|\['[^']+'\]/g) ?? [];
  if (parts.join('') !== jsonPath.slice(1)) {
    throw new Error(`rehearsal: ${stateName}: only simple reference paths are supported in Wait states (got '${jsonPath}').`);
  }
  let current: any = input;
  for (const part of parts) {
    const key = part.startsWith('.') ? part.slice(1) : part.startsWith("['") ? part.slice(2, -2) : Number(part.slice(1, -1));
    current = current?.[key];
  }
  return current;
}

/**
 * aws-local-stepfunctions runs each Map iteration and Parallel branch as a nested execution whose
 * `$$.Execution.Input` and `$$.Execution.StartTime` are the iteration's own; in Step Functions
 * they are the execution's. Paths in nested states are pointed at a context key that keeps the
 * execution's values (see NESTED_EXECUTION_CONTEXT).
 */
export const NESTED_EXECUTION_CONTEXT = 'RehearsalExecution';

export function pinExecutionContextInNestedStates(definition: any): any {
  const copy = deepCopy(definition);
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/\$\$\.Execution\.(Input|StartTime)/g, `$$$$.${NESTED_EXECUTION_CONTEXT}.$1`);
    }
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    }
    return value;
  };
  for (const state of Object.values<any>(copy.States ?? {})) {
    if (state.ItemProcessor) state.ItemProcessor = rewrite(state.ItemProcessor);
    if (state.Iterator) state.Iterator = rewrite(state.Iterator);
    if (state.Branches) state.Branches = rewrite(state.Branches);
  }
  return copy;
}
