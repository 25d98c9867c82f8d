import { MigrationCheckReport, MigrationFinding } from './checker';

/** Counts that the summary line and the JSON output share. */
export interface ReportSummary {
  readonly files: number;
  readonly statements: number;
  readonly unsafe: number;
  readonly warnings: number;
  readonly suppressed: number;
}

export function summarize(report: MigrationCheckReport): ReportSummary {
  let statements = 0;
  let unsafe = 0;
  let warnings = 0;
  let suppressed = 0;
  for (const file of report.files) {
    statements += file.statements;
    for (const finding of file.findings) {
      if (finding.suppressed) suppressed++;
      else if (finding.severity === 'unsafe') unsafe++;
      else warnings++;
    }
  }
  return { files: report.files.length, statements, unsafe, warnings, suppressed };
}

/** `file:line:column rule-id message`, then the statement, why, and the recipe, indented. */
export function formatFinding(finding: MigrationFinding): string {
  const lines = [`${finding.file}:${finding.line}:${finding.column} ${finding.rule} ${finding.message}`];
  if (finding.statement !== undefined) lines.push(`  statement: ${oneLine(finding.statement)}`);
  // Findings about a file rather than a statement (parse errors, broken suppressions) are errors.
  const label = finding.statement === undefined && finding.severity === 'unsafe' ? 'error' : finding.severity;
  lines.push(`  ${label}: ${finding.reason}`);
  finding.recipe.forEach((step, index) => lines.push(`  ${index === 0 ? 'recipe:' : '       '} ${index + 1}. ${step}`));
  if (finding.statement !== undefined) {
    lines.push(`  to allow it here, say why: -- cdk-blue-green: allow ${finding.rule}: <reason>`);
  }
  return lines.join('\n');
}

export function formatSummary(report: MigrationCheckReport): string {
  const summary = summarize(report);
  const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
  const verdict = report.verdict === 'unsafe'
    ? 'UNSAFE while both versions share the database'
    : report.verdict === 'warnings' ? 'compatible, with lock hazards to review' : 'safe while both versions share the database';
  return `${plural(summary.files, 'file')}, ${plural(summary.statements, 'statement')}: `
    + `${summary.unsafe} unsafe, ${plural(summary.warnings, 'warning')}, ${summary.suppressed} suppressed. ${verdict}.`;
}

/** The whole report as text: unsuppressed findings, then the summary line. */
export function formatReport(report: MigrationCheckReport): string {
  const findings = report.files.flatMap((file) => file.findings).filter((finding) => !finding.suppressed);
  return [...findings.map(formatFinding), formatSummary(report)].join('\n\n');
}

// Long statements (a CREATE FUNCTION body) are shortened: the position already points at them.
function oneLine(statement: string, limit = 160): string {
  const flat = statement.replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 3)}...` : flat;
}
