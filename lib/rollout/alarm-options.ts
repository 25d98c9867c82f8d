import { Duration } from 'aws-cdk-lib';

/** What a rollout does when an alarm it watches is in the INSUFFICIENT_DATA state. */
export enum InsufficientDataPolicy {
  /**
   * Treat it as OK. A color that has just received its first requests often has no data yet, and
   * CodeDeploy behaves the same way.
   */
  TREAT_AS_OK = 'OK',
  /** Treat it as a breach and roll back: no data is not proof of health. */
  TREAT_AS_BREACH = 'BREACH',
}

/** The built-in condition on the new color's 5XX rate (target responses, not the load balancer's). */
export interface ErrorRateAlarmOptions {
  /**
   * Whether this condition is part of the color's built-in alarm.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Percent of requests answered with a 5XX by the targets above which the alarm fires (0-100,
   * exclusive of 0).
   *
   * @default 5
   */
  readonly thresholdPercent?: number;
  /**
   * Requests per minute below which the rate is not judged (a 1-in-3 error rate on 3 requests is
   * noise). A whole number, at least 1.
   *
   * @default 20
   */
  readonly minimumRequests?: number;
}

/** The built-in condition on the new color's p99 target response time. */
export interface ResponseTimeAlarmOptions {
  /**
   * Whether this condition is part of the color's built-in alarm.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * p99 target response time above which the alarm fires (10 ms to 10 minutes).
   *
   * @default Duration.seconds(2)
   */
  readonly p99Threshold?: Duration;
}

/** The built-in condition on the new color's unhealthy targets. */
export interface UnhealthyHostsAlarmOptions {
  /**
   * Whether this condition is part of the color's built-in alarm.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Number of unhealthy targets at or above which the alarm fires (a whole number, at least 1).
   *
   * @default 1
   */
  readonly threshold?: number;
}

/**
 * The conditions of the built-in alarm the library creates for each color and watches, for the new
 * color, during every bake.
 *
 * Each color has ONE alarm, a metric-math expression over its target group's metrics that is 1 in
 * any minute where an enabled condition breaches and 0 otherwise; its description lists the
 * enabled conditions with their thresholds, so a rollback that names the alarm says what to look
 * at. It fires on one breaching minute and treats missing data as not breaching (no requests means
 * no errors). With all three conditions disabled, no built-in alarm is created.
 */
export interface BuiltInAlarmOptions {
  /**
   * Target 5XX rate, by metric math, judged only above a minimum request count.
   *
   * @default - enabled: more than 5% 5XX with at least 20 requests per minute
   */
  readonly errorRate?: ErrorRateAlarmOptions;
  /**
   * p99 target response time.
   *
   * @default - enabled: p99 above 2 seconds
   */
  readonly responseTime?: ResponseTimeAlarmOptions;
  /**
   * Unhealthy targets in the new color's target group.
   *
   * @default - enabled: 1 or more unhealthy targets
   */
  readonly unhealthyHosts?: UnhealthyHostsAlarmOptions;
}

/** When the rollout to the declared `live` color runs. */
export enum RolloutTrigger {
  /**
   * `cdk deploy` starts the rollout and waits for it; a failed rollout fails the deploy and
   * CloudFormation rolls the stack back. The plan must finish within CloudFormation's one-hour
   * limit for custom resources.
   */
  ON_DEPLOY = 'ON_DEPLOY',
  /**
   * `cdk deploy` only prepares the idle fleet; you start the rollout yourself (console, SDK or the
   * cdk-blue-green command-line tool). Use it for plans longer than about 50 minutes.
   */
  MANUAL = 'MANUAL',
}
