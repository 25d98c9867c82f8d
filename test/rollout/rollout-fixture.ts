// A minimal stack around RolloutStateMachine: VPC, ALB, two target groups and their metrics,
// wired the way BlueGreenService wires it.
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { RolloutColor, RolloutStateMachine, RolloutStateMachineProps } from '../../lib/rollout/rollout-state-machine';

export const RULE_ARN = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener-rule/app/web/abc/def/rule1';
export const TEST_RULE_ARN = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener-rule/app/web/abc/ghi/rule2';

export interface RolloutFixture {
  readonly app: App;
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  readonly rollout: RolloutStateMachine;
}

export function colorOf(
  stack: Stack,
  name: string,
  vpc: ec2.IVpc,
  lb: elbv2.ApplicationLoadBalancer,
  stickiness?: boolean,
): { color: RolloutColor; targetGroup: elbv2.ApplicationTargetGroup } {
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, `${name}Tg`, {
    vpc,
    port: 80,
    targetType: elbv2.TargetType.INSTANCE,
    stickinessCookieDuration: stickiness ? Duration.hours(1) : undefined,
  });
  const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/ApplicationELB',
    metricName,
    statistic,
    period: Duration.minutes(1),
    dimensionsMap: { TargetGroup: targetGroup.targetGroupFullName, LoadBalancer: lb.loadBalancerFullName },
  });
  return {
    targetGroup,
    color: {
      targetGroup,
      autoScalingGroupName: `${name}-asg`,
      requiredHealthyTargets: 2,
      metrics: {
        requestCount: metric('RequestCount', 'Sum'),
        target5xxCount: metric('HTTPCode_Target_5XX_Count', 'Sum'),
        p99ResponseTime: metric('TargetResponseTime', 'p99'),
        unhealthyHostCount: metric('UnHealthyHostCount', 'Maximum'),
      },
    },
  };
}

export type PropsFor = (stack: Stack, vpc: ec2.Vpc) => Partial<RolloutStateMachineProps>;

export function rolloutFixture(
  props: Partial<RolloutStateMachineProps> | PropsFor = {},
  options: { stickiness?: boolean; app?: App } = {},
): RolloutFixture {
  const app = options.app ?? new App();
  const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const lb = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc, internetFacing: true });
  const blue = colorOf(stack, 'Blue', vpc, lb, options.stickiness);
  const green = colorOf(stack, 'Green', vpc, lb);
  const rollout = new RolloutStateMachine(stack, 'WebRollout', {
    serviceName: 'web',
    ruleArn: RULE_ARN,
    testRuleArn: TEST_RULE_ARN,
    blue: blue.color,
    green: green.color,
    ...(typeof props === 'function' ? props(stack, vpc) : props),
  });
  return { app, stack, vpc, blueTargetGroup: blue.targetGroup, greenTargetGroup: green.targetGroup, rollout };
}

/** The state machine definition as an object, with CloudFormation tokens replaced by placeholders. */
export function definitionOf(stack: Stack): any {
  const template = require('aws-cdk-lib/assertions').Template.fromStack(stack).toJSON();
  const machines = Object.values(template.Resources as Record<string, any>)
    .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) {
    throw new Error(`expected one state machine, found ${machines.length}`);
  }
  const body = machines[0].Properties.DefinitionString;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part: unknown) =>
    typeof part === 'string' ? part : `TOKEN:${JSON.stringify(part).replace(/"/g, '')}`).join('');
  return JSON.parse(text);
}
