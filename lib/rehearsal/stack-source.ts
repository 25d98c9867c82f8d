// Where a rehearsal gets its template and handler code from: a CDK Stack object (synthesized in
// process), a cloud assembly directory (cdk.out), or a bare template plus asset directories.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import type { CfnTemplate } from './template';

export interface StackSource {
  readonly template: CfnTemplate;
  readonly stackName: string;
  /** Construct path per logical id (empty for a bare template). */
  readonly constructPaths: ReadonlyMap<string, string>;
  /** Directory of each Lambda function's code, by the function's logical id. */
  readonly codeDirectories: ReadonlyMap<string, string>;
}

const synthesized = new WeakMap<Stack, StackSource>();

/** Synthesizes a Stack (once per Stack object) and reads, from the construct tree, which directory each function's code is in. */
export function sourceFromStack(stack: Stack): StackSource {
  const cached = synthesized.get(stack);
  if (cached) {
    return cached;
  }
  // Loaded here, not at the top: rehearsing a cloud assembly (the command-line tool) needs no aws-cdk-lib.
  const { AssetStaging, CfnElement, Stack: StackClass } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
  const lambda = require('aws-cdk-lib/aws-lambda') as typeof import('aws-cdk-lib/aws-lambda');
  // The template linter that aws-cdk-lib runs on every synthesis is most of the synthesis time and
  // tells a rehearsal nothing (the construct tests check templates), so it is off for this synth.
  const validation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  let template: CfnTemplate;
  try {
    template = Template.fromStack(stack).toJSON() as CfnTemplate;
  } finally {
    if (validation === undefined) delete process.env.CDK_VALIDATION; else process.env.CDK_VALIDATION = validation;
  }
  const constructPaths = new Map<string, string>();
  const codeDirectories = new Map<string, string>();
  for (const construct of stack.node.findAll()) {
    if (!CfnElement.isCfnElement(construct) || StackClass.of(construct) !== stack) {
      continue;
    }
    const logicalId = stack.resolve(construct.logicalId) as string;
    constructPaths.set(logicalId, construct.node.path.replace(/\/Resource$/, ''));
    if (construct instanceof lambda.CfnFunction && construct.node.scope) {
      const staging = construct.node.scope.node.findAll().find((c): c is InstanceType<typeof AssetStaging> => c instanceof AssetStaging);
      if (staging) {
        codeDirectories.set(logicalId, staging.sourcePath);
      }
    }
  }
  const source = { template, stackName: stack.stackName, constructPaths, codeDirectories };
  synthesized.set(stack, source);
  return source;
}

/** Reads `<stackName>.template.json` and its asset manifest from a cloud assembly directory. */
export function sourceFromAssembly(directory: string, stackName: string): StackSource {
  const templateFile = path.join(directory, `${stackName}.template.json`);
  if (!fs.existsSync(templateFile)) {
    const stacks = fs.readdirSync(directory).filter((f) => f.endsWith('.template.json')).map((f) => f.replace(/\.template\.json$/, ''));
    throw new Error(`rehearsal: ${templateFile} does not exist. Stacks in ${directory}: ${stacks.join(', ') || 'none'} (run \`npx cdk synth\` first).`);
  }
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf8')) as CfnTemplate;
  const assetDirectories = new Map<string, string>();
  const manifestFile = path.join(directory, `${stackName}.assets.json`);
  if (fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    for (const [hash, entry] of Object.entries<any>(manifest.files ?? {})) {
      if (entry.source?.packaging === 'zip' || entry.source?.packaging === undefined) {
        assetDirectories.set(hash, path.resolve(directory, entry.source.path));
      }
    }
  }
  return sourceFromTemplate(template, { stackName, assetDirectories });
}

/** A bare template; function code is found by the asset hash in its S3Key. */
export function sourceFromTemplate(
  template: CfnTemplate,
  options: { readonly stackName?: string; readonly assetDirectories?: ReadonlyMap<string, string> } = {},
): StackSource {
  const codeDirectories = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const key = (resource.Properties?.Code as any)?.S3Key;
    const hash = typeof key === 'string' ? key.replace(/\.zip$/, '') : undefined;
    const directory = hash ? options.assetDirectories?.get(hash) : undefined;
    if (directory) {
      codeDirectories.set(logicalId, directory);
    }
  }
  return { template, stackName: options.stackName ?? 'RehearsalStack', constructPaths: new Map(), codeDirectories };
}
