// What a `cdk deploy` does about traffic, decided on plain data: nothing, start a rollout, wait
// for (and abort) the rollout a failed deploy left running, or refuse with a message that says
// what to do.
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
}

export type ReleaseDecision =
  | { readonly kind: 'NONE'; readonly message: string }
  | { readonly kind: 'START'; readonly from: FleetColor; readonly to: FleetColor }
  /** A rollout this custom resource started is still running (its deploy failed): abort and wait. */
  | { readonly kind: 'ABORT_AND_WAIT'; readonly executionId: string }
  | { readonly kind: 'REFUSE'; readonly message: string };

/** Executions started by the release custom resource are named `cfn-<request id>`. */
export const CLOUDFORMATION_EXECUTION_PREFIX = 'cfn-';

/** The token that acknowledges the last traffic move outside CloudFormation. */
export function overrideToken(situation: ReleaseSituation, liveNow: FleetColor): string {
  return situation.lastMove && situation.lastMove.color === liveNow ? situation.lastMove.executionName : `manual-${liveNow}`;
}

export function decideRelease(s: ReleaseSituation): ReleaseDecision {
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
  return { kind: 'START', from: liveNow, to: s.declared };
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
