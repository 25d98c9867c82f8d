// Sends rollout events to the account's default event bus. Events report decisions, they never
// make them: a failed or rejected PutEvents is logged as a warning and the rollout (or the
// rollback) goes on. This function therefore never throws.
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { logEvent } from '../shared/structured-log';
import type { RolloutEventEntry } from './rollout-events';

/**
 * Publishes the entries `build` returns. Building runs inside the guard too: a malformed state
 * (say, a failure without a Cause) must not turn a rollback into a crash.
 */
export async function publishRolloutEvents(client: EventBridgeClient, build: () => RolloutEventEntry[]): Promise<void> {
  let entries: RolloutEventEntry[] = [];
  try {
    entries = build();
    if (entries.length === 0) {
      return;
    }
    const out = await client.send(new PutEventsCommand({ Entries: entries }));
    const failed = out.FailedEntryCount ?? 0;
    if (failed > 0) {
      logEvent('WARN', 'rollout.events.notDelivered', {
        detailTypes: entries.map((e) => e.DetailType),
        failed,
        errors: (out.Entries ?? []).filter((e) => e.ErrorCode).map((e) => `${e.ErrorCode}: ${e.ErrorMessage ?? ''}`),
        consequence: 'EventBridge rejected these events; the rollout continues and its logs and history still record the decision.',
      });
      return;
    }
    logEvent('INFO', 'rollout.events.published', { detailTypes: entries.map((e) => e.DetailType) });
  } catch (error) {
    const e = error as Error;
    logEvent('WARN', 'rollout.events.notDelivered', {
      detailTypes: entries.map((x) => x.DetailType),
      error: e?.name,
      message: e?.message,
      consequence: 'PutEvents failed; the rollout continues and its logs and history still record the decision. ' +
        'Check that the rollout handler\'s role may call events:PutEvents on the default event bus.',
    });
  }
}
