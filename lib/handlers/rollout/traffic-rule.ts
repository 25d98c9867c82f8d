// ELBv2 adapter: read the per-color weights of the service's rule, write them in ONE call, and
// count healthy targets. Reuses the shared weighted-rule adapter of the traffic handlers.
import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type ColorTargetGroups, type ColorWeights, targetsForWeights, weightsByColor } from '../shared/color-weights';
import { forwardTargetsOf } from '../shared/forward-action';
import { findRule, writeForwardWeights } from '../shared/weighted-rule';
import { awsCall } from './errors';

/**
 * The raw per-color weights on the rule (no normalisation: a verification must see exactly what
 * is there). Undefined when the rule or its forward action is gone.
 */
export async function readColorWeights(
  client: ElasticLoadBalancingV2Client,
  ruleArn: string,
  targetGroups: ColorTargetGroups,
  service: string,
): Promise<ColorWeights | undefined> {
  const rule = await awsCall('elasticloadbalancing:DescribeRules', () => findRule(client, ruleArn));
  const targets = rule ? forwardTargetsOf(rule) : undefined;
  return targets ? weightsByColor(targets, [targetGroups], service) : undefined;
}

/** Both colors' weights in one ModifyRule call, so the listener never sees a partial split. */
export async function writeColorWeights(
  client: ElasticLoadBalancingV2Client,
  ruleArn: string,
  targetGroups: ColorTargetGroups,
  weights: ColorWeights,
): Promise<void> {
  await awsCall('elasticloadbalancing:ModifyRule', () =>
    writeForwardWeights(client, ruleArn, targetsForWeights(weights, targetGroups)));
}

/** Points the test listener's rule at one target group (the idle color). */
export async function pointTestRuleAt(
  client: ElasticLoadBalancingV2Client,
  testRuleArn: string,
  targetGroupArn: string,
): Promise<void> {
  await awsCall('elasticloadbalancing:ModifyRule', () =>
    writeForwardWeights(client, testRuleArn, [{ targetGroupArn, weight: 1 }]));
}

export async function countHealthyTargets(client: ElasticLoadBalancingV2Client, targetGroupArn: string): Promise<number> {
  const out = await awsCall('elasticloadbalancing:DescribeTargetHealth', () =>
    client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })));
  return (out.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').length;
}
