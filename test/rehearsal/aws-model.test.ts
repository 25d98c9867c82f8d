// The in-memory AWS the handlers talk to during a rehearsal. Calls go through the real SDK v3
// clients (aws-sdk-client-mock intercepts `send`), so handlers see the same shapes and the same
// error classes, names and $metadata as from AWS, and their error handling runs for real.
import {
  CreateRuleCommand, DescribeRulesCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand,
  PriorityInUseException, RuleNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Rehearsal } from '../../lib/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';

const template: CfnTemplate = {
  Resources: {
    Alb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: {} },
    Listener: {
      Type: 'AWS::ElasticLoadBalancingV2::Listener',
      Properties: { LoadBalancerArn: { Ref: 'Alb' }, Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', MessageBody: 'no route' } }] },
    },
    Blue: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: 80 } },
    Green: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: 80 } },
    // A function reaching the load balancer the way the smoke test does from inside the VPC.
    Probe: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: 'nodejs22.x', Handler: 'index.handler', Code: {
          ZipFile: [
            "const http = require('node:http');",
            'exports.handler = (event) => new Promise((resolve) => {',
            "  const req = http.request({ host: event.address, port: 80, path: '/anything', headers: { host: 'shop.example.com' } }, (res) => {",
            "    let body = ''; res.setEncoding('utf8'); res.on('data', (c) => { body += c; }); res.on('end', () => resolve({ status: res.statusCode, body }));",
            '  });',
            "  req.on('error', (e) => resolve({ error: e.code }));",
            '  req.end();',
            '});',
          ].join('\n'),
        },
      },
    },
    GreenFleet: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { MinSize: '3', MaxSize: '6', TargetGroupARNs: [{ Ref: 'Green' }] } },
    State: {
      Type: 'AWS::DynamoDB::Table',
      Properties: { KeySchema: [{ AttributeName: 'service', KeyType: 'HASH' }, { AttributeName: 'record', KeyType: 'RANGE' }] },
    },
  },
};

let world: Rehearsal;
const elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));

beforeEach(async () => {
  world = Rehearsal.fromTemplate(template, { colors: { BLUE: 'Blue', GREEN: 'Green' } });
  await world.open();
});
afterEach(() => world.close());

const listenerArn = () => world.template.ref('Listener');
const forwardTo = (weights: Array<[string, number]>) => [{
  Type: 'forward' as const,
  ForwardConfig: { TargetGroups: weights.map(([tg, Weight]) => ({ TargetGroupArn: world.template.ref(tg), Weight })) },
}];

describe('ELBv2 rules and weights', () => {
  test('a weighted rule reads back as ELBv2 returns it; the default rule comes last', async () => {
    const created = await elb.send(new CreateRuleCommand({
      ListenerArn: listenerArn(), Priority: 5, Conditions: [{ Field: 'path-pattern', Values: ['/*'] }], Actions: forwardTo([['Blue', 90], ['Green', 10]]),
    }));
    const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn() }))).Rules!;
    expect(rules.map((r) => [r.Priority, r.IsDefault])).toEqual([['5', false], ['default', true]]);
    expect(rules[0].RuleArn).toBe(created.Rules![0].RuleArn);
    expect(rules[0].Actions![0].ForwardConfig!.TargetGroups).toEqual([
      { TargetGroupArn: world.template.ref('Blue'), Weight: 90 },
      { TargetGroupArn: world.template.ref('Green'), Weight: 10 },
    ]);
    expect(rules[0].Actions![0].TargetGroupArn).toBeUndefined(); // only set for a single target group
    expect(world.weights()).toEqual({ BLUE: 90, GREEN: 10 });
  });

  test('a priority already in use is refused with the SDK exception class and a 400', async () => {
    await elb.send(new CreateRuleCommand({ ListenerArn: listenerArn(), Priority: 5, Conditions: [], Actions: forwardTo([['Blue', 1]]) }));
    const clash = elb.send(new CreateRuleCommand({ ListenerArn: listenerArn(), Priority: 5, Conditions: [], Actions: forwardTo([['Green', 1]]) }));
    await expect(clash).rejects.toBeInstanceOf(PriorityInUseException);
    await expect(clash).rejects.toMatchObject({ name: 'PriorityInUseException', $metadata: { httpStatusCode: 400 } });
  });

  test('modifying a rule that does not exist is RuleNotFoundException', async () => {
    await expect(elb.send(new ModifyRuleCommand({ RuleArn: `${listenerArn().replace(':listener/', ':listener-rule/')}/nope`, Actions: forwardTo([['Blue', 1]]) })))
      .rejects.toBeInstanceOf(RuleNotFoundException);
  });

  test('weights outside 0-999 are a ValidationError, as in ELBv2', async () => {
    await expect(elb.send(new CreateRuleCommand({ ListenerArn: listenerArn(), Priority: 1, Conditions: [], Actions: forwardTo([['Blue', 1000]]) })))
      .rejects.toMatchObject({ name: 'ValidationError' });
  });

  test('target health follows the Auto Scaling group and the scenario', async () => {
    const health = async () => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: world.template.ref('Green') })))
      .TargetHealthDescriptions!.map((d) => d.TargetHealth!.State);
    expect(await health()).toEqual(['healthy', 'healthy', 'healthy']);
    world.setHealthyTargets('GREEN', 1);
    expect(await health()).toEqual(['healthy', 'unhealthy', 'unhealthy']);
  });
});

test("the load balancer's network interfaces (EC2), found by their ELB description", async () => {
  const [, name, id] = world.template.ref('Alb').split(':loadbalancer/')[1].split('/');
  const out = await new EC2Client({ region: 'us-east-1' }).send(new DescribeNetworkInterfacesCommand({
    Filters: [{ Name: 'description', Values: [`ELB app/${name}/*`] }, { Name: 'vpc-id', Values: ['vpc-0123456789abcdef0'] }],
  }));
  expect(out.NetworkInterfaces!.map((n) => n.Description)).toEqual([`ELB app/${name}/${id}`, `ELB app/${name}/${id}`]);
  expect(out.NetworkInterfaces!.map((n) => n.PrivateIpAddress)).toEqual([expect.stringMatching(/^10\.0\./), expect.stringMatching(/^10\.0\./)]);
});

test('handler code that uses node:http reaches the load balancer by private address; other addresses refuse', async () => {
  const probe = async (address: string) => {
    const out = await new LambdaClient({ region: 'us-east-1' }).send(new InvokeCommand({
      FunctionName: world.template.ref('Probe'), Payload: JSON.stringify({ address }),
    }));
    return JSON.parse(new TextDecoder().decode(out.Payload));
  };
  const [address] = world.loadBalancing.privateAddresses(world.template.ref('Alb'));
  expect(await probe(address)).toEqual({ status: 404, body: 'no route' });
  await elb.send(new CreateRuleCommand({
    ListenerArn: listenerArn(), Priority: 1, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['shop.example.com'] } }],
    Actions: forwardTo([['Green', 1]]),
  }));
  expect(await probe(address)).toEqual({ status: 200, body: 'OK' });
  expect(await probe('10.9.9.9')).toEqual({ error: 'ECONNREFUSED' });
});

describe('Auto Scaling', () => {
  const autoScaling = new AutoScalingClient({ region: 'us-east-1' });
  const group = () => world.template.ref('GreenFleet');

  test('a new desired capacity changes the group and the targets registered in its target group', async () => {
    await autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: group(), DesiredCapacity: 5 }));
    const described = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group()] }));
    expect(described.AutoScalingGroups![0]).toMatchObject({ MinSize: 3, MaxSize: 6, DesiredCapacity: 5 });
    expect(described.AutoScalingGroups![0].Instances).toHaveLength(5);
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: world.template.ref('Green') }));
    expect(health.TargetHealthDescriptions).toHaveLength(5);
  });

  test('a desired capacity outside min..max is refused as Auto Scaling refuses it', async () => {
    await expect(autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: group(), DesiredCapacity: 9 })))
      .rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('between the specified min size:3 and max size:6') });
  });
});

describe('DynamoDB items and expressions', () => {
  const table = () => world.template.ref('State');
  // The lock the rollout handler takes: a conditional update that the same execution may repeat.
  const takeLock = (executionId: string) => db.send(new UpdateCommand({
    TableName: table(), Key: { service: 'web', record: 'STATE' },
    UpdateExpression: 'SET lockExecutionId = :me, lockReason = :reason REMOVE abortRequested',
    ConditionExpression: 'attribute_not_exists(lockExecutionId) OR lockExecutionId = :me',
    ExpressionAttributeValues: { ':me': executionId, ':reason': 'release' },
  }));

  test('a conditional update is a lock: the holder may repeat it, anyone else gets ConditionalCheckFailedException', async () => {
    await takeLock('exec-1');
    await takeLock('exec-1');
    await expect(takeLock('exec-2')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const item = (await db.send(new GetCommand({ TableName: table(), Key: { service: 'web', record: 'STATE' } }))).Item;
    expect(item).toEqual({ service: 'web', record: 'STATE', lockExecutionId: 'exec-1', lockReason: 'release' });
  });

  test('REMOVE then SET in one update, list_append with if_not_exists, ADD on a number', async () => {
    await takeLock('exec-1');
    const out = await db.send(new UpdateCommand({
      TableName: table(), Key: { service: 'web', record: 'STATE' },
      UpdateExpression: 'REMOVE lockExecutionId, lockReason SET #h = list_append(if_not_exists(#h, :none), :entry), liveColor = :c ADD moves :one',
      ExpressionAttributeNames: { '#h': 'history' },
      ExpressionAttributeValues: { ':none': [], ':entry': ['GREEN'], ':c': 'GREEN', ':one': 1 },
      ReturnValues: 'ALL_NEW',
    }));
    expect(out.Attributes).toEqual({ service: 'web', record: 'STATE', history: ['GREEN'], liveColor: 'GREEN', moves: 1 });
  });

  test('a query on the sort key: begins_with, newest first, Limit with LastEvaluatedKey', async () => {
    for (const at of ['2026-01-01', '2026-01-03', '2026-01-02']) {
      await db.send(new PutCommand({ TableName: table(), Item: { service: 'web', record: `HISTORY#${at}`, at } }));
    }
    await db.send(new PutCommand({ TableName: table(), Item: { service: 'web', record: 'STATE' } }));
    const page = await db.send(new QueryCommand({
      TableName: table(), KeyConditionExpression: 'service = :s AND begins_with(#r, :h)',
      ExpressionAttributeNames: { '#r': 'record' }, ExpressionAttributeValues: { ':s': 'web', ':h': 'HISTORY#' },
      ScanIndexForward: false, Limit: 2,
    }));
    expect(page.Items!.map((i) => i.at)).toEqual(['2026-01-03', '2026-01-02']);
    expect(page.LastEvaluatedKey).toEqual({ service: 'web', record: 'HISTORY#2026-01-02' });
  });

  test('the low-level client gets AttributeValue maps', async () => {
    await db.send(new PutCommand({ TableName: table(), Item: { service: 'web', record: 'STATE', liveColor: 'BLUE', weight: 100 } }));
    const out = await new DynamoDBClient({ region: 'us-east-1' }).send(new GetItemCommand({
      TableName: table(), Key: { service: { S: 'web' }, record: { S: 'STATE' } },
    }));
    expect(out.Item).toEqual({ service: { S: 'web' }, record: { S: 'STATE' }, liveColor: { S: 'BLUE' }, weight: { N: '100' } });
  });

  test('an expression the model does not support fails loudly instead of guessing', async () => {
    await expect(db.send(new PutCommand({
      TableName: table(), Item: { service: 'web', record: 'X' }, ConditionExpression: 'attribute_type(service, :t)',
      ExpressionAttributeValues: { ':t': 'S' },
    }))).rejects.toThrow(/attribute_type is not supported/);
  });
});

test('an API the model does not implement is a loud error, and the rehearsal records it as a gap', async () => {
  await expect(new CloudWatchClient({ region: 'us-east-1' }).send(new GetMetricDataCommand({ MetricDataQueries: [], StartTime: new Date(), EndTime: new Date() })))
    .rejects.toThrow(/CloudWatch GetMetricData is not modelled/);
  expect(world.modelGaps).toHaveLength(1);
});
