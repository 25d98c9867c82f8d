// Thin ELBv2 adapter for a weighted forward rule: read it, write its weights in one call, and
// verify by reading back (a weight is not set until it has been read back, as in Argo Rollouts'
// SetWeight/VerifyWeight).
import {
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  type Rule,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetGroupWeight } from './color-weights';
import { describeTargets, forwardTargetsOf, forwardsExactly, weightedForwardAction } from './forward-action';

/**
 * An ELBv2 client that survives throttling on busy accounts: adaptive retry (client-side rate
 * limiting) with up to 8 attempts instead of the default 3.
 */
export function createLoadBalancingClient(): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({ retryMode: 'adaptive', maxAttempts: 8 });
}

let containerClient: ElasticLoadBalancingV2Client | undefined;

/**
 * The client of this Lambda container, created on first use: reused across invocations, and
 * created after any test has installed its SDK mocks.
 */
export function loadBalancingClient(): ElasticLoadBalancingV2Client {
  containerClient ??= createLoadBalancingClient();
  return containerClient;
}

/** True for the error ELBv2 returns when a rule ARN does not (or no longer) exist. */
export function isRuleNotFound(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'RuleNotFoundException';
}

/** The rule, or undefined if it does not exist. Other errors propagate. */
export async function findRule(client: ElasticLoadBalancingV2Client, ruleArn: string): Promise<Rule | undefined> {
  try {
    const out = await client.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
    return out.Rules?.find((r) => r.RuleArn === ruleArn);
  } catch (error) {
    if (isRuleNotFound(error)) {
      return undefined;
    }
    throw error;
  }
}

/**
 * Writes the forward weights (and, if given, the conditions) in ONE ModifyRule call, so the
 * listener never sees a partial split.
 */
export async function writeForwardWeights(
  client: ElasticLoadBalancingV2Client,
  ruleArn: string,
  targets: readonly TargetGroupWeight[],
  conditions?: RuleCondition[],
): Promise<void> {
  await client.send(new ModifyRuleCommand({
    RuleArn: ruleArn,
    Actions: [weightedForwardAction(targets)],
    ...(conditions ? { Conditions: conditions } : {}),
  }));
}

/**
 * Reads the rule back and throws unless it forwards exactly `expected`. `context` (the service)
 * starts the message.
 */
export async function verifyForwardWeights(
  client: ElasticLoadBalancingV2Client,
  ruleArn: string,
  expected: readonly TargetGroupWeight[],
  context: string,
): Promise<Rule> {
  const rule = await findRule(client, ruleArn);
  if (!rule || !forwardsExactly(rule, expected)) {
    throw new Error(
      `${context}: wrote the weights [${describeTargets(expected)}] to listener rule ${ruleArn} but read ` +
      `back [${rule ? describeTargets(forwardTargetsOf(rule)) : 'rule not found'}]. Something else changed ` +
      'the rule at the same time (a rollout, a person or another stack). Check the rule in the EC2 ' +
      'console (Load Balancers > Listeners > Rules), wait for any running rollout to finish, then retry ' +
      'the deploy.',
    );
  }
  return rule;
}
