import { MigrationRule } from '../rule';
import { addingConstraintWithoutNotValid } from './adding-constraint-without-not-valid';
import { addingNotNullColumn } from './adding-not-null-column';
import { addingUniqueConstraint } from './adding-unique-constraint';
import { changingColumnType } from './changing-column-type';
import { concurrentlyInTransaction } from './concurrently-in-transaction';
import { constraintAppliesToOldWrites } from './constraint-applies-to-old-writes';
import { createIndexWithoutConcurrently } from './create-index-without-concurrently';
import { dropIndexWithoutConcurrently } from './drop-index-without-concurrently';
import { droppingColumn } from './dropping-column';
import { droppingConstraint } from './dropping-constraint';
import { droppingDefaultOnNotNull } from './dropping-default-on-not-null';
import { droppingFunction } from './dropping-function';
import { droppingNotNull } from './dropping-not-null';
import { droppingSchema } from './dropping-schema';
import { droppingTable } from './dropping-table';
import { droppingType } from './dropping-type';
import { droppingView } from './dropping-view';
import { renamingColumn } from './renaming-column';
import { renamingEnumValue } from './renaming-enum-value';
import { renamingFunction } from './renaming-function';
import { renamingTable } from './renaming-table';
import { renamingView } from './renaming-view';
import { restrictingRowAccess } from './restricting-row-access';
import { revokingPrivileges } from './revoking-privileges';
import { settingNotNull } from './setting-not-null';
import { tableRewrite } from './table-rewrite';
import { truncatingTable } from './truncating-table';
import { unbatchedUpdate } from './unbatched-update';

/** Every statement rule, unsafe ones first. */
export const MIGRATION_RULES: readonly MigrationRule[] = [
  addingNotNullColumn,
  droppingColumn,
  renamingColumn,
  renamingTable,
  settingNotNull,
  changingColumnType,
  droppingTable,
  droppingDefaultOnNotNull,
  addingConstraintWithoutNotValid,
  addingUniqueConstraint,
  droppingView,
  renamingView,
  droppingFunction,
  renamingFunction,
  renamingEnumValue,
  droppingType,
  droppingSchema,
  revokingPrivileges,
  restrictingRowAccess,
  constraintAppliesToOldWrites,
  droppingNotNull,
  droppingConstraint,
  createIndexWithoutConcurrently,
  dropIndexWithoutConcurrently,
  concurrentlyInTransaction,
  tableRewrite,
  unbatchedUpdate,
  truncatingTable,
];

const RULES_BY_ID = new Map(MIGRATION_RULES.map((rule) => [rule.id, rule]));

export function findRule(id: string): MigrationRule | undefined {
  return RULES_BY_ID.get(id);
}

/** The ids that suppressions and acknowledgments may name. */
export function knownRuleIds(): string[] {
  return MIGRATION_RULES.map((rule) => rule.id);
}
