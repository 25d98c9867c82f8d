import { Duration } from 'aws-cdk-lib';
import type { Capacity } from '../capacity';
import type { FleetHealthCheck } from '../health-check';

/** Capacity with every default applied. */
export interface ResolvedCapacity {
  readonly min: number;
  readonly max: number;
  readonly desired?: number;
}

/** Default minimum size of each color's group: one instance per AZ in a two-AZ VPC. */
export const DEFAULT_MIN_CAPACITY = 2;

/** Largest group size accepted: a guard against typos, far above the fleets this library targets. */
export const MAX_FLEET_SIZE = 1000;

/** Applies the documented defaults of {@link Capacity}. */
export function resolveCapacity(capacity: Capacity | undefined): ResolvedCapacity {
  const min = capacity?.min ?? DEFAULT_MIN_CAPACITY;
  const desired = capacity?.desired;
  const max = capacity?.max ?? Math.max(2 * Math.max(min, desired ?? 0), 1);
  return { min, max, desired };
}

/** Health check with every default applied. */
export interface ResolvedHealthCheck {
  readonly path: string;
  readonly port?: number;
  readonly healthyHttpCodes: string;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  readonly interval: Duration;
  readonly timeout: Duration;
}

/** Applies the documented defaults of {@link FleetHealthCheck}. */
export function resolveHealthCheck(healthCheck: FleetHealthCheck | undefined): ResolvedHealthCheck {
  return {
    path: healthCheck?.path ?? '/',
    port: healthCheck?.port,
    healthyHttpCodes: healthCheck?.healthyHttpCodes ?? '200',
    healthyThresholdCount: healthCheck?.healthyThresholdCount ?? 2,
    unhealthyThresholdCount: healthCheck?.unhealthyThresholdCount ?? 2,
    interval: healthCheck?.interval ?? Duration.seconds(10),
    timeout: healthCheck?.timeout ?? Duration.seconds(5),
  };
}
