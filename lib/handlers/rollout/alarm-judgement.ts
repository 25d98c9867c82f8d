// Is a watched alarm a reason to roll back? Judged on plain data read from DescribeAlarms.

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type InsufficientDataPolicy = 'OK' | 'BREACH';

export interface ObservedAlarm {
  readonly name: string;
  readonly state: AlarmState;
  readonly reason: string;
  /** ISO timestamp of the last state change. */
  readonly updatedAt: string;
}

export function isBreach(state: AlarmState, policy: InsufficientDataPolicy): boolean {
  if (state === 'ALARM') {
    return true;
  }
  return state === 'INSUFFICIENT_DATA' && policy === 'BREACH';
}

export interface AlarmJudgement {
  readonly breaches: ObservedAlarm[];
  /** Watched alarms that DescribeAlarms did not return (deleted or renamed). */
  readonly missing: string[];
}

/**
 * Every breaching alarm, plus the watched names that do not exist. A missing alarm counts as a
 * failure: silently watching nothing would make every rollout look healthy.
 */
export function judgeAlarms(
  watched: readonly string[],
  observed: readonly ObservedAlarm[],
  policy: InsufficientDataPolicy,
): AlarmJudgement {
  const byName = new Map(observed.map((a) => [a.name, a]));
  const breaches: ObservedAlarm[] = [];
  const missing: string[] = [];
  for (const name of watched) {
    const alarm = byName.get(name);
    if (!alarm) {
      missing.push(name);
    } else if (isBreach(alarm.state, policy)) {
      breaches.push(alarm);
    }
  }
  return { breaches, missing };
}

/** "alarm web-green-5xx is ALARM since 12:03:10Z (Threshold Crossed: ...)" lines. */
export function describeBreaches(judgement: AlarmJudgement): string {
  const parts = judgement.breaches.map((a) => {
    const why = a.state === 'INSUFFICIENT_DATA'
      ? ' (insufficientData policy is TREAT_AS_BREACH)'
      : '';
    return `alarm "${a.name}" is ${a.state} since ${a.updatedAt}${why}: ${a.reason}`;
  });
  for (const name of judgement.missing) {
    parts.push(`alarm "${name}" does not exist (deleted or renamed outside the stack)`);
  }
  return parts.join('; ');
}
