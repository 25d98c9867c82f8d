// ELBv2 calls of Custom::BlueGreenTraffic beyond reading and writing weights: creating, finding,
// re-prioritising and deleting rules. The test rule is found by a tag that names its main rule,
// so a main rule moved to another listener (new physical id) never takes the test rule with it
// when CloudFormation deletes the old one.
import {
  AddTagsCommand,
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  type Rule,
  type RuleCondition,
  SetRulePrioritiesCommand,
  type Tag,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isRuleNotFound } from '../shared/weighted-rule';

/** Tag on both rules: the construct path of the service, for people reading the console. */
export const SERVICE_TAG = 'cdk-blue-green:service';
/** Tag on the test rule: the ARN of the main rule it belongs to. */
export const PAIRED_RULE_TAG = 'cdk-blue-green:traffic-rule';

/** ELBv2 tag values are at most 256 characters. */
function tagValue(value: string): string {
  return value.length <= 256 ? value : value.slice(value.length - 256);
}

export function serviceTags(serviceName: string): Tag[] {
  return [{ Key: SERVICE_TAG, Value: tagValue(serviceName) }];
}

export function testRuleTags(serviceName: string, mainRuleArn: string): Tag[] {
  return [...serviceTags(serviceName), { Key: PAIRED_RULE_TAG, Value: mainRuleArn }];
}

export interface NewRule {
  readonly listenerArn: string;
  readonly priority: number;
  readonly conditions: RuleCondition[];
  readonly action: Action;
  readonly tags: Tag[];
}

/** Creates a rule; a priority clash gets a message that says which property to change. */
export async function createRule(
  client: ElasticLoadBalancingV2Client,
  rule: NewRule,
  context: { readonly serviceName: string; readonly priorityProperty: string },
): Promise<string> {
  try {
    const out = await client.send(new CreateRuleCommand({
      ListenerArn: rule.listenerArn,
      Priority: rule.priority,
      Conditions: rule.conditions,
      Actions: [rule.action],
      Tags: rule.tags,
    }));
    const arn = out.Rules?.[0]?.RuleArn;
    if (!arn) {
      throw new Error('CreateRule returned no rule ARN');
    }
    return arn;
  } catch (error) {
    const name = (error as { name?: string }).name;
    const reason = (error as Error).message;
    if (name === 'PriorityInUseException') {
      throw new Error(
        `${context.serviceName}: priority ${rule.priority} is already used by another rule on listener ` +
        `${rule.listenerArn}. Each rule on a listener needs its own priority: choose a free one for ` +
        `${context.priorityProperty} and deploy again.`,
        { cause: error },
      );
    }
    throw new Error(
      `${context.serviceName}: could not create a listener rule on ${rule.listenerArn} ` +
      `(priority ${rule.priority}): ${name ?? 'Error'}: ${reason}`,
      { cause: error },
    );
  }
}

/** Moves a rule to another priority on the same listener. */
export async function setRulePriority(client: ElasticLoadBalancingV2Client, ruleArn: string, priority: number): Promise<void> {
  await client.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: ruleArn, Priority: priority }] }));
}

/** Rewrites a rule's conditions and action in one call. */
export async function modifyRule(
  client: ElasticLoadBalancingV2Client,
  ruleArn: string,
  conditions: RuleCondition[],
  action: Action,
): Promise<void> {
  await client.send(new ModifyRuleCommand({ RuleArn: ruleArn, Conditions: conditions, Actions: [action] }));
}

/** Points the test rule at a (new) main rule. */
export async function pairTestRule(client: ElasticLoadBalancingV2Client, testRuleArn: string, mainRuleArn: string): Promise<void> {
  await client.send(new AddTagsCommand({
    ResourceArns: [testRuleArn],
    Tags: [{ Key: PAIRED_RULE_TAG, Value: mainRuleArn }],
  }));
}

/** Deletes a rule; one that is already gone counts as deleted. Returns whether it existed. */
export async function deleteRuleIfExists(client: ElasticLoadBalancingV2Client, ruleArn: string): Promise<boolean> {
  try {
    await client.send(new DeleteRuleCommand({ RuleArn: ruleArn }));
    return true;
  } catch (error) {
    if (isRuleNotFound(error)) {
      return false;
    }
    throw error;
  }
}

/** True for a physical id this resource could have created (not e.g. a failed-create marker). */
export function isListenerRuleArn(value: string | undefined): value is string {
  return typeof value === 'string' && value.startsWith('arn:') && value.includes(':listener-rule/');
}

/** All non-default rules of a listener; none if the listener no longer exists. */
async function listRules(client: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let marker: string | undefined;
  try {
    do {
      const out = await client.send(new DescribeRulesCommand({ ListenerArn: listenerArn, Marker: marker, PageSize: 100 }));
      rules.push(...(out.Rules ?? []).filter((r) => !r.IsDefault && r.RuleArn));
      marker = out.NextMarker;
    } while (marker);
  } catch (error) {
    if ((error as { name?: string }).name === 'ListenerNotFoundException') {
      return [];
    }
    throw error;
  }
  return rules;
}

/** The test rule on `testListenerArn` tagged as belonging to `mainRuleArn`, if any. */
export async function findPairedTestRule(
  client: ElasticLoadBalancingV2Client,
  testListenerArn: string,
  mainRuleArn: string,
): Promise<Rule | undefined> {
  const rules = await listRules(client, testListenerArn);
  // DescribeTags accepts at most 20 ARNs per call.
  for (let i = 0; i < rules.length; i += 20) {
    const batch = rules.slice(i, i + 20);
    const out = await client.send(new DescribeTagsCommand({ ResourceArns: batch.map((r) => r.RuleArn!) }));
    const paired = (out.TagDescriptions ?? []).find((d) =>
      (d.Tags ?? []).some((t) => t.Key === PAIRED_RULE_TAG && t.Value === mainRuleArn));
    if (paired) {
      return batch.find((r) => r.RuleArn === paired.ResourceArn);
    }
  }
  return undefined;
}
