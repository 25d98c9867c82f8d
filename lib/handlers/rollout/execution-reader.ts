// Step Functions adapter: is the execution that holds a lock still running?
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { awsCall } from './errors';
import type { HolderStatus } from './rollout-lock';

export async function executionStatusOf(client: SFNClient, executionArn: string): Promise<HolderStatus> {
  try {
    const out = await awsCall('states:DescribeExecution', () => client.send(new DescribeExecutionCommand({ executionArn })));
    return (out.status ?? 'RUNNING') as HolderStatus;
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') {
      return 'NOT_FOUND';
    }
    throw error;
  }
}
