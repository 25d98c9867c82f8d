// DynamoDB adapter: what the release resource last accepted, kept in the service's STATE item of
// the rollout state table (attribute releaseAccepted), next to the lock and the last traffic move.
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STATE_RECORD } from '../rollout/state-table';
import type { AcceptedProperties } from './release-decision';

export async function readAcceptedProperties(
  db: DynamoDBDocumentClient, table: string, service: string,
): Promise<AcceptedProperties | undefined> {
  const out = await db.send(new GetCommand({
    TableName: table,
    Key: { service, record: STATE_RECORD },
    ProjectionExpression: 'releaseAccepted',
    ConsistentRead: true,
  }));
  const stored = out.Item?.releaseAccepted as { hash?: unknown; previousHash?: unknown } | undefined;
  if (!stored || typeof stored.hash !== 'string') {
    return undefined;
  }
  return typeof stored.previousHash === 'string' ? { hash: stored.hash, previousHash: stored.previousHash } : { hash: stored.hash };
}

/** Written only when a Create/Update has completed, never for a failed one. */
export async function recordAcceptedProperties(
  db: DynamoDBDocumentClient, table: string, service: string, accepted: AcceptedProperties,
): Promise<void> {
  await db.send(new UpdateCommand({
    TableName: table,
    Key: { service, record: STATE_RECORD },
    UpdateExpression: 'SET releaseAccepted = :accepted',
    ExpressionAttributeValues: { ':accepted': accepted },
  }));
}
