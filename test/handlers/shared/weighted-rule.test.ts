import { DescribeRulesCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createLoadBalancingClient,
  findRule,
  verifyForwardWeights,
  writeForwardWeights,
} from '../../../lib/handlers/shared/weighted-rule';
import { BLUE_TG, FakeLoadBalancer, GREEN_TG, LISTENER } from './fake-load-balancer';

const elb = mockClient(ElasticLoadBalancingV2Client);
let fake: FakeLoadBalancer;
let ruleArn: string;

beforeEach(() => {
  elb.reset();
  fake = new FakeLoadBalancer();
  fake.install(elb);
  ruleArn = fake.addRule({ listenerArn: LISTENER, priority: 1, conditions: [], actions: [], tags: new Map() });
  fake.setWeights(ruleArn, [[BLUE_TG, 100], [GREEN_TG, 0]]);
});

test('the client retries throttling: adaptive mode, 8 attempts', async () => {
  const client = createLoadBalancingClient();
  expect(client.config.retryMode).toBe('adaptive');
  expect(await client.config.maxAttempts()).toBe(8);
});

test('findRule returns the rule, or undefined when ELBv2 says it does not exist', async () => {
  const client = createLoadBalancingClient();
  expect((await findRule(client, ruleArn))?.RuleArn).toBe(ruleArn);
  fake.rules.delete(ruleArn);
  expect(await findRule(client, ruleArn)).toBeUndefined();
});

test('findRule lets other errors through', async () => {
  elb.on(DescribeRulesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
  await expect(findRule(createLoadBalancingClient(), ruleArn)).rejects.toThrow('Rate exceeded');
});

test('writeForwardWeights sends one ModifyRule with the whole split, then verify reads it back', async () => {
  const client = createLoadBalancingClient();
  const split = [{ targetGroupArn: BLUE_TG, weight: 90 }, { targetGroupArn: GREEN_TG, weight: 10 }];
  await writeForwardWeights(client, ruleArn, split);
  const rule = await verifyForwardWeights(client, ruleArn, split, 'Svc');

  expect(elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input)).toEqual([{
    RuleArn: ruleArn,
    Actions: [{
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [{ TargetGroupArn: BLUE_TG, Weight: 90 }, { TargetGroupArn: GREEN_TG, Weight: 10 }],
        TargetGroupStickinessConfig: { Enabled: false },
      },
    }],
  }]);
  expect(rule.RuleArn).toBe(ruleArn);
});

test('verifyForwardWeights fails with what was written and what was read', async () => {
  await expect(verifyForwardWeights(createLoadBalancingClient(), ruleArn,
    [{ targetGroupArn: BLUE_TG, weight: 0 }, { targetGroupArn: GREEN_TG, weight: 100 }], 'Svc'))
    .rejects.toThrow(`Svc: wrote the weights [${BLUE_TG}=0, ${GREEN_TG}=100] to listener rule ${ruleArn} but read back ` +
      `[${BLUE_TG}=100, ${GREEN_TG}=0]`);
  fake.rules.delete(ruleArn);
  await expect(verifyForwardWeights(createLoadBalancingClient(), ruleArn, [], 'Svc')).rejects.toThrow('read back [rule not found]');
});
