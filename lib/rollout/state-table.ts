import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

const TABLE_ID = 'CdkBlueGreenRolloutState';

/**
 * The stack's rollout state table, shared by every service in the stack. Partition key `service`
 * (the service name), sort key `record`: `STATE` holds the lock, the live color and the last
 * traffic move; `HISTORY#<started>#<execution>` items hold one finished rollout each (who, what,
 * when, outcome), which is where the command-line tool reads the history.
 *
 * Retained on stack deletion: the history outlives the stack, like a log.
 */
export function rolloutStateTable(scope: Construct): dynamodb.Table {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(TABLE_ID);
  if (existing) {
    return existing as dynamodb.Table;
  }
  return new dynamodb.Table(stack, TABLE_ID, {
    partitionKey: { name: 'service', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'record', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * Lets `grantee` read and write only the items of one service (IAM `dynamodb:LeadingKeys`), so a
 * principal granted for several services still cannot touch a service it was not granted.
 */
export function grantServiceItems(
  table: dynamodb.ITable,
  grantee: iam.IGrantable,
  serviceName: string,
  actions: string[],
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions,
    resources: [table.tableArn],
    conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [serviceName] } },
  }));
}
