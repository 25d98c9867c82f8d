import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A case of test/migrations/corpus (see its README.md). */
export interface CorpusCase {
  readonly name: string;
  readonly directory: string;
  readonly schema: string;
  readonly oldVersion: string;
  readonly migration: string;
  readonly expected: {
    readonly verdict: 'safe' | 'warnings' | 'unsafe';
    readonly rules: readonly string[];
    readonly oldVersionAfterMigration: 'pass' | 'fail';
    /** PostgreSQL rejects the migration itself (the deploy fails; the old version is unaffected). */
    readonly migrationFails?: boolean;
  };
}

export const CORPUS_DIRECTORY = join(__dirname, 'corpus');

export function loadCorpus(): CorpusCase[] {
  return readdirSync(CORPUS_DIRECTORY, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const directory = join(CORPUS_DIRECTORY, name);
      const read = (file: string): string => readFileSync(join(directory, file), 'utf8');
      return {
        name,
        directory,
        schema: read('schema.sql'),
        oldVersion: read('old-version.sql'),
        migration: read('migration.sql'),
        expected: JSON.parse(read('expected.json')),
      };
    });
}
