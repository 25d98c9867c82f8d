import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { BlueGreenService, Color } from '../lib';
import { addBareServices } from './bare-stack';

const CLOUDFORMATION_RESOURCE_LIMIT = 500;

interface SynthFigures {
  readonly resources: number;
  /** Undefined when the stack does not fit: CDK refuses to write its template. */
  readonly templateBytes?: number;
  readonly synthMs: number;
}

/**
 * CDK's synthesis error for a stack over the limit (named TooManyResourcesInStack): "Number of
 * resources in stack 'Bench': 634 is greater than allowed maximum of 500: ...".
 */
const TOO_MANY_RESOURCES = /Number of resources in stack '[^']*': (\d+) is greater than allowed maximum of \d+/;

/**
 * Synthesizes one stack built by `build` and measures it. A stack over CloudFormation's limit is a
 * figure too (how far over), not a crash: CDK refuses to synthesize it and its error names the count.
 */
function measure(build: (stack: Stack) => void): SynthFigures {
  const app = new App();
  const stack = new Stack(app, 'Bench', { env: { region: 'us-east-1' } });
  const start = performance.now();
  build(stack);
  let assembly;
  try {
    assembly = app.synth();
  } catch (error) {
    const over = TOO_MANY_RESOURCES.exec(String((error as Error).message ?? error));
    if (!over) {
      throw error;
    }
    return { resources: Number(over[1]), synthMs: performance.now() - start };
  }
  const synthMs = performance.now() - start;
  const templateFile = path.join(assembly.directory, 'Bench.template.json');
  const body = fs.readFileSync(templateFile, 'utf8');
  return { resources: Object.keys(JSON.parse(body).Resources).length, templateBytes: Buffer.byteLength(body), synthMs };
}

/** Resources, template size and synth time, or the count and "does NOT fit" for a refused stack. */
function figures(f: SynthFigures, resourcesWidth: number): string {
  if (f.templateBytes === undefined) {
    return `${f.resources} resources: does NOT fit`.padStart(resourcesWidth + 20);
  }
  return `${String(f.resources).padStart(resourcesWidth)} ${kib(f.templateBytes).padStart(9)} ${f.synthMs.toFixed(0).padStart(9)}`;
}

function sharedListener(stack: Stack) {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  const listener = loadBalancer.addListener('Http', {
    port: 80,
    defaultAction: elbv2.ListenerAction.fixedResponse(404),
  });
  return { vpc, loadBalancer, listener };
}

/** `count` services of this library on one shared listener, each with its own host name and test port. */
function libraryServices(count: number) {
  return (stack: Stack) => {
    const { vpc, listener } = sharedListener(stack);
    const machineImage = ec2.MachineImage.latestAmazonLinux2023();
    for (let i = 0; i < count; i++) {
      new BlueGreenService(stack, `Svc${i}`, {
        vpc,
        listener,
        listenerRulePriority: i + 1,
        listenerConditions: [elbv2.ListenerCondition.hostHeaders([`svc${i}.example.com`])],
        testListenerPort: 9000 + i,
        blue: { machineImage },
        green: { machineImage },
        live: Color.BLUE,
      });
    }
  };
}

function bareServices(count: number) {
  return (stack: Stack) => {
    const { vpc, listener } = sharedListener(stack);
    addBareServices(stack, vpc, listener, count);
  };
}

/** `count` services of this library, each creating its own load balancer. */
function libraryServicesOwnLoadBalancer(count: number) {
  return (stack: Stack) => {
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const machineImage = ec2.MachineImage.latestAmazonLinux2023();
    for (let i = 0; i < count; i++) {
      new BlueGreenService(stack, `Svc${i}`, { vpc, blue: { machineImage }, green: { machineImage }, live: Color.BLUE });
    }
  };
}

function handlerBundleSizes(): Array<{ handler: string; bytes: number }> {
  const dir = path.join(__dirname, '..', 'assets', 'handlers');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).sort().map((handler) => ({
    handler,
    bytes: fs.statSync(path.join(dir, handler, 'index.js')).size,
  }));
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Prints synthesis figures: resources, template size and synth time, beside a bare ALB + ASG stack. */
export function benchSynth(): void {
  measure(libraryServices(1)); // warm-up: module loading and asset hashing caches
  console.log('Synthesis: one stack, services sharing one ALB listener (host-based rules)');
  console.log('services | library: resources  template  synth ms | bare ALB+2 ASGs: resources  template  synth ms');
  for (const n of [1, 10, 20]) {
    const lib = measure(libraryServices(n));
    const bare = measure(bareServices(n));
    console.log(`${String(n).padStart(8)} | ${figures(lib, 18)} | ${figures(bare, 26)}`);
    if (n === 20) {
      const verdict = lib.resources <= CLOUDFORMATION_RESOURCE_LIMIT ? 'fits' : 'DOES NOT fit';
      console.log(`         20 services on one listener: ${lib.resources} resources, ${verdict} CloudFormation's ${CLOUDFORMATION_RESOURCE_LIMIT}-resource limit`);
    }
  }

  const one = measure(libraryServicesOwnLoadBalancer(1));
  const two = measure(libraryServicesOwnLoadBalancer(2));
  const perService = two.resources - one.resources;
  const fixed = one.resources - perService;
  const fit = Math.floor((CLOUDFORMATION_RESOURCE_LIMIT - fixed) / perService);
  console.log(`With one load balancer each: ${perService} resources per service + ${fixed} shared -> ${fit} services fit in one stack`);

  console.log('Handler bundles (shipped in the package, @aws-sdk/* provided by the Lambda runtime):');
  for (const { handler, bytes } of handlerBundleSizes()) {
    console.log(`  ${handler.padEnd(20)} ${kib(bytes)}`);
  }
}

if (require.main === module) {
  benchSynth();
}
