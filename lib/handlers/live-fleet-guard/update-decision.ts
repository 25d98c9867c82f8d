// Pure decision of the guard's Update, including the state it keeps between deploys.
//
// The guard remembers the fleet configuration it last accepted in its PhysicalResourceId (the
// usual place a custom resource keeps state). Why: when the guard refuses a deploy, CloudFormation
// rolls the stack back and sends the SAME resource an Update back to the previous properties
// (aws/aws-cdk#17040). Seen alone, that Update "changes the live color" again; refusing it would
// leave the stack in UPDATE_ROLLBACK_FAILED, and protects nothing: the fleets depend on the guard,
// so a rollback reverts them before it reaches the guard.
import { createHash } from 'node:crypto';
import type { ColorWeights, FleetColor } from '../shared/color-weights';
import {
  FLEET_CONFIG_FIELDS,
  type FleetConfig,
  type ServingFleetChange,
  liveFleetChangeError,
  servingFleetChanges,
} from './config-diff';

const ID_PREFIX = 'live-fleet-guard';

/** What the guard needs from its properties to decide an update. */
export interface GuardedService {
  readonly serviceName: string;
  readonly configs: Record<FleetColor, FleetConfig>;
  /** The live color this deploy declares (used in messages). */
  readonly declaredLive: FleetColor;
}

/** The target is the configuration the guard last accepted: only a rollback sends that. */
export interface RollbackToAccepted {
  readonly outcome: 'rollback-to-accepted';
  readonly physicalResourceId: string;
}

/** No color that serves traffic changes; the new configuration becomes the accepted one. */
export interface AcceptedUpdate {
  readonly outcome: 'accepted';
  readonly physicalResourceId: string;
}

/** A color that serves traffic would change: the deploy fails with `reason`. */
export interface RefusedUpdate {
  readonly outcome: 'refused';
  readonly reason: string;
  readonly changes: readonly ServingFleetChange[];
}

export type GuardUpdateDecision = RollbackToAccepted | AcceptedUpdate | RefusedUpdate;

function canonicalFleetConfig(config: FleetConfig): Record<string, string> {
  // Only the fields the guard compares, in a fixed (sorted) order: the same configuration always
  // hashes the same, whatever key order or extra keys CloudFormation hands over.
  const sorted: Record<string, string> = {};
  for (const field of [...FLEET_CONFIG_FIELDS].sort()) {
    sorted[field] = config[field];
  }
  return sorted;
}

/** First 16 hex digits of the SHA-256 of the canonical JSON of BlueConfig and GreenConfig. */
export function configurationFingerprint(configs: Record<FleetColor, FleetConfig>): string {
  const canonical = JSON.stringify({ BlueConfig: canonicalFleetConfig(configs.BLUE), GreenConfig: canonicalFleetConfig(configs.GREEN) });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * The PhysicalResourceId that records `configs` as accepted. Changing it makes CloudFormation
 * delete the previous id in the clean-up phase; the guard's Delete does nothing, for any id.
 */
export function acceptedConfigurationId(service: Pick<GuardedService, 'serviceName' | 'configs'>): string {
  return `${ID_PREFIX}:${service.serviceName}:${configurationFingerprint(service.configs)}`;
}

/**
 * Stage 1, before reading anything from AWS: is this Update a return, from another configuration,
 * to the one the guard last accepted? Only a rollback sends that (the fleets depend on the guard,
 * so by then they are back in the accepted state): refusing it would fail the rollback. An Update
 * that changes no fleet configuration at all (only the declared live color, say) is not a return:
 * stage 2 decides it, as any other. An id in the older `live-fleet-guard:<ServiceName>` format
 * holds no fingerprint: never a match.
 */
export function rollbackToAccepted(
  physicalResourceId: string,
  previous: GuardedService,
  target: GuardedService,
): RollbackToAccepted | undefined {
  const returnsToAccepted = physicalResourceId === acceptedConfigurationId(target);
  const changesConfiguration = configurationFingerprint(previous.configs) !== configurationFingerprint(target.configs);
  return returnsToAccepted && changesConfiguration
    ? { outcome: 'rollback-to-accepted', physicalResourceId }
    : undefined;
}

/**
 * Stage 2, given the percent of traffic each color serves now: refuse if a color with weight > 0
 * would change, else accept and remember the new configuration.
 */
export function decideFleetChange(previous: GuardedService, next: GuardedService, weights: ColorWeights): AcceptedUpdate | RefusedUpdate {
  const changes = servingFleetChanges(weights, previous.configs, next.configs);
  const reason = liveFleetChangeError(next.serviceName, weights, changes, next.declaredLive);
  return reason === undefined
    ? { outcome: 'accepted', physicalResourceId: acceptedConfigurationId(next) }
    : { outcome: 'refused', reason, changes };
}
