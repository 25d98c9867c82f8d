import { Duration } from 'aws-cdk-lib';

/** The longest bake a single step may have. Longer bakes belong in a separate, manual promotion. */
const MAX_BAKE_SECONDS = 24 * 60 * 60;

/** One traffic step of a rollout, as plain data (what the state machine and rehearsals run). */
export interface RolloutStep {
  /** Percent of the traffic the new color receives during this step (1-100). */
  readonly percent: number;
  /** How long the step bakes, in seconds, while the alarms are watched. */
  readonly bakeSeconds: number;
}

/** Options shared by the `Rollout` presets. */
export interface RolloutOptions {
  /**
   * How long each step bakes (alarms watched, weights unchanged) before the next step starts.
   * Whole seconds, from 0 to 24 hours.
   *
   * @default Duration.minutes(5)
   */
  readonly bake?: Duration;
}

/** One step of `Rollout.custom`, with its own bake time. */
export interface CustomRolloutStep {
  /** Percent of the traffic the new color receives during this step (whole number, 1-100). */
  readonly percent: number;
  /**
   * How long this step bakes. Whole seconds, from 0 to 24 hours.
   *
   * @default Duration.minutes(5)
   */
  readonly bake?: Duration;
}

/**
 * How traffic moves from the live color to the new one: a list of steps, each a percentage for the
 * new color and a bake time during which the alarms are watched. The last step is always 100%.
 *
 * @example
 * Rollout.steps([10, 50, 100], { bake: Duration.minutes(5) });
 */
export class Rollout {
  /** The bake time a step gets when none is given: 5 minutes. */
  public static readonly DEFAULT_BAKE = Duration.minutes(5);

  /**
   * Shift to each percentage in turn, baking the same time at every step. The default plan of a
   * service is `Rollout.steps([10, 50, 100])` with 5-minute bakes.
   *
   * @param percentages whole numbers from 1 to 100, strictly increasing, ending at 100
   */
  public static steps(percentages: number[], options: RolloutOptions = {}): Rollout {
    return new Rollout('Rollout.steps', percentages.map((percent) => ({ percent, bake: options.bake })), 'percentages');
  }

  /**
   * Send `percent` of the traffic to the new color, bake, then send everything.
   *
   * @param percent the canary's share, a whole number from 1 to 99
   */
  public static canary(percent: number, options: RolloutOptions = {}): Rollout {
    if (!Number.isInteger(percent) || percent < 1 || percent > 99) {
      throw new Error(
        `Rollout.canary: percent must be a whole number from 1 to 99, got ${percent}. ` +
        'Use Rollout.allAtOnce() to move all traffic in one step.',
      );
    }
    return new Rollout('Rollout.canary', [{ percent, bake: options.bake }, { percent: 100, bake: options.bake }], 'percent');
  }

  /**
   * Add `stepPercent` at every step (e.g. 25 gives 25, 50, 75, 100; 30 gives 30, 60, 90, 100).
   *
   * @param stepPercent the increment, a whole number from 1 to 100
   */
  public static linear(stepPercent: number, options: RolloutOptions = {}): Rollout {
    if (!Number.isInteger(stepPercent) || stepPercent < 1 || stepPercent > 100) {
      throw new Error(
        `Rollout.linear: stepPercent must be a whole number from 1 to 100, got ${stepPercent}. ` +
        'For example Rollout.linear(25) shifts 25%, 50%, 75%, 100%.',
      );
    }
    const percentages: number[] = [];
    for (let p = stepPercent; p < 100; p += stepPercent) {
      percentages.push(p);
    }
    percentages.push(100);
    return new Rollout('Rollout.linear', percentages.map((percent) => ({ percent, bake: options.bake })), 'stepPercent');
  }

  /** Move all traffic in one step, then bake at 100% (a failure still rolls back). */
  public static allAtOnce(options: RolloutOptions = {}): Rollout {
    return new Rollout('Rollout.allAtOnce', [{ percent: 100, bake: options.bake }], 'options');
  }

  /**
   * Steps with their own bake times, e.g. a short first bake and a long one at 50%.
   *
   * @example
   * Rollout.custom([
   *   { percent: 5, bake: Duration.minutes(2) },
   *   { percent: 50, bake: Duration.minutes(15) },
   *   { percent: 100 },
   * ]);
   */
  public static custom(steps: CustomRolloutStep[]): Rollout {
    return new Rollout('Rollout.custom', steps, 'steps');
  }

  /** The steps, in order, as plain data. The last one is always 100%. */
  public readonly trafficSteps: RolloutStep[];

  /**
   * The sum of the bake times: the shortest time a successful rollout can take (health gate,
   * smoke test and API calls come on top).
   */
  public readonly totalDuration: Duration;

  private constructor(factory: string, steps: CustomRolloutStep[], propName: string) {
    this.trafficSteps = validateSteps(factory, steps, propName);
    this.totalDuration = Duration.seconds(this.trafficSteps.reduce((sum, step) => sum + step.bakeSeconds, 0));
  }
}

function validateSteps(factory: string, steps: CustomRolloutStep[], propName: string): RolloutStep[] {
  if (steps.length === 0) {
    throw new Error(`${factory}: ${propName} must list at least one step, ending at 100. For example [10, 50, 100].`);
  }
  if (steps.length > 20) {
    throw new Error(
      `${factory}: ${propName} has ${steps.length} steps; at most 20 are allowed (each step adds API calls and ` +
      'states to the rollout). Use fewer, larger steps.',
    );
  }
  const result: RolloutStep[] = [];
  steps.forEach((step, index) => {
    const where = `${factory}: ${propName}[${index}]`;
    const percent = step.percent;
    if (!Number.isInteger(percent) || percent < 1 || percent > 100) {
      throw new Error(`${where} must be a whole percentage from 1 to 100, got ${percent}.`);
    }
    const previous = result[index - 1];
    if (previous && percent <= previous.percent) {
      throw new Error(
        `${where} (${percent}%) must be greater than the step before it (${previous.percent}%): ` +
        'traffic only moves forward during a rollout. List the percentages in increasing order.',
      );
    }
    result.push({ percent, bakeSeconds: bakeSecondsOf(where, step.bake) });
  });
  const last = result[result.length - 1];
  if (last.percent !== 100) {
    throw new Error(
      `${factory}: the last step of ${propName} must be 100, got ${last.percent}. A rollout ends with all ` +
      'traffic on the new color; add 100 as the final step.',
    );
  }
  return result;
}

function bakeSecondsOf(where: string, bake: Duration | undefined): number {
  if (bake === undefined) {
    return Rollout.DEFAULT_BAKE.toSeconds();
  }
  if (bake.isUnresolved()) {
    throw new Error(`${where}: bake must be a concrete duration, not a token, because the plan is fixed at synth time.`);
  }
  const ms = bake.toMilliseconds();
  if (ms % 1000 !== 0 || ms < 0 || ms > MAX_BAKE_SECONDS * 1000) {
    throw new Error(
      `${where}: bake must be whole seconds from 0 to 24 hours, got ${bake.toHumanString()}. ` +
      'Pick for example Duration.minutes(5).',
    );
  }
  return ms / 1000;
}
