import { checkMigrationSources, MigrationCheckReport, MigrationFinding } from '../../lib/migrations/checker';
import { loadPostgresParser, ParseSql } from '../../lib/migrations/postgres-parser';

let parser: ParseSql | undefined;

/** Checks SQL texts as migration files `001.sql`, `002.sql`, ... with the in-process parser. */
export async function checkSql(...sqls: string[]): Promise<MigrationCheckReport> {
  parser ??= await loadPostgresParser();
  const parse = parser;
  const sources = sqls.map((sql, index) => ({ file: `${String(index + 1).padStart(3, '0')}.sql`, sql }));
  return checkMigrationSources(sources, (texts) => texts.map(parse));
}

export async function findingsOf(...sqls: string[]): Promise<MigrationFinding[]> {
  return (await checkSql(...sqls)).files.flatMap((file) => file.findings);
}

/** Rule ids reported (suppressed or not), in order. */
export async function rulesOf(...sqls: string[]): Promise<string[]> {
  return (await findingsOf(...sqls)).map((finding) => finding.rule);
}
