// Offline rehearsal of a blue-green rollout: the real state machine definition from a synthesized
// stack, executed with aws-local-stepfunctions against the real bundled handlers, an in-memory
// AWS, and a virtual clock. A 15-minute rollout takes well under a second.
//
//   const result = await rehearse({
//     stack,                                            // or assembly: { directory: 'cdk.out', stackName }
//     input: { from: 'BLUE', to: 'GREEN', reason: 'release v1.1' },
//     scenario: [at('7m', alarm('Web/CheckoutErrors', 'ALARM')), throttle('ModifyRule', { nth: 3 })],
//   });
//   console.log(result.status, result.cause, formatTimeline(result.timeline));
//
// `Rehearsal` is the lower-level world: open() it (the first deploy), deploy() later versions of
// the stack (the release custom resource starts and awaits the rollout), wait(), rollout().
// Worked examples: test/rehearsal/*.test.ts. What is modelled and what is not: lib/rehearsal/README.md.
import type { Stack } from 'aws-cdk-lib';
import type { RecordedEvent } from './aws/event-bus-model';
import type { ExecutionRecord, ExecutionStatus, HistoryEvent } from './execution';
import type { LogLine } from './lambda-runtime';
import { type ApiCall, type CustomResourceResult, type Invocation, Rehearsal, type RehearsalOptions, type TimelineEntry } from './rehearsal';
import type { CfnTemplate } from './template';

export * from './scenario';
export { Rehearsal } from './rehearsal';
export type { ApiCall, CustomResourceResult, DeployOptions, Invocation, RehearsalOptions, TimelineEntry } from './rehearsal';
export type { ExecutionRecord, ExecutionStatus, HistoryEvent } from './execution';
export type { RecordedEvent } from './aws/event-bus-model';
export { parseDuration } from './scenario';

export interface RehearseProps extends RehearsalOptions {
  /** The stack to rehearse (synthesized in process). Give exactly one of stack, assembly, template. */
  readonly stack?: Stack;
  /** A cloud assembly directory (cdk.out) and the stack's name in it. */
  readonly assembly?: { readonly directory: string; readonly stackName: string };
  /** A synthesized template; function code is looked up in assetDirectories by asset hash. */
  readonly template?: CfnTemplate;
  readonly assetDirectories?: ReadonlyMap<string, string>;
  /** The rollout's input, e.g. { from: 'BLUE', to: 'GREEN', reason: 'release v1.1' }. */
  readonly input: unknown;
  /**
   * What to do when the system breaks invariant 1 (weights sum to 100 and only go to a color
   * with enough healthy targets): throw, or only record it in the result.
   * @default 'throw'
   */
  readonly invariants?: 'throw' | 'record';
}

export interface RehearsalResult {
  readonly status: ExecutionStatus;
  readonly error?: string;
  readonly cause?: string;
  readonly output?: unknown;
  /** Weights (percent per color) after every change, plus scenario and execution events. */
  readonly timeline: TimelineEntry[];
  /** State transitions of the rollout execution, as Step Functions bills them. */
  readonly transitions: number;
  readonly lambdaInvocations: number;
  /** The rollout execution's history (state entered/exited/failed/retried...). */
  readonly history: HistoryEvent[];
  /** Every execution of the rehearsal (a scenario may start more than one). */
  readonly executions: ExecutionRecord[];
  /** Virtual seconds from the start of the rollout to its end. */
  readonly durationSeconds: number;
  readonly invariantViolations: string[];
  readonly calls: ApiCall[];
  readonly invocations: Invocation[];
  readonly customResources: CustomResourceResult[];
  readonly logs: LogLine[];
  /** Events put on EventBridge (the rollout's announcements), in arrival order, with their virtual time. */
  readonly events: RecordedEvent[];
  /** Final weights on the service's rule. */
  readonly weights: { readonly BLUE: number; readonly GREEN: number };
  /** The world after the rehearsal (DynamoDB items, alarms...), for assertions. Closed. */
  readonly world: Rehearsal;
}

/** Opens a rehearsal of the stack given in props (not yet running anything). */
export function createRehearsal(props: Omit<RehearseProps, 'input'>): Rehearsal {
  const sources = [props.stack, props.assembly, props.template].filter((s) => s !== undefined).length;
  if (sources !== 1) {
    throw new Error('rehearse: give exactly one of stack, assembly or template (got ' + sources + ').');
  }
  if (props.stack) return Rehearsal.fromStack(props.stack, props);
  if (props.assembly) return Rehearsal.fromAssembly(props.assembly.directory, props.assembly.stackName, props);
  return Rehearsal.fromTemplate(props.template as CfnTemplate, props);
}

/**
 * Rehearses one rollout: sets the stack up as a first deploy would, runs the rollout state machine
 * with `input` while the scenario plays, and reports what happened.
 */
export async function rehearse(props: RehearseProps): Promise<RehearsalResult> {
  const world = createRehearsal(props);
  await world.open();
  let record: ExecutionRecord;
  try {
    record = await world.rollout(props.input);
    // Executions the scenario started (a concurrent rollout) end too before we report.
    await Promise.all(world.executions.map((e) => e.done));
  } finally {
    world.close();
  }
  const result = resultOf(world, record);
  if (world.modelGaps.length > 0) {
    throw new Error(`rehearsal: the rollout made calls the model cannot answer, so its outcome proves nothing:\n${[...new Set(world.modelGaps)].join('\n')}`);
  }
  if ((props.invariants ?? 'throw') === 'throw') {
    assertTrafficInvariant(result);
  }
  return result;
}

export function resultOf(world: Rehearsal, record: ExecutionRecord): RehearsalResult {
  return {
    status: record.status,
    error: record.error,
    cause: record.cause,
    output: record.output,
    timeline: world.timeline,
    transitions: record.transitions,
    lambdaInvocations: record.lambdaInvocations,
    history: record.history,
    executions: world.executions,
    durationSeconds: ((record.stopDate?.getTime() ?? world.clock.now()) - record.startDate.getTime()) / 1000,
    invariantViolations: world.invariantViolations,
    calls: world.calls,
    invocations: world.invocations,
    customResources: world.customResourceResults,
    logs: world.logs,
    events: world.eventBus.events,
    weights: world.weights(),
    world,
  };
}

/**
 * Invariant 1 over a whole rehearsal: user traffic always sums to 100% across the two colors, and
 * the system never raised a color's weight while it had fewer healthy targets than required.
 */
export function assertTrafficInvariant(result: { readonly invariantViolations: readonly string[]; readonly timeline: readonly TimelineEntry[] }): void {
  if (result.invariantViolations.length > 0) {
    throw new Error(
      `Invariant 1 broken ${result.invariantViolations.length} time(s):\n  ${result.invariantViolations.join('\n  ')}\n` +
      `Timeline:\n${formatTimeline(result.timeline)}`,
    );
  }
}

/** The timeline as aligned text, for failure messages and the command-line tool. */
export function formatTimeline(timeline: readonly TimelineEntry[]): string {
  return timeline.map((e) => {
    const minutes = Math.floor(e.t / 60);
    const seconds = (e.t - minutes * 60).toFixed(0).padStart(2, '0');
    return `  ${String(minutes).padStart(3)}m${seconds}s  BLUE ${String(e.blueWeight).padStart(5)}%  GREEN ${String(e.greenWeight).padStart(5)}%  ${e.event}`;
  }).join('\n');
}
