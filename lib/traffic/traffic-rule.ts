import { CustomResource } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { Color } from '../color';
import { Fleet } from '../fleet';
import { allow, sharedHandler } from '../private/handler-code';
import { sharedProvider } from '../private/shared-provider';
import { listenerRulesArnPattern } from './listener-arns';

/** CloudFormation type of the resource that owns a service's weighted rule. */
export const TRAFFIC_RESOURCE_TYPE = 'Custom::BlueGreenTraffic';

/** A listener and the rule (priority, conditions) the traffic resource creates on it. */
export interface RulePlacement {
  readonly listener: elbv2.IApplicationListener;
  readonly priority: number;
  /** ELBv2 API `RuleCondition` objects. */
  readonly conditions: Record<string, unknown>[];
}

/** Properties of {@link TrafficRule}. */
export interface TrafficRuleProps {
  /** Identifies the service in logs and tags: its construct path. */
  readonly serviceName: string;
  /** Rule that carries user traffic with weights. */
  readonly live: RulePlacement;
  /** Rule on the test listener that forwards to the idle color. */
  readonly test: RulePlacement;
  readonly blue: Fleet;
  readonly green: Fleet;
  /** Color that gets 100% when the rule is first created. */
  readonly declaredLive: Color;
}

/**
 * The weighted forward rule of one service and its test-listener rule, owned by a custom resource
 * (invariant 2): created with 100% on the declared live color, and on update left with the weights
 * the runtime set, so no stack update resets them. No listener or rule in the template forwards
 * to the fleets' target groups.
 */
export class TrafficRule extends Construct {
  /** The custom resource; the live-fleet guard depends on it. */
  public readonly resource: CustomResource;
  /** ARN of the weighted rule on the user-facing listener. */
  public readonly ruleArn: string;
  /** ARN of the rule on the test listener. */
  public readonly testRuleArn: string;

  constructor(scope: Construct, id: string, props: TrafficRuleProps) {
    super(scope, id);
    const handler = sharedHandler(this, {
      name: 'traffic-rule',
      description: 'owns the weighted listener rule of each blue-green service',
    });
    const listenerArns = [...new Set([props.live.listener.listenerArn, props.test.listener.listenerArn])];
    const ruleArns = listenerArns.map(listenerRulesArnPattern);
    // Rules are created on the listener and tagged at creation; every later change is on a rule.
    handler.addToRolePolicy(allow(['elasticloadbalancing:CreateRule'], [...listenerArns, ...ruleArns]));
    handler.addToRolePolicy(allow([
      'elasticloadbalancing:ModifyRule',
      'elasticloadbalancing:DeleteRule',
      'elasticloadbalancing:SetRulePriorities',
      'elasticloadbalancing:AddTags',
    ], ruleArns));
    // Describe calls have no resource-level permissions in ELBv2.
    handler.addToRolePolicy(allow([
      'elasticloadbalancing:DescribeRules',
      'elasticloadbalancing:DescribeTags',
    ], ['*']));

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: sharedProvider(this, 'TrafficRule', handler).serviceToken,
      resourceType: TRAFFIC_RESOURCE_TYPE,
      properties: {
        ServiceName: props.serviceName,
        ListenerArn: props.live.listener.listenerArn,
        Priority: props.live.priority,
        Conditions: props.live.conditions,
        TestListenerArn: props.test.listener.listenerArn,
        TestPriority: props.test.priority,
        TestConditions: props.test.conditions,
        BlueTargetGroupArn: props.blue.targetGroup.targetGroupArn,
        GreenTargetGroupArn: props.green.targetGroup.targetGroupArn,
        LiveColor: props.declaredLive,
      },
    });
    this.ruleArn = this.resource.getAttString('RuleArn');
    this.testRuleArn = this.resource.getAttString('TestRuleArn');
  }
}
