// What a finished execution writes to the state table, built from the task event (pure).
import type { FleetColor } from '../shared/color-weights';
import type { RolloutInput } from './rollout-input';
import type { HistoryEntry, TrafficMove } from './state-table';
import type { TaskEvent } from './task-event';

/** What an execution that ends at `endedAt` records: its history entry and, if it moved traffic, the move. */
export function executionRecord(
  event: TaskEvent,
  input: RolloutInput,
  endedAt: string,
  outcome: HistoryEntry['outcome'],
  cause?: string,
): { entry: HistoryEntry; moveTo: (color: FleetColor, kind: TrafficMove['kind']) => TrafficMove } {
  const { service, execution } = event;
  const entry: HistoryEntry = {
    executionId: execution.id,
    executionName: execution.name,
    from: input.from,
    to: input.to,
    reason: input.reason,
    requestedBy: input.requestedBy,
    startedAt: execution.startTime,
    endedAt,
    outcome,
    ...(cause !== undefined ? { cause } : {}),
    plan: service.plan,
  };
  const moveTo = (color: FleetColor, kind: TrafficMove['kind']): TrafficMove => ({
    color,
    kind,
    executionId: execution.id,
    executionName: execution.name,
    at: endedAt,
    reason: input.reason,
    requestedBy: input.requestedBy,
  });
  return { entry, moveTo };
}
