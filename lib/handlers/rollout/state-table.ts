// DynamoDB adapter for the rollout state table. One partition per service (`service` = the
// service name): the STATE item holds the lock, the live color and the last traffic move; one
// HISTORY#<started at>#<execution> item per finished rollout holds who/what/when/outcome.
import { GetCommand, PutCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FleetColor } from '../shared/color-weights';
import { awsCall, classifyAwsError, RolloutError, RolloutRefused } from './errors';
import { logEvent } from '../shared/structured-log';
import { decideLock, type HolderStatus, type LockHolder } from './rollout-lock';

export const STATE_RECORD = 'STATE';

/** The last time traffic moved, and by what: the release custom resource compares it with the template. */
export interface TrafficMove {
  readonly color: FleetColor;
  readonly kind: 'ROLLOUT' | 'ROLLBACK';
  readonly executionId: string;
  readonly executionName: string;
  readonly at: string;
  readonly reason: string;
  readonly requestedBy: string;
}

export interface ServiceState {
  readonly lock?: LockHolder;
  readonly liveColor?: FleetColor;
  readonly lastMove?: TrafficMove;
  readonly abortRequested?: boolean;
}

export interface HistoryEntry {
  readonly executionId: string;
  readonly executionName: string;
  readonly from: FleetColor;
  readonly to: FleetColor;
  readonly reason: string;
  readonly requestedBy: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly outcome: 'SUCCEEDED' | 'ROLLED_BACK';
  readonly cause?: string;
  readonly plan: ReadonlyArray<{ readonly percent: number; readonly bakeSeconds: number }>;
}

export async function readServiceState(db: DynamoDBDocumentClient, table: string, service: string): Promise<ServiceState> {
  const out = await awsCall('dynamodb:GetItem', () => db.send(new GetCommand({
    TableName: table,
    Key: { service, record: STATE_RECORD },
    ConsistentRead: true,
  })));
  const item = out.Item ?? {};
  return {
    lock: item.lockExecutionId
      ? { executionId: item.lockExecutionId, acquiredAt: item.lockAcquiredAt ?? 'unknown', reason: item.lockReason ?? '' }
      : undefined,
    liveColor: item.liveColor,
    lastMove: item.lastMove,
    abortRequested: item.abortRequested === true,
  };
}

/**
 * Takes the service's lock with a conditional write (the same execution may take it again: a
 * retried task). Throws RolloutRefused naming the holder otherwise.
 */
export async function acquireLock(
  db: DynamoDBDocumentClient,
  table: string,
  service: string,
  holder: LockHolder,
  statusOf: (executionId: string) => Promise<HolderStatus>,
): Promise<void> {
  if (await writeLock(db, table, service, holder, undefined)) {
    return;
  }
  const state = await readServiceState(db, table, service);
  const other = state.lock && state.lock.executionId !== holder.executionId ? state.lock : undefined;
  const decision = decideLock(service, holder.executionId, state.lock, other ? await statusOf(other.executionId) : undefined);
  switch (decision.kind) {
    case 'HELD_BY_US':
      return;
    case 'REFUSE':
      throw new RolloutRefused(decision.message);
    case 'TAKE_OVER':
      logEvent('WARN', 'rollout.lock.takeOver', { service, staleExecution: decision.staleExecutionId, status: decision.status });
      if (await writeLock(db, table, service, holder, decision.staleExecutionId)) {
        return;
      }
      break;
    case 'ACQUIRE':
      break;
  }
  // Someone else changed the lock between our write and our read.
  throw new RolloutRefused(`The lock of ${service} changed while it was being taken. Start the rollout again.`);
}

/** Conditional lock write: free (or ours), or held by `staleHolder`. False when the condition fails. */
async function writeLock(
  db: DynamoDBDocumentClient,
  table: string,
  service: string,
  holder: LockHolder,
  staleHolder: string | undefined,
): Promise<boolean> {
  try {
    await db.send(new UpdateCommand({
      TableName: table,
      Key: { service, record: STATE_RECORD },
      UpdateExpression: 'SET lockExecutionId = :me, lockAcquiredAt = :at, lockReason = :reason REMOVE abortRequested',
      ConditionExpression: staleHolder
        ? 'lockExecutionId = :stale'
        : 'attribute_not_exists(lockExecutionId) OR lockExecutionId = :me',
      ExpressionAttributeValues: {
        ':me': holder.executionId,
        ':at': holder.acquiredAt,
        ':reason': holder.reason,
        ...(staleHolder ? { ':stale': staleHolder } : {}),
      },
    }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      return false;
    }
    throw classifyAwsError(error, 'dynamodb:UpdateItem');
  }
}

/**
 * Releases the lock (only if this execution holds it) and records the outcome: the live color and
 * the last move when traffic moved, and a history entry.
 */
export async function releaseLockAndRecord(
  db: DynamoDBDocumentClient,
  table: string,
  service: string,
  entry: HistoryEntry,
  move: TrafficMove | undefined,
): Promise<void> {
  const sets = move ? ' SET liveColor = :live, lastMove = :move' : '';
  try {
    await db.send(new UpdateCommand({
      TableName: table,
      Key: { service, record: STATE_RECORD },
      UpdateExpression: `REMOVE lockExecutionId, lockAcquiredAt, lockReason, abortRequested${sets}`,
      ConditionExpression: 'attribute_not_exists(lockExecutionId) OR lockExecutionId = :me',
      ExpressionAttributeValues: {
        ':me': entry.executionId,
        ...(move ? { ':live': move.color, ':move': move } : {}),
      },
    }));
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      throw new RolloutError('LockLost',
        `The lock of ${service} is held by another execution, so ${entry.executionName} cannot record its outcome ` +
        `(${entry.outcome}). Someone released this execution's lock by hand while it ran. Check the traffic split ` +
        'of the service and the running executions before doing anything else.');
    }
    throw classifyAwsError(error, 'dynamodb:UpdateItem');
  }
  await awsCall('dynamodb:PutItem', () => db.send(new PutCommand({
    TableName: table,
    Item: { service, record: `HISTORY#${entry.startedAt}#${entry.executionName}`, ...entry },
  })));
}
