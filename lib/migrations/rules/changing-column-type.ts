import { alterCommandHits, alteredTable, MigrationRule } from '../rule';
import { bodyOf, ColumnDef, ColumnType, columnTypeOf } from '../sql-syntax';

/** Text types whose values are interchangeable; `text` and an unbounded `varchar` take any length. */
const TEXT_TYPES = new Set(['varchar', 'text']);

export const changingColumnType: MigrationRule = {
  id: 'changing-column-type',
  severity: 'unsafe',
  statementKinds: ['AlterTableStmt'],
  alterTableCommands: ['AT_AlterColumnType'],
  reason: 'Values the running version writes or compares may not fit the new type (its writes and queries then '
    + 'fail), and most type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE lock. Only a '
    + 'widening of a column the checked migrations declare (a longer or unbounded varchar or text, a numeric with '
    + 'more digits and the same scale) keeps every value and needs no rewrite; it is not reported.',
  recipe: [
    'Add a new column with the new type.',
    'Deploy code that writes both columns (or a trigger that converts); backfill the new one in batches.',
    'Deploy code that reads and writes only the new column; wait until the old version is gone.',
    'Drop the old column in a later migration (rename the new one only with the renaming-column recipe).',
  ],
  check: (subject) => alterCommandHits(subject, 'AT_AlterColumnType', (table, command) => {
    const definition = bodyOf<ColumnDef>(command.def, 'ColumnDef');
    const newType = columnTypeOf(definition?.typeName);
    const change = `column ${table}.${command.name} changes type to ${newType ? typeText(newType) : 'another type'} in place`;
    // USING converts every value, and a new collation changes how the running version's comparisons sort.
    if (definition?.raw_default !== undefined || definition?.collClause !== undefined) {
      return `${change}, converting its values, while the running version uses the old type`;
    }
    // Only a text or numeric type can be the wider form of the old one; the old type is looked up
    // only then (an answer that cannot change the verdict would only cost work).
    if (!newType || newType.array || !WIDENING_TARGETS.has(newType.name) || !command.name) {
      return `${change} while the running version uses the old type`;
    }
    const oldType = subject.schema.columnType(alteredTable(subject)?.relation, command.name);
    if (oldType && isWidening(oldType, newType)) return undefined;
    if (!oldType) {
      return `${change} while the running version uses the old type (the checked migrations do not declare its type, `
        + 'so whether this only widens it is unknown)';
    }
    return `${change} from ${typeText(oldType)}, which is not a widening, while the running version uses the old type`;
  }),
};

/** Types that can be a widening of another (see isWidening). */
const WIDENING_TARGETS = new Set([...TEXT_TYPES, 'numeric']);

/**
 * Every value of `from` is a value of `to`, unchanged, and PostgreSQL changes only the catalog (no
 * rewrite, indexes kept): longer or unbounded text, or more numeric digits at the same scale.
 */
function isWidening(from: ColumnType, to: ColumnType): boolean {
  if (from.array || to.array || !from.modifiers || !to.modifiers) return false;
  if (TEXT_TYPES.has(from.name) && TEXT_TYPES.has(to.name)) {
    const fromLength = from.name === 'varchar' ? from.modifiers[0] : undefined;
    const toLength = to.name === 'varchar' ? to.modifiers[0] : undefined;
    return toLength === undefined || (fromLength !== undefined && toLength >= fromLength);
  }
  if (from.name === 'numeric' && to.name === 'numeric') {
    if (to.modifiers.length === 0) return true; // unconstrained numeric holds every value
    if (from.modifiers.length === 0) return false;
    const [fromPrecision, fromScale = 0] = from.modifiers;
    const [toPrecision, toScale = 0] = to.modifiers;
    return toScale === fromScale && toPrecision >= fromPrecision;
  }
  return false;
}

function typeText(type: ColumnType): string {
  return `${type.name}${type.modifiers && type.modifiers.length > 0 ? `(${type.modifiers.join(',')})` : ''}${type.array ? '[]' : ''}`;
}
