// One JSON document per record, so every decision (invariant 6) can be found by its fields in
// CloudWatch Logs. Serializing here, rather than passing an object to console, gives the same
// record whatever log format (text or JSON) the function is configured with.

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
