// Routes every AWS SDK v3 call the handlers make to the in-memory model, through
// aws-sdk-client-mock stubs on the client classes. One dispatcher per client: the command's class
// name selects the operation. An operation the model does not implement fails loudly.
import { deepCopy } from '../deep-copy';
import * as autoScaling from '@aws-sdk/client-auto-scaling';
import * as cloudWatch from '@aws-sdk/client-cloudwatch';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as ec2 from '@aws-sdk/client-ec2';
import * as elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import * as eventBridge from '@aws-sdk/client-eventbridge';
import * as lambda from '@aws-sdk/client-lambda';
import * as sfn from '@aws-sdk/client-sfn';
import * as documentClient from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ClientModule, serviceError } from './service-errors';

/** The services the model answers, by the name scenarios use in fault injection. */
export type ServiceName = 'ELBv2' | 'CloudWatch' | 'AutoScaling' | 'DynamoDB' | 'SFN' | 'Lambda' | 'EC2' | 'EventBridge';

export interface ServiceDescription {
  readonly module: ClientModule;
  readonly serviceException: string;
  readonly throttlingErrorName: string;
  readonly throttlingStatusCode: number;
}

export const SERVICES: Record<ServiceName, ServiceDescription> = {
  ELBv2: { module: elbv2, serviceException: 'ElasticLoadBalancingV2ServiceException', throttlingErrorName: 'Throttling', throttlingStatusCode: 400 },
  CloudWatch: { module: cloudWatch, serviceException: 'CloudWatchServiceException', throttlingErrorName: 'Throttling', throttlingStatusCode: 400 },
  AutoScaling: { module: autoScaling, serviceException: 'AutoScalingServiceException', throttlingErrorName: 'Throttling', throttlingStatusCode: 400 },
  DynamoDB: { module: dynamodb, serviceException: 'DynamoDBServiceException', throttlingErrorName: 'ThrottlingException', throttlingStatusCode: 400 },
  SFN: { module: sfn, serviceException: 'SFNServiceException', throttlingErrorName: 'ThrottlingException', throttlingStatusCode: 400 },
  Lambda: { module: lambda, serviceException: 'LambdaServiceException', throttlingErrorName: 'TooManyRequestsException', throttlingStatusCode: 429 },
  EC2: { module: ec2, serviceException: 'EC2ServiceException', throttlingErrorName: 'RequestLimitExceeded', throttlingStatusCode: 503 },
  EventBridge: { module: eventBridge, serviceException: 'EventBridgeServiceException', throttlingErrorName: 'ThrottlingException', throttlingStatusCode: 400 },
};

/**
 * The SDK modules whose clients are mocked, by the id handler code requires them with. Handlers get
 * exactly these objects, so the mocks apply even when the rehearsal itself is bundled (a dynamic
 * require would load another copy).
 */
export const MOCKED_SDK_MODULES: Readonly<Record<string, unknown>> = {
  '@aws-sdk/client-elastic-load-balancing-v2': elbv2,
  '@aws-sdk/client-cloudwatch': cloudWatch,
  '@aws-sdk/client-auto-scaling': autoScaling,
  '@aws-sdk/client-dynamodb': dynamodb,
  '@aws-sdk/client-ec2': ec2,
  '@aws-sdk/client-eventbridge': eventBridge,
  '@aws-sdk/client-lambda': lambda,
  '@aws-sdk/client-sfn': sfn,
  '@aws-sdk/lib-dynamodb': documentClient,
};

/** Answers one call: the operation name without "Command" (e.g. "ModifyRule") and its input. */
export type Dispatcher = (service: ServiceName, operation: string, input: any) => Promise<any>;

/** Installs the stubs; returns a function that removes them. */
export function installSdkMocks(dispatch: Dispatcher): () => void {
  const stubs = [
    stub(elbv2.ElasticLoadBalancingV2Client, 'ELBv2', dispatch),
    stub(cloudWatch.CloudWatchClient, 'CloudWatch', dispatch),
    stub(autoScaling.AutoScalingClient, 'AutoScaling', dispatch),
    stub(sfn.SFNClient, 'SFN', dispatch),
    stub(lambda.LambdaClient, 'Lambda', dispatch),
    stub(ec2.EC2Client, 'EC2', dispatch),
    stub(eventBridge.EventBridgeClient, 'EventBridge', dispatch),
    // The low-level DynamoDB client speaks AttributeValue maps; the model speaks plain values.
    stub(dynamodb.DynamoDBClient, 'DynamoDB', async (service, operation, input) =>
      toAttributeValues(await dispatch(service, operation, fromAttributeValues(input)))),
    // The document client wraps a DynamoDBClient but sends through its own middleware stack, so it
    // needs its own stub; its operations are renamed to the low-level ones (Get → GetItem).
    stub(documentClient.DynamoDBDocumentClient, 'DynamoDB', (service, operation, input) =>
      dispatch(service, DOCUMENT_OPERATIONS[operation] ?? operation, input)),
  ];
  return () => stubs.forEach((s) => s.restore());
}

const DOCUMENT_OPERATIONS: Record<string, string> = {
  Get: 'GetItem', Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', Query: 'Query', Scan: 'Scan',
  BatchGet: 'BatchGetItem', BatchWrite: 'BatchWriteItem', TransactGet: 'TransactGetItems', TransactWrite: 'TransactWriteItems',
};

function stub(client: any, service: ServiceName, dispatch: Dispatcher) {
  const mock = mockClient(client);
  mock.send.callsFake(async (command: any) => {
    const operation = String(command?.constructor?.name ?? '').replace(/Command$/, '');
    return dispatch(service, operation, deepCopy(command?.input ?? {}));
  });
  return mock;
}

const ITEM_FIELDS = ['Item', 'Key', 'ExpressionAttributeValues', 'ExclusiveStartKey', 'Attributes', 'LastEvaluatedKey'];

function fromAttributeValues(input: any): any {
  const out = { ...input };
  for (const field of ITEM_FIELDS) {
    if (out[field]) out[field] = unmarshall(out[field]);
  }
  return out;
}

function toAttributeValues(output: any): any {
  if (!output) return output;
  const out = { ...output };
  for (const field of ITEM_FIELDS) {
    if (out[field]) out[field] = marshall(out[field], { removeUndefinedValues: true });
  }
  if (Array.isArray(out.Items)) {
    out.Items = out.Items.map((i: any) => marshall(i, { removeUndefinedValues: true }));
  }
  return out;
}

/** An SDK-shaped error of `service` (its modeled exception class when there is one). */
export function sdkError(service: ServiceName, name: string, message: string, options: { throttling?: boolean; httpStatusCode?: number } = {}): Error {
  const description = SERVICES[service];
  return serviceError(description.module, description.serviceException, name, message, options);
}

/** The error a throttled call of `service` gets. */
export function throttlingError(service: ServiceName, operation: string): Error {
  const description = SERVICES[service];
  return sdkError(service, description.throttlingErrorName, `Rate exceeded (rehearsal: ${operation} throttled by the scenario)`, {
    throttling: true, httpStatusCode: description.throttlingStatusCode,
  });
}
