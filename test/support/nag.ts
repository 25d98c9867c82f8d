import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/** One AwsSolutions finding that nobody acknowledged. */
export interface NagFinding {
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
  readonly description: string;
}

/**
 * Synthesizes `build(app)` with cdk-nag's AwsSolutions pack and returns every finding that was not
 * acknowledged, errors and warnings alike. Synthesis throws when the pack reports errors; the
 * report it writes is read either way so the test can name each finding.
 */
export function awsSolutionsFindings(build: (app: App) => void): NagFinding[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-blue-green-nag-'));
  try {
    const app = new App({ outdir });
    build(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const reportFile = path.join(outdir, 'validation-report.json');
    try {
      app.synth();
    } catch (e) {
      if (!fs.existsSync(reportFile)) throw e;
    }
    if (!fs.existsSync(reportFile)) return [];
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
    const findings: NagFinding[] = [];
    for (const plugin of report.pluginReports ?? []) {
      if (plugin.pluginName !== 'AwsSolutions') continue;
      for (const v of plugin.violations ?? []) {
        for (const c of v.violatingConstructs ?? []) {
          findings.push({ rule: v.ruleName, severity: v.severity, path: c.constructPath, description: v.description });
        }
      }
    }
    return findings;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
