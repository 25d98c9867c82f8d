// EC2 adapter: the network interfaces of one Application Load Balancer, found by the description
// ELB gives them (there is no load-balancer filter on DescribeNetworkInterfaces).
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { awsCall } from '../rollout/errors';
import { loadBalancerInterfaceDescription, type LoadBalancerInterface } from './private-addresses';

let client: EC2Client | undefined;

/**
 * One client per Lambda container. Short timeouts: the lookup shares the function's time with
 * the HTTP check, which must keep its full timeout.
 */
export function ec2Client(): EC2Client {
  client ??= new EC2Client({ retryMode: 'adaptive', maxAttempts: 3, requestHandler: { requestTimeout: 3000 } });
  return client;
}

/** Every network interface with the description `ELB <loadBalancerFullName>`, all pages. */
export async function describeLoadBalancerInterfaces(ec2: EC2Client, loadBalancerFullName: string): Promise<LoadBalancerInterface[]> {
  const description = loadBalancerInterfaceDescription(loadBalancerFullName);
  const interfaces: LoadBalancerInterface[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall('ec2:DescribeNetworkInterfaces', () => ec2.send(new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: 'description', Values: [description] }],
      NextToken: nextToken,
    })));
    for (const eni of page.NetworkInterfaces ?? []) {
      interfaces.push({ status: eni.Status, privateIpAddress: eni.PrivateIpAddress });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return interfaces;
}
