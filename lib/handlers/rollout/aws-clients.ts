// SDK clients, created once per Lambda container. Throttling is retried by the SDK first
// (adaptive mode); what is left is translated into a named error the state machine retries.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLoadBalancingClient } from '../shared/weighted-rule';

export interface RolloutClients {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly autoscaling: AutoScalingClient;
  readonly cloudwatch: CloudWatchClient;
  readonly dynamodb: DynamoDBDocumentClient;
  readonly lambda: LambdaClient;
  readonly sfn: SFNClient;
  readonly events: EventBridgeClient;
}

let clients: RolloutClients | undefined;

export function rolloutClients(): RolloutClients {
  clients ??= {
    elbv2: createLoadBalancingClient(),
    autoscaling: new AutoScalingClient({ retryMode: 'adaptive', maxAttempts: 5 }),
    cloudwatch: new CloudWatchClient({ retryMode: 'adaptive', maxAttempts: 5 }),
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({ retryMode: 'adaptive', maxAttempts: 5 })),
    // One attempt: the user's smoke test may not be idempotent; the state machine decides on retries.
    sfn: new SFNClient({ retryMode: 'adaptive', maxAttempts: 5 }),
    lambda: new LambdaClient({ maxAttempts: 1, requestHandler: { requestTimeout: 5 * 60 * 1000 + 10_000 } }),
    // Short timeouts: an unreachable EventBridge must not hold up a rollback for long.
    events: new EventBridgeClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } }),
  };
  return clients;
}
