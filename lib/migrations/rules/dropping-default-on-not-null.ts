import { alterCommandHits, alteredTable, MigrationRule } from '../rule';

export const droppingDefaultOnNotNull: MigrationRule = {
  id: 'dropping-default-on-not-null',
  severity: 'unsafe',
  statementKinds: ['AlterTableStmt'],
  alterTableCommands: ['AT_ColumnDefault'],
  reason: 'The running version may rely on the default and leave the column out of its INSERTs; on a NOT NULL '
    + 'column those INSERTs fail once the default is gone.',
  recipe: [
    'Deploy code that always writes the column explicitly.',
    'Wait until the old version is fully replaced.',
    'Drop the default in a later migration.',
  ],
  check: (subject) => {
    const relation = alteredTable(subject)?.relation;
    return alterCommandHits(subject, 'AT_ColumnDefault', (table, command) => {
      if (command.def !== undefined || !command.name) return undefined; // SET DEFAULT is harmless
      const notNull = subject.schema.isColumnNotNull(relation, command.name);
      if (notNull === false) return undefined;
      return notNull
        ? `default of NOT NULL column ${table}.${command.name} is dropped: INSERTs of the running version that omit it fail`
        : `default of ${table}.${command.name} is dropped; the checked migrations do not define the column, so it may be NOT NULL `
          + '(INSERTs of the running version that omit it would fail)';
    });
  },
};
