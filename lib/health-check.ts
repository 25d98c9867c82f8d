import { Duration } from 'aws-cdk-lib';

/**
 * Target-group health check of one color.
 *
 * It decides which instances receive traffic and (through ELB health checks on the auto-scaling
 * group) which instances are replaced, so it belongs to the application version: it is part of the
 * color's configuration, and changing it on the live color is refused like any other change.
 *
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
 */
export interface FleetHealthCheck {
  /**
   * HTTP path the load balancer requests.
   *
   * @default '/'
   */
  readonly path?: string;

  /**
   * Port the load balancer checks.
   *
   * @default - the instance port (the port traffic goes to)
   */
  readonly port?: number;

  /**
   * HTTP codes that mean healthy: a code (`200`), a range (`200-299`) or a comma-separated list.
   *
   * @default '200'
   */
  readonly healthyHttpCodes?: string;

  /**
   * Consecutive successes before an instance is healthy (2 to 10).
   *
   * @default 2 - a new version becomes eligible for traffic after two intervals
   */
  readonly healthyThresholdCount?: number;

  /**
   * Consecutive failures before an instance is unhealthy (2 to 10).
   *
   * @default 2
   */
  readonly unhealthyThresholdCount?: number;

  /**
   * Time between checks (5 to 300 seconds).
   *
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;

  /**
   * Time without a response that counts as a failure (2 to 120 seconds, less than `interval`).
   *
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
}
