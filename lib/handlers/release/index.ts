// Custom::BlueGreenRelease: `cdk deploy` drives the rollout. onEvent decides (pure logic in
// release-decision.ts) and starts the execution; isComplete polls it. A failed rollout fails the
// resource with the rollout's cause, so CloudFormation rolls the stack back.
//
// The physical id records the properties the resource last accepted (acceptedStateId). It changes
// only when an update has completed: onEvent returns it when nothing has to move, isComplete when
// the rollout has succeeded; a failed update keeps the old one. So the Update that a CloudFormation
// rollback sends (the accepted properties again, aws/aws-cdk#17040) hashes to the current id.
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { executionStatusOf } from '../rollout/execution-reader';
import { readServiceState, STATE_RECORD } from '../rollout/state-table';
import { readColorWeights } from '../rollout/traffic-rule';
import { requireArn, requireColor, requireString, type RawProperties } from '../shared/property-parsing';
import { logEvent } from '../shared/structured-log';
import { createLoadBalancingClient } from '../shared/weighted-rule';
import { decideCompletion, type ExecutionStatus } from './execution-status';
import { acceptedStateId, CLOUDFORMATION_EXECUTION_PREFIX, decideRelease } from './release-decision';

const RESOURCE = 'Custom::BlueGreenRelease';

export interface ReleaseProperties {
  readonly serviceName: string;
  readonly live: 'BLUE' | 'GREEN';
  readonly stateMachineArn: string;
  readonly ruleArn: string;
  readonly targetGroups: { readonly BLUE: string; readonly GREEN: string };
  readonly tableName: string;
  readonly acknowledgeTrafficOverride: string;
}

export function parseReleaseProperties(props: RawProperties): ReleaseProperties {
  const targetGroups = (props.TargetGroups ?? {}) as RawProperties;
  const acknowledged = props.AcknowledgeTrafficOverride ?? '';
  return {
    serviceName: requireString(props, 'ServiceName', RESOURCE),
    live: requireColor(props, 'Live', RESOURCE),
    stateMachineArn: requireArn(props, 'StateMachineArn', RESOURCE),
    ruleArn: requireArn(props, 'RuleArn', RESOURCE),
    targetGroups: { BLUE: requireArn(targetGroups, 'BLUE', RESOURCE), GREEN: requireArn(targetGroups, 'GREEN', RESOURCE) },
    tableName: requireString(props, 'TableName', RESOURCE),
    acknowledgeTrafficOverride: typeof acknowledged === 'string' ? acknowledged : String(acknowledged),
  };
}

export interface ReleaseResponse {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly ExecutionArn: string; readonly Action: string };
}

const clients = {
  sfn: undefined as SFNClient | undefined,
  dynamodb: undefined as DynamoDBDocumentClient | undefined,
};
function sfnClient(): SFNClient {
  return (clients.sfn ??= new SFNClient({ retryMode: 'adaptive', maxAttempts: 5 }));
}
function dynamodbClient(): DynamoDBDocumentClient {
  return (clients.dynamodb ??= DynamoDBDocumentClient.from(new DynamoDBClient({ retryMode: 'adaptive', maxAttempts: 5 })));
}

export async function onEvent(event: CloudFormationCustomResourceEvent): Promise<ReleaseResponse> {
  if (event.RequestType === 'Delete') {
    // Deleting the resource never moves traffic, and never fails: CloudFormation also deletes the
    // old physical id after an id change (ids of older versions included), whatever the properties.
    return { PhysicalResourceId: event.PhysicalResourceId, Data: { ExecutionArn: '', Action: 'NONE' } };
  }
  const props = parseReleaseProperties(event.ResourceProperties as RawProperties);
  const acceptedId = acceptedStateId(props.serviceName, event.ResourceProperties);
  // Until the rollout has succeeded, the resource still stands for the properties it accepted before.
  const currentId = event.RequestType === 'Update' ? event.PhysicalResourceId : acceptedId;
  // Ids of older versions (no digest) never match: such an update is treated as a deploy.
  const returnToAcceptedState = event.RequestType === 'Update' && event.PhysicalResourceId === acceptedId;
  const previous = event.RequestType === 'Update'
    ? (event.OldResourceProperties as RawProperties | undefined)?.Live
    : undefined;
  const weights = await readColorWeights(createLoadBalancingClient(), props.ruleArn, props.targetGroups, props.serviceName);
  const state = await readServiceState(dynamodbClient(), props.tableName, props.serviceName);
  // A lock whose execution ended (stopped from the console) is stale: the next rollout takes it over.
  const holderRunning = state.lock
    ? ['RUNNING', 'PENDING_REDRIVE'].includes(await executionStatusOf(sfnClient(), state.lock.executionId))
    : false;
  const decision = decideRelease({
    service: props.serviceName,
    declared: props.live,
    previousDeclared: previous === 'BLUE' || previous === 'GREEN' ? previous : undefined,
    weights,
    runningExecution: state.lock && holderRunning ? { id: state.lock.executionId, name: executionNameOf(state.lock.executionId) } : undefined,
    lastMove: state.lastMove,
    acknowledged: props.acknowledgeTrafficOverride,
    returnToAcceptedState,
  });
  logEvent('INFO', 'release.decision', { service: props.serviceName, requestType: event.RequestType, returnToAcceptedState, decision });
  switch (decision.kind) {
    case 'NONE':
      return { PhysicalResourceId: acceptedId, Data: { ExecutionArn: '', Action: 'NONE' } };
    case 'REFUSE':
      throw new Error(decision.message);
    case 'ABORT_AND_WAIT':
      await requestAbort(props, decision.executionId);
      return { PhysicalResourceId: currentId, Data: { ExecutionArn: decision.executionId, Action: 'AWAIT_ABORT' } };
    case 'START': {
      const stackName = event.StackId.split('/')[1] ?? event.StackId;
      const out = await sfnClient().send(new StartExecutionCommand({
        stateMachineArn: props.stateMachineArn,
        // Same request, same name: a retried onEvent does not start a second rollout.
        name: `${CLOUDFORMATION_EXECUTION_PREFIX}${event.RequestId}`.slice(0, 80),
        input: JSON.stringify({
          from: decision.from,
          to: decision.to,
          reason: decision.purpose === 'CLOUDFORMATION_ROLLBACK' ? 'CloudFormation rollback' : `cdk deploy of stack ${stackName}`,
          requestedBy: `cloudformation:${stackName}`,
        }),
      }));
      return { PhysicalResourceId: currentId, Data: { ExecutionArn: out.executionArn ?? '', Action: 'START' } };
    }
  }
}

export async function isComplete(
  event: CloudFormationCustomResourceEvent & { Data?: { ExecutionArn?: string; Action?: string } },
): Promise<{ IsComplete: boolean; PhysicalResourceId?: string }> {
  const executionArn = event.Data?.ExecutionArn;
  if (event.RequestType === 'Delete' || !executionArn) {
    return { IsComplete: true };
  }
  const out = await sfnClient().send(new DescribeExecutionCommand({ executionArn }));
  const decision = decideCompletion({
    name: out.name ?? executionArn,
    status: (out.status ?? 'RUNNING') as ExecutionStatus,
    error: out.error,
    cause: out.cause,
  }, event.Data?.Action === 'AWAIT_ABORT');
  logEvent('INFO', 'release.progress', { executionArn, status: out.status, decision: decision.kind });
  if (decision.kind === 'FAIL') {
    throw new Error(decision.message);
  }
  if (decision.kind === 'WAIT') {
    return { IsComplete: false };
  }
  // Completed: the resource now stands for these properties (cr.Provider reports this id).
  const serviceName = requireString(event.ResourceProperties as RawProperties, 'ServiceName', RESOURCE);
  return { IsComplete: true, PhysicalResourceId: acceptedStateId(serviceName, event.ResourceProperties) };
}

/** The rollout's next alarm check sees the flag and rolls back (invariant 4: a manual abort ends on `from`). */
async function requestAbort(props: ReleaseProperties, executionId: string): Promise<void> {
  try {
    await dynamodbClient().send(new UpdateCommand({
      TableName: props.tableName,
      Key: { service: props.serviceName, record: STATE_RECORD },
      UpdateExpression: 'SET abortRequested = :yes',
      ConditionExpression: 'lockExecutionId = :holder',
      ExpressionAttributeValues: { ':yes': true, ':holder': executionId },
    }));
  } catch (error) {
    // The rollout finished meanwhile: nothing to abort, isComplete sees it ended.
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') {
      throw error;
    }
  }
}

function executionNameOf(executionArn: string): string {
  return executionArn.split(':').pop() ?? executionArn;
}
