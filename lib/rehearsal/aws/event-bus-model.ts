// EventBridge as the rehearsal sees it: PutEvents is accepted and each entry is recorded with the
// virtual time it arrived, so a test (or a user) can read what the rollout announced and when.
// Rules, targets and delivery are not modelled: the rehearsal only answers "what was emitted".

/** One event as it reached the bus. */
export interface RecordedEvent {
  /** Virtual seconds since the rehearsal started. */
  readonly t: number;
  /** The bus the entry named; `default` when it named none (as on AWS). */
  readonly eventBusName: string;
  readonly source: string;
  readonly detailType: string;
  /** The parsed Detail document. */
  readonly detail: Record<string, any>;
  readonly resources: readonly string[];
  /** The entry's own Time, when it gave one (ISO 8601). */
  readonly time?: string;
}

/** PutEvents accepts at most 10 entries per call. */
const MAX_ENTRIES = 10;

export class EventBusModel {
  public readonly events: RecordedEvent[] = [];

  /** Answers PutEvents: malformed entries fail one by one (FailedEntryCount), as on AWS. */
  public putEvents(input: { Entries?: any[] }, t: number): { FailedEntryCount: number; Entries: any[] } {
    const entries = input.Entries ?? [];
    if (entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw Object.assign(new Error(`1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`), { name: 'ValidationException' });
    }
    let failed = 0;
    const results = entries.map((entry, i) => {
      const problem = problemOf(entry);
      if (problem) {
        failed++;
        return { ErrorCode: problem.code, ErrorMessage: problem.message };
      }
      this.events.push({
        t,
        eventBusName: entry.EventBusName ? busName(entry.EventBusName) : 'default',
        source: entry.Source,
        detailType: entry.DetailType,
        detail: JSON.parse(entry.Detail),
        resources: [...(entry.Resources ?? [])],
        time: entry.Time ? new Date(entry.Time).toISOString() : undefined,
      });
      return { EventId: `rehearsal-event-${this.events.length}-${i}` };
    });
    return { FailedEntryCount: failed, Entries: results };
  }
}

function problemOf(entry: any): { code: string; message: string } | undefined {
  for (const field of ['Source', 'DetailType', 'Detail']) {
    if (typeof entry?.[field] !== 'string' || entry[field] === '') {
      return { code: 'InvalidArgument', message: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
    }
  }
  try {
    const detail = JSON.parse(entry.Detail);
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) throw new Error('not an object');
  } catch {
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  return undefined;
}

/** A bus named by ARN or by name. */
function busName(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;
}
