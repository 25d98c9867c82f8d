import { DescribeRulesCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lib/handlers/live-fleet-guard';
import { BLUE_TG, FakeLoadBalancer, GREEN_TG, GREEN_TG_REPLACED, LISTENER } from '../shared/fake-load-balancer';

const elb = mockClient(ElasticLoadBalancingV2Client);
let fake: FakeLoadBalancer;
let ruleArn: string;

beforeEach(() => {
  elb.reset();
  fake = new FakeLoadBalancer();
  fake.install(elb);
  ruleArn = fake.addRule({ listenerArn: LISTENER, priority: 10, conditions: [], actions: [], tags: new Map() });
  fake.setWeights(ruleArn, [[BLUE_TG, 100], [GREEN_TG, 0]]);
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => jest.restoreAllMocks());

const V1 = { ImageId: 'ami-1', InstanceType: 't4g.small', UserData: 'echo v1', LaunchTemplate: 'hash-1' };
const V2 = { ...V1, ImageId: 'ami-2', UserData: 'echo v2' };

function properties(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
    ServiceName: 'App/Web',
    RuleArn: ruleArn,
    BlueTargetGroupArn: BLUE_TG,
    GreenTargetGroupArn: GREEN_TG,
    BlueConfig: V1,
    GreenConfig: V1,
    DeclaredLive: 'BLUE',
    ...overrides,
  };
}

const common = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
  ResponseURL: 'https://example.com/response',
  StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/App/1',
  RequestId: 'request-1',
  LogicalResourceId: 'WebLiveFleetGuard',
  ResourceType: 'Custom::BlueGreenLiveFleetGuard',
};

function update(old: Record<string, any>, props: Record<string, any>): CloudFormationCustomResourceEvent {
  return {
    ...common, RequestType: 'Update', PhysicalResourceId: 'live-fleet-guard:App/Web',
    OldResourceProperties: old as any, ResourceProperties: props as any,
  };
}

test('update that changes the live color image fails, naming color and fields, after reading the rule', async () => {
  await expect(handler(update(properties(), properties({ BlueConfig: V2 })))).rejects.toThrow(
    'App/Web: this deploy would change the BLUE fleet (image id, user data) while it serves 100% of traffic. ' +
    'A deploy may only change the idle fleet. Put the new version on GREEN and set `live: Color.GREEN`; ' +
    'leave BLUE unchanged until the rollout has moved all traffic away from it.');
  expect(elb.commandCalls(DescribeRulesCommand).map((c) => c.args[0].input)).toEqual([{ RuleArns: [ruleArn] }]);
  expect(elb.calls()).toHaveLength(1);
});

test('update that changes only the idle color passes and reports the weights', async () => {
  await expect(handler(update(properties(), properties({ GreenConfig: V2, DeclaredLive: 'GREEN' })))).resolves.toEqual({
    PhysicalResourceId: 'live-fleet-guard:App/Web',
    Data: { BlueWeight: '100', GreenWeight: '0' },
  });
});

test('weights changed at run time decide, not the declared color', async () => {
  // A rollout moved everything to GREEN; the template still says BLUE. Changing BLUE is now safe,
  // changing GREEN is not.
  fake.setWeights(ruleArn, [[BLUE_TG, 0], [GREEN_TG, 100]]);
  await expect(handler(update(properties(), properties({ BlueConfig: V2 })))).resolves.toMatchObject({
    Data: { BlueWeight: '0', GreenWeight: '100' },
  });
  await expect(handler(update(properties(), properties({ GreenConfig: V2 })))).rejects.toThrow(
    /change the GREEN fleet \(image id, user data\) while it serves 100% of traffic.*You declared `live: Color.BLUE`, which is right/);
});

test.each([
  ['BLUE', { BlueConfig: V2 }],
  ['GREEN', { GreenConfig: { ...V1, InstanceType: 'm7g.large' } }],
])('mid-rollout (both colors serve), a change to %s fails', async (color, change) => {
  fake.setWeights(ruleArn, [[BLUE_TG, 90], [GREEN_TG, 10]]);
  await expect(handler(update(properties(), properties(change)))).rejects.toThrow(
    new RegExp(`change the ${color} fleet .* Traffic is split \\(BLUE 90% / GREEN 10%\\): a rollout is in progress`));
});

test('a color with a tiny relative weight still counts as serving', async () => {
  fake.setWeights(ruleArn, [[BLUE_TG, 999], [GREEN_TG, 1]]);
  await expect(handler(update(properties(), properties({ GreenConfig: V2 }))))
    .rejects.toThrow('would change the GREEN fleet (image id, user data) while it serves 1% of traffic');
});

test('a rule already rewritten to a replaced target group is still attributed to its color', async () => {
  fake.setWeights(ruleArn, [[BLUE_TG, 0], [GREEN_TG_REPLACED, 100]]);
  await expect(handler(update(properties(), properties({ GreenTargetGroupArn: GREEN_TG_REPLACED, GreenConfig: V2 }))))
    .rejects.toThrow('would change the GREEN fleet (image id, user data) while it serves 100% of traffic');
});

test('a missing rule fails closed with what to check', async () => {
  fake.rules.delete(ruleArn);
  await expect(handler(update(properties(), properties({ GreenConfig: V2 })))).rejects.toThrow(
    `App/Web: the live-fleet guard cannot tell which color serves traffic: listener rule ${ruleArn} does not exist. ` +
    'It refuses the deploy rather than risk changing the fleet that serves users.');
});

test('an unreadable rule (e.g. access denied) fails closed and keeps the cause', async () => {
  elb.on(DescribeRulesCommand).rejects(Object.assign(new Error('not authorized to perform DescribeRules'), { name: 'AccessDenied' }));
  await expect(handler(update(properties(), properties()))).rejects.toThrow(
    /cannot tell which color serves traffic: reading listener rule .* failed \(AccessDenied: not authorized/);
});

test('create and delete pass without calling ELBv2', async () => {
  await expect(handler({ ...common, RequestType: 'Create', ResourceProperties: properties() as any }))
    .resolves.toEqual({ PhysicalResourceId: 'live-fleet-guard:App/Web', Data: {} });
  await expect(handler({ ...common, RequestType: 'Delete', PhysicalResourceId: 'live-fleet-guard:App/Web', ResourceProperties: properties() as any }))
    .resolves.toEqual({ PhysicalResourceId: 'live-fleet-guard:App/Web', Data: {} });
  expect(elb.calls()).toHaveLength(0);
});

test('invalid properties are rejected with the property name', async () => {
  await expect(handler(update(properties(), properties({ BlueConfig: { ImageId: 'ami-1' } }))))
    .rejects.toThrow('App/Web (Custom::BlueGreenLiveFleetGuard): property BlueConfig.InstanceType must be a string, got nothing');
});
