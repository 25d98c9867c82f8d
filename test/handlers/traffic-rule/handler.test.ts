import {
  AddTagsCommand,
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lib/handlers/traffic-rule';
import { PAIRED_RULE_TAG } from '../../../lib/handlers/traffic-rule/listener-rules';
import {
  BLUE_TG,
  BLUE_TG_REPLACED,
  FakeLoadBalancer,
  GREEN_TG,
  GREEN_TG_REPLACED,
  LISTENER,
  OTHER_LISTENER,
  TEST_LISTENER,
} from '../shared/fake-load-balancer';
import { eventEnvelope } from '../shared/custom-resource-event';

const elb = mockClient(ElasticLoadBalancingV2Client);
let fake: FakeLoadBalancer;

beforeEach(() => {
  elb.reset();
  fake = new FakeLoadBalancer();
  fake.install(elb);
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => jest.restoreAllMocks());

const PATH_CONDITIONS = [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }];
const HOST_CONDITIONS = [
  { Field: 'host-header', HostHeaderConfig: { Values: ['app.example.com'] } },
  { Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } },
];

// As CloudFormation sends them: numbers arrive as strings.
function properties(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
    ServiceName: 'App/Web',
    ListenerArn: LISTENER,
    Priority: '10',
    Conditions: PATH_CONDITIONS,
    TestListenerArn: TEST_LISTENER,
    TestPriority: '10',
    TestConditions: PATH_CONDITIONS,
    BlueTargetGroupArn: BLUE_TG,
    GreenTargetGroupArn: GREEN_TG,
    LiveColor: 'BLUE',
    ...overrides,
  };
}

const common = eventEnvelope('WebTraffic', 'Custom::BlueGreenTraffic');

function createEvent(props: Record<string, any>): CloudFormationCustomResourceCreateEvent {
  return { ...common, RequestType: 'Create', ResourceProperties: props as any };
}

function updateEvent(physicalId: string, old: Record<string, any>, props: Record<string, any>): CloudFormationCustomResourceUpdateEvent {
  return { ...common, RequestType: 'Update', PhysicalResourceId: physicalId, OldResourceProperties: old as any, ResourceProperties: props as any };
}

function deleteEvent(physicalId: string, props: Record<string, any>): CloudFormationCustomResourceDeleteEvent {
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: props as any };
}

/** Creates the rules through the handler and clears the recorded calls. */
async function created(props = properties()) {
  const result = await handler(createEvent(props));
  elb.resetHistory();
  return result;
}

function forwardTo(targets: Array<[string, number]>) {
  return {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: targets.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
      TargetGroupStickinessConfig: { Enabled: false },
    },
  };
}

describe('create', () => {
  test('sends 100% to the declared live color and the test rule to the idle one', async () => {
    const result = await handler(createEvent(properties({ LiveColor: 'GREEN' })));

    const creates = elb.commandCalls(CreateRuleCommand).map((c) => c.args[0].input);
    expect(creates).toEqual([
      {
        ListenerArn: LISTENER,
        Priority: 10,
        Conditions: PATH_CONDITIONS,
        Actions: [forwardTo([[BLUE_TG, 0], [GREEN_TG, 100]])],
        Tags: [{ Key: 'cdk-blue-green:service', Value: 'App/Web' }],
      },
      {
        ListenerArn: TEST_LISTENER,
        Priority: 10,
        Conditions: PATH_CONDITIONS,
        Actions: [forwardTo([[BLUE_TG, 1]])],
        Tags: [
          { Key: 'cdk-blue-green:service', Value: 'App/Web' },
          { Key: PAIRED_RULE_TAG, Value: result.PhysicalResourceId },
        ],
      },
    ]);
    const [[[mainArn]], [[testArn]]] = [fake.rulesOn(LISTENER), fake.rulesOn(TEST_LISTENER)];
    expect(result).toEqual({
      PhysicalResourceId: mainArn,
      Data: { RuleArn: mainArn, TestRuleArn: testArn, BlueWeight: '0', GreenWeight: '100', LiveColor: 'GREEN' },
    });
    // Both rules were read back after being written.
    expect(elb.commandCalls(DescribeRulesCommand).map((c) => c.args[0].input)).toEqual([
      { RuleArns: [mainArn] },
      { RuleArns: [testArn] },
    ]);
  });

  test('a priority already in use fails with the priority and what to do, and leaves no rule behind', async () => {
    fake.addRule({ listenerArn: TEST_LISTENER, priority: 10, conditions: PATH_CONDITIONS, actions: [], tags: new Map() });

    await expect(handler(createEvent(properties()))).rejects.toThrow(
      /App\/Web: priority 10 is already used by another rule on listener .*choose a free one for the test listener rule priority/,
    );
    expect(fake.rulesOn(LISTENER)).toEqual([]);
  });

  test.each([
    ['Priority', 'ten', /Priority must be a whole number from 1 to 50000, got "ten"/],
    ['Priority', '0', /Priority must be a whole number from 1 to 50000/],
    ['LiveColor', 'RED', /LiveColor must be BLUE or GREEN, got "RED"/],
    ['Conditions', [], /Conditions must be a non-empty list of listener rule conditions/],
    ['BlueTargetGroupArn', 'web-blue', /BlueTargetGroupArn must be an ARN/],
  ])('rejects %s = %j before calling ELBv2', async (name, value, message) => {
    await expect(handler(createEvent(properties({ [name]: value })))).rejects.toThrow(message);
    expect(elb.calls()).toHaveLength(0);
  });
});

describe('update', () => {
  test('keeps weights changed at run time instead of resetting them to the declared live color', async () => {
    const { PhysicalResourceId: ruleArn } = await created();
    // A rollout moved 90% to GREEN; the template still declares BLUE.
    fake.setWeights(ruleArn, [[BLUE_TG, 10], [GREEN_TG, 90]]);
    const newConditions = [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/app/*'] } }];

    const result = await handler(updateEvent(ruleArn, properties(), properties({ Conditions: newConditions })));

    expect(elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input)).toEqual([{
      RuleArn: ruleArn,
      Conditions: newConditions,
      Actions: [forwardTo([[BLUE_TG, 10], [GREEN_TG, 90]])],
    }]);
    expect(fake.weightsOf(ruleArn)).toEqual([[BLUE_TG, 10], [GREEN_TG, 90]]);
    expect(result.PhysicalResourceId).toBe(ruleArn);
    expect(result.Data).toMatchObject({ BlueWeight: '10', GreenWeight: '90', LiveColor: 'GREEN' });
  });

  test('an update that changes nothing on the rules writes nothing (no race with a running rollout)', async () => {
    const { PhysicalResourceId: ruleArn } = await created();

    const result = await handler(updateEvent(ruleArn, properties(), properties({ ServiceName: 'App/Web' })));

    expect(elb.commandCalls(ModifyRuleCommand)).toHaveLength(0);
    expect(elb.commandCalls(CreateRuleCommand)).toHaveLength(0);
    expect(elb.commandCalls(SetRulePrioritiesCommand)).toHaveLength(0);
    expect(result.Data).toMatchObject({ BlueWeight: '100', GreenWeight: '0', LiveColor: 'BLUE' });
  });

  test('after a rollout to GREEN, the main rule is left alone and the test rule moves to the now idle BLUE', async () => {
    const { PhysicalResourceId: ruleArn, Data } = await created();
    fake.setWeights(ruleArn, [[BLUE_TG, 0], [GREEN_TG, 100]]);

    const result = await handler(updateEvent(ruleArn, properties(), properties({ LiveColor: 'GREEN' })));

    expect(elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input)).toEqual([
      { RuleArn: Data.TestRuleArn, Conditions: PATH_CONDITIONS, Actions: [forwardTo([[BLUE_TG, 1]])] },
    ]);
    expect(fake.weightsOf(ruleArn)).toEqual([[BLUE_TG, 0], [GREEN_TG, 100]]);
    expect(result.Data).toMatchObject({ BlueWeight: '0', GreenWeight: '100', LiveColor: 'GREEN' });
  });

  test('a replaced idle target group keeps its color weight, and the test rule follows it', async () => {
    const { PhysicalResourceId: ruleArn, Data } = await created();

    const result = await handler(updateEvent(ruleArn, properties(), properties({ GreenTargetGroupArn: GREEN_TG_REPLACED })));

    expect(elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input)).toEqual([
      { RuleArn: ruleArn, Conditions: PATH_CONDITIONS, Actions: [forwardTo([[BLUE_TG, 100], [GREEN_TG_REPLACED, 0]])] },
      { RuleArn: Data.TestRuleArn, Conditions: PATH_CONDITIONS, Actions: [forwardTo([[GREEN_TG_REPLACED, 1]])] },
    ]);
    expect(result.Data).toMatchObject({ BlueWeight: '100', GreenWeight: '0', TestRuleArn: Data.TestRuleArn });
  });

  test('mid-rollout, a serving color keeps its weight under its new target group ARN when only the other is replaced', async () => {
    const { PhysicalResourceId: ruleArn } = await created();
    fake.setWeights(ruleArn, [[BLUE_TG, 100], [GREEN_TG, 0]]);

    await handler(updateEvent(ruleArn, properties(), properties({ GreenTargetGroupArn: GREEN_TG_REPLACED })));
    // Second deploy after a rollout moved everything to the replaced GREEN group.
    fake.setWeights(ruleArn, [[BLUE_TG, 0], [GREEN_TG_REPLACED, 100]]);
    elb.resetHistory();
    const result = await handler(updateEvent(ruleArn,
      properties({ GreenTargetGroupArn: GREEN_TG_REPLACED }),
      properties({ GreenTargetGroupArn: GREEN_TG_REPLACED, BlueTargetGroupArn: BLUE_TG_REPLACED })));

    expect(fake.weightsOf(ruleArn)).toEqual([[BLUE_TG_REPLACED, 0], [GREEN_TG_REPLACED, 100]]);
    expect(result.Data).toMatchObject({ BlueWeight: '0', GreenWeight: '100', LiveColor: 'GREEN' });
  });

  test('refuses to replace the target group of a color that serves traffic, before writing anything', async () => {
    const { PhysicalResourceId: ruleArn } = await created();

    await expect(handler(updateEvent(ruleArn, properties(), properties({ BlueTargetGroupArn: BLUE_TG_REPLACED }))))
      .rejects.toThrow(/App\/Web: this deploy replaces the BLUE target group while BLUE serves traffic \(BLUE 100% \/ GREEN 0%\).*`live: Color.GREEN`/);
    expect(elb.commandCalls(ModifyRuleCommand)).toHaveLength(0);
    expect(fake.weightsOf(ruleArn)).toEqual([[BLUE_TG, 100], [GREEN_TG, 0]]);
  });

  test('a new listener gets a new rule with the live weights and a new physical id; the test rule is re-paired', async () => {
    const { PhysicalResourceId: oldRuleArn, Data } = await created();
    fake.setWeights(oldRuleArn, [[BLUE_TG, 50], [GREEN_TG, 50]]);

    const result = await handler(updateEvent(oldRuleArn, properties(), properties({ ListenerArn: OTHER_LISTENER, Priority: '7' })));

    const [[newRuleArn]] = fake.rulesOn(OTHER_LISTENER);
    expect(elb.commandCalls(CreateRuleCommand).map((c) => c.args[0].input)).toEqual([{
      ListenerArn: OTHER_LISTENER,
      Priority: 7,
      Conditions: PATH_CONDITIONS,
      Actions: [forwardTo([[BLUE_TG, 50], [GREEN_TG, 50]])],
      Tags: [{ Key: 'cdk-blue-green:service', Value: 'App/Web' }],
    }]);
    expect(elb.commandCalls(AddTagsCommand).map((c) => c.args[0].input)).toEqual([
      { ResourceArns: [Data.TestRuleArn], Tags: [{ Key: PAIRED_RULE_TAG, Value: newRuleArn }] },
    ]);
    expect(result.PhysicalResourceId).toBe(newRuleArn);
    expect(result.PhysicalResourceId).not.toBe(oldRuleArn);
    // 50/50 is a tie: LiveColor is BLUE, as documented.
    expect(result.Data).toMatchObject({ RuleArn: newRuleArn, BlueWeight: '50', GreenWeight: '50', LiveColor: 'BLUE' });

    // CloudFormation then deletes the old physical id: only the old main rule goes.
    elb.resetHistory();
    await handler(deleteEvent(oldRuleArn, properties()));
    expect(elb.commandCalls(DeleteRuleCommand).map((c) => c.args[0].input)).toEqual([{ RuleArn: oldRuleArn }]);
    expect(fake.rules.has(Data.TestRuleArn)).toBe(true);
    expect(fake.rules.has(newRuleArn)).toBe(true);
  });

  test('a failed move to a new listener removes the new rule and leaves the test rule with the old one', async () => {
    const { PhysicalResourceId: oldRuleArn, Data } = await created();
    elb.on(DescribeRulesCommand, { RuleArns: [Data.TestRuleArn] })
      .resolves({ Rules: [{ RuleArn: Data.TestRuleArn, Actions: [{ Type: 'fixed-response' }] }] });

    await expect(handler(updateEvent(oldRuleArn, properties(), properties({ ListenerArn: OTHER_LISTENER }))))
      .rejects.toThrow(`to listener rule ${Data.TestRuleArn} but read back [no forward action]`);

    expect(fake.rulesOn(OTHER_LISTENER)).toEqual([]);
    expect(fake.rules.get(Data.TestRuleArn)?.tags.get(PAIRED_RULE_TAG)).toBe(oldRuleArn);
    expect(elb.commandCalls(AddTagsCommand)).toHaveLength(0);
  });

  test('priority and test-listener changes are applied in place', async () => {
    const { PhysicalResourceId: ruleArn, Data } = await created();

    const result = await handler(updateEvent(ruleArn, properties(), properties({ Priority: '20', TestListenerArn: OTHER_LISTENER })));

    expect(elb.commandCalls(SetRulePrioritiesCommand).map((c) => c.args[0].input)).toEqual([
      { RulePriorities: [{ RuleArn: ruleArn, Priority: 20 }] },
    ]);
    const [[newTestArn, newTestRule]] = fake.rulesOn(OTHER_LISTENER);
    expect(newTestRule.actions).toEqual([forwardTo([[GREEN_TG, 1]])]);
    expect(elb.commandCalls(DeleteRuleCommand).map((c) => c.args[0].input)).toEqual([{ RuleArn: Data.TestRuleArn }]);
    expect(result).toMatchObject({ PhysicalResourceId: ruleArn, Data: { TestRuleArn: newTestArn } });
  });

  test('while both colors serve traffic the test rule keeps the color it reached', async () => {
    const { PhysicalResourceId: ruleArn, Data } = await created();
    fake.setWeights(ruleArn, [[BLUE_TG, 30], [GREEN_TG, 70]]);

    await handler(updateEvent(ruleArn, properties(), properties({ TestConditions: HOST_CONDITIONS })));

    expect(elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input)).toEqual([
      { RuleArn: Data.TestRuleArn, Conditions: HOST_CONDITIONS, Actions: [forwardTo([[GREEN_TG, 1]])] },
    ]);
  });

  test('a read-back that does not match what was written fails the update with both splits', async () => {
    const { PhysicalResourceId: ruleArn } = await created();
    // Someone changes the rule between our write and our read-back.
    elb.on(ModifyRuleCommand).callsFake((input) => {
      fake.setWeights(input.RuleArn, [[BLUE_TG, 0], [GREEN_TG, 100]]);
      return {};
    });

    await expect(handler(updateEvent(ruleArn, properties(), properties({ Conditions: HOST_CONDITIONS }))))
      .rejects.toThrow(new RegExp(
        `App/Web: wrote the weights \\[${BLUE_TG}=100, ${GREEN_TG}=0\\] to listener rule ${ruleArn} but read back ` +
        `\\[${BLUE_TG}=0, ${GREEN_TG}=100\\]`,
      ));
  });

  test('a test rule deleted outside CloudFormation is recreated, paired with the main rule', async () => {
    const { PhysicalResourceId: ruleArn, Data } = await created();
    fake.rules.delete(Data.TestRuleArn);

    const result = await handler(updateEvent(ruleArn, properties(), properties()));

    const [[newTestArn, newTestRule]] = fake.rulesOn(TEST_LISTENER);
    expect(newTestRule.actions).toEqual([forwardTo([[GREEN_TG, 1]])]);
    expect(newTestRule.tags.get(PAIRED_RULE_TAG)).toBe(ruleArn);
    expect(result).toMatchObject({ PhysicalResourceId: ruleArn, Data: { TestRuleArn: newTestArn } });
    expect(elb.commandCalls(ModifyRuleCommand)).toHaveLength(0);
  });

  test('a rule deleted outside CloudFormation is recreated at the declared color under a new physical id', async () => {
    const { PhysicalResourceId: ruleArn, Data } = await created();
    fake.rules.delete(ruleArn);

    const result = await handler(updateEvent(ruleArn, properties(), properties({ LiveColor: 'GREEN' })));

    expect(result.PhysicalResourceId).not.toBe(ruleArn);
    expect(fake.weightsOf(result.PhysicalResourceId)).toEqual([[BLUE_TG, 0], [GREEN_TG, 100]]);
    expect(fake.rules.has(Data.TestRuleArn)).toBe(false);
    expect(fake.rulesOn(TEST_LISTENER)).toHaveLength(1);
  });

  test('a rule forwarding to an unknown target group with weight fails and names it', async () => {
    const { PhysicalResourceId: ruleArn } = await created();
    const stranger = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/stranger/eeeeeeeeeeeeeeee';
    fake.setWeights(ruleArn, [[BLUE_TG, 50], [stranger, 50]]);

    await expect(handler(updateEvent(ruleArn, properties(), properties({ Conditions: HOST_CONDITIONS }))))
      .rejects.toThrow(`forwards 50 weight to ${stranger}, which is neither the BLUE nor the GREEN target group`);
    expect(elb.commandCalls(ModifyRuleCommand)).toHaveLength(0);
  });
});

describe('delete', () => {
  test('deletes the test rule and the main rule', async () => {
    const { PhysicalResourceId: ruleArn, Data } = await created();

    await handler(deleteEvent(ruleArn, properties()));

    expect(elb.commandCalls(DeleteRuleCommand).map((c) => c.args[0].input)).toEqual([
      { RuleArn: Data.TestRuleArn },
      { RuleArn: ruleArn },
    ]);
    expect(fake.rules.size).toBe(0);
  });

  test('rules that are already gone count as deleted', async () => {
    const { PhysicalResourceId: ruleArn } = await created();
    fake.rules.clear();

    await expect(handler(deleteEvent(ruleArn, properties()))).resolves.toEqual({ PhysicalResourceId: ruleArn, Data: {} });
    expect(elb.commandCalls(DeleteRuleCommand).map((c) => c.args[0].input)).toEqual([{ RuleArn: ruleArn }]);
  });

  test('a deleted test listener and a failed-create physical id are not errors', async () => {
    const { PhysicalResourceId: ruleArn } = await created();
    fake.listeners.delete(TEST_LISTENER);

    await expect(handler(deleteEvent(ruleArn, properties()))).resolves.toMatchObject({ PhysicalResourceId: ruleArn });
    elb.resetHistory();
    await expect(handler(deleteEvent('AWSCDK::CustomResourceProviderFramework::CREATE_FAILED', properties())))
      .resolves.toMatchObject({ Data: {} });
    expect(elb.calls()).toHaveLength(0);
  });
});
