// Health gate: is the new color ready for traffic, should we wait, or has the gate timed out?
// Elapsed time is counted in checks (attempt x interval) from the state data, not read from a
// clock, so an executor with a virtual clock runs the same decision.

export type HealthGateDecision =
  | { readonly kind: 'READY' }
  | { readonly kind: 'WAIT'; readonly nextAttempt: number }
  | { readonly kind: 'TIMEOUT'; readonly waitedSeconds: number };

export interface HealthObservation {
  readonly healthy: number;
  readonly required: number;
  /** 0 for the first check. */
  readonly attempt: number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
}

export function decideHealthGate(o: HealthObservation): HealthGateDecision {
  if (o.healthy >= o.required && o.required >= 1) {
    return { kind: 'READY' };
  }
  const waitedSeconds = o.attempt * o.intervalSeconds;
  if (waitedSeconds + o.intervalSeconds > o.timeoutSeconds) {
    return { kind: 'TIMEOUT', waitedSeconds };
  }
  return { kind: 'WAIT', nextAttempt: o.attempt + 1 };
}

/**
 * Healthy targets to wait for: the configured minimum, or the fleet's current desired capacity if
 * it is larger (the fleet was scaled out since synth), so traffic only moves to a full fleet.
 */
export function requiredHealthyTargets(configured: number, desiredCapacity: number | undefined): number {
  return Math.max(configured, desiredCapacity ?? 0);
}
