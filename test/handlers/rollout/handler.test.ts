// The rollout handler's AWS adapters, with the SDK mocked: exact requests are asserted.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DescribeRulesCommandOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lib/handlers/rollout';
import type { TaskEvent } from '../../../lib/handlers/rollout/task-event';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const cloudwatch = mockClient(CloudWatchClient);
const dynamodb = mockClient(DynamoDBDocumentClient);
const lambdaClient = mockClient(LambdaClient);
const autoscaling = mockClient(AutoScalingClient);
const sfn = mockClient(SFNClient);
const eventBridge = mockClient(EventBridgeClient);

const RULE = 'arn:aws:elasticloadbalancing:us-east-1:111:listener-rule/app/lb/1/2/main';
const TEST_RULE = 'arn:aws:elasticloadbalancing:us-east-1:111:listener-rule/app/lb/1/3/test';
const TG = { BLUE: 'arn:aws:elasticloadbalancing:us-east-1:111:targetgroup/blue/1', GREEN: 'arn:aws:elasticloadbalancing:us-east-1:111:targetgroup/green/2' };
const EXECUTION = { id: 'arn:aws:states:us-east-1:111:execution:web:run1', name: 'run1', startTime: '2026-01-01T00:00:00.000Z' };

function event(action: TaskEvent['action'], extra: Partial<TaskEvent> = {}): TaskEvent {
  return {
    action,
    service: {
      name: 'web',
      tableName: 'state-table',
      ruleArn: RULE,
      testRuleArn: TEST_RULE,
      targetGroups: TG,
      autoScalingGroups: { BLUE: 'web-blue', GREEN: 'web-green' },
      requiredHealthyTargets: { BLUE: 2, GREEN: 3 },
      alarmNames: { any: ['user-alarm'], BLUE: ['blue-5xx'], GREEN: ['green-5xx'] },
      insufficientData: 'OK',
      healthGate: { intervalSeconds: 10, timeoutSeconds: 60 },
      plan: [{ percent: 10, bakeSeconds: 300 }, { percent: 100, bakeSeconds: 300 }],
    },
    input: { from: 'BLUE', to: 'GREEN', reason: 'release v2', requestedBy: 'cli:ana' },
    execution: EXECUTION,
    state: {},
    ...extra,
  };
}

const step = { index: 1, count: 2, percent: 10, bakeSeconds: 300, pollIntervalSeconds: 10, polls: 30 };

function ruleWith(blue: number, green: number): DescribeRulesCommandOutput {
  return {
    $metadata: {},
    Rules: [{
      RuleArn: RULE,
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG.BLUE, Weight: blue }, { TargetGroupArn: TG.GREEN, Weight: green }] } }],
    }],
  };
}

function awsError(name: string, status: number) {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? 'server' : 'client' });
}

beforeEach(() => {
  elbv2.reset();
  cloudwatch.reset();
  dynamodb.reset();
  lambdaClient.reset();
  autoscaling.reset();
  sfn.reset();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

describe('lock', () => {
  test('reads the rule, then takes the lock with a conditional write', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    dynamodb.on(UpdateCommand).resolves({});
    await expect(handler(event('lock'))).resolves.toEqual({ stepIndex: 0, stepCount: 2, percent: 0 });
    expect(elbv2.commandCalls(DescribeRulesCommand)[0].args[0].input).toEqual({ RuleArns: [RULE] });
    expect(dynamodb.commandCalls(UpdateCommand)[0].args[0].input).toEqual({
      TableName: 'state-table',
      Key: { service: 'web', record: 'STATE' },
      UpdateExpression: 'SET lockExecutionId = :me, lockAcquiredAt = :at, lockReason = :reason REMOVE abortRequested',
      ConditionExpression: 'attribute_not_exists(lockExecutionId) OR lockExecutionId = :me',
      ExpressionAttributeValues: { ':me': EXECUTION.id, ':at': EXECUTION.startTime, ':reason': 'release v2' },
    });
  });

  test('a lock held by another execution is refused, naming it', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    dynamodb.on(UpdateCommand).rejects(Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException' }));
    dynamodb.on(GetCommand).resolves({ Item: { lockExecutionId: 'arn:other', lockAcquiredAt: '2026-01-01T00:00:00Z', lockReason: 'hotfix' } });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' } as any);
    await expect(handler(event('lock'))).rejects.toMatchObject({
      name: 'RolloutRefused',
      message: expect.stringMatching(/Another rollout of web is running \(execution arn:other, .*reason: hotfix\)/),
    });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0].args[0].input).toEqual({ executionArn: 'arn:other' });
  });

  test('a lock left by a stopped execution is taken over, conditionally on that holder', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    dynamodb.on(UpdateCommand)
      .rejectsOnce(Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException' }))
      .resolves({});
    dynamodb.on(GetCommand).resolves({ Item: { lockExecutionId: 'arn:stopped', lockAcquiredAt: 't', lockReason: 'old' } });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' } as any);
    await expect(handler(event('lock'))).resolves.toMatchObject({ stepIndex: 0 });
    const takeOver = dynamodb.commandCalls(UpdateCommand)[1].args[0].input;
    expect(takeOver.ConditionExpression).toBe('lockExecutionId = :stale');
    expect(takeOver.ExpressionAttributeValues).toMatchObject({ ':me': EXECUTION.id, ':stale': 'arn:stopped' });
  });

  test('a rollout to the color that is already live is refused before the lock is taken', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(0, 100));
    await expect(handler(event('lock'))).rejects.toMatchObject({ name: 'RolloutRefused', message: expect.stringMatching(/GREEN already serves 100%/) });
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  test('invalid input is refused before any AWS call', async () => {
    await expect(handler(event('lock', { input: { from: 'BLUE', to: 'BLUE', reason: 'x' } }))).rejects.toMatchObject({ name: 'InvalidRolloutInput' });
    expect(elbv2.calls()).toHaveLength(0);
  });
});

describe('health gate', () => {
  test('counts healthy targets of the new color against its requirement', async () => {
    elbv2.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { TargetHealth: { State: 'healthy' } }, { TargetHealth: { State: 'healthy' } },
        { TargetHealth: { State: 'initial' } },
      ],
    });
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ AutoScalingGroupName: 'web-green', DesiredCapacity: 1 } as any] });
    await expect(handler(event('checkHealth', { state: { health: { attempt: 2 } } })))
      .resolves.toEqual({ ready: false, healthy: 2, required: 3, attempt: 3 });
    expect(elbv2.commandCalls(DescribeTargetHealthCommand)[0].args[0].input).toEqual({ TargetGroupArn: TG.GREEN });
    expect(autoscaling.commandCalls(DescribeAutoScalingGroupsCommand)[0].args[0].input).toEqual({ AutoScalingGroupNames: ['web-green'] });
  });

  test('waits for the fleet\'s desired capacity when it was scaled out beyond the configured minimum', async () => {
    elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: Array.from({ length: 3 }, () => ({ TargetHealth: { State: 'healthy' as const } })) });
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ AutoScalingGroupName: 'web-green', DesiredCapacity: 5 } as any] });
    await expect(handler(event('checkHealth'))).resolves.toEqual({ ready: false, healthy: 3, required: 5, attempt: 1 });
  });

  test('times out after timeout / interval checks with what it saw', async () => {
    elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [{ TargetHealth: { State: 'healthy' } }] });
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    await expect(handler(event('checkHealth', { state: { health: { attempt: 6 } } }))).rejects.toMatchObject({
      name: 'HealthGateTimeout',
      message: 'GREEN had 1 healthy target(s) of the 3 required after waiting 60 s (health gate timeout 60 s); no traffic was moved to it.',
    });
  });
});

describe('weights', () => {
  test('setWeights writes both colors in ONE ModifyRule call', async () => {
    elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: Array.from({ length: 3 }, () => ({ TargetHealth: { State: 'healthy' as const } })) });
    await expect(handler(event('setWeights', { step }))).resolves.toMatchObject({ stepIndex: 1, percent: 10, weights: { BLUE: 90, GREEN: 10 } });
    const calls = elbv2.commandCalls(ModifyRuleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      RuleArn: RULE,
      Actions: [{
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: TG.BLUE, Weight: 90 }, { TargetGroupArn: TG.GREEN, Weight: 10 }],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      }],
    });
  });

  test('verifyWeights passes on a match and names both splits on a mismatch', async () => {
    elbv2.on(DescribeRulesCommand).resolvesOnce(ruleWith(90, 10)).resolvesOnce(ruleWith(100, 0));
    await expect(handler(event('verifyWeights', { step }))).resolves.toEqual({ split: 'BLUE 90% / GREEN 10%' });
    await expect(handler(event('verifyWeights', { step }))).rejects.toMatchObject({
      name: 'WeightsNotApplied',
      message: expect.stringMatching(/step 1 wrote BLUE 90% \/ GREEN 10% to the listener rule but read back BLUE 100% \/ GREEN 0%/),
    });
  });

  test('setWeights refuses to raise the weight of a color that lost healthy targets (invariant 1)', async () => {
    elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [{ TargetHealth: { State: 'healthy' } }, { TargetHealth: { State: 'unhealthy' } }] });
    await expect(handler(event('setWeights', { step }))).rejects.toMatchObject({
      name: 'TargetsUnhealthy',
      message: 'before step 1 (10% on GREEN), GREEN had 1 healthy target(s) of the 3 required, so its weight was not raised.',
    });
    expect(elbv2.commandCalls(ModifyRuleCommand)).toHaveLength(0);
  });

  test('a throttled ModifyRule becomes AwsThrottled, which the state machine retries', async () => {
    elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: Array.from({ length: 3 }, () => ({ TargetHealth: { State: 'healthy' as const } })) });
    elbv2.on(ModifyRuleCommand).rejects(awsError('ThrottlingException', 400));
    await expect(handler(event('setWeights', { step }))).rejects.toMatchObject({ name: 'AwsThrottled' });
  });
});

describe('bake', () => {
  test('checks the user alarms and the new color\'s built-in alarms, and passes when all are OK', async () => {
    dynamodb.on(GetCommand).resolves({ Item: {} });
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'user-alarm', StateValue: 'OK' }, { AlarmName: 'green-5xx', StateValue: 'INSUFFICIENT_DATA' }],
    });
    await expect(handler(event('checkAlarms', { step, poll: 4 }))).resolves.toEqual({ step: 1, elapsedSeconds: 40, bakeSeconds: 300, watched: 2 });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toEqual({
      AlarmNames: ['user-alarm', 'green-5xx'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100,
    });
    expect(dynamodb.commandCalls(GetCommand)[0].args[0].input).toEqual({
      TableName: 'state-table', Key: { service: 'web', record: 'STATE' }, ConsistentRead: true,
    });
  });

  test('an alarm in ALARM fails the check with the alarm, its reason, the step and the time into the bake', async () => {
    dynamodb.on(GetCommand).resolves({ Item: {} });
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'user-alarm', StateValue: 'OK' }],
      CompositeAlarms: [{ AlarmName: 'green-5xx', StateValue: 'ALARM', StateReason: 'Threshold Crossed: 1 datapoint [12.0]', StateUpdatedTimestamp: new Date('2026-01-01T00:07:00Z') }],
    });
    await expect(handler(event('checkAlarms', { step, poll: 7 }))).rejects.toMatchObject({
      name: 'AlarmBreach',
      message: 'alarm "green-5xx" is ALARM since 2026-01-01T00:07:00.000Z: Threshold Crossed: 1 datapoint [12.0] ' +
        '(seen at step 1 of 2 (10% on GREEN), 70 s into a 300 s bake).',
    });
  });

  test('an abort request in the state table stops the bake before alarms are read', async () => {
    dynamodb.on(GetCommand).resolves({ Item: { abortRequested: true } });
    await expect(handler(event('checkAlarms', { step, poll: 1 }))).rejects.toMatchObject({ name: 'RolloutAborted' });
    expect(cloudwatch.calls()).toHaveLength(0);
  });
});

describe('smoke test with the user\'s function', () => {
  const smoke = { smokeFunctionArn: 'arn:aws:lambda:us-east-1:111:function:check', testUrl: 'http://lb:8080' };

  test('invokes it with the service, color and test URL; returning normally passes', async () => {
    lambdaClient.on(InvokeCommand).resolves({ StatusCode: 200, Payload: Buffer.from('{"ok":true}') as any });
    await expect(handler(event('runSmokeTest', smoke))).resolves.toEqual({ passed: true, reason: 'it returned normally' });
    const input = lambdaClient.commandCalls(InvokeCommand)[0].args[0].input;
    expect(input.FunctionName).toBe(smoke.smokeFunctionArn);
    expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString())).toEqual({ service: 'web', color: 'GREEN', testUrl: 'http://lb:8080', reason: 'release v2' });
  });

  test('returning passed=false or throwing fails it with the reason', async () => {
    lambdaClient.on(InvokeCommand)
      .resolvesOnce({ Payload: Buffer.from('{"passed":false,"reason":"cart is empty"}') as any })
      .resolvesOnce({ FunctionError: 'Unhandled', Payload: Buffer.from('{"errorType":"Error","errorMessage":"db down"}') as any });
    await expect(handler(event('runSmokeTest', smoke))).rejects.toMatchObject({ name: 'SmokeTestFailed', message: expect.stringMatching(/passed=false: cart is empty/) });
    await expect(handler(event('runSmokeTest', smoke))).rejects.toMatchObject({ name: 'SmokeTestFailed', message: expect.stringMatching(/it threw Error: db down/) });
  });
});

describe('finalize', () => {
  test('points the test rule at the old color, records the live color and history, releases the lock', async () => {
    dynamodb.on(UpdateCommand).resolves({});
    dynamodb.on(PutCommand).resolves({});
    const result = await handler(event('finalize')) as { liveColor: string; endedAt: string };
    expect(result.liveColor).toBe('GREEN');
    expect(elbv2.commandCalls(ModifyRuleCommand)[0].args[0].input).toEqual({
      RuleArn: TEST_RULE,
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG.BLUE, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } }],
    });
    const update = dynamodb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(update.UpdateExpression).toBe('REMOVE lockExecutionId, lockAcquiredAt, lockReason, abortRequested SET liveColor = :live, lastMove = :move');
    expect(update.ConditionExpression).toBe('attribute_not_exists(lockExecutionId) OR lockExecutionId = :me');
    expect(update.ExpressionAttributeValues).toEqual({
      ':me': EXECUTION.id,
      ':live': 'GREEN',
      ':move': { color: 'GREEN', kind: 'ROLLOUT', executionId: EXECUTION.id, executionName: 'run1', at: result.endedAt, reason: 'release v2', requestedBy: 'cli:ana' },
    });
    expect(dynamodb.commandCalls(PutCommand)[0].args[0].input).toEqual({
      TableName: 'state-table',
      Item: {
        service: 'web', record: 'HISTORY#2026-01-01T00:00:00.000Z#run1',
        executionId: EXECUTION.id, executionName: 'run1', from: 'BLUE', to: 'GREEN', reason: 'release v2', requestedBy: 'cli:ana',
        startedAt: EXECUTION.startTime, endedAt: result.endedAt, outcome: 'SUCCEEDED',
        plan: [{ percent: 10, bakeSeconds: 300 }, { percent: 100, bakeSeconds: 300 }],
      },
    });
  });
});

describe('rollback', () => {
  const failedAtStep2 = {
    failure: { Error: 'AlarmBreach', Cause: JSON.stringify({ errorType: 'AlarmBreach', errorMessage: 'alarm "green-5xx" is ALARM' }) },
    progress: { stepIndex: 1, stepCount: 2, percent: 10 },
  };

  test('restores 100% to from in one call, reads it back, records the rollback and returns the cause', async () => {
    elbv2.on(DescribeRulesCommand).resolvesOnce(ruleWith(90, 10)).resolvesOnce(ruleWith(100, 0));
    dynamodb.on(UpdateCommand).resolves({});
    dynamodb.on(PutCommand).resolves({});
    const result = await handler(event('rollback', { state: failedAtStep2 })) as { error: string; cause: string };
    expect(result.error).toBe('AlarmBreach');
    expect(result.cause).toMatch(/^Rollout of web from BLUE to GREEN failed at step 1 of 2 \(10% on GREEN\): AlarmBreach: alarm "green-5xx" is ALARM Traffic is back on BLUE/);
    const writes = elbv2.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input);
    // One call restores the user traffic; the test rule keeps pointing at the idle new color.
    expect(writes.map((w) => [w.RuleArn, w.Actions![0].ForwardConfig!.TargetGroups])).toEqual([
      [RULE, [{ TargetGroupArn: TG.BLUE, Weight: 100 }, { TargetGroupArn: TG.GREEN, Weight: 0 }]],
      [TEST_RULE, [{ TargetGroupArn: TG.GREEN, Weight: 1 }]],
    ]);
    const update = dynamodb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(update.ExpressionAttributeValues![':move']).toMatchObject({ color: 'BLUE', kind: 'ROLLBACK', executionName: 'run1' });
    expect(dynamodb.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({ outcome: 'ROLLED_BACK', cause: result.cause });
  });

  test('a read-back that does not show 100% on from fails (the state machine retries the rollback)', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(90, 10));
    await expect(handler(event('rollback', { state: failedAtStep2 }))).rejects.toMatchObject({ name: 'WeightsNotApplied' });
    expect(dynamodb.calls()).toHaveLength(0);
  });

  test('a rollback before any traffic moved records no traffic move', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    dynamodb.on(UpdateCommand).resolves({});
    dynamodb.on(PutCommand).resolves({});
    await handler(event('rollback', { state: { failure: { Error: 'HealthGateTimeout', Cause: 'x' }, progress: { stepIndex: 0, stepCount: 2, percent: 0 } } }));
    expect(dynamodb.commandCalls(UpdateCommand)[0].args[0].input.UpdateExpression).toBe('REMOVE lockExecutionId, lockAcquiredAt, lockReason, abortRequested');
  });
});

test('a task without the execution context is refused (the lock and history are keyed on it)', async () => {
  await expect(handler(event('lock', { execution: { id: '', name: 'run1', startTime: undefined as any } })))
    .rejects.toThrow(/did not receive the execution's id, startTime \(\$\$\.Execution\.Id\/Name\/StartTime\)/);
  expect(elbv2.calls()).toHaveLength(0);
});

test('an unknown action says the definition and handler versions differ', async () => {
  await expect(handler({ action: 'dance' } as unknown as TaskEvent)).rejects.toThrow(/Unknown rollout action "dance"/);
});

describe('events on the default bus (invariant 6)', () => {
  /** [detail-type, detail] of every entry sent, in order. */
  function sentEvents(): Array<[string, Record<string, unknown>]> {
    return eventBridge.commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e) => {
        expect(e.Source).toBe('cdk-blue-green');
        expect(e.EventBusName).toBeUndefined();
        return [e.DetailType as string, JSON.parse(e.Detail as string)];
      });
  }
  const healthyGreen = { TargetHealthDescriptions: Array.from({ length: 3 }, () => ({ TargetHealth: { State: 'healthy' as const } })) };

  test('the lock announces the start only once it holds the lock', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    dynamodb.on(UpdateCommand).resolves({});
    await handler(event('lock'));
    expect(sentEvents()).toEqual([['Blue-Green Rollout Started', expect.objectContaining({
      service: 'web', executionId: EXECUTION.id, from: 'BLUE', to: 'GREEN', reason: 'release v2',
    })]]);
  });

  test('a held lock is announced as a refusal naming the holder, and the task still fails', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    dynamodb.on(UpdateCommand).rejects(Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException' }));
    dynamodb.on(GetCommand).resolves({ Item: { lockExecutionId: 'arn:other', lockAcquiredAt: '2026-01-01T00:00:00Z', lockReason: 'hotfix' } });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' } as any);
    await expect(handler(event('lock'))).rejects.toMatchObject({ name: 'RolloutRefused' });
    expect(sentEvents()).toEqual([['Blue-Green Rollout Refused', expect.objectContaining({
      error: 'RolloutRefused', cause: expect.stringMatching(/Another rollout of web is running \(execution arn:other/),
    })]]);
  });

  test('a throttled lock is retried by the state machine, not announced', async () => {
    elbv2.on(DescribeRulesCommand).rejects(awsError('Throttling', 400));
    await expect(handler(event('lock'))).rejects.toMatchObject({ name: 'AwsThrottled' });
    expect(sentEvents()).toEqual([]);
  });

  test('the health gate announces only the check that passes', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    elbv2.on(DescribeTargetHealthCommand).resolvesOnce({ TargetHealthDescriptions: [{ TargetHealth: { State: 'healthy' } }] }).resolves(healthyGreen);
    await handler(event('checkHealth'));
    expect(sentEvents()).toEqual([]);
    await handler(event('checkHealth'));
    expect(sentEvents()).toEqual([['Blue-Green Health Gate Passed', expect.objectContaining({ healthyTargets: 3, requiredHealthyTargets: 3 })]]);
  });

  test('smoke tests: the user\'s function announces its own pass; an HTTP pass is announced by the first step only', async () => {
    lambdaClient.on(InvokeCommand).resolves({ StatusCode: 200, Payload: Buffer.from('{}') as any });
    await handler(event('runSmokeTest', { smokeFunctionArn: 'arn:aws:lambda:us-east-1:111:function:check' }));
    elbv2.on(DescribeTargetHealthCommand).resolves(healthyGreen);
    const httpPassed = { smokeTest: { url: 'http://lb:8080/health', status: 200 } };
    await handler(event('setWeights', { step, state: httpPassed }));
    await handler(event('setWeights', { step: { ...step, index: 2, percent: 100 }, state: httpPassed }));
    expect(sentEvents()).toEqual([
      ['Blue-Green Smoke Test Passed', expect.objectContaining({ smokeTest: 'LAMBDA', observed: expect.stringContaining('function:check') })],
      ['Blue-Green Smoke Test Passed', expect.objectContaining({ smokeTest: 'HTTP', observed: 'GET http://lb:8080/health answered 200' })],
    ]);
  });

  test('weights are announced when read back, not when written', async () => {
    elbv2.on(DescribeTargetHealthCommand).resolves(healthyGreen);
    await handler(event('setWeights', { step }));
    expect(sentEvents()).toEqual([]);
    elbv2.on(DescribeRulesCommand).resolvesOnce(ruleWith(100, 0)).resolves(ruleWith(90, 10));
    await expect(handler(event('verifyWeights', { step }))).rejects.toMatchObject({ name: 'WeightsNotApplied' });
    expect(sentEvents()).toEqual([]);
    await handler(event('verifyWeights', { step }));
    expect(sentEvents()).toEqual([['Blue-Green Weights Shifted', expect.objectContaining({
      step: { index: 1, count: 2, percent: 10 }, weights: { BLUE: 90, GREEN: 10 },
    })]]);
  });

  test('finalize announces success with the live color', async () => {
    dynamodb.on(UpdateCommand).resolves({});
    dynamodb.on(PutCommand).resolves({});
    await handler(event('finalize'));
    expect(sentEvents()).toEqual([['Blue-Green Rollout Succeeded', expect.objectContaining({ liveColor: 'GREEN' })]]);
  });

  test('a rollback announces its start with the alarm and step, then the weights it read back', async () => {
    elbv2.on(DescribeRulesCommand).resolvesOnce(ruleWith(90, 10)).resolvesOnce(ruleWith(100, 0));
    dynamodb.on(UpdateCommand).resolves({});
    dynamodb.on(PutCommand).resolves({});
    const failure = { Error: 'AlarmBreach', Cause: JSON.stringify({ errorType: 'AlarmBreach', errorMessage: 'alarm "green-5xx" is ALARM since t: 12 errors' }) };
    const result = await handler(event('rollback', { state: { failure, progress: { stepIndex: 1, stepCount: 2, percent: 10 } } })) as { cause: string };
    expect(sentEvents()).toEqual([
      ['Blue-Green Rollback Started', expect.objectContaining({
        error: 'AlarmBreach', cause: 'alarm "green-5xx" is ALARM since t: 12 errors', alarm: 'green-5xx', step: { index: 1, count: 2, percent: 10 },
      })],
      ['Blue-Green Rollout Rolled Back', expect.objectContaining({
        error: 'AlarmBreach', cause: result.cause, alarm: 'green-5xx', weights: { BLUE: 100, GREEN: 0 }, trafficMoved: true,
      })],
    ]);
  });

  test('EventBridge failing never breaks a rollback: traffic is restored, recorded, and the cause returned', async () => {
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    elbv2.on(DescribeRulesCommand).resolvesOnce(ruleWith(50, 50)).resolvesOnce(ruleWith(100, 0));
    dynamodb.on(UpdateCommand).resolves({});
    dynamodb.on(PutCommand).resolves({});
    const failure = { Error: 'TargetsUnhealthy', Cause: 'TargetsUnhealthy: GREEN had 1 healthy target(s)' };
    await expect(handler(event('rollback', { state: { failure, progress: { stepIndex: 2, stepCount: 2, percent: 100 } } })))
      .resolves.toMatchObject({ error: 'TargetsUnhealthy' });
    expect(elbv2.commandCalls(ModifyRuleCommand)[0].args[0].input.RuleArn).toBe(RULE);
    expect(dynamodb.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({ outcome: 'ROLLED_BACK' });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  test('EventBridge rejecting entries never breaks a rollout step or the lock', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(90, 10));
    dynamodb.on(UpdateCommand).resolves({});
    await expect(handler(event('verifyWeights', { step }))).resolves.toEqual({ split: 'BLUE 90% / GREEN 10%' });
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    await expect(handler(event('lock'))).resolves.toMatchObject({ stepIndex: 0 });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  test('a rollback whose restore fails still announces its start, and fails for the state machine to retry', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(90, 10));
    await expect(handler(event('rollback', { state: { failure: { Error: 'AlarmBreach', Cause: 'x' } } }))).rejects.toMatchObject({ name: 'WeightsNotApplied' });
    expect(sentEvents().map(([type]) => type)).toEqual(['Blue-Green Rollback Started']);
  });
});
