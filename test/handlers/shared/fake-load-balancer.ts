// A stateful in-memory model of the ELBv2 rule APIs the handlers call, installed on an
// aws-sdk-client-mock stub. Tests assert on the exact inputs sent (commandCalls) and on the
// resulting state, so a handler that sends the right calls in the wrong order still fails.
import {
  AddTagsCommand,
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  ListenerNotFoundException,
  ModifyRuleCommand,
  PriorityInUseException,
  type Action,
  type Rule,
  type RuleCondition,
  RuleNotFoundException,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsStub } from 'aws-sdk-client-mock';

export const REGION_ACCOUNT = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111';
export const LISTENER = `${REGION_ACCOUNT}:listener/app/web/0123456789abcdef/1111111111111111`;
export const TEST_LISTENER = `${REGION_ACCOUNT}:listener/app/web/0123456789abcdef/2222222222222222`;
export const OTHER_LISTENER = `${REGION_ACCOUNT}:listener/app/other/fedcba9876543210/3333333333333333`;
export const BLUE_TG = `${REGION_ACCOUNT}:targetgroup/web-blue/aaaaaaaaaaaaaaaa`;
export const GREEN_TG = `${REGION_ACCOUNT}:targetgroup/web-green/bbbbbbbbbbbbbbbb`;
export const BLUE_TG_REPLACED = `${REGION_ACCOUNT}:targetgroup/web-blue2/cccccccccccccccc`;
export const GREEN_TG_REPLACED = `${REGION_ACCOUNT}:targetgroup/web-green2/dddddddddddddddd`;

export interface StoredRule {
  listenerArn: string;
  priority: number;
  conditions: RuleCondition[];
  actions: Action[];
  tags: Map<string, string>;
}

const metadata = { $metadata: {} };

export class FakeLoadBalancer {
  readonly rules = new Map<string, StoredRule>();
  readonly listeners: Set<string>;
  private nextId = 1;

  constructor(listeners: string[] = [LISTENER, TEST_LISTENER, OTHER_LISTENER]) {
    this.listeners = new Set(listeners);
  }

  install(elb: AwsStub<any, any, any>): void {
    elb.on(CreateRuleCommand).callsFake((input) => {
      this.requireListener(input.ListenerArn);
      if ([...this.rules.values()].some((r) => r.listenerArn === input.ListenerArn && r.priority === input.Priority)) {
        throw new PriorityInUseException({ message: 'Priority \'' + input.Priority + '\' is currently in use', ...metadata });
      }
      const arn = this.addRule({
        listenerArn: input.ListenerArn,
        priority: input.Priority,
        conditions: input.Conditions,
        actions: input.Actions,
        tags: new Map((input.Tags ?? []).map((t: { Key: string; Value: string }) => [t.Key, t.Value])),
      });
      return { Rules: [this.describe(arn)] };
    });
    elb.on(DescribeRulesCommand).callsFake((input) => {
      if (input.RuleArns) {
        return { Rules: input.RuleArns.map((arn: string) => this.describe(arn)) };
      }
      this.requireListener(input.ListenerArn);
      const rules = [...this.rules.entries()].filter(([, r]) => r.listenerArn === input.ListenerArn).map(([arn]) => this.describe(arn));
      return { Rules: [...rules, { RuleArn: `${input.ListenerArn}-default`, Priority: 'default', IsDefault: true }] };
    });
    elb.on(ModifyRuleCommand).callsFake((input) => {
      const rule = this.requireRule(input.RuleArn);
      if (input.Actions) rule.actions = input.Actions;
      if (input.Conditions) rule.conditions = input.Conditions;
      return { Rules: [this.describe(input.RuleArn)] };
    });
    elb.on(SetRulePrioritiesCommand).callsFake((input) => {
      for (const p of input.RulePriorities) {
        this.requireRule(p.RuleArn).priority = p.Priority;
      }
      return {};
    });
    elb.on(DeleteRuleCommand).callsFake((input) => {
      this.requireRule(input.RuleArn);
      this.rules.delete(input.RuleArn);
      return {};
    });
    elb.on(DescribeTagsCommand).callsFake((input) => ({
      TagDescriptions: input.ResourceArns.map((arn: string) => ({
        ResourceArn: arn,
        Tags: [...this.requireRule(arn).tags.entries()].map(([Key, Value]) => ({ Key, Value })),
      })),
    }));
    elb.on(AddTagsCommand).callsFake((input) => {
      for (const arn of input.ResourceArns) {
        const rule = this.requireRule(arn);
        for (const t of input.Tags) rule.tags.set(t.Key, t.Value);
      }
      return {};
    });
  }

  /** Adds a rule directly (state before the event), returning its ARN. */
  addRule(rule: StoredRule): string {
    const listenerPath = rule.listenerArn.split(':listener/')[1];
    const arn = `${REGION_ACCOUNT}:listener-rule/${listenerPath}/${String(this.nextId++).padStart(16, '0')}`;
    this.rules.set(arn, rule);
    return arn;
  }

  /** Sets a rule's forward weights as the runtime (a rollout) would. */
  setWeights(ruleArn: string, weights: Array<[string, number]>): void {
    this.requireRule(ruleArn).actions = [{
      Type: 'forward',
      ForwardConfig: { TargetGroups: weights.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })) },
    }];
  }

  /** Forward weights of a rule as [target group, weight] pairs. */
  weightsOf(ruleArn: string): Array<[string, number]> {
    const forward = this.requireRule(ruleArn).actions.find((a) => a.Type === 'forward');
    return (forward?.ForwardConfig?.TargetGroups ?? []).map((t) => [t.TargetGroupArn!, t.Weight!]);
  }

  rulesOn(listenerArn: string): Array<[string, StoredRule]> {
    return [...this.rules.entries()].filter(([, r]) => r.listenerArn === listenerArn);
  }

  describe(arn: string): Rule {
    const rule = this.requireRule(arn);
    return {
      RuleArn: arn,
      Priority: String(rule.priority),
      Conditions: rule.conditions,
      Actions: rule.actions,
      IsDefault: false,
    };
  }

  private requireRule(arn: string): StoredRule {
    const rule = this.rules.get(arn);
    if (!rule) {
      throw new RuleNotFoundException({ message: 'One or more rules not found', ...metadata });
    }
    return rule;
  }

  private requireListener(arn: string): void {
    if (!this.listeners.has(arn)) {
      throw new ListenerNotFoundException({ message: 'One or more listeners not found', ...metadata });
    }
  }
}

/** The mocked client type, for test helpers. */
export type LoadBalancingStub = AwsStub<any, any, any>;
export { ElasticLoadBalancingV2Client };
