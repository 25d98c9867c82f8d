import { MigrationCheckReport, MigrationFinding, verdictOf } from './checker';

/** "This file deliberately does what rule X reports, because ..." */
export interface Acknowledgment {
  readonly file: string;
  readonly rule: string;
  readonly reason: string;
}

/**
 * Marks the findings an acknowledgment covers as suppressed (statement and file suppressions in the
 * SQL win, being closer to the statement) and reports acknowledgments that matched nothing.
 */
export function applyAcknowledgments(
  report: MigrationCheckReport,
  acknowledgments: readonly Acknowledgment[],
): { report: MigrationCheckReport; unused: Acknowledgment[] } {
  const used = new Set<Acknowledgment>();
  const files = report.files.map((file) => ({
    ...file,
    findings: file.findings.map((finding): MigrationFinding => {
      if (finding.suppressed) return finding;
      const match = acknowledgments.find((ack) => ack.file === finding.file && ack.rule === finding.rule);
      if (!match) return finding;
      used.add(match);
      return { ...finding, suppressed: { by: 'acknowledgment', reason: match.reason } };
    }),
  }));
  return {
    report: { verdict: verdictOf(files.flatMap((file) => file.findings)), files },
    unused: acknowledgments.filter((ack) => !used.has(ack)),
  };
}
