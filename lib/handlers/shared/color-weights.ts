// Pure logic shared by the traffic-rule, live-fleet-guard and (later) rollout handlers: which
// color a target group belongs to, and the per-color traffic split read from a listener rule.

/** A fleet color, as the handlers receive it from CloudFormation properties. */
export type FleetColor = 'BLUE' | 'GREEN';

export const FLEET_COLORS: readonly FleetColor[] = ['BLUE', 'GREEN'];

/** Percent of traffic per color. Always sums to 100 when produced by {@link toPercentages}. */
export type ColorWeights = Record<FleetColor, number>;

/** Target group ARNs per color. */
export type ColorTargetGroups = Record<FleetColor, string>;

/** One target group of a forward action and its (relative) weight. */
export interface TargetGroupWeight {
  readonly targetGroupArn: string;
  readonly weight: number;
}

export function otherColor(color: FleetColor): FleetColor {
  return color === 'BLUE' ? 'GREEN' : 'BLUE';
}

/**
 * The color of a target group. `generations` lists the ARN sets to try in order: the rule was
 * written with the previous deploy's ARNs, so those come first; the new ones are a fallback for
 * a rule that a failed or rolled-back update already rewrote.
 */
export function colorOfTargetGroup(
  targetGroupArn: string,
  generations: readonly ColorTargetGroups[],
): FleetColor | undefined {
  for (const arns of generations) {
    for (const color of FLEET_COLORS) {
      if (arns[color] === targetGroupArn) {
        return color;
      }
    }
  }
  return undefined;
}

/**
 * Sums the weights of a forward action per color. Throws if a target group with weight > 0
 * belongs to neither color: that traffic cannot be attributed, so no safe decision is possible.
 */
export function weightsByColor(
  targets: readonly TargetGroupWeight[],
  generations: readonly ColorTargetGroups[],
  context: string,
): ColorWeights {
  const weights: ColorWeights = { BLUE: 0, GREEN: 0 };
  for (const target of targets) {
    const color = colorOfTargetGroup(target.targetGroupArn, generations);
    if (color === undefined) {
      if (target.weight > 0) {
        throw new Error(
          `${context}: the listener rule forwards ${target.weight} weight to ${target.targetGroupArn}, ` +
          'which is neither the BLUE nor the GREEN target group of this service. The rule was changed ' +
          'outside cdk-blue-green. Remove that target group from the rule (or set its weight to 0) ' +
          'and retry the deploy.',
        );
      }
      continue;
    }
    weights[color] += target.weight;
  }
  return weights;
}

/**
 * Converts relative ELB weights to percentages summing to exactly 100 (BLUE rounded, GREEN the
 * rest). Weights this library writes already sum to 100 and come back unchanged; weights set by
 * hand (e.g. 1/1) keep their ratio, so a deploy never changes the traffic split.
 */
export function toPercentages(weights: ColorWeights, context: string): ColorWeights {
  for (const color of FLEET_COLORS) {
    if (!Number.isFinite(weights[color]) || weights[color] < 0) {
      throw new Error(`${context}: the listener rule has an invalid ${color} weight (${weights[color]}).`);
    }
  }
  const total = weights.BLUE + weights.GREEN;
  if (total === 0) {
    throw new Error(
      `${context}: the listener rule gives weight 0 to both BLUE and GREEN, so it serves no traffic ` +
      'and there is no live color to keep. It was changed outside cdk-blue-green. Give 100 to the ' +
      'color that should serve traffic (aws elbv2 modify-rule) and retry the deploy.',
    );
  }
  if (total === 100) {
    return { ...weights };
  }
  // A color that receives any traffic keeps at least 1%: rounding it to 0 would let the guard
  // treat a serving fleet as idle.
  const blue = Math.min(Math.max(Math.round((weights.BLUE * 100) / total), weights.BLUE > 0 ? 1 : 0), weights.GREEN > 0 ? 99 : 100);
  return { BLUE: blue, GREEN: 100 - blue };
}

/** The color with the larger weight; BLUE on a 50/50 tie (documented in the handler data). */
export function liveColorOf(weights: ColorWeights): FleetColor {
  return weights.GREEN > weights.BLUE ? 'GREEN' : 'BLUE';
}

/** The forward targets that give each color its weight, using the given target group ARNs. */
export function targetsForWeights(
  weights: ColorWeights,
  targetGroups: ColorTargetGroups,
): TargetGroupWeight[] {
  return FLEET_COLORS.map((color) => ({
    targetGroupArn: targetGroups[color],
    weight: weights[color],
  }));
}

/** Human-readable split, e.g. "BLUE 90% / GREEN 10%". */
export function describeSplit(weights: ColorWeights): string {
  return `BLUE ${weights.BLUE}% / GREEN ${weights.GREEN}%`;
}
