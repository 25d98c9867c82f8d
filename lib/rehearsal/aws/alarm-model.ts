// CloudWatch alarms whose state is scripted over virtual time. Every alarm of the template starts
// in OK (an alarm a deploy just created would be INSUFFICIENT_DATA for a while; scenarios can
// script that explicitly).

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmRecord {
  readonly name: string;
  readonly arn: string;
  readonly composite: boolean;
  /** The template properties (metric, threshold...), returned as DescribeAlarms would. */
  readonly definition: Record<string, any>;
  state: AlarmState;
  reason: string;
  updatedAt: Date;
}

export class AlarmModel {
  private readonly alarms = new Map<string, AlarmRecord>();

  public add(alarm: AlarmRecord): void {
    this.alarms.set(alarm.name, alarm);
  }

  public find(name: string): AlarmRecord | undefined {
    return this.alarms.get(name);
  }

  public all(): AlarmRecord[] {
    return [...this.alarms.values()];
  }

  public setState(name: string, state: AlarmState, reason: string, at: Date): void {
    const alarm = this.alarms.get(name);
    if (!alarm) {
      throw new Error(`rehearsal: no alarm named '${name}' (known: ${[...this.alarms.keys()].join(', ') || 'none'}).`);
    }
    alarm.state = state;
    alarm.reason = reason;
    alarm.updatedAt = at;
  }

  /** CloudWatch DescribeAlarms: by names, prefix and state; metric and/or composite alarms. */
  public describeAlarms(input: any): any {
    let alarms = this.all();
    if (input.AlarmNames?.length) alarms = alarms.filter((a) => input.AlarmNames.includes(a.name));
    if (input.AlarmNamePrefix) alarms = alarms.filter((a) => a.name.startsWith(input.AlarmNamePrefix));
    if (input.StateValue) alarms = alarms.filter((a) => a.state === input.StateValue);
    const types: string[] = input.AlarmTypes ?? ['MetricAlarm'];
    const shape = (a: AlarmRecord) => ({
      ...a.definition,
      AlarmName: a.name, AlarmArn: a.arn, StateValue: a.state, StateReason: a.reason,
      StateUpdatedTimestamp: a.updatedAt, StateTransitionedTimestamp: a.updatedAt,
    });
    return {
      MetricAlarms: types.includes('MetricAlarm') ? alarms.filter((a) => !a.composite).map(shape) : [],
      CompositeAlarms: types.includes('CompositeAlarm') ? alarms.filter((a) => a.composite).map(shape) : [],
    };
  }
}
