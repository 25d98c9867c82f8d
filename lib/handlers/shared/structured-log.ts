// One JSON object per line, so CloudWatch Logs Insights can filter on any field (invariant 6:
// every decision is in the structured logs). The functions use the JSON log format, which keeps
// a JSON string message queryable.

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export type LogFields = Record<string, unknown>;

/** Writes one structured record: `{ level, event, ...fields }`. */
export function logEvent(level: LogLevel, event: string, fields: LogFields = {}): void {
  const record = JSON.stringify({ level, event, ...fields });
  if (level === 'ERROR') {
    console.error(record);
  } else if (level === 'WARN') {
    console.warn(record);
  } else {
    console.info(record);
  }
}
