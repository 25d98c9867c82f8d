import { DescribeRulesCommand, type DescribeRulesCommandOutput, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { isComplete, onEvent } from '../../../lib/handlers/release';
import { acceptedStateId } from '../../../lib/handlers/release/release-decision';

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
  expect(out).toEqual({ PhysicalResourceId: 'web-release', Data: { ExecutionArn: expect.stringContaining('cfn-1111-2222'), Action: 'START' } });
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
  expect(out.Data).toEqual({ ExecutionArn: leftover, Action: 'AWAIT_ABORT' });
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
  expect(out.Data).toEqual({ ExecutionArn: 'arn:new', Action: 'START' });
});

test('delete never moves traffic and never fails, whatever the id and properties', async () => {
  for (const [physicalId, properties] of [['web-release', props], [acceptedStateId('web', props), props], ['web-release', { ServiceToken: 'x' }]] as const) {
    const out = await onEvent({ ...update({}, {}), RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: properties } as CloudFormationCustomResourceEvent);
    expect(out).toEqual({ PhysicalResourceId: physicalId, Data: { ExecutionArn: '', Action: 'NONE' } });
  }
  expect([...elbv2.calls(), ...sfn.calls(), ...dynamodb.calls()]).toHaveLength(0);
});

describe('physical id = the accepted properties', () => {
  const blueProps = { ...props, Live: 'BLUE' };
  const greenProps = { ...props, Live: 'GREEN' };
  const deployMove = { color: 'GREEN', kind: 'ROLLOUT', executionName: 'cfn-0000', at: 't', reason: 'cdk deploy of stack Shop', requestedBy: 'cloudformation:Shop' };
  const emergencyMove = { color: 'BLUE', kind: 'ROLLBACK', executionName: 'emergency-1', at: 't', reason: 'checkout broken', requestedBy: 'oncall' };

  test('create with traffic already on the declared color returns the id of its properties', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(0, 100));
    dynamodb.on(GetCommand).resolves({ Item: undefined });
    const out = await onEvent({ ...update({}, {}), RequestType: 'Create' } as CloudFormationCustomResourceEvent);
    expect(out).toEqual({ PhysicalResourceId: acceptedStateId('web', greenProps), Data: { ExecutionArn: '', Action: 'NONE' } });
    expect(out.PhysicalResourceId).toMatch(/^release:web:[0-9a-f]{16}$/);
  });

  test('an update that starts a rollout keeps the old id until isComplete has seen it succeed', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    dynamodb.on(GetCommand).resolves({ Item: undefined });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:started', startDate: new Date() });
    const accepted = acceptedStateId('web', blueProps);
    const out = await onEvent(update(greenProps, blueProps, accepted));
    expect(out).toEqual({ PhysicalResourceId: accepted, Data: { ExecutionArn: 'arn:started', Action: 'START' } });
  });

  test('rollback after a succeeded rollout: moves traffic back to the accepted color, reason CloudFormation rollback', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(0, 100));
    dynamodb.on(GetCommand).resolves({ Item: { lastMove: deployMove } });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:back', startDate: new Date() });
    const accepted = acceptedStateId('web', blueProps);
    // CloudFormation's rollback update: the accepted properties again, to the accepted id.
    const out = await onEvent(update(blueProps, greenProps, accepted));
    expect(out).toEqual({ PhysicalResourceId: accepted, Data: { ExecutionArn: 'arn:back', Action: 'START' } });
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([{
      stateMachineArn: SM,
      name: 'cfn-1111-2222',
      input: JSON.stringify({ from: 'GREEN', to: 'BLUE', reason: 'CloudFormation rollback', requestedBy: 'cloudformation:Shop' }),
    }]);
  });

  test('rollback after a refused deploy leaves an emergency move and succeeds; an old-format id still refuses', async () => {
    elbv2.on(DescribeRulesCommand).resolves(ruleWith(100, 0));
    dynamodb.on(GetCommand).resolves({ Item: { lastMove: emergencyMove } });
    const refusedProps = { ...greenProps, FleetRevision: 'v3' };
    const accepted = acceptedStateId('web', greenProps);
    const out = await onEvent(update(greenProps, refusedProps, accepted));
    expect(out).toEqual({ PhysicalResourceId: accepted, Data: { ExecutionArn: '', Action: 'NONE' } });
    // An id without the digest (older versions) is never taken for a rollback.
    await expect(onEvent(update(greenProps, refusedProps, 'web-release')))
      .rejects.toThrow(/acknowledgeTrafficOverride: 'emergency-1'/);
    expect(sfn.calls()).toHaveLength(0);
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
  // Only a completed update moves the physical id to the properties it accepted.
  await expect(isComplete(event)).resolves.toEqual({ IsComplete: true, PhysicalResourceId: acceptedStateId('web', event.ResourceProperties) });
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
