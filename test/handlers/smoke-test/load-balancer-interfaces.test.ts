import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { describeLoadBalancerInterfaces } from '../../../lib/handlers/smoke-test/load-balancer-interfaces';

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1' });
const FULL_NAME = 'app/web/50dc6c495c0c9188';

beforeEach(() => ec2.reset());

test('asks for the interfaces described "ELB <full name>" and returns their status and address', async () => {
  ec2.on(DescribeNetworkInterfacesCommand).resolves({
    NetworkInterfaces: [
      { Status: 'in-use', PrivateIpAddress: '10.0.1.20', Description: `ELB ${FULL_NAME}` },
      { Status: 'available', PrivateIpAddress: '10.0.2.20', Description: `ELB ${FULL_NAME}` },
    ],
  });
  await expect(describeLoadBalancerInterfaces(client, FULL_NAME)).resolves.toEqual([
    { status: 'in-use', privateIpAddress: '10.0.1.20' },
    { status: 'available', privateIpAddress: '10.0.2.20' },
  ]);
  const calls = ec2.commandCalls(DescribeNetworkInterfacesCommand);
  expect(calls).toHaveLength(1);
  expect(calls[0].args[0].input).toEqual({ Filters: [{ Name: 'description', Values: ['ELB app/web/50dc6c495c0c9188'] }] });
});

test('reads every page', async () => {
  ec2.on(DescribeNetworkInterfacesCommand)
    .resolvesOnce({ NetworkInterfaces: [{ Status: 'in-use', PrivateIpAddress: '10.0.1.20' }], NextToken: 'page-2' })
    .resolvesOnce({ NetworkInterfaces: [{ Status: 'in-use', PrivateIpAddress: '10.0.2.20' }] });
  await expect(describeLoadBalancerInterfaces(client, FULL_NAME)).resolves.toEqual([
    { status: 'in-use', privateIpAddress: '10.0.1.20' },
    { status: 'in-use', privateIpAddress: '10.0.2.20' },
  ]);
  expect(ec2.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
});

test('throttling becomes AwsThrottled, which the state machine retries', async () => {
  ec2.on(DescribeNetworkInterfacesCommand).rejects(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }));
  await expect(describeLoadBalancerInterfaces(client, FULL_NAME)).rejects.toMatchObject({
    name: 'AwsThrottled', message: expect.stringContaining('ec2:DescribeNetworkInterfaces was throttled'),
  });
});

test('an invalid full name is refused before any call', async () => {
  await expect(describeLoadBalancerInterfaces(client, 'web')).rejects.toThrow(/loadBalancerFullName must be/);
  expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)).toHaveLength(0);
});
