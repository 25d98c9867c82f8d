import { DescribeRulesCommand, type DescribeRulesCommandOutput, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { isComplete, onEvent } from '../../../lib/handlers/release';
import { propertiesHash } from '../../../lib/handlers/release/release-decision';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBDocumentClient);

const RULE = 'arn:aws:elasticloadbalancing:us-east-1:111:listener-rule/app/lb/1/2/main';
const TG = { BLUE: 'arn:aws:elasticloadbalancing:us-east-1:111:targetgroup/blue/1', GREEN: 'arn:aws:elasticloadbalancing:us-east-1:111:targetgroup/green/2' };
const SM = 'arn:aws:states:us-east-1:111:stateMachine:web-rollout';
const props = {
  ServiceToken: 'arn:aws:lambda:us-east-1:111:function:provider',
  ServiceName: 'web', Live: 'GREEN', StateMachineArn: SM, RuleArn: RULE, TargetGroups: TG, TableName: 'state-table',
  AcknowledgeTrafficOverride: '', FleetRevision: '',
};

function update(newProps: Record<string, unknown>, oldProps: Record<string, unknown>, physicalId = 'web-release'): CloudFormationCustomResourceEvent {
  return {
    RequestType: 'Update', ServiceToken: props.ServiceToken, ResponseURL: 'https://example', StackId: 'arn:aws:cloudformation:us-east-1:111:stack/Shop/guid',
    RequestId: '1111-2222', LogicalResourceId: 'Release', PhysicalResourceId: physicalId, ResourceType: 'Custom::BlueGreenRelease',
    ResourceProperties: { ...props, ...newProps } as any, OldResourceProperties: { ...props, ...oldProps },
  };
}

function ruleWith(blue: number, green: number): DescribeRulesCommandOutput {
  return { $metadata: {}, Rules: [{ RuleArn: RULE, Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [
    { TargetGroupArn: TG.BLUE, Weight: blue }, { TargetGroupArn: TG.GREEN, Weight: green }] } }] }] };
}

beforeEach(() => {
  elbv2.reset(); sfn.reset(); dynamodb.reset();
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
});

test('live changed: starts the rollout with an idempotent name and the cdk deploy reason', async () => {
  elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
  dynamodb.on(GetCommand).resolves({ Item: undefined });
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM}:cfn-1111-2222`.replace('stateMachine', 'execution'), startDate: new Date() });
  const out = await onEvent(update({ Live: 'GREEN' }, { Live: 'BLUE' }));
  expect(out).toEqual({
    PhysicalResourceId: 'web-release',
    Data: { ExecutionArn: expect.stringContaining('cfn-1111-2222'), Action: 'START', CloudFormationRollback: 'false' },
  });
  expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
    stateMachineArn: SM,
    name: 'cfn-1111-2222',
    input: JSON.stringify({ from: 'BLUE', to: 'GREEN', reason: 'cdk deploy of stack Shop', requestedBy: 'cloudformation:Shop' }),
  });
});

test('an emergency rollback is not undone: the deploy fails with the acknowledgement to set', async () => {
  elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
  dynamodb.on(GetCommand).resolves({ Item: { lastMove: { color: 'BLUE', kind: 'ROLLOUT', executionName: 'cli-1', at: 't', reason: 'r', requestedBy: 'cli:ana' } } });
  await expect(onEvent(update({ Live: 'GREEN', FleetRevision: '2' }, { Live: 'GREEN', FleetRevision: '1' })))
    .rejects.toThrow(/acknowledgeTrafficOverride: 'cli-1'/);
  expect(sfn.calls()).toHaveLength(0);
});

test('a leftover rollout of a failed deploy is asked to abort (conditional on still holding the lock) and awaited', async () => {
  const leftover = 'arn:aws:states:us-east-1:111:execution:web-rollout:cfn-0000';
  elbv2.on(DescribeRulesCommand).resolves(ruleWith(50, 50));
  dynamodb.on(GetCommand).resolves({ Item: { lockExecutionId: leftover } });
  dynamodb.on(UpdateCommand).resolves({});
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' } as any);
  const out = await onEvent(update({ Live: 'BLUE' }, { Live: 'GREEN' }));
  expect(out.Data).toEqual({ ExecutionArn: leftover, Action: 'AWAIT_ABORT', CloudFormationRollback: 'false' });
  expect(dynamodb.commandCalls(UpdateCommand)[0].args[0].input).toEqual({
    TableName: 'state-table', Key: { service: 'web', record: 'STATE' },
    UpdateExpression: 'SET abortRequested = :yes', ConditionExpression: 'lockExecutionId = :holder',
    ExpressionAttributeValues: { ':yes': true, ':holder': leftover },
  });
});

test('a lock left by a stopped execution does not count as a running rollout', async () => {
  elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
  dynamodb.on(GetCommand).resolves({ Item: { lockExecutionId: 'arn:aws:states:us-east-1:111:execution:web-rollout:cfn-0000' } });
  sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' } as any);
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:new', startDate: new Date() });
  const out = await onEvent(update({ Live: 'GREEN' }, { Live: 'BLUE' }));
  expect(out.Data).toEqual({ ExecutionArn: 'arn:new', Action: 'START', CloudFormationRollback: 'false' });
});

test('delete never moves traffic and never fails, whatever the id and properties', async () => {
  for (const [physicalId, properties] of [['web-release', props], [`release:web:${propertiesHash(props)}`, props], ['release:web', props], ['web-release', { ServiceToken: 'x' }]] as const) {
    const out = await onEvent({ ...update({}, {}), RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: properties } as CloudFormationCustomResourceEvent);
    expect(out).toEqual({ PhysicalResourceId: physicalId, Data: { ExecutionArn: '', Action: 'NONE' } });
  }
  expect([...elbv2.calls(), ...sfn.calls(), ...dynamodb.calls()]).toHaveLength(0);
});

describe('a stable physical id; the accepted properties in the state item', () => {
  const blueProps = { ...props, Live: 'BLUE' };
  const greenProps = { ...props, Live: 'GREEN' };
  const deployMove = { color: 'GREEN', kind: 'ROLLOUT', executionName: 'cfn-0000', at: 't', reason: 'cdk deploy of stack Shop', requestedBy: 'cloudformation:Shop' };
  const emergencyMove = { color: 'BLUE', kind: 'ROLLBACK', executionName: 'emergency-1', at: 't', reason: 'checkout broken', requestedBy: 'oncall' };
  const recorded = (accepted: Record<string, string>) => ({
    TableName: 'state-table', Key: { service: 'web', record: 'STATE' },
    UpdateExpression: 'SET releaseAccepted = :accepted', ExpressionAttributeValues: { ':accepted': accepted },
  });
  const recordings = () => dynamodb.commandCalls(UpdateCommand).map((c) => c.args[0].input);

  test('create with traffic already on the declared color: id release:<service>, the properties recorded as accepted', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(0, 100));
    dynamodb.on(GetCommand).resolves({ Item: undefined });
    const out = await onEvent({ ...update({}, {}), RequestType: 'Create' } as CloudFormationCustomResourceEvent);
    expect(out).toEqual({ PhysicalResourceId: 'release:web', Data: { ExecutionArn: '', Action: 'NONE' } });
    expect(recordings()).toEqual([recorded({ hash: propertiesHash(greenProps) })]);
  });

  test('an update returns the id it got, whatever its form, and records nothing before the rollout has succeeded', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    dynamodb.on(GetCommand).resolves({ Item: { releaseAccepted: { hash: propertiesHash(blueProps) } } });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:started', startDate: new Date() });
    for (const id of ['release:web', `release:web:${propertiesHash(blueProps)}`, 'web-release']) {
      const out = await onEvent(update(greenProps, blueProps, id));
      expect(out).toEqual({ PhysicalResourceId: id, Data: { ExecutionArn: 'arn:started', Action: 'START', CloudFormationRollback: 'false' } });
    }
    expect(recordings()).toEqual([]);
    expect(dynamodb.commandCalls(GetCommand)[0].args[0].input).toEqual({
      TableName: 'state-table', Key: { service: 'web', record: 'STATE' }, ProjectionExpression: 'releaseAccepted', ConsistentRead: true,
    });
  });

  test('rollback after a succeeded rollout (a later resource failed): moves traffic back, reason CloudFormation rollback', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(0, 100));
    // The deploy to GREEN completed: it recorded GREEN's properties, and BLUE's as the ones they replaced.
    const accepted = { hash: propertiesHash(greenProps), previousHash: propertiesHash(blueProps) };
    dynamodb.on(GetCommand).resolves({ Item: { lastMove: deployMove, releaseAccepted: accepted } });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:back', startDate: new Date() });
    // CloudFormation's rollback update: the previous properties again, to the same id.
    const out = await onEvent(update(blueProps, greenProps, 'release:web'));
    expect(out).toEqual({ PhysicalResourceId: 'release:web', Data: { ExecutionArn: 'arn:back', Action: 'START', CloudFormationRollback: 'true' } });
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([{
      stateMachineArn: SM,
      name: 'cfn-1111-2222',
      input: JSON.stringify({ from: 'GREEN', to: 'BLUE', reason: 'CloudFormation rollback', requestedBy: 'cloudformation:Shop' }),
    }]);
  });

  test('rollback after a refused deploy leaves an emergency move, succeeds and records the accepted properties again', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    const refusedProps = { ...greenProps, FleetRevision: 'v3' };
    dynamodb.on(GetCommand).resolves({ Item: { lastMove: emergencyMove, releaseAccepted: { hash: propertiesHash(greenProps) } } });
    const out = await onEvent(update(greenProps, refusedProps, 'release:web'));
    expect(out).toEqual({ PhysicalResourceId: 'release:web', Data: { ExecutionArn: '', Action: 'NONE' } });
    expect(recordings()).toEqual([recorded({ hash: propertiesHash(greenProps) })]);
    expect(sfn.calls()).toHaveLength(0);
  });

  test('nothing recorded yet: an id of the digest version still says what was accepted; any other id makes it a deploy', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    const refusedProps = { ...greenProps, FleetRevision: 'v3' };
    dynamodb.on(GetCommand).resolves({ Item: { lastMove: emergencyMove } });
    const legacyId = `release:web:${propertiesHash(greenProps)}`;
    await expect(onEvent(update(greenProps, refusedProps, legacyId))).resolves.toMatchObject({ PhysicalResourceId: legacyId, Data: { Action: 'NONE' } });
    await expect(onEvent(update(greenProps, refusedProps, 'release:web'))).rejects.toThrow(/acknowledgeTrafficOverride: 'emergency-1'/);
    expect(sfn.calls()).toHaveLength(0);
  });

  test('deploying the failed properties again after the rollback is a deploy, not a rollback', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    // The rollback recorded BLUE's properties with nothing to undo.
    dynamodb.on(GetCommand).resolves({ Item: { lastMove: emergencyMove, releaseAccepted: { hash: propertiesHash(greenProps) } } });
    const again = { ...greenProps, FleetRevision: 'v3' };
    await expect(onEvent(update(again, greenProps, 'release:web'))).rejects.toThrow(/acknowledgeTrafficOverride: 'emergency-1'/);
  });

  test('isComplete records the accepted properties only once the rollout succeeded, keeping the id', async () => {
    const executionArn = 'arn:aws:states:us-east-1:111:execution:web-rollout:cfn-1111-2222';
    const deploy = { ...update(greenProps, blueProps, 'release:web'), Data: { ExecutionArn: executionArn, Action: 'START', CloudFormationRollback: 'false' } };
    const rollback = { ...update(blueProps, greenProps, 'release:web'), Data: { ExecutionArn: executionArn, Action: 'START', CloudFormationRollback: 'true' } };
    sfn.on(DescribeExecutionCommand)
      .resolvesOnce({ name: 'cfn-1111-2222', status: 'RUNNING' } as any)
      .resolvesOnce({ name: 'cfn-1111-2222', status: 'FAILED', error: 'AlarmBreach', cause: 'Rollout of web failed' } as any)
      .resolves({ name: 'cfn-1111-2222', status: 'SUCCEEDED' } as any);
    await expect(isComplete(deploy)).resolves.toEqual({ IsComplete: false });
    await expect(isComplete(deploy)).rejects.toThrow(/ended FAILED/);
    expect(recordings()).toEqual([]);
    await expect(isComplete(deploy)).resolves.toEqual({ IsComplete: true });
    await expect(isComplete(rollback)).resolves.toEqual({ IsComplete: true });
    expect(recordings()).toEqual([
      recorded({ hash: propertiesHash(greenProps), previousHash: propertiesHash(blueProps) }),
      // A completed rollback has nothing to undo.
      recorded({ hash: propertiesHash(blueProps) }),
    ]);
  });
});

test('isComplete waits, completes, and fails with the rollout cause', async () => {
  const executionArn = 'arn:aws:states:us-east-1:111:execution:web-rollout:cfn-1111-2222';
  const event = { ...update({}, {}), Data: { ExecutionArn: executionArn, Action: 'START' } };
  sfn.on(DescribeExecutionCommand)
    .resolvesOnce({ name: 'cfn-1111-2222', status: 'RUNNING' } as any)
    .resolvesOnce({ name: 'cfn-1111-2222', status: 'SUCCEEDED' } as any)
    .resolvesOnce({ name: 'cfn-1111-2222', status: 'FAILED', error: 'AlarmBreach', cause: 'Rollout of web failed at step 2 of 3' } as any);
  await expect(isComplete(event)).resolves.toEqual({ IsComplete: false });
  await expect(isComplete(event)).resolves.toEqual({ IsComplete: true });
  await expect(isComplete(event)).rejects.toThrow('The rollout cfn-1111-2222 ended FAILED: AlarmBreach: Rollout of web failed at step 2 of 3');
  expect(sfn.commandCalls(DescribeExecutionCommand)[0].args[0].input).toEqual({ executionArn });
});

test('isComplete with nothing started is complete at once', async () => {
  await expect(isComplete({ ...update({}, {}), Data: { ExecutionArn: '', Action: 'NONE' } })).resolves.toEqual({ IsComplete: true });
  expect(sfn.calls()).toHaveLength(0);
});

test('bad properties are named', async () => {
  await expect(onEvent(update({ Live: 'PURPLE' }, {}))).rejects.toThrow(/property Live must be BLUE or GREEN, got "PURPLE"/);
});
