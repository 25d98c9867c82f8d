import { createHash } from 'node:crypto';
import { DescribeRulesCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lib/handlers/live-fleet-guard';
import { BLUE_TG, FakeLoadBalancer, GREEN_TG, GREEN_TG_REPLACED, LISTENER } from '../shared/fake-load-balancer';
import { eventEnvelope } from '../shared/custom-resource-event';

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

const common = eventEnvelope('WebLiveFleetGuard', 'Custom::BlueGreenLiveFleetGuard');

/** The id format, spelled out independently of the handler: service + sha256 of the sorted-key JSON, 16 hex. */
function guardId(blue: Record<string, string>, green: Record<string, string>): string {
  const sorted = (config: Record<string, string>) => Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
  const canonical = JSON.stringify({ BlueConfig: sorted(blue), GreenConfig: sorted(green) });
  return `live-fleet-guard:App/Web:${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

/** Ids before the guard recorded its accepted configuration. */
const OLD_FORMAT_ID = 'live-fleet-guard:App/Web';

function update(old: Record<string, any>, props: Record<string, any>, physicalResourceId = OLD_FORMAT_ID): CloudFormationCustomResourceEvent {
  return {
    ...common, RequestType: 'Update', PhysicalResourceId: physicalResourceId,
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

test('update that changes only the idle color passes, records the new configuration in its id and reports the weights', async () => {
  await expect(handler(update(properties(), properties({ GreenConfig: V2, DeclaredLive: 'GREEN' }), guardId(V1, V1)))).resolves.toEqual({
    PhysicalResourceId: guardId(V1, V2),
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

test('create records the configuration in its id; delete passes for any id; neither calls ELBv2', async () => {
  await expect(handler({ ...common, RequestType: 'Create', ResourceProperties: properties() as any }))
    .resolves.toEqual({ PhysicalResourceId: guardId(V1, V1), Data: {} });
  // Deletes come for the old-format id (stack deleted) and for every id an accepted update replaced.
  for (const id of [OLD_FORMAT_ID, guardId(V1, V1), guardId(V2, V1), 'anything-else']) {
    await expect(handler({ ...common, RequestType: 'Delete', PhysicalResourceId: id, ResourceProperties: properties() as any }))
      .resolves.toEqual({ PhysicalResourceId: id, Data: {} });
  }
  // Even with properties the guard would reject on Create or Update.
  await expect(handler({ ...common, RequestType: 'Delete', PhysicalResourceId: OLD_FORMAT_ID, ResourceProperties: {} as any }))
    .resolves.toEqual({ PhysicalResourceId: OLD_FORMAT_ID, Data: {} });
  expect(elb.calls()).toHaveLength(0);
});

describe('the rollback CloudFormation sends after a refusal (aws/aws-cdk#17040)', () => {
  test('refused, then the swapped update back to the accepted configuration succeeds with the same id, without reading ELBv2', async () => {
    const info = jest.spyOn(console, 'info');
    const accepted = properties();
    const refused = properties({ BlueConfig: V2 });
    const id = guardId(V1, V1);
    await expect(handler(update(accepted, refused, id))).rejects.toThrow('would change the BLUE fleet (image id, user data)');
    expect(elb.calls()).toHaveLength(1);

    elb.resetHistory();
    await expect(handler(update(refused, accepted, id))).resolves.toEqual({ PhysicalResourceId: id, Data: {} });
    expect(elb.calls()).toHaveLength(0);
    const logged = info.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(logged).toContainEqual(expect.objectContaining({ event: 'live-fleet-guard.rollback-to-accepted', physicalResourceId: id }));
  });

  test('the rollback succeeds even when the rule can no longer be read', async () => {
    fake.rules.delete(ruleArn);
    await expect(handler(update(properties({ BlueConfig: V2 }), properties(), guardId(V1, V1))))
      .resolves.toEqual({ PhysicalResourceId: guardId(V1, V1), Data: {} });
  });

  test('with an old-format id there is no accepted configuration to return to: decided as any update', async () => {
    await expect(handler(update(properties({ BlueConfig: V2 }), properties(), OLD_FORMAT_ID)))
      .rejects.toThrow('would change the BLUE fleet (image id, user data) while it serves 100% of traffic');
  });

  test('an update to a configuration other than the accepted one is still refused', async () => {
    const V3 = { ...V1, InstanceType: 'm7g.large' };
    await expect(handler(update(properties({ BlueConfig: V2 }), properties({ BlueConfig: V3 }), guardId(V1, V1))))
      .rejects.toThrow('would change the BLUE fleet (image id, instance type, user data) while it serves 100% of traffic');
  });
});

test('invalid properties are rejected with the property name', async () => {
  await expect(handler(update(properties(), properties({ BlueConfig: { ImageId: 'ami-1' } }))))
    .rejects.toThrow('App/Web (Custom::BlueGreenLiveFleetGuard): property BlueConfig.InstanceType must be a string, got nothing');
});
