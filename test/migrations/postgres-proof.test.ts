// The checker's verdicts, held against a real PostgreSQL server: for every corpus case, the schema is
// created, the old version's SQL runs, the migration is applied, and the old version's SQL runs
// again. "safe" must mean it still works; "unsafe" must mean it breaks.
import { Client } from 'pg';
import { checkMigrationSources, MigrationFinding, Verdict, verdictOf } from '../../lib/migrations/checker';
import { readParseOutput } from '../../lib/migrations/parsed-migration';
import { loadPostgresParser, ParseSql } from '../../lib/migrations/postgres-parser';
import { MIGRATION_RULES } from '../../lib/migrations/rules';
import { SourceText } from '../../lib/migrations/source-text';
import { CorpusCase, loadCorpus } from './corpus-cases';
import { PostgresServer, startPostgres } from './postgres-server';

const corpus = loadCorpus();
let server: PostgresServer;
let admin: Client;
let parse: ParseSql;

beforeAll(async () => {
  parse = await loadPostgresParser();
  server = startPostgres();
  admin = await server.connect('postgres');
}, 120_000);

afterAll(async () => {
  await admin?.end();
  server?.stop();
});

/** Statements of a SQL text, split by the PostgreSQL parser itself (dollar quotes and all). */
function statementsOf(sql: string): string[] {
  const parsed = readParseOutput(new SourceText(sql), parse(sql));
  if (!parsed.ok) throw new Error(`corpus SQL does not parse: ${parsed.message}`);
  return parsed.statements.map((statement) => statement.text);
}

/** Runs the old version's SQL in a transaction that is rolled back, so both runs see the same data. */
async function runOldVersion(client: Client, sql: string): Promise<{ ok: true } | { ok: false; statement: string; error: string }> {
  await client.query('BEGIN');
  try {
    for (const statement of statementsOf(sql)) {
      try {
        await client.query(statement);
      } catch (error) {
        return { ok: false, statement, error: (error as Error).message };
      }
    }
    return { ok: true };
  } finally {
    await client.query('ROLLBACK');
  }
}

// Each statement on its own, outside a transaction block, as migration tools do for CONCURRENTLY.
async function runEach(client: Client, sql: string): Promise<void> {
  for (const statement of statementsOf(sql)) await client.query(statement);
}

/**
 * The migration checked as the next file after schema.sql, the way a project checks its whole
 * migrations folder: what the schema declares (column types, NOT NULL) is known, and only the
 * migration's own findings count (schema.sql is already deployed).
 */
function check(testCase: CorpusCase): { verdict: Verdict; findings: readonly MigrationFinding[] } {
  const report = checkMigrationSources([
    { file: `${testCase.name}/schema.sql`, sql: testCase.schema },
    { file: `${testCase.name}/migration.sql`, sql: testCase.migration },
  ], (texts) => texts.map(parse));
  const findings = report.files[1].findings;
  return { verdict: verdictOf(findings), findings };
}

const observed = new Map<string, 'pass' | 'fail'>();

describe.each(corpus.map((testCase) => [testCase.name, testCase] as const))('corpus case %s', (name, testCase) => {
  test('the verdict matches what PostgreSQL does to the old version', async () => {
    const report = check(testCase);
    const rules = [...new Set(report.findings.map((finding) => finding.rule))].sort();
    expect({ verdict: report.verdict, rules }).toEqual({ verdict: testCase.expected.verdict, rules: [...testCase.expected.rules].sort() });

    const database = `corpus_${name.replace(/[^a-z0-9]/g, '_')}`;
    await admin.query(`CREATE DATABASE ${database}`);
    const client = await server.connect(database);
    try {
      await runEach(client, testCase.schema);
      const before = await runOldVersion(client, testCase.oldVersion);
      expect(before).toEqual({ ok: true }); // the case is only meaningful if the old version worked

      const migrationError = await runEach(client, testCase.migration).then(() => undefined, (error: Error) => error.message);
      if (migrationError !== undefined) await client.query('ROLLBACK'); // leave a transaction the migration opened
      expect({ migrationFails: migrationError !== undefined, migrationError })
        .toMatchObject({ migrationFails: testCase.expected.migrationFails ?? false });
      const after = await runOldVersion(client, testCase.oldVersion);
      const outcome = after.ok ? 'pass' : 'fail';
      observed.set(name, outcome);
      expect({ outcome, detail: after }).toMatchObject({ outcome: testCase.expected.oldVersionAfterMigration });

      // The claim itself, independent of expected.json.
      if (report.verdict === 'safe') expect(after).toEqual({ ok: true });
      if (report.verdict === 'unsafe') expect(after.ok).toBe(false);
    } finally {
      await client.end();
    }
  });
});

test('every rule is exercised by the corpus, and every unsafe rule is shown to break the old version', () => {
  const breaking = new Set<string>();
  const exercised = new Set<string>();
  for (const testCase of corpus) {
    testCase.expected.rules.forEach((rule) => exercised.add(rule));
    if (observed.get(testCase.name) === 'fail') testCase.expected.rules.forEach((rule) => breaking.add(rule));
  }
  expect(MIGRATION_RULES.map((rule) => rule.id).filter((id) => !exercised.has(id))).toEqual([]);
  const unsafe = MIGRATION_RULES.filter((rule) => rule.severity === 'unsafe').map((rule) => rule.id);
  expect(unsafe.filter((id) => !breaking.has(id))).toEqual([]);
  expect(corpus.filter((testCase) => testCase.expected.verdict === 'safe').length).toBeGreaterThanOrEqual(5);
});
