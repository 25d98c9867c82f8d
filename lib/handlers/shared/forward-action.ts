// Pure translation between ELBv2 rule actions and target-group weights.
import type { Action, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetGroupWeight } from './color-weights';

/**
 * A weighted forward action. Stickiness is disabled on purpose: with stickiness, clients stay on
 * the color they first reached and a weight shift (or a rollback) would not move them.
 */
export function weightedForwardAction(targets: readonly TargetGroupWeight[]): Action {
  return {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: targets.map((t) => ({ TargetGroupArn: t.targetGroupArn, Weight: t.weight })),
      TargetGroupStickinessConfig: { Enabled: false },
    },
  };
}

/** A forward action that sends everything to one target group. */
export function singleForwardAction(targetGroupArn: string): Action {
  return weightedForwardAction([{ targetGroupArn, weight: 1 }]);
}

/**
 * The target groups and weights of a rule's forward action. Accepts both shapes ELBv2 returns:
 * a ForwardConfig list, or a single TargetGroupArn (which gets all the traffic). Returns
 * undefined when the rule has no forward action (someone replaced it, e.g. with a fixed response).
 */
export function forwardTargetsOf(rule: Rule): TargetGroupWeight[] | undefined {
  const forward = (rule.Actions ?? []).find((a) => a.Type === 'forward');
  if (!forward) {
    return undefined;
  }
  const tuples = forward.ForwardConfig?.TargetGroups;
  if (tuples && tuples.length > 0) {
    return tuples.map((t) => ({ targetGroupArn: t.TargetGroupArn ?? '', weight: t.Weight ?? 1 }));
  }
  if (forward.TargetGroupArn) {
    return [{ targetGroupArn: forward.TargetGroupArn, weight: 1 }];
  }
  return undefined;
}

/**
 * True when the rule forwards exactly the given weights: the same target groups (weight-0 ones
 * included, since a rule that still lists a target group keeps it in use) with the same weights.
 */
export function forwardsExactly(rule: Rule, expected: readonly TargetGroupWeight[]): boolean {
  const actual = forwardTargetsOf(rule);
  return actual !== undefined && sameTargetWeights(actual, expected);
}

/** Same target group ARNs, each with the same total weight, in any order. */
export function sameTargetWeights(a: readonly TargetGroupWeight[], b: readonly TargetGroupWeight[]): boolean {
  const left = weightPerTargetGroup(a);
  const right = weightPerTargetGroup(b);
  return left.size === right.size && [...left].every(([arn, weight]) => right.get(arn) === weight);
}

function weightPerTargetGroup(targets: readonly TargetGroupWeight[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const t of targets) {
    map.set(t.targetGroupArn, (map.get(t.targetGroupArn) ?? 0) + t.weight);
  }
  return map;
}

/** "arn-a=90, arn-b=10" for error messages. */
export function describeTargets(targets: readonly TargetGroupWeight[] | undefined): string {
  if (!targets) {
    return 'no forward action';
  }
  return targets.map((t) => `${t.targetGroupArn}=${t.weight}`).join(', ');
}
