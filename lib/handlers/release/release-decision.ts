// What a `cdk deploy` does about traffic, decided on plain data: nothing, start a rollout, wait
// for (and abort) the rollout a failed deploy left running, or refuse with a message that says
// what to do. During a CloudFormation rollback the choices differ (see decideRollback).
import { createHash } from 'node:crypto';
import type { ColorWeights, FleetColor } from '../shared/color-weights';

export interface LastMove {
  readonly color: FleetColor;
  readonly kind: 'ROLLOUT' | 'ROLLBACK';
  readonly executionName: string;
  readonly at: string;
  readonly reason: string;
  readonly requestedBy: string;
}

export interface ReleaseSituation {
  readonly service: string;
  /** `live` in the template being deployed. */
  readonly declared: FleetColor;
  /** `live` in the previous template; undefined on Create. */
  readonly previousDeclared?: FleetColor;
  /** Weights on the rule now; undefined when the rule has no BLUE/GREEN forward action. */
  readonly weights?: ColorWeights;
  /** The running rollout, if any (from the lock). */
  readonly runningExecution?: { readonly id: string; readonly name: string };
  readonly lastMove?: LastMove;
  /** `acknowledgeTrafficOverride` in the template ('' when unset). */
  readonly acknowledged: string;
  /** The update is CloudFormation rolling the stack back (see isCloudFormationRollback). @default false */
  readonly cloudFormationRollback?: boolean;
}

export type ReleaseDecision =
  | { readonly kind: 'NONE'; readonly message: string }
  | { readonly kind: 'START'; readonly from: FleetColor; readonly to: FleetColor; readonly purpose: 'DEPLOY' | 'CLOUDFORMATION_ROLLBACK' }
  /** A rollout this custom resource started is still running (its deploy failed): abort and wait. */
  | { readonly kind: 'ABORT_AND_WAIT'; readonly executionId: string }
  | { readonly kind: 'REFUSE'; readonly message: string };

/** Executions started by the release custom resource are named `cfn-<request id>`. */
export const CLOUDFORMATION_EXECUTION_PREFIX = 'cfn-';

/** The token that acknowledges the last traffic move outside CloudFormation. */
export function overrideToken(situation: ReleaseSituation, liveNow: FleetColor): string {
  return situation.lastMove && situation.lastMove.color === liveNow ? situation.lastMove.executionName : `manual-${liveNow}`;
}

/**
 * The physical id of a release resource: stable for the life of the resource. CloudFormation treats
 * an Update that returns a new id as a replacement: its rollback would then never send the Update
 * back to the old id (it only deletes the new one after the fleets were reverted), so the traffic
 * could not be moved back first. Existing resources keep whatever id they have (older versions
 * used `release:<service>:<digest>` and other forms): an Update always returns the id it got.
 */
export function releasePhysicalId(service: string): string {
  return `release:${service}`;
}

/** A digest of all the properties of the resource (16 hex of the sha256 of their canonical JSON). */
export function propertiesHash(properties: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(properties)).digest('hex').slice(0, 16);
}

/**
 * What the release resource last accepted, kept in the service's state item: the hash of the
 * properties of its last completed Create/Update, and the hash of the properties that update
 * replaced (so its undo can be recognised). A rollback's completion has nothing to undo.
 */
export interface AcceptedProperties {
  readonly hash: string;
  readonly previousHash?: string;
}

/** The hashes of an Update's (or a Create's) target and previous properties. */
export interface PropertiesChange {
  readonly target: string;
  /** undefined on Create. */
  readonly old?: string;
}

/**
 * Whether an Update is CloudFormation rolling the stack back. CloudFormation never updates a
 * resource whose properties did not change, and a deploy starts from the properties the last
 * completed update accepted, so only a rollback produces either of these:
 * - back to the accepted properties from others: this resource's own update failed (refused, or
 *   the rollout rolled back), so nothing was recorded for it;
 * - from the accepted properties back to the ones they replaced: this resource's update completed
 *   and a later resource failed.
 * The second shape is also what a deploy of exactly the previous template looks like right after
 * the completed one; it is then handled as a rollback too (see decideRollback; a rollout moved by
 * CloudFormation is moved back either way).
 */
export function isCloudFormationRollback(change: PropertiesChange, accepted: AcceptedProperties | undefined): boolean {
  if (!accepted || change.old === undefined || change.old === change.target) {
    return false;
  }
  const undoesFailedUpdate = change.target === accepted.hash;
  const undoesCompletedUpdate = accepted.previousHash !== undefined
    && change.target === accepted.previousHash && change.old === accepted.hash;
  return undoesFailedUpdate || undoesCompletedUpdate;
}

/**
 * Stacks deployed by the version that kept the accepted properties in the physical id
 * (`release:<service>:<digest>`, the same digest) and have not completed an update since: the id
 * still says what they accepted.
 */
export function acceptedFromLegacyId(physicalId: string, service: string): AcceptedProperties | undefined {
  const prefix = `release:${service}:`;
  const digest = physicalId.startsWith(prefix) ? physicalId.slice(prefix.length) : '';
  return /^[0-9a-f]{16}$/.test(digest) ? { hash: digest } : undefined;
}

/** What to record when a Create/Update completes. */
export function acceptedAfter(change: PropertiesChange, rollback: boolean): AcceptedProperties {
  // A completed rollback is not undone by a later deploy of the same properties: recording what it
  // replaced would take that deploy for a rollback.
  return rollback || change.old === undefined || change.old === change.target
    ? { hash: change.target }
    : { hash: change.target, previousHash: change.old };
}

/** JSON with object keys sorted at every level, so equal properties always give the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function decideRelease(s: ReleaseSituation): ReleaseDecision {
  if (s.cloudFormationRollback) {
    return decideRollback(s);
  }
  if (s.runningExecution) {
    if (s.runningExecution.name.startsWith(CLOUDFORMATION_EXECUTION_PREFIX)) {
      return { kind: 'ABORT_AND_WAIT', executionId: s.runningExecution.id };
    }
    return {
      kind: 'REFUSE',
      message: `A rollout of ${s.service} started outside CloudFormation is running (execution ${s.runningExecution.name}). ` +
        'A deploy cannot move traffic at the same time. Wait for it to finish (or stop it with the cdk-blue-green CLI), then deploy again.',
    };
  }
  if (!s.weights) {
    return {
      kind: 'REFUSE',
      message: `The listener rule of ${s.service} has no forward action to its BLUE/GREEN target groups, so the live color ` +
        'cannot be read. Something changed the rule outside cdk-blue-green; restore it (or redeploy the previous version), then deploy again.',
    };
  }
  const liveNow = fullColor(s.weights);
  if (!liveNow) {
    return {
      kind: 'REFUSE',
      message: `The traffic of ${s.service} is split (BLUE ${s.weights.BLUE}% / GREEN ${s.weights.GREEN}%) and no rollout is running: ` +
        'an earlier rollout was interrupted. Move all traffic to one color with the cdk-blue-green CLI (rollout or rollback), then deploy again.',
    };
  }
  if (liveNow === s.declared) {
    return { kind: 'NONE', message: `${s.declared} already serves all traffic of ${s.service}.` };
  }
  const movedOutsideCloudFormation = s.previousDeclared !== undefined && s.previousDeclared === s.declared;
  if (movedOutsideCloudFormation) {
    const token = overrideToken(s, liveNow);
    if (s.acknowledged !== token) {
      const how = s.lastMove && s.lastMove.color === liveNow
        ? `by execution ${s.lastMove.executionName} (${s.lastMove.kind.toLowerCase()}, ${s.lastMove.at}, requested by ` +
          `${s.lastMove.requestedBy}, reason: ${s.lastMove.reason})`
        : 'by hand (no rollout recorded it)';
      return {
        kind: 'REFUSE',
        message: `The template declares live = ${s.declared} for ${s.service}, but all traffic is on ${liveNow}: it was moved there ` +
          `outside CloudFormation ${how}, probably an emergency rollback. This deploy would move it back to ${s.declared}, so it ` +
          `stops instead. If the problem is fixed and ${s.declared} should serve again, set acknowledgeTrafficOverride: '${token}' ` +
          `and deploy again. To keep ${liveNow}, set live: Color.${liveNow}.`,
      };
    }
  }
  return { kind: 'START', from: liveNow, to: s.declared, purpose: 'DEPLOY' };
}

/**
 * CloudFormation rolls the stack back: the release returns to the live color it last accepted
 * BEFORE the fleets are reverted (the release depends on them). Failing here would leave the stack
 * in UPDATE_ROLLBACK_FAILED, so every case that is safe to leave alone succeeds:
 * - traffic already on the accepted color (a refused deploy moved nothing; a failed rollout put it back);
 * - traffic placed outside CloudFormation (an emergency move): never undone silently, it stays;
 * - a rollout started outside CloudFormation still running: it owns the traffic.
 * Traffic that a deploy's rollout moved is moved back, so no fleet serving traffic is reverted.
 */
export function decideRollback(s: ReleaseSituation): ReleaseDecision {
  if (s.runningExecution) {
    if (s.runningExecution.name.startsWith(CLOUDFORMATION_EXECUTION_PREFIX)) {
      return { kind: 'ABORT_AND_WAIT', executionId: s.runningExecution.id };
    }
    return {
      kind: 'NONE',
      message: `CloudFormation rollback of ${s.service}: a rollout started outside CloudFormation is running ` +
        `(execution ${s.runningExecution.name}); it owns the traffic, so the rollback leaves it.`,
    };
  }
  const liveNow = s.weights ? fullColor(s.weights) : undefined;
  if (!s.weights || !liveNow) {
    // Failing the rollback here keeps the fleets as they are (CloudFormation reverts them after this
    // resource), which is safer than reverting a fleet that may have traffic.
    const seen = s.weights ? `split (BLUE ${s.weights.BLUE}% / GREEN ${s.weights.GREEN}%)` : 'unreadable (the rule has no BLUE/GREEN forward action)';
    return {
      kind: 'REFUSE',
      message: `CloudFormation is rolling back ${s.service}, but its traffic is ${seen} and no rollout is running, so the rollback ` +
        'cannot tell which fleet is safe to revert and stops here, before any fleet is reverted. Move all traffic to one color ' +
        'with the cdk-blue-green CLI, then continue the rollback (aws cloudformation continue-update-rollback).',
    };
  }
  if (liveNow === s.declared) {
    return { kind: 'NONE', message: `CloudFormation rollback of ${s.service}: ${s.declared} already serves all traffic.` };
  }
  const movedByCloudFormation = s.lastMove !== undefined && s.lastMove.color === liveNow
    && s.lastMove.executionName.startsWith(CLOUDFORMATION_EXECUTION_PREFIX);
  if (!movedByCloudFormation) {
    const how = s.lastMove && s.lastMove.color === liveNow ? `by execution ${s.lastMove.executionName}` : 'by hand';
    return {
      kind: 'NONE',
      message: `CloudFormation rollback of ${s.service}: all traffic is on ${liveNow}, moved there outside CloudFormation ${how}; ` +
        `the rollback leaves it there instead of moving it back to ${s.declared}.`,
    };
  }
  return { kind: 'START', from: liveNow, to: s.declared, purpose: 'CLOUDFORMATION_ROLLBACK' };
}

function fullColor(weights: ColorWeights): FleetColor | undefined {
  if (weights.BLUE === 100 && weights.GREEN === 0) {
    return 'BLUE';
  }
  if (weights.GREEN === 100 && weights.BLUE === 0) {
    return 'GREEN';
  }
  return undefined;
}
