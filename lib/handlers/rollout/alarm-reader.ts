// CloudWatch adapter: the current state of the watched alarms (metric and composite).
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmState, ObservedAlarm } from './alarm-judgement';
import { awsCall } from './errors';

/** DescribeAlarms accepts at most 100 names per call. */
const NAMES_PER_CALL = 100;

export async function readAlarms(client: CloudWatchClient, names: readonly string[]): Promise<ObservedAlarm[]> {
  const observed: ObservedAlarm[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    const batch = names.slice(i, i + NAMES_PER_CALL);
    const out = await awsCall('cloudwatch:DescribeAlarms', () => client.send(new DescribeAlarmsCommand({
      AlarmNames: batch,
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      MaxRecords: NAMES_PER_CALL,
    })));
    for (const alarm of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
      observed.push({
        name: alarm.AlarmName ?? '',
        state: (alarm.StateValue ?? 'INSUFFICIENT_DATA') as AlarmState,
        reason: alarm.StateReason ?? '',
        updatedAt: alarm.StateUpdatedTimestamp?.toISOString() ?? 'unknown',
      });
    }
  }
  return observed;
}
