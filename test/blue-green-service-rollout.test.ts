import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { Rollout, RolloutTrigger, SmokeTest } from '../lib';
import {
  dependsOn,
  findDependencyCycle,
  newService,
  newStack,
  resourcesOfType,
  TemplateJson,
  transitiveDependencies,
} from './blue-green-service.fixture';

const RELEASE = 'Custom::BlueGreenRelease';

/** Rollout state machines (the release provider's waiter is a state machine too). */
function rolloutStateMachines(template: Template): unknown[] {
  return Object.values(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter((r) => JSON.stringify(r).includes('cdk-blue-green rollout of'));
}

function idOf(stack: Stack, construct: Construct): string {
  return stack.getLogicalId(construct.node.defaultChild as any);
}

describe('a service releases through its rollout state machine on cdk deploy', () => {
  const { stack, vpc } = newStack();
  const service = newService(stack, vpc);
  const template = Template.fromStack(stack);
  const json = template.toJSON() as TemplateJson;

  test('one state machine, and a release resource that declares the live color', () => {
    expect(rolloutStateMachines(template)).toHaveLength(1);
    template.hasResourceProperties(RELEASE, {
      ServiceName: 'Web',
      Live: 'BLUE',
      RuleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Traffic'), 'RuleArn'] },
    });
  });

  test('the release runs after both fleets are updated and the traffic rule exists', () => {
    const [[releaseId]] = resourcesOfType(json, RELEASE);
    const before = transitiveDependencies(json, releaseId);
    for (const fleet of [service.blue, service.green]) {
      expect(before).toContain(idOf(stack, fleet.autoScalingGroup));
      expect(before).toContain(idOf(stack, fleet.launchTemplate));
    }
    const [[trafficId]] = resourcesOfType(json, 'Custom::BlueGreenTraffic');
    expect(before).toContain(trafficId);
    expect(findDependencyCycle(json)).toBeUndefined();
  });

  test('the release re-checks traffic whenever a fleet gets a new launch template version', () => {
    const [[, release]] = resourcesOfType(json, RELEASE);
    const revision = JSON.stringify(release.Properties!.FleetRevision);
    for (const fleet of [service.blue, service.green]) {
      expect(revision).toContain(idOf(stack, fleet.launchTemplate));
    }
    expect(dependsOn(release).length).toBeGreaterThan(0);
  });

  test('one built-in alarm per color, exposed, each over its own target group', () => {
    expect(service.blueAlarms).toHaveLength(1);
    expect(service.greenAlarms).toHaveLength(1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    for (const [alarms, fleet] of [[service.blueAlarms, service.blue], [service.greenAlarms, service.green]] as const) {
      const alarm = json.Resources[idOf(stack, alarms[0] as cloudwatch.Alarm)].Properties as any;
      const dimensions = JSON.stringify(alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.Dimensions));
      expect(dimensions).toContain(idOf(stack, fleet.targetGroup));
    }
  });

  test('the default plan is 10 -> 50 -> 100 with 5-minute bakes', () => {
    expect(service.rolloutPlan.trafficSteps.map((s) => [s.percent, s.bakeSeconds])).toEqual([[10, 300], [50, 300], [100, 300]]);
  });
});

test('startRollout MANUAL: the deploy only prepares the fleets; no release resource', () => {
  const { stack, vpc } = newStack();
  const service = newService(stack, vpc, { startRollout: RolloutTrigger.MANUAL });
  const template = Template.fromStack(stack);
  template.resourceCountIs(RELEASE, 0);
  expect(rolloutStateMachines(template)).toHaveLength(1);
  expect(service.release).toBeUndefined();
});

test('a plan cdk deploy cannot wait for is refused at synth, pointing to startRollout MANUAL', () => {
  const long = Rollout.steps([10, 50, 100], { bake: Duration.minutes(20) });
  const { stack, vpc } = newStack();
  expect(() => newService(stack, vpc, { rollout: long })).toThrow(/startRollout: RolloutTrigger\.MANUAL/);
  const manual = newStack();
  expect(() => newService(manual.stack, manual.vpc, { rollout: long, startRollout: RolloutTrigger.MANUAL })).not.toThrow();
});

test('user alarms are watched by the rollout', () => {
  const { stack, vpc } = newStack();
  const alarm = new cloudwatch.Alarm(stack, 'Checkout', {
    metric: new cloudwatch.Metric({ namespace: 'Shop', metricName: 'FailedCheckouts' }),
    threshold: 5,
    evaluationPeriods: 1,
  });
  newService(stack, vpc, { alarms: [alarm] });
  const definition = JSON.stringify(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
  expect(definition).toContain(stack.getLogicalId(alarm.node.defaultChild as any));
});

describe('an HTTP smoke test', () => {
  const { stack, vpc } = newStack();
  const service = newService(stack, vpc, { smokeTest: SmokeTest.http({ path: '/health' }) });
  const template = Template.fromStack(stack);

  test('runs from a function in the VPC that may reach the test listener, and nothing else may', () => {
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { VpcConfig: Match.anyValue() } });
    expect(Object.keys(functions)).toHaveLength(1);
    const [smokeFunction] = Object.values(functions) as any[];
    const smokeGroups = smokeFunction.Properties.VpcConfig.SecurityGroupIds;
    // The load balancer's group admits the smoke test on the test port, from the function's group.
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: service.testListenerPort,
      ToPort: service.testListenerPort,
      SourceSecurityGroupId: smokeGroups[0],
    });
    const testPortFromCidr = Object.values(template.findResources('AWS::EC2::SecurityGroup'))
      .flatMap((sg: any) => sg.Properties.SecurityGroupIngress ?? [])
      .filter((rule: any) => rule.FromPort === service.testListenerPort && rule.CidrIp !== undefined);
    expect(testPortFromCidr).toEqual([]);
  });
});

test('an HTTP smoke test needs the test listener the service creates', () => {
  const { stack, vpc } = newStack();
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Shared', { vpc });
  const listener = alb.addListener('Http', { port: 80, defaultAction: elbv2.ListenerAction.fixedResponse(404) });
  const testListener = alb.addListener('Test', { port: 8443, protocol: elbv2.ApplicationProtocol.HTTP, open: false, defaultAction: elbv2.ListenerAction.fixedResponse(404) });
  expect(() => newService(stack, vpc, {
    listener,
    listenerRulePriority: 5,
    listenerConditions: [elbv2.ListenerCondition.hostHeaders(['a.example.com'])],
    testListener,
    smokeTest: SmokeTest.http({ path: '/health' }),
  })).toThrow(/Stack\/Web: smokeTest: SmokeTest\.http calls the test listener this service creates/);
});

test('every rollout state machine of a stack logs to the one shared log group', () => {
  const { stack, vpc } = newStack();
  newService(stack, vpc, {}, 'Api');
  newService(stack, vpc, { testListenerPort: 9100 }, 'Web');
  const template = Template.fromStack(stack);
  const destinations = rolloutStateMachines(template).map((r: any) =>
    JSON.stringify(r.Properties.LoggingConfiguration.Destinations));
  expect(destinations).toHaveLength(2);
  expect(destinations[0]).toContain('CdkBlueGreenRolloutLogs');
  expect(destinations[1]).toBe(destinations[0]);
  const stateMachineLogGroups = Object.keys(template.findResources('AWS::Logs::LogGroup'))
    .filter((id) => id.includes('Rollout') && !id.startsWith('CdkBlueGreenRolloutHandler'));
  expect(stateMachineLogGroups).toEqual([expect.stringMatching(/^CdkBlueGreenRolloutLogs/)]);
});

test('every rollout state machine of a stack runs with one shared role; each HTTP smoke test function is named, nothing else', () => {
  const { stack, vpc } = newStack();
  const api = newService(stack, vpc, { smokeTest: SmokeTest.http({ path: '/health' }) }, 'Api');
  newService(stack, vpc, { testListenerPort: 9100 }, 'Web');
  const template = Template.fromStack(stack);
  const roles = rolloutStateMachines(template).map((r: any) => r.Properties.RoleArn);
  expect(roles).toEqual([roles[0], roles[0]]);
  const roleId: string = roles[0]['Fn::GetAtt'][0];
  expect(roleId).toMatch(/^CdkBlueGreenRolloutStateMachineRole/);
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'states.amazonaws.com' } })] }),
  });

  const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
  const invoked = statements.filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'))
    .flatMap((st) => [st.Resource].flat())
    .map((r) => JSON.stringify(r));
  const smokeTestId = idOf(stack, api.node.findChild('Rollout').node.findChild('SmokeTest'));
  const functionIds = [...new Set(invoked.map((r) => /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(r)?.[1]))];
  expect(functionIds).toHaveLength(2);
  expect(functionIds).toEqual(expect.arrayContaining([expect.stringMatching(/^CdkBlueGreenRolloutHandler/), smokeTestId]));
  const wildcardActions = statements.filter((st) => [st.Resource].flat().includes('*')).flatMap((st) => [st.Action].flat());
  expect(wildcardActions.every((a: string) => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(true);
});

test('nested services get distinct rollout names from their construct paths', () => {
  const { stack, vpc } = newStack();
  const team = new Construct(stack, 'Team');
  newService(team as any, vpc, {}, 'Api');
  newService(stack, vpc, { testListenerPort: 9100 }, 'Api');
  const names = Template.fromStack(stack).findResources(RELEASE);
  expect(Object.values(names).map((r: any) => r.Properties.ServiceName).sort()).toEqual(['Api', 'Team-Api']);
});

test("the HTTP smoke test reaches a created load balancer through its private addresses", () => {
  const { stack, vpc } = newStack();
  const service = newService(stack, vpc, { smokeTest: SmokeTest.http({ path: '/health' }) });
  const template = Template.fromStack(stack);
  const definitions = JSON.stringify(rolloutStateMachines(template));
  // The smoke task passes the load balancer's full name, so the function looks its interfaces up.
  expect(definitions).toContain(`"${stack.getLogicalId(service.loadBalancer!.node.defaultChild as any)}","LoadBalancerFullName"`);
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ec2:DescribeNetworkInterfaces', Resource: '*' })]) },
  });
});
