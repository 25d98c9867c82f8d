import { alterCommandHits, MigrationRule } from '../rule';

export const droppingNotNull: MigrationRule = {
  id: 'dropping-not-null',
  severity: 'warning',
  statementKinds: ['AlterTableStmt'],
  alterTableCommands: ['AT_DropNotNull'],
  reason: 'The old version\'s SQL keeps working, but once the new version writes NULL into the column, the old '
    + 'version (still running, or back after a rollback) reads NULL where its code assumed a value.',
  recipe: [
    'Check that the version currently running handles NULL in this column (or ship one that does first).',
    'Only then let the new version write NULL.',
  ],
  check: (subject) => alterCommandHits(subject, 'AT_DropNotNull', (table, command) =>
    `column ${table}.${command.name} may now hold NULL, which the running version may not expect when it reads it`),
};
