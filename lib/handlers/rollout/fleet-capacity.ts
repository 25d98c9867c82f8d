// Auto Scaling adapter: the desired capacity of a color's fleet.
import { type AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { awsCall } from './errors';

/** Undefined when the group does not exist (then only the configured minimum applies). */
export async function desiredCapacityOf(client: AutoScalingClient, groupName: string): Promise<number | undefined> {
  if (!groupName) {
    return undefined;
  }
  const out = await awsCall('autoscaling:DescribeAutoScalingGroups', () =>
    client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] })));
  return out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === groupName)?.DesiredCapacity;
}
