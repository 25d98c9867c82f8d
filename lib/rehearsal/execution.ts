// One Step Functions execution of a real definition with aws-local-stepfunctions: Wait states on
// the virtual clock, Lambda tasks bound to local handlers, Retry back-off in virtual time, and the
// execution history and billing-relevant counts kept.
import { StateMachine } from 'aws-local-stepfunctions';
import { arnPrefix } from './fake-identifiers';
import { NESTED_EXECUTION_CONTEXT, catches, enclosingGroups, pinExecutionContextInNestedStates, transformWaitStates, waitSeconds } from './wait-states';
import type { VirtualClock } from './virtual-clock';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  /** Virtual seconds since the rehearsal started. */
  readonly t: number;
  readonly type: string;
  readonly state?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly input?: unknown;
  readonly output?: unknown;
}

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: unknown;
  error?: string;
  cause?: string;
  /** State transitions as Step Functions bills them: states entered plus retries. */
  transitions: number;
  lambdaInvocations: number;
  readonly history: HistoryEvent[];
  /** Settles when the execution has stopped (never rejects). */
  readonly done: Promise<void>;
  /** StopExecution: the execution ends ABORTED at once; no Catch or rollback runs (as in Step Functions). */
  stop(error?: string, cause?: string): void;
}

/** Runs a Task state's resource: the Lambda function behind an ARN, or an integration. */
export type TaskInvoker = (execution: ExecutionRecord, stateName: string, task: any, input: unknown) => Promise<unknown>;

export interface StartExecutionOptions {
  readonly stateMachineArn: string;
  readonly definition: any;
  readonly input: unknown;
  readonly name: string;
  readonly roleArn?: string;
  readonly clock: VirtualClock;
  readonly invokeTask: TaskInvoker;
  /** Maximum transitions before the rehearsal stops a runaway loop (Step Functions' history limit is 25,000 events). */
  readonly maxTransitions?: number;
}

const validatedDefinitions = new Set<string>();

export function startExecution(options: StartExecutionOptions): ExecutionRecord {
  const { clock } = options;
  const stateMachineName = options.stateMachineArn.split(':').pop() as string;
  const executionArn = `${arnPrefix('states')}:execution:${stateMachineName}:${options.name}`;
  const { definition, waits, tasks } = transformWaitStates(pinExecutionContextInNestedStates(options.definition));
  const nesting = enclosingGroups(definition);
  let settle!: () => void;
  const record: ExecutionRecord = {
    executionArn,
    stateMachineArn: options.stateMachineArn,
    name: options.name,
    input: options.input,
    startDate: new Date(clock.now()),
    status: 'RUNNING',
    transitions: 0,
    lambdaInvocations: 0,
    history: [],
    done: new Promise<void>((resolve) => { settle = resolve; }),
    stop: (error?: string, cause?: string) => {
      if (record.status !== 'RUNNING' || stopped) return;
      // As in Step Functions: ABORTED at once, no Catch, no rollback. A Lambda already running
      // finishes its invocation; the interpreter is then stopped before the next state.
      stopped = { error, cause };
      record.status = 'ABORTED';
      record.error = error;
      record.cause = cause;
      record.stopDate = new Date(clock.now());
      record.history.push({ t: clock.elapsedSeconds(), type: 'ExecutionAborted', error, cause });
      interruptSleeps(() => true, true);
    },
  };
  let stopped: { error?: string; cause?: string } | undefined;
  /** Set once the execution has ended: anything of it still running is a leftover to end. */
  let ended = false;
  /**
   * Map and Parallel states one of whose iterations or branches failed. aws-local-stepfunctions
   * keeps running the others (queued Map iterations included) after the state has failed; in Step
   * Functions they stop. The rehearsal stops them at their next wait or task.
   */
  const failedGroups = new Set<string>();
  const pendingSleeps = new Map<{ interrupt(resumesProcess?: boolean): void }, string>();
  const interruptSleeps = (which: (stateName: string) => boolean, resumesProcess: boolean) => {
    for (const [wait, stateName] of [...pendingSleeps]) {
      if (which(stateName)) wait.interrupt(resumesProcess);
    }
  };
  const sleep = async (seconds: number, stateName: string) => {
    const wait = clock.interruptibleSleep(seconds);
    pendingSleeps.set(wait, stateName);
    try {
      await wait.done;
    } finally {
      pendingSleeps.delete(wait);
    }
  };
  const inFailedGroup = (stateName: string) => (nesting.of.get(stateName) ?? []).some((g) => failedGroups.has(g));
  // Thrown into the interpreter when a stop or a failed Map/Parallel ends this path: neither
  // retried nor caught, so it ends without running anything else.
  const stopIfRequested = (stateName: string) => {
    if (stopped) {
      throw Object.assign(new Error(stopped.cause ?? 'stopped'), { name: stopped.error ?? 'Stopped', isRetryable: false, isCatchable: false });
    }
    if (ended || inFailedGroup(stateName)) {
      throw Object.assign(new Error('stopped: its Map or Parallel state has already failed'), { name: 'Rehearsal.Stopped', isRetryable: false, isCatchable: false });
    }
  };
  /** A task failed for good: its Map/Parallel states fail too, up to the first that catches it. */
  const failGroups = (stateName: string, task: any, error: Error) => {
    if (catches(task, error.name)) return;
    for (const group of nesting.of.get(stateName) ?? []) {
      failedGroups.add(group);
      if (catches(nesting.groups.get(group), error.name)) break;
    }
    interruptSleeps(inFailedGroup, false);
  };

  const retryAttempts = new Map<string, number[]>();
  const handlers: Record<string, (input: any) => Promise<any>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [stateName, task] of tasks) {
    const run = waits.has(stateName)
      ? async (input: unknown) => {
        await sleep(waitSeconds(waits.get(stateName)!, input, clock.now(), stateName), stateName);
        return input;
      }
      : async (input: unknown) => {
        const started = clock.now();
        const result = await options.invokeTask(record, stateName, task, input);
        // A task longer than its TimeoutSeconds (in virtual time: the handler's own sleeps) fails
        // as in Step Functions. Detected when it returns; its result is discarded.
        if (typeof task.TimeoutSeconds === 'number' && clock.now() - started > task.TimeoutSeconds * 1000) {
          throw Object.assign(new Error(`The task ran longer than its TimeoutSeconds (${task.TimeoutSeconds} s).`), { name: 'States.Timeout' });
        }
        return result;
      };
    handlers[stateName] = async (input: any) => {
      stopIfRequested(stateName);
      let result: unknown;
      try {
        result = await run(input);
      } catch (error) {
        stopIfRequested(stateName);
        // The interpreter retries at once (interval overridden to 0); the back-off it would have
        // waited passes here, in virtual time, with the interpreter's own attempt counting.
        const delay = retryDelaySeconds(task, error as Error, retryAttempts, stateName);
        if (delay === undefined) {
          retryAttempts.delete(stateName);
          failGroups(stateName, task, error as Error);
        } else {
          await sleep(delay, stateName);
          stopIfRequested(stateName);
        }
        throw error;
      }
      stopIfRequested(stateName);
      retryAttempts.delete(stateName);
      return result;
    };
    if (task.Retry) {
      retryIntervalOverrides[stateName] = 0;
    }
  }

  // asl-validator compiles its JSON schema on every call (the slowest part of a short rehearsal),
  // so each distinct definition is validated once per process.
  const definitionKey = JSON.stringify(definition);
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false, noValidate: validatedDefinitions.has(definitionKey) } });
  validatedDefinitions.add(definitionKey);
  const enteredTime = { get EnteredTime() { return clock.isoNow(); } };
  const run = machine.run(options.input as any, {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
    context: {
      Execution: { Id: executionArn, Name: options.name, RoleArn: options.roleArn ?? `${stateMachineName}Role` },
      StateMachine: { Id: options.stateMachineArn, Name: stateMachineName },
      State: enteredTime,
      [NESTED_EXECUTION_CONTEXT]: { Input: options.input as any, StartTime: clock.isoNow() },
    },
  });

  const maxTransitions = options.maxTransitions ?? 25000;
  const collectHistory = (async () => {
    for await (const event of run.eventLogs) {
      const e = event as any;
      // Iterations the interpreter starts after their Map has failed never start in Step
      // Functions: they are neither billed nor part of the history.
      const leftover = e.Error === 'Rehearsal.Stopped'
        || ((e.type === 'StateEntered' || e.type === 'StateRetried') && e.state?.name && inFailedGroup(e.state.name))
        || (e.type === 'MapIterationStarted' && failedGroups.has(e.parentState?.name));
      if (leftover) {
        continue;
      }
      if (e.type === 'StateEntered' || e.type === 'StateRetried') {
        record.transitions++;
        if (record.transitions > maxTransitions) {
          record.error = 'Rehearsal.TooManyTransitions';
          record.cause = `The execution passed ${maxTransitions} state transitions; it is probably looping.`;
          run.abort();
        }
      }
      record.history.push({
        // Read when the event is collected: the clock cannot advance before pending events are read.
        t: clock.elapsedSeconds(),
        type: e.type,
        state: e.state?.name,
        error: e.Error,
        cause: typeof e.Cause === 'string' ? e.Cause : e.Cause === undefined ? undefined : JSON.stringify(e.Cause),
        input: e.state?.input ?? e.input,
        output: e.state?.output ?? e.output,
      });
    }
  })();

  let timedOut = false;
  if (typeof definition.TimeoutSeconds === 'number') {
    clock.at(clock.elapsedSeconds() + definition.TimeoutSeconds, () => {
      if (record.status === 'RUNNING') {
        timedOut = true;
        run.abort();
      }
    });
  }

  void clock.runProcess(async () => {
    try {
      const output = await run.result;
      if (!stopped) {
        record.output = output;
        record.status = 'SUCCEEDED';
      }
    } catch (error) {
      const e = error as Error;
      if (stopped) {
        // Already ABORTED when the stop was requested.
      } else if (timedOut) {
        record.status = 'TIMED_OUT';
        record.error = 'States.Timeout';
        record.cause = `The execution ran longer than its TimeoutSeconds (${definition.TimeoutSeconds} s).`;
      } else if (e.name === 'ExecutionAbortedError') {
        record.status = record.error === 'Rehearsal.TooManyTransitions' ? 'FAILED' : 'ABORTED';
      } else {
        record.status = 'FAILED';
      }
    }
    // Leftovers (see failedGroups) end now instead of running on after the execution.
    ended = true;
    interruptSleeps(() => true, false);
    await collectHistory;
    const failed = [...record.history].reverse().find((h) => h.type === 'ExecutionFailed');
    if (record.status === 'FAILED' && failed && !record.error) {
      record.error = failed.error;
      record.cause = failed.cause;
    }
    record.stopDate ??= new Date(clock.now());
    settle();
  });
  return record;
}

function retryDelaySeconds(task: any, error: Error, attempts: Map<string, number[]>, stateName: string): number | undefined {
  const retriers: any[] = task.Retry ?? [];
  const counts = attempts.get(stateName) ?? retriers.map(() => 0);
  attempts.set(stateName, counts);
  for (let i = 0; i < retriers.length; i++) {
    const retrier = retriers[i];
    const matches = (retrier.ErrorEquals as string[]).some((name) =>
      name === error.name || name === 'States.ALL' || (name === 'States.TaskFailed' && error.name !== 'States.Timeout'));
    if (!matches) {
      continue;
    }
    if (counts[i] >= (retrier.MaxAttempts ?? 3)) {
      return undefined;
    }
    const interval = (retrier.IntervalSeconds ?? 1) * Math.pow(retrier.BackoffRate ?? 2, counts[i]);
    counts[i]++;
    // JitterStrategy FULL would wait a random part of this; the rehearsal takes the whole
    // interval, the slowest case, so results are reproducible and timings are upper bounds.
    return retrier.MaxDelaySeconds !== undefined ? Math.min(interval, retrier.MaxDelaySeconds) : interval;
  }
  return undefined;
}
