import { Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { BlueGreenServiceProps } from '../blue-green-service';
import { Color } from '../color';
import { InsufficientDataPolicy, RolloutTrigger } from '../rollout/alarm-options';
import { Rollout } from '../rollout/rollout';
import { SmokeTest } from '../rollout/smoke-test';
import { validateFleetProps } from './fleet-validation';
import { PropErrors } from './prop-validation';
import { validateRuleConditions } from '../traffic/rule-conditions';

/** Port of the test listener when `testListenerPort` is not given. */
export const DEFAULT_TEST_LISTENER_PORT = 9000;

/** Validates every prop, reporting all problems at once. */
export function validateServiceProps(path: string, props: BlueGreenServiceProps): void {
  const errors = new PropErrors(path);
  if (!props || typeof props !== 'object') {
    errors.add('props', 'are required: { vpc, blue, green, live }.');
    errors.throwIfAny();
  }
  errors.required('vpc', props.vpc, 'the VPC the fleets run in, for example new ec2.Vpc(this, \'Vpc\')');
  validateFleetProps(errors, 'blue.', props.blue);
  validateFleetProps(errors, 'green.', props.green);
  if (props.live !== Color.BLUE && props.live !== Color.GREEN) {
    errors.add('live', `(${String(props.live)}) must be Color.BLUE or Color.GREEN: the color that serves traffic after this deploy.`);
  }
  errors.integerInRange('instancePort', props.instancePort, 1, 65535);
  errors.secondsInRange('deregistrationDelay', props.deregistrationDelay, 0, 3600);
  errors.integerInRange('testListenerPort', props.testListenerPort, 1, 65535);
  validatePeers(errors, 'testListenerPeers', props.testListenerPeers);
  validateRolloutProps(errors, props);

  if (props.listener) {
    validateExistingListenerProps(errors, props);
  } else {
    validateCreatedLoadBalancerProps(errors, props);
  }
  errors.throwIfAny();
}

function validateExistingListenerProps(errors: PropErrors, props: BlueGreenServiceProps): void {
  if (typeof (props.listener as elbv2.IApplicationListener).listenerArn !== 'string') {
    errors.add('listener', 'must be an elbv2.IApplicationListener (for example ApplicationListener.fromLookup(...)).');
  }
  for (const prop of ['internetFacing', 'loadBalancerSubnets', 'certificates', 'sslPolicy', 'listenerPort', 'redirectHttp',
    'listenerPeers', 'deletionProtection', 'accessLogBucket', 'accessLogPrefix'] as const) {
    if (props[prop] !== undefined) {
      errors.add(prop, 'only applies when the service creates its load balancer; with listener, configure it on your own load balancer and listener.');
    }
  }
  if (props.listenerRulePriority === undefined) {
    errors.add('listenerRulePriority', 'is required with listener: a priority from 1 to 50000 not used by another rule on that listener.');
  } else {
    errors.integerInRange('listenerRulePriority', props.listenerRulePriority, 1, 50000, 'it must be unique on the listener');
  }
  validateRuleConditions(errors, 'listenerConditions', props.listenerConditions);
  errors.integerInRange('testListenerRulePriority', props.testListenerRulePriority, 1, 50000, 'it must be unique on the test listener');
  if (props.testListener) {
    if (typeof props.testListener.listenerArn !== 'string') {
      errors.add('testListener', 'must be an elbv2.IApplicationListener.');
    }
    if (props.testListenerPort !== undefined) {
      errors.add('testListenerPort', 'does not apply with testListener: the service uses your listener on its own port.');
    }
    if (props.testListenerPeers !== undefined) {
      errors.add('testListenerPeers', 'does not apply with testListener: allow peers on that listener\'s security group.');
    }
    if (props.testListener === props.listener) {
      errors.add('testListener', 'must not be the user-facing listener: the test rule would send users to the idle color.');
    }
  } else {
    if (props.testListenerRulePriority !== undefined) {
      errors.add('testListenerRulePriority', 'only applies with testListener.');
    }
    const hasLoadBalancer = props.loadBalancer !== undefined || props.listener instanceof elbv2.ApplicationListener;
    if (!hasLoadBalancer) {
      errors.add('loadBalancer', 'is required with an imported listener (or pass testListener): the service creates its test listener on that load balancer, and an imported listener does not say which one it belongs to.');
    }
  }
}

function validateCreatedLoadBalancerProps(errors: PropErrors, props: BlueGreenServiceProps): void {
  for (const prop of ['listenerRulePriority', 'listenerConditions', 'loadBalancer', 'testListener', 'testListenerRulePriority'] as const) {
    if (props[prop] !== undefined) {
      errors.add(prop, 'only applies with listener (an existing listener to add the service to); without it the service creates its own load balancer.');
    }
  }
  if (props.certificates !== undefined && !Array.isArray(props.certificates)) {
    errors.add('certificates', 'must be an array of acm.ICertificate.');
  }
  const https = Array.isArray(props.certificates) && props.certificates.length > 0;
  if (!https && props.sslPolicy !== undefined) {
    errors.add('sslPolicy', 'only applies with certificates (an HTTPS listener).');
  }
  if (!https && props.redirectHttp !== undefined) {
    errors.add('redirectHttp', 'only applies with certificates (an HTTPS listener).');
  }
  errors.integerInRange('listenerPort', props.listenerPort, 1, 65535);
  validatePeers(errors, 'listenerPeers', props.listenerPeers);
  if (props.accessLogPrefix !== undefined && props.accessLogBucket === undefined) {
    errors.add('accessLogPrefix', 'only applies with accessLogBucket.');
  }
  if (props.accessLogPrefix !== undefined && !Token.isUnresolved(props.accessLogPrefix)
    && (typeof props.accessLogPrefix !== 'string' || /(^\/|\/$|AWSLogs)/.test(props.accessLogPrefix))) {
    errors.add('accessLogPrefix', `(${JSON.stringify(props.accessLogPrefix)}) must not start or end with "/" or contain "AWSLogs" (ELB adds that part).`);
  }

  const listenerPort = props.listenerPort ?? (https ? 443 : 80);
  const usedPorts = new Map<number, string>([[listenerPort, props.listenerPort === undefined ? `listenerPort (default ${listenerPort})` : `listenerPort (${listenerPort})`]]);
  if (https && (props.redirectHttp ?? true)) {
    if (listenerPort === 80) {
      errors.add('listenerPort (80)', 'clashes with the HTTP redirect listener on port 80: use another port or set redirectHttp to false.');
    }
    usedPorts.set(80, 'the HTTP redirect listener (port 80)');
  }
  const testPort = props.testListenerPort ?? DEFAULT_TEST_LISTENER_PORT;
  const clash = usedPorts.get(testPort);
  if (clash !== undefined && !Token.isUnresolved(testPort)) {
    errors.add(`testListenerPort (${testPort}${props.testListenerPort === undefined ? ', default' : ''})`, `must differ from ${clash}.`);
  }
}

function validatePeers(errors: PropErrors, prop: string, peers: ec2.IPeer[] | undefined): void {
  if (peers === undefined) return;
  if (!Array.isArray(peers)) {
    errors.add(prop, 'must be an array of ec2.IPeer, for example [Peer.ipv4(\'203.0.113.0/24\')].');
    return;
  }
  peers.forEach((peer, i) => {
    if (!peer || typeof peer.toIngressRuleConfig !== 'function') {
      errors.add(`${prop}[${i}]`, 'must be an ec2.IPeer, for example Peer.ipv4(\'203.0.113.0/24\') or a security group.');
    }
  });
}

/** The rollout props; the rollout construct checks the combinations (poll budget, one-hour limit). */
function validateRolloutProps(errors: PropErrors, props: BlueGreenServiceProps): void {
  if (props.rollout !== undefined && !(props.rollout instanceof Rollout)) {
    errors.add('rollout', 'must be a Rollout, for example Rollout.steps([10, 50, 100]) or Rollout.canary(10).');
  }
  if (props.smokeTest !== undefined && !(props.smokeTest instanceof SmokeTest)) {
    errors.add('smokeTest', "must be a SmokeTest: SmokeTest.http({ path: '/health' }) or SmokeTest.lambda(fn).");
  }
  if (props.alarms !== undefined) {
    if (!Array.isArray(props.alarms)) {
      errors.add('alarms', 'must be an array of cloudwatch.IAlarm.');
    } else {
      props.alarms.forEach((alarm, i) => {
        if (!alarm || typeof (alarm as cloudwatch.IAlarm).alarmArn !== 'string') {
          errors.add(`alarms[${i}]`, 'must be a cloudwatch.IAlarm (an Alarm, CompositeAlarm or Alarm.fromAlarmArn(...)).');
        }
      });
    }
  }
  errors.secondsInRange('pollInterval', props.pollInterval, 1, 60);
  errors.secondsInRange('healthGateTimeout', props.healthGateTimeout, 0, 3600);
  if (props.startRollout !== undefined && !Object.values(RolloutTrigger).includes(props.startRollout)) {
    errors.add('startRollout', `(${String(props.startRollout)}) must be RolloutTrigger.ON_DEPLOY or RolloutTrigger.MANUAL.`);
  }
  if (props.insufficientData !== undefined && !Object.values(InsufficientDataPolicy).includes(props.insufficientData)) {
    errors.add('insufficientData', `(${String(props.insufficientData)}) must be one of ${Object.keys(InsufficientDataPolicy).map((k) => `InsufficientDataPolicy.${k}`).join(', ')}.`);
  }
}
