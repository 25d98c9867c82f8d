import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeHandlerRole } from './nag-acknowledgements';

/** The Node.js runtime every library Lambda uses: the newest one aws-cdk-lib offers. */
export const HANDLER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * Directory of a pre-bundled handler (`assets/handlers/<name>`), built by `npm run bundle` from
 * `lib/handlers/<name>/index.ts` and shipped in the npm package.
 */
export function handlerAssetPath(name: string): string {
  const dir = path.join(__dirname, '..', '..', 'assets', 'handlers', name);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(
      `cdk-blue-green: the bundled handler '${name}' is missing at ${dir}. ` +
      'In a checkout of this repository run `npm run bundle` (npm ci does it for you); ' +
      'an installed package always ships it, so reinstall cdk-blue-green if you see this there.',
    );
  }
  return dir;
}

/** Options for {@link sharedHandler}. */
export interface SharedHandlerOptions {
  /** Bundled handler name: the folder under lib/handlers. */
  readonly name: string;
  /** One-line description shown in the Lambda console. */
  readonly description: string;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
}

/**
 * One Lambda function per handler per stack, however many services the stack has. Each service
 * grants the returned function only what it needs on its own resources.
 */
export function sharedHandler(scope: Construct, options: SharedHandlerOptions): lambda.Function {
  const stack = Stack.of(scope);
  const id = `CdkBlueGreen${pascal(options.name)}Handler`;
  const existing = stack.node.tryFindChild(id);
  if (existing) {
    return existing as lambda.Function;
  }
  const logGroup = new logs.LogGroup(stack, `${id}Logs`, {
    retention: logs.RetentionDays.THREE_MONTHS,
  });
  // An explicit role: the default one carries the AWS-managed AWSLambdaBasicExecutionRole, which
  // may write to any log group; this one writes only to the handler's own.
  const role = new iam.Role(stack, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `cdk-blue-green ${options.name} handler`,
  });
  role.addToPolicy(allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroup.logGroupArn]));
  acknowledgeHandlerRole(role);
  const fn = new lambda.Function(stack, id, {
    role,
    description: `cdk-blue-green: ${options.description}`,
    runtime: HANDLER_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(handlerAssetPath(options.name)),
    timeout: options.timeout ?? Duration.minutes(1),
    memorySize: options.memorySize ?? 256,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    tracing: lambda.Tracing.ACTIVE,
  });
  return fn;
}

/** A least-privilege statement helper: `actions` on `resources`, nothing else. */
export function allow(actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions, resources });
}

function pascal(name: string): string {
  return name.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}
