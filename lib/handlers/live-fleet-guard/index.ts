// onEvent handler of Custom::BlueGreenLiveFleetGuard (a cr.Provider). CloudFormation updates it
// before the launch templates and auto-scaling groups, so failing here stops a deploy that would
// change a fleet serving traffic before anything is touched (invariant 3). Decisions live in
// update-decision.ts and config-diff.ts; this file only reads ELBv2 and logs.
import type {
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import {
  type ColorWeights,
  FLEET_COLORS,
  toPercentages,
  weightsByColor,
} from '../shared/color-weights';
import { forwardTargetsOf } from '../shared/forward-action';
import type { OnEventResponse } from '../shared/custom-resource';
import { logEvent } from '../shared/structured-log';
import { loadBalancingClient, findRule } from '../shared/weighted-rule';
import { type LiveFleetGuardProperties, parseLiveFleetGuardProperties } from './properties';
import { acceptedConfigurationId, decideFleetChange, rollbackToAccepted } from './update-decision';

export async function handler(event: CloudFormationCustomResourceEvent): Promise<OnEventResponse> {
  logEvent('INFO', 'live-fleet-guard.event', { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId });
  switch (event.RequestType) {
    case 'Create': {
      // Nothing serves traffic through fleets that are being created; validate the properties so
      // a construct bug surfaces now rather than on the first update.
      const props = parseLiveFleetGuardProperties(event.ResourceProperties);
      return { PhysicalResourceId: acceptedConfigurationId(props), Data: {} };
    }
    case 'Delete':
      // The guard owns nothing. Deletes also come for every id an accepted update replaced (the
      // id records the accepted configuration), in any format this guard ever returned: never fail.
      return { PhysicalResourceId: event.PhysicalResourceId, Data: {} };
    case 'Update':
      return onUpdate(event);
  }
}

async function onUpdate(event: CloudFormationCustomResourceUpdateEvent): Promise<OnEventResponse> {
  const previous = parseLiveFleetGuardProperties(event.OldResourceProperties);
  const next = parseLiveFleetGuardProperties(event.ResourceProperties);
  const rollback = rollbackToAccepted(event.PhysicalResourceId, previous, next);
  if (rollback) {
    // No weights are read: failing closed here would fail the rollback, and the fleets are
    // already back to the configuration this guard accepted.
    logEvent('INFO', 'live-fleet-guard.rollback-to-accepted', {
      service: next.serviceName, physicalResourceId: event.PhysicalResourceId, declaredLive: next.declaredLive,
    });
    return { PhysicalResourceId: rollback.physicalResourceId, Data: {} };
  }
  const weights = await readServingWeights(previous, next);
  const decision = decideFleetChange(previous, next, weights);
  logEvent(decision.outcome === 'refused' ? 'ERROR' : 'INFO', 'live-fleet-guard.decision', {
    service: next.serviceName, ruleArn: next.ruleArn, weights, declaredLive: next.declaredLive,
    servingFleetChanges: decision.outcome === 'refused' ? decision.changes : [],
    refused: decision.outcome === 'refused',
  });
  if (decision.outcome === 'refused') {
    throw new Error(decision.reason);
  }
  return {
    PhysicalResourceId: decision.physicalResourceId,
    Data: { BlueWeight: String(weights.BLUE), GreenWeight: String(weights.GREEN) },
  };
}

/**
 * Percent of traffic per color, read from the load balancer. Fails closed: without the weights
 * there is no way to know which fleet is safe to change.
 */
async function readServingWeights(previous: LiveFleetGuardProperties, next: LiveFleetGuardProperties): Promise<ColorWeights> {
  const failClosed = (why: string, cause?: unknown) => new Error(
    `${next.serviceName}: the live-fleet guard cannot tell which color serves traffic: ${why}. ` +
    'It refuses the deploy rather than risk changing the fleet that serves users. Check that the rule ' +
    `exists (aws elbv2 describe-rules --rule-arns ${next.ruleArn}) and forwards to the BLUE and GREEN ` +
    'target groups, and that the guard function may call elasticloadbalancing:DescribeRules; then retry ' +
    'the deploy.',
    cause === undefined ? undefined : { cause },
  );
  let rule;
  try {
    rule = await findRule(loadBalancingClient(), next.ruleArn);
  } catch (error) {
    throw failClosed(`reading listener rule ${next.ruleArn} failed (${(error as Error).name}: ${(error as Error).message})`, error);
  }
  if (!rule) {
    throw failClosed(`listener rule ${next.ruleArn} does not exist`);
  }
  const targets = forwardTargetsOf(rule);
  if (!targets) {
    throw failClosed(`listener rule ${next.ruleArn} has no forward action`);
  }
  // The traffic resource is updated before this guard, so the rule normally carries the new ARNs.
  const raw = weightsByColor(targets, [next.targetGroups, previous.targetGroups], next.serviceName);
  if (FLEET_COLORS.every((c) => raw[c] === 0)) {
    // Nothing serves traffic through this rule, so no fleet change can affect users.
    return raw;
  }
  return toPercentages(raw, next.serviceName);
}
