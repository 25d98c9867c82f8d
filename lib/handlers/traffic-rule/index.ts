// onEvent handler of Custom::BlueGreenTraffic (a cr.Provider). It owns the weighted forward rule
// of one service and its test-listener rule, so no template resource carries weights that a
// stack update would reset (invariant 2, aws/aws-cdk#36649). Decisions live in update-plan.ts;
// this file only calls ELBv2 and logs.
import type { Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import {
  type ColorWeights,
  type FleetColor,
  liveColorOf,
  targetsForWeights,
} from '../shared/color-weights';
import { forwardTargetsOf, singleForwardAction, weightedForwardAction } from '../shared/forward-action';
import type { OnEventResponse } from '../shared/custom-resource';
import { logEvent } from '../shared/structured-log';
import {
  loadBalancingClient,
  findRule,
  verifyForwardWeights,
} from '../shared/weighted-rule';
import {
  createRule,
  deleteRuleIfExists,
  findPairedTestRule,
  isListenerRuleArn,
  modifyRule,
  pairTestRule,
  serviceTags,
  setRulePriority,
  testRuleTags,
} from './listener-rules';
import { type TrafficRuleProperties, parseTrafficRuleProperties } from './properties';
import { initialTestColor, initialWeights, planTrafficRuleUpdate } from './update-plan';

export async function handler(event: CloudFormationCustomResourceEvent): Promise<OnEventResponse> {
  logEvent('INFO', 'traffic-rule.event', {
    requestType: event.RequestType,
    logicalResourceId: event.LogicalResourceId,
    physicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined,
  });
  switch (event.RequestType) {
    case 'Create':
      return onCreate(event);
    case 'Update':
      return onUpdate(event);
    case 'Delete':
      return onDelete(event);
  }
}

/**
 * Data returned to CloudFormation (Fn::GetAtt). LiveColor is the color with the larger weight,
 * BLUE on a 50/50 tie.
 */
function responseData(mainRuleArn: string, testRuleArn: string, weights: ColorWeights): Record<string, string> {
  return {
    RuleArn: mainRuleArn,
    TestRuleArn: testRuleArn,
    BlueWeight: String(weights.BLUE),
    GreenWeight: String(weights.GREEN),
    LiveColor: liveColorOf(weights),
  };
}

async function onCreate(event: CloudFormationCustomResourceCreateEvent): Promise<OnEventResponse> {
  const props = parseTrafficRuleProperties(event.ResourceProperties);
  return createRules(props, initialWeights(props.liveColor), initialTestColor(props.liveColor));
}

/**
 * Creates the main rule with `weights` and the test rule forwarding to `testColor`. If the second
 * step fails the first rule is removed again, so a failed create leaves nothing behind.
 */
async function createRules(props: TrafficRuleProperties, weights: ColorWeights, testColor: FleetColor): Promise<OnEventResponse> {
  const elb = loadBalancingClient();
  const targets = targetsForWeights(weights, props.targetGroups);
  const mainRuleArn = await createRule(elb, {
    listenerArn: props.listenerArn,
    priority: props.priority,
    conditions: props.conditions,
    action: weightedForwardAction(targets),
    tags: serviceTags(props.serviceName),
  }, { serviceName: props.serviceName, priorityProperty: 'the listener rule priority' });
  try {
    await verifyForwardWeights(elb, mainRuleArn, targets, props.serviceName);
    const testRuleArn = await createTestRule(props, props.targetGroups[testColor], mainRuleArn);
    logEvent('INFO', 'traffic-rule.created', {
      service: props.serviceName, ruleArn: mainRuleArn, testRuleArn, weights, testColor,
    });
    return { PhysicalResourceId: mainRuleArn, Data: responseData(mainRuleArn, testRuleArn, weights) };
  } catch (error) {
    await deleteRuleIfExists(elb, mainRuleArn);
    throw error;
  }
}

async function createTestRule(props: TrafficRuleProperties, targetGroupArn: string, mainRuleArn: string): Promise<string> {
  const elb = loadBalancingClient();
  const testRuleArn = await createRule(elb, {
    listenerArn: props.testListenerArn,
    priority: props.testPriority,
    conditions: props.testConditions,
    action: singleForwardAction(targetGroupArn),
    tags: testRuleTags(props.serviceName, mainRuleArn),
  }, { serviceName: props.serviceName, priorityProperty: 'the test listener rule priority' });
  try {
    await verifyForwardWeights(elb, testRuleArn, [{ targetGroupArn, weight: 1 }], props.serviceName);
  } catch (error) {
    await deleteRuleIfExists(elb, testRuleArn);
    throw error;
  }
  return testRuleArn;
}

async function onUpdate(event: CloudFormationCustomResourceUpdateEvent): Promise<OnEventResponse> {
  const elb = loadBalancingClient();
  const previous = parseTrafficRuleProperties(event.OldResourceProperties);
  const next = parseTrafficRuleProperties(event.ResourceProperties);
  const mainRuleArn = event.PhysicalResourceId;

  const mainRule = isListenerRuleArn(mainRuleArn) ? await findRule(elb, mainRuleArn) : undefined;
  const testRule = isListenerRuleArn(mainRuleArn)
    ? await findPairedTestRule(elb, previous.testListenerArn, mainRuleArn)
    : undefined;

  if (!mainRule) {
    // Deleted outside CloudFormation: no weights are live to keep, and traffic already falls
    // through to the listener's default action. Recreate it as on create; CloudFormation then
    // deletes the old physical id, which is already gone.
    logEvent('WARN', 'traffic-rule.missing-recreated', { service: next.serviceName, ruleArn: mainRuleArn });
    if (testRule?.RuleArn) {
      await deleteRuleIfExists(elb, testRule.RuleArn);
    }
    return createRules(next, initialWeights(next.liveColor), initialTestColor(next.liveColor));
  }

  const observedMain = forwardTargetsOf(mainRule);
  if (!observedMain) {
    throw new Error(
      `${next.serviceName}: listener rule ${mainRuleArn} no longer forwards to the BLUE/GREEN target groups ` +
      '(its action was changed outside cdk-blue-green), so the live weights cannot be kept. Restore a forward ' +
      'action to the two target groups with the intended weights (aws elbv2 modify-rule) and retry the deploy.',
    );
  }
  const plan = planTrafficRuleUpdate(previous, next, {
    mainTargets: observedMain,
    testTargetGroupArn: testRule ? testRuleTargetGroup(testRule) : undefined,
  });
  logEvent('INFO', 'traffic-rule.update-plan', { service: next.serviceName, ruleArn: mainRuleArn, plan });

  // Main rule.
  let finalMainArn = mainRuleArn;
  const createdRules: string[] = [];
  try {
    if (plan.main.recreate) {
      finalMainArn = await createRule(elb, {
        listenerArn: next.listenerArn,
        priority: next.priority,
        conditions: next.conditions,
        action: weightedForwardAction(plan.mainTargets),
        tags: serviceTags(next.serviceName),
      }, { serviceName: next.serviceName, priorityProperty: 'the listener rule priority' });
      createdRules.push(finalMainArn);
    } else {
      if (plan.main.modify) {
        await modifyRule(elb, mainRuleArn, next.conditions, weightedForwardAction(plan.mainTargets));
      }
      if (plan.main.reprioritize) {
        await setRulePriority(elb, mainRuleArn, next.priority);
      }
    }
    await verifyForwardWeights(elb, finalMainArn, plan.mainTargets, next.serviceName);

    // Test rule.
    let testRuleArn: string;
    if (plan.test.recreate || !testRule?.RuleArn) {
      testRuleArn = await createTestRule(next, plan.testTargetGroupArn, finalMainArn);
      createdRules.push(testRuleArn);
      // In place, the old test rule is ours to remove; after a main-rule move it is still paired
      // with the old main rule, and CloudFormation's delete of that one removes it.
      if (testRule?.RuleArn && !plan.main.recreate) {
        await deleteRuleIfExists(elb, testRule.RuleArn);
      }
    } else {
      testRuleArn = testRule.RuleArn;
      if (plan.test.modify) {
        await modifyRule(elb, testRuleArn, next.testConditions, singleForwardAction(plan.testTargetGroupArn));
      }
      if (plan.test.reprioritize) {
        await setRulePriority(elb, testRuleArn, next.testPriority);
      }
      await verifyForwardWeights(elb, testRuleArn, [{ targetGroupArn: plan.testTargetGroupArn, weight: 1 }], next.serviceName);
      // Last, so a failure before it leaves the test rule paired with the rule CloudFormation keeps.
      if (finalMainArn !== mainRuleArn) {
        await pairTestRule(elb, testRuleArn, finalMainArn);
      }
    }
    logEvent('INFO', 'traffic-rule.updated', {
      service: next.serviceName, ruleArn: finalMainArn, testRuleArn, weights: plan.weights, testColor: plan.testColor,
    });
    return { PhysicalResourceId: finalMainArn, Data: responseData(finalMainArn, testRuleArn, plan.weights) };
  } catch (error) {
    // Rules created by this failed update would be orphaned: CloudFormation's rollback only knows
    // the old physical id.
    for (const arn of createdRules.reverse()) {
      await deleteRuleIfExists(elb, arn);
    }
    throw error;
  }
}

/** Where the test rule sends requests ('' if it no longer forwards anywhere, so it is rewritten). */
function testRuleTargetGroup(testRule: Rule): string {
  return forwardTargetsOf(testRule)?.find((t) => t.weight > 0)?.targetGroupArn ?? '';
}

async function onDelete(event: CloudFormationCustomResourceDeleteEvent): Promise<OnEventResponse> {
  const elb = loadBalancingClient();
  const mainRuleArn = event.PhysicalResourceId;
  const serviceName = typeof event.ResourceProperties?.ServiceName === 'string' ? event.ResourceProperties.ServiceName : '';
  const testListenerArn = event.ResourceProperties?.TestListenerArn;
  if (!isListenerRuleArn(mainRuleArn)) {
    // e.g. the marker of a create that failed before any rule existed.
    logEvent('INFO', 'traffic-rule.delete-nothing', { service: serviceName, physicalResourceId: mainRuleArn });
    return { PhysicalResourceId: mainRuleArn, Data: {} };
  }
  let testRuleDeleted = false;
  if (typeof testListenerArn === 'string' && testListenerArn.startsWith('arn:')) {
    const testRule = await findPairedTestRule(elb, testListenerArn, mainRuleArn);
    if (testRule?.RuleArn) {
      testRuleDeleted = await deleteRuleIfExists(elb, testRule.RuleArn);
    }
  }
  const mainRuleDeleted = await deleteRuleIfExists(elb, mainRuleArn);
  logEvent('INFO', 'traffic-rule.deleted', { service: serviceName, ruleArn: mainRuleArn, mainRuleDeleted, testRuleDeleted });
  return { PhysicalResourceId: mainRuleArn, Data: {} };
}
