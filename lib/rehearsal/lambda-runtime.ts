// Runs the real bundled Lambda handlers in-process, one module instance per function (as Lambda
// gives each function its own runtime). The bundle is evaluated with its own `process` (whose env
// is exactly the function's resolved environment), the virtual clock's setTimeout, a fetch and a
// `node:http` that reach the in-memory load balancer, and a console whose lines the rehearsal keeps.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MOCKED_SDK_MODULES } from './aws/sdk-mocks';
import { REHEARSAL_REGION, stableHex } from './fake-identifiers';
import type { VirtualClock } from './virtual-clock';

export interface FunctionDefinition {
  readonly logicalId: string;
  readonly functionName: string;
  readonly functionArn: string;
  /** Directory holding the bundle, or undefined for inline code. */
  readonly codeDirectory?: string;
  readonly inlineCode?: string;
  readonly handler: string;
  readonly runtime: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Resolved lazily: environment values may reference custom resources that run first. */
  readonly environment: () => Record<string, string>;
}

export interface LogLine {
  readonly t: number;
  readonly functionName: string;
  readonly level: string;
  readonly message: string;
}

/** What a Lambda function error looks like to Step Functions and to Lambda's Invoke API. */
export class LambdaFunctionError extends Error {
  constructor(public readonly errorType: string, public readonly errorMessage: string, public readonly trace: string[]) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
  }
}

export interface RuntimeServices {
  readonly clock: VirtualClock;
  readonly fetch: (input: any, init?: any) => Promise<Response>;
  /** Replaces `node:http` (and `node:https`) for handler code. */
  readonly http: () => unknown;
  readonly log: (line: LogLine) => void;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export class LambdaRuntime {
  private readonly instances = new Map<string, Handler>();
  private requestCounter = 0;

  constructor(private readonly services: RuntimeServices) {}

  /** Drops every loaded module: the next invocation starts a new runtime (after a deploy). */
  public reset(): void {
    this.instances.clear();
  }

  /** Invokes a function with a JSON payload and returns its JSON result (or throws LambdaFunctionError). */
  public async invoke(fn: FunctionDefinition, payload: unknown): Promise<unknown> {
    const handler = this.instance(fn);
    const event = JSON.parse(JSON.stringify(payload ?? null));
    const deadline = this.services.clock.now() + fn.timeoutSeconds * 1000;
    const requestId = `${stableHex(`${fn.logicalId}:${++this.requestCounter}`, 8)}-rehearsal`;
    const context = {
      functionName: fn.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.functionArn,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.functionName}`,
      logStreamName: `rehearsal/${requestId}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - this.services.clock.now()),
    };
    let result: unknown;
    try {
      result = await handler(event, context);
    } catch (error) {
      const e = error as Error;
      throw new LambdaFunctionError(
        e?.name ?? 'Error',
        e?.message ?? String(error),
        (e?.stack ?? '').split('\n').slice(0, 10),
      );
    }
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  }

  private instance(fn: FunctionDefinition): Handler {
    const existing = this.instances.get(fn.logicalId);
    if (existing) {
      return existing;
    }
    if (!fn.runtime.startsWith('nodejs')) {
      throw new Error(
        `rehearsal: ${fn.logicalId} uses the ${fn.runtime} runtime; only Node.js handlers run in a rehearsal. ` +
        'Script its answers with lambdaResult() in the scenario.',
      );
    }
    const [fileStem, exportName] = splitHandler(fn.handler, fn.logicalId);
    let source: string;
    let filename: string;
    if (fn.inlineCode !== undefined) {
      source = fn.inlineCode;
      filename = `/inline/${fn.logicalId}/${fileStem}.js`;
    } else {
      filename = ['.js', '.cjs'].map((ext) => path.join(fn.codeDirectory as string, fileStem + ext)).find((f) => fs.existsSync(f)) ?? '';
      if (!filename) {
        const esm = path.join(fn.codeDirectory as string, `${fileStem}.mjs`);
        throw new Error(
          `rehearsal: no CommonJS handler file for ${fn.logicalId} (${fn.handler}) in ${fn.codeDirectory}` +
          (fs.existsSync(esm) ? '; ES module handlers (.mjs) are not supported, bundle it as CommonJS.' : '.'),
        );
      }
      source = fs.readFileSync(filename, 'utf8');
    }
    const moduleExports = this.evaluate(fn, source, filename);
    const handler = exportName.split('.').reduce<any>((obj, key) => obj?.[key], moduleExports);
    if (typeof handler !== 'function') {
      throw new Error(`rehearsal: ${fn.logicalId}'s handler '${fn.handler}' is not an exported function of ${filename}.`);
    }
    const wrapped: Handler = handler.length >= 3
      ? (event, context) => new Promise((resolve, reject) => {
        const maybe = handler(event, context, (err: unknown, value: unknown) => (err ? reject(err) : resolve(value)));
        if (maybe && typeof maybe.then === 'function') maybe.then(resolve, reject);
      })
      : async (event, context) => handler(event, context);
    this.instances.set(fn.logicalId, wrapped);
    return wrapped;
  }

  private evaluate(fn: FunctionDefinition, source: string, filename: string): any {
    const env: Record<string, string> = {
      AWS_REGION: REHEARSAL_REGION,
      AWS_DEFAULT_REGION: REHEARSAL_REGION,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
      LAMBDA_TASK_ROOT: '/var/task',
      _HANDLER: fn.handler,
      TZ: ':UTC',
      ...fn.environment(),
    };
    const realProcess = process;
    const functionProcess = new Proxy(realProcess, {
      get: (target, key) => (key === 'env' ? env : Reflect.get(target, key)),
    });
    const dir = path.dirname(filename);
    const functionRequire = (id: string) => {
      if (['http', 'node:http', 'https', 'node:https'].includes(id)) {
        return this.services.http();
      }
      if (id in MOCKED_SDK_MODULES) {
        return MOCKED_SDK_MODULES[id];
      }
      if (id.startsWith('.') || id.startsWith('/')) {
        return require(path.resolve(dir, id));
      }
      // Anything else resolves from this repository.
      return require(id);
    };
    const log = (level: string) => (...args: unknown[]) => this.services.log({
      t: this.services.clock.elapsedSeconds(),
      functionName: fn.functionName,
      level,
      message: args.map((a) => (typeof a === 'string' ? a : safeStringify(a))).join(' '),
    });
    const functionConsole = {
      log: log('INFO'), info: log('INFO'), warn: log('WARN'), error: log('ERROR'), debug: log('DEBUG'), trace: log('TRACE'),
    };
    const module = { exports: {} as any };
    const parameters = ['exports', 'require', 'module', '__filename', '__dirname', 'process', 'setTimeout', 'clearTimeout', 'fetch', 'console'];
    const body = new Function(...parameters, `${source}\n//# sourceURL=${filename}`);
    body(module.exports, functionRequire, module, filename, dir, functionProcess,
      this.services.clock.setTimeout, this.services.clock.clearTimeout, this.services.fetch, functionConsole);
    return module.exports;
  }
}

function splitHandler(handler: string, logicalId: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) {
    throw new Error(`rehearsal: ${logicalId} has an invalid Handler '${handler}' (expected file.export).`);
  }
  // "index.handler" → file "index", export "handler"; Lambda allows only one dot level of export.
  const file = handler.slice(0, handler.indexOf('.', handler.lastIndexOf('/') + 1));
  return [file, handler.slice(file.length + 1)];
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) {
    return `${value.name}: ${value.message}`;
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
