/**
 * SQLite has no boolean type and better-sqlite3 refuses to bind JS booleans. This plugin makes
 * SQLite look like PostgreSQL to callers:
 * - every boolean parameter (values, where clauses, raw `sql` parameters) is bound as 1/0;
 * - in results, every column named in BOOLEAN_COLUMNS, and every alias selected directly from
 *   one of them (`select('user_enabled as enabled')`), is turned back into a boolean.
 * A boolean computed by an expression (`sql<boolean>\`a = b\``) comes back as 0/1: compare it
 * with `!!` or select a real column.
 */
import {
  AliasNode,
  ColumnNode,
  IdentifierNode,
  OperationNodeTransformer,
  ReferenceNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';
import { BOOLEAN_COLUMNS } from './schema.js';

const BOOLEANS: ReadonlySet<string> = new Set(BOOLEAN_COLUMNS);

const toSqlite = (v: unknown): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

class BooleanParameters extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode, queryId?: QueryId): ValueNode {
    const out = super.transformValue(node, queryId);
    return typeof out.value === 'boolean' ? { ...out, value: toSqlite(out.value) } : out;
  }

  protected override transformPrimitiveValueList(
    node: PrimitiveValueListNode,
    queryId?: QueryId,
  ): PrimitiveValueListNode {
    const out = super.transformPrimitiveValueList(node, queryId);
    return out.values.some((v) => typeof v === 'boolean')
      ? { ...out, values: Object.freeze(out.values.map(toSqlite)) }
      : out;
  }
}

/** The name a selection of a boolean column appears under, or null. */
function aliasOfBooleanColumn(selection: OperationNode): string | null {
  if (!AliasNode.is(selection)) return null;
  const inner = selection.node;
  const column = ReferenceNode.is(inner) ? inner.column : ColumnNode.is(inner) ? inner : null;
  if (!column || !ColumnNode.is(column) || !BOOLEANS.has(column.column.name)) return null;
  return IdentifierNode.is(selection.alias) ? selection.alias.name : null;
}

function collectAliases(root: RootOperationNode): string[] {
  const selections: OperationNode[] = [];
  if (root.kind === 'SelectQueryNode') {
    for (const s of root.selections ?? []) selections.push(s.selection);
  } else if (
    root.kind === 'InsertQueryNode' ||
    root.kind === 'UpdateQueryNode' ||
    root.kind === 'DeleteQueryNode'
  ) {
    for (const s of root.returning?.selections ?? []) selections.push(s.selection);
  }
  return selections.map(aliasOfBooleanColumn).filter((a): a is string => a !== null);
}

export function sqliteBooleans(): KyselyPlugin {
  const transformer = new BooleanParameters();
  const aliases = new WeakMap<QueryId, Set<string>>();
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      const found = collectAliases(args.node);
      if (found.length > 0) aliases.set(args.queryId, new Set(found));
      return transformer.transformNode(args.node, args.queryId);
    },
    transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      const extra = aliases.get(args.queryId);
      const rows = args.result.rows;
      if (rows.length === 0) return Promise.resolve(args.result);
      for (const row of rows) {
        for (const key of Object.keys(row)) {
          if (!BOOLEANS.has(key) && !extra?.has(key)) continue;
          const v = row[key];
          if (typeof v === 'number' || typeof v === 'bigint') row[key] = v !== 0 && v !== 0n;
        }
      }
      return Promise.resolve(args.result);
    },
  };
}
