import { alterCommandHits, MigrationRule } from '../rule';

export const droppingColumn: MigrationRule = {
  id: 'dropping-column',
  severity: 'unsafe',
  statementKinds: ['AlterTableStmt'],
  alterTableCommands: ['AT_DropColumn'],
  reason: 'The running version (and the version a rollback returns to) still reads or writes the column; '
    + 'its queries fail with "column does not exist".',
  recipe: [
    'Deploy code that no longer reads or writes the column (for an ORM, mark it ignored first).',
    'Wait until the old version is fully replaced and a rollback to it is no longer planned.',
    'Drop the column in a later migration (a contract migration: acknowledge it with a reason).',
  ],
  check: (subject) => alterCommandHits(subject, 'AT_DropColumn', (table, command) =>
    `column ${table}.${command.name} is dropped while the running version may still use it`),
};
