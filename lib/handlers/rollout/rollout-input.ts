// Validation of the execution input `{ from, to, reason }`.
import type { FleetColor } from '../shared/color-weights';
import { InvalidRolloutInput } from './errors';

export interface RolloutInput {
  readonly from: FleetColor;
  readonly to: FleetColor;
  readonly reason: string;
  /** Who asked (e.g. `cloudformation:<stack>`, `cli:<user>`), recorded in the history. */
  readonly requestedBy: string;
}

const EXAMPLE = '{"from": "BLUE", "to": "GREEN", "reason": "release v1.2"}';

export function parseRolloutInput(raw: unknown): RolloutInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidRolloutInput(`The execution input must be a JSON object like ${EXAMPLE}, got ${JSON.stringify(raw)}.`);
  }
  const input = raw as Record<string, unknown>;
  const from = colorField(input, 'from');
  const to = colorField(input, 'to');
  if (from === to) {
    throw new InvalidRolloutInput(
      `The execution input has from = to = ${from}; a rollout moves traffic between two colors. ` +
      `Set "to" to the color that should receive the traffic, e.g. ${EXAMPLE}.`,
    );
  }
  const reason = input.reason;
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 500) {
    throw new InvalidRolloutInput(
      `The execution input field "reason" must be a non-empty string of at most 500 characters (it is recorded ` +
      `in the rollout history), got ${JSON.stringify(reason)}.`,
    );
  }
  const requestedBy = input.requestedBy === undefined ? 'unknown' : input.requestedBy;
  if (typeof requestedBy !== 'string' || requestedBy.length > 200) {
    throw new InvalidRolloutInput(
      `The execution input field "requestedBy" must be a string of at most 200 characters when given, got ${JSON.stringify(requestedBy)}.`,
    );
  }
  return { from, to, reason, requestedBy };
}

function colorField(input: Record<string, unknown>, name: 'from' | 'to'): FleetColor {
  const value = input[name];
  if (value !== 'BLUE' && value !== 'GREEN') {
    throw new InvalidRolloutInput(
      `The execution input field "${name}" must be "BLUE" or "GREEN", got ${JSON.stringify(value)}. Example: ${EXAMPLE}.`,
    );
  }
  return value;
}
