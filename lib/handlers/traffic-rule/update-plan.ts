// Pure decisions of Custom::BlueGreenTraffic: the weights a rule starts with, the weights an
// update carries over (invariant 2: never reset to the declared color), where the test rule
// points, and which ELBv2 writes an update needs.
import type { RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  type ColorTargetGroups,
  type ColorWeights,
  FLEET_COLORS,
  type FleetColor,
  type TargetGroupWeight,
  colorOfTargetGroup,
  describeSplit,
  otherColor,
  targetsForWeights,
  toPercentages,
  weightsByColor,
} from '../shared/color-weights';
import { sameTargetWeights } from '../shared/forward-action';
import type { TrafficRuleProperties } from './properties';

/** On create: everything to the declared live color. */
export function initialWeights(liveColor: FleetColor): ColorWeights {
  return liveColor === 'BLUE' ? { BLUE: 100, GREEN: 0 } : { BLUE: 0, GREEN: 100 };
}

/**
 * The per-color weights that are live on the load balancer, in percent. The rule was written with
 * the previous deploy's target group ARNs, so those identify the colors first; the new ARNs are
 * recognised too (a rule an interrupted update already rewrote).
 */
export function liveWeightsByColor(
  observed: readonly TargetGroupWeight[],
  previous: ColorTargetGroups,
  next: ColorTargetGroups,
  context: string,
): ColorWeights {
  return toPercentages(weightsByColor(observed, [previous, next], context), context);
}

/**
 * The color the test listener should reach: the idle one (weight 0). While both colors serve
 * traffic (a rollout in progress) it keeps the color it already reached, so a smoke test keeps
 * hitting the color being rolled out; without one, the color with less traffic.
 */
export function chooseTestColor(weights: ColorWeights, currentTestColor: FleetColor | undefined): FleetColor {
  const idle = FLEET_COLORS.filter((c) => weights[c] === 0);
  if (idle.length === 1) {
    return idle[0];
  }
  if (currentTestColor) {
    return currentTestColor;
  }
  return weights.BLUE < weights.GREEN ? 'BLUE' : 'GREEN';
}

/**
 * Refuses to move a serving color's traffic to a replaced target group: the new target group has
 * no registered instances yet (the fleet is updated after this resource), so its share of users
 * would get 503s (invariant 1: weight never goes to a color without healthy targets).
 */
export function servingTargetGroupReplacementError(
  weights: ColorWeights,
  previous: ColorTargetGroups,
  next: ColorTargetGroups,
  serviceName: string,
): string | undefined {
  const replaced = FLEET_COLORS.filter((c) => weights[c] > 0 && previous[c] !== next[c]);
  if (replaced.length === 0) {
    return undefined;
  }
  const colors = replaced.join(' and ');
  const idle = FLEET_COLORS.find((c) => weights[c] === 0);
  const advice = idle
    ? `Deploy first with \`live: Color.${idle}\` (and ${colors} unchanged) so the rollout moves all traffic ` +
      `to ${idle}; the change that replaces the ${colors} target group is then safe in a later deploy.`
    : 'A rollout is in progress or was interrupted: let it finish (or roll it back) so that one color ' +
      'has 100%, then replace only the idle color\'s target group.';
  return (
    `${serviceName}: this deploy replaces the ${colors} target group while ${colors} serves traffic ` +
    `(${describeSplit(weights)}). The new target group has no healthy instances yet, so moving its ` +
    `traffic there would fail requests. ${advice}`
  );
}

/** Structural equality of condition lists, independent of object key order. */
export function sameConditions(a: readonly RuleCondition[], b: readonly RuleCondition[]): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What an update does to one rule. */
export interface RuleChange {
  /** The listener changed: create the rule on the new listener (the old one is removed later). */
  readonly recreate: boolean;
  /** Conditions or forward targets changed: one ModifyRule. */
  readonly modify: boolean;
  /** The priority changed on the same listener: SetRulePriorities. */
  readonly reprioritize: boolean;
}

export interface TrafficRuleUpdatePlan {
  /** The weights live before the update, which the update keeps. */
  readonly weights: ColorWeights;
  /** The main rule's forward targets after the update (new ARNs, same per-color weights). */
  readonly mainTargets: TargetGroupWeight[];
  readonly main: RuleChange;
  readonly testColor: FleetColor;
  readonly testTargetGroupArn: string;
  readonly test: RuleChange;
}

/** What the update observed on the load balancer. */
export interface ObservedRules {
  /** The forward targets of the main rule. */
  readonly mainTargets: readonly TargetGroupWeight[];
  /** The target group the test rule forwards to, or undefined if the test rule is missing. */
  readonly testTargetGroupArn: string | undefined;
}

/** Decides the whole update from the old and new properties and the rules as they are now. */
export function planTrafficRuleUpdate(
  previous: TrafficRuleProperties,
  next: TrafficRuleProperties,
  observed: ObservedRules,
): TrafficRuleUpdatePlan {
  const generations = [previous.targetGroups, next.targetGroups];
  const weights = liveWeightsByColor(observed.mainTargets, previous.targetGroups, next.targetGroups, next.serviceName);
  const refusal = servingTargetGroupReplacementError(weights, previous.targetGroups, next.targetGroups, next.serviceName);
  if (refusal) {
    throw new Error(refusal);
  }
  const mainTargets = targetsForWeights(weights, next.targetGroups);
  const mainRecreate = previous.listenerArn !== next.listenerArn;

  const currentTestColor = observed.testTargetGroupArn === undefined
    ? undefined
    : colorOfTargetGroup(observed.testTargetGroupArn, generations);
  const testColor = chooseTestColor(weights, currentTestColor);
  const testTargetGroupArn = next.targetGroups[testColor];
  const testRecreate = observed.testTargetGroupArn === undefined || previous.testListenerArn !== next.testListenerArn;

  return {
    weights,
    mainTargets,
    main: {
      recreate: mainRecreate,
      // Rewriting only on a declared change (or a rule not in canonical form, e.g. 1/1 set by
      // hand) avoids racing a rollout that is shifting weights at the same moment.
      modify: !mainRecreate && (!sameTargetWeights(observed.mainTargets, mainTargets) ||
        !sameConditions(previous.conditions, next.conditions)),
      reprioritize: !mainRecreate && previous.priority !== next.priority,
    },
    testColor,
    testTargetGroupArn,
    test: {
      recreate: testRecreate,
      modify: !testRecreate && (observed.testTargetGroupArn !== testTargetGroupArn ||
        !sameConditions(previous.testConditions, next.testConditions)),
      reprioritize: !testRecreate && previous.testPriority !== next.testPriority,
    },
  };
}

/** The idle color on create: the test listener reaches it. */
export function initialTestColor(liveColor: FleetColor): FleetColor {
  return otherColor(liveColor);
}
