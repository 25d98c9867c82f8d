// How RolloutStateMachine wires SmokeTestNetwork.loadBalancerFullName into the smoke test: the
// function may look up network interfaces, and the task passes the name on to the handler.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { SmokeTest } from '../../../lib/rollout/smoke-test';
import { awsSolutionsFindings } from '../../support/nag';
import { definitionOf, rolloutFixture } from '../../rollout/rollout-fixture';

const FULL_NAME = 'app/web/50dc6c495c0c9188';
const smokeTest = SmokeTest.http({ path: '/health', timeout: Duration.seconds(3) });

function fixture(loadBalancerFullName: string | undefined | ((stack: Stack, vpc: ec2.Vpc) => string), app?: App) {
  return rolloutFixture((stack, vpc) => ({
    smokeTest,
    smokeTestNetwork: {
      vpc,
      testListenerUrl: 'http://lb.example:8080',
      loadBalancerFullName: typeof loadBalancerFullName === 'function' ? loadBalancerFullName(stack, vpc) : loadBalancerFullName,
    },
  }), { app });
}

/** The statements of the policies attached to the smoke test function's role. */
function smokeTestRoleStatements(stack: Stack): any[] {
  const template = Template.fromStack(stack);
  const fn = Object.values(template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp('HTTP smoke test') },
  }))[0] as any;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

test('with loadBalancerFullName the smoke test function may call ec2:DescribeNetworkInterfaces, on * (no resource-level permissions)', () => {
  const statements = smokeTestRoleStatements(fixture(FULL_NAME).stack);
  expect(statements.filter((s) => s.Sid === 'FindLoadBalancerPrivateAddresses')).toEqual([
    { Sid: 'FindLoadBalancerPrivateAddresses', Effect: 'Allow', Action: 'ec2:DescribeNetworkInterfaces', Resource: '*' },
  ]);
});

test('without it the function gets no such statement', () => {
  const statements = smokeTestRoleStatements(fixture(undefined).stack);
  expect(statements.length).toBeGreaterThan(0);
  expect(statements.filter((s) => s.Sid === 'FindLoadBalancerPrivateAddresses')).toEqual([]);
});

test('the smoke test task passes loadBalancerFullName to the handler, and only when it is set', () => {
  expect(definitionOf(fixture(FULL_NAME).stack).States['Smoke test'].Parameters).toMatchObject({
    baseUrl: 'http://lb.example:8080', loadBalancerFullName: FULL_NAME,
  });
  expect(definitionOf(fixture(undefined).stack).States['Smoke test'].Parameters).not.toHaveProperty('loadBalancerFullName');
});

test("a load balancer's loadBalancerFullName attribute is passed as its CloudFormation attribute", () => {
  const { stack } = fixture((scope, vpc) => new elbv2.ApplicationLoadBalancer(scope, 'PublicLb', { vpc, internetFacing: true }).loadBalancerFullName);
  const lbId = Object.keys(Template.fromStack(stack).findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))
    .find((id) => id.startsWith('PublicLb'));
  expect(definitionOf(stack).States['Smoke test'].Parameters.loadBalancerFullName)
    .toBe(`TOKEN:{Fn::GetAtt:[${lbId},LoadBalancerFullName]}`);
});

test('the extra permission leaves no unacknowledged cdk-nag AwsSolutions finding on the rollout engine', () => {
  const findings = awsSolutionsFindings((app) => { fixture(FULL_NAME, app); });
  const ours = findings.filter((f) => !/^Stack\/(Vpc|Lb|BlueTg|GreenTg)\b/.test(f.path));
  expect(ours.map((f) => `${f.rule} ${f.path}`)).toEqual([]);
});
