// Custom::BlueGreenRelease: `cdk deploy` drives the rollout. onEvent decides (pure logic in
// release-decision.ts) and starts the execution; isComplete polls it. A failed rollout fails the
// resource with the rollout's cause, so CloudFormation rolls the stack back.
//
// The physical id never changes (CloudFormation would treat a new id as a replacement, and its
// rollback would then skip this resource). What the resource last accepted is kept in the service's
// state item instead, written only when an update has completed (onEvent when nothing has to move,
// isComplete when the rollout has succeeded), so the Update that a CloudFormation rollback sends
// (aws/aws-cdk#17040) can be told from a deploy (isCloudFormationRollback).
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
import { readAcceptedProperties, recordAcceptedProperties } from './accepted-properties';
import {
  acceptedAfter, acceptedFromLegacyId, CLOUDFORMATION_EXECUTION_PREFIX, decideRelease, isCloudFormationRollback,
  propertiesHash, releasePhysicalId, type PropertiesChange,
} from './release-decision';

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
  readonly Data: { readonly ExecutionArn: string; readonly Action: string; readonly CloudFormationRollback?: string };
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
    // Deleting the resource never moves traffic, and never fails, whatever the id's form: older
    // versions changed the id on update, and CloudFormation deletes the ids it took for replaced.
    return { PhysicalResourceId: event.PhysicalResourceId, Data: { ExecutionArn: '', Action: 'NONE' } };
  }
  const props = parseReleaseProperties(event.ResourceProperties as RawProperties);
  // Never a new id for an existing resource, whatever form it has (older versions used others).
  const physicalId = event.RequestType === 'Update' ? event.PhysicalResourceId : releasePhysicalId(props.serviceName);
  const change = propertiesChangeOf(event);
  const previous = event.RequestType === 'Update'
    ? (event.OldResourceProperties as RawProperties | undefined)?.Live
    : undefined;
  const accepted = event.RequestType === 'Update'
    ? await readAcceptedProperties(dynamodbClient(), props.tableName, props.serviceName)
      ?? acceptedFromLegacyId(event.PhysicalResourceId, props.serviceName)
    : undefined;
  const cloudFormationRollback = isCloudFormationRollback(change, accepted);
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
    cloudFormationRollback,
  });
  logEvent('INFO', 'release.decision', { service: props.serviceName, requestType: event.RequestType, cloudFormationRollback, decision });
  switch (decision.kind) {
    case 'NONE':
      await recordAcceptedProperties(dynamodbClient(), props.tableName, props.serviceName, acceptedAfter(change, cloudFormationRollback));
      return { PhysicalResourceId: physicalId, Data: { ExecutionArn: '', Action: 'NONE' } };
    case 'REFUSE':
      throw new Error(decision.message);
    case 'ABORT_AND_WAIT':
      await requestAbort(props, decision.executionId);
      return {
        PhysicalResourceId: physicalId,
        Data: { ExecutionArn: decision.executionId, Action: 'AWAIT_ABORT', CloudFormationRollback: String(cloudFormationRollback) },
      };
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
      return {
        PhysicalResourceId: physicalId,
        Data: { ExecutionArn: out.executionArn ?? '', Action: 'START', CloudFormationRollback: String(cloudFormationRollback) },
      };
    }
  }
}

export async function isComplete(
  event: CloudFormationCustomResourceEvent & { Data?: { ExecutionArn?: string; Action?: string; CloudFormationRollback?: string } },
): Promise<{ IsComplete: boolean }> {
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
  // Completed: the resource now stands for these properties. The physical id stays as it is.
  const props = parseReleaseProperties(event.ResourceProperties as RawProperties);
  const accepted = acceptedAfter(propertiesChangeOf(event), event.Data?.CloudFormationRollback === 'true');
  await recordAcceptedProperties(dynamodbClient(), props.tableName, props.serviceName, accepted);
  return { IsComplete: true };
}

function propertiesChangeOf(event: CloudFormationCustomResourceEvent): PropertiesChange {
  return {
    target: propertiesHash(event.ResourceProperties),
    old: event.RequestType === 'Update' ? propertiesHash(event.OldResourceProperties) : undefined,
  };
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
