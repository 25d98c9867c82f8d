// The contract between the state machine definition (lib/rollout/rollout-state-machine.ts) and
// this handler. Per-service configuration travels in every task's Parameters, so ONE function
// serves every service of a stack.
import type { ColorTargetGroups, FleetColor } from '../shared/color-weights';

export type RolloutAction =
  | 'lock'
  | 'checkHealth'
  | 'runSmokeTest'
  | 'setWeights'
  | 'verifyWeights'
  | 'checkAlarms'
  | 'finalize'
  | 'rollback';

/** Static, per-service configuration written into the definition at synth time. */
export interface ServiceConfig {
  readonly name: string;
  readonly tableName: string;
  readonly ruleArn: string;
  /** Rule of the test listener that forwards to the idle color; empty when there is none. */
  readonly testRuleArn: string;
  readonly targetGroups: ColorTargetGroups;
  /** Auto Scaling group names per color: the health gate also waits for their desired capacity. */
  readonly autoScalingGroups: Record<FleetColor, string>;
  readonly requiredHealthyTargets: Record<FleetColor, number>;
  /** Alarms watched whatever the color (`any`) and per color (the built-in ones). */
  readonly alarmNames: { readonly any: string[]; readonly BLUE: string[]; readonly GREEN: string[] };
  readonly insufficientData: 'OK' | 'BREACH';
  readonly healthGate: { readonly intervalSeconds: number; readonly timeoutSeconds: number };
  /** The rollout plan, recorded in the history. */
  readonly plan: ReadonlyArray<{ readonly percent: number; readonly bakeSeconds: number }>;
}

/** One traffic step, as written into the definition. `index` is 1-based. */
export interface StepConfig {
  readonly index: number;
  readonly count: number;
  readonly percent: number;
  readonly bakeSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly polls: number;
}

/** What every task receives. */
export interface TaskEvent {
  readonly action: RolloutAction;
  readonly service: ServiceConfig;
  /** The raw execution input (`$$.Execution.Input`), validated by the handler. */
  readonly input: unknown;
  readonly execution: { readonly id: string; readonly name: string; readonly startTime: string };
  /** The state data when the task runs (`$`): earlier results and, on rollback, the failure. */
  readonly state: Record<string, unknown>;
  readonly step?: StepConfig;
  /** The 1-based poll number inside a bake (the Map item). */
  readonly poll?: number;
  /** Smoke test: the user's function to invoke. */
  readonly smokeFunctionArn?: string;
  /** Smoke test: the URL of the test listener path, passed to the user's function. */
  readonly testUrl?: string;
}
