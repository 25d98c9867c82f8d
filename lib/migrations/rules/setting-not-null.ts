import { alterCommandHits, MigrationRule } from '../rule';

export const settingNotNull: MigrationRule = {
  id: 'setting-not-null',
  severity: 'unsafe',
  statementKinds: ['AlterTableStmt'],
  alterTableCommands: ['AT_SetNotNull'],
  reason: 'The running version may insert rows without the column or write NULL into it; those writes fail '
    + 'once NOT NULL is enforced. SET NOT NULL also scans the whole table under an ACCESS EXCLUSIVE lock, '
    + 'blocking every read and write meanwhile.',
  recipe: [
    'Give the column a DEFAULT (ALTER COLUMN ... SET DEFAULT ...) and deploy code that always writes it.',
    'Wait until the old version is fully replaced; backfill NULLs in batches.',
    'In a separate deploy: ADD CONSTRAINT <name> CHECK (<column> IS NOT NULL) NOT VALID (no scan, brief lock).',
    'Then VALIDATE CONSTRAINT <name> (scans without blocking writes).',
    'Optionally SET NOT NULL (PostgreSQL 12+ uses the validated check and skips the scan), then drop the check.',
  ],
  check: (subject) => alterCommandHits(subject, 'AT_SetNotNull', (table, command) =>
    `column ${table}.${command.name} becomes NOT NULL in one step while the running version may still write NULL or omit it`),
};
