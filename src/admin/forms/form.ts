/**
 * OpenTera's form descriptions (`opentera/forms/TeraForm.py`), as OpenTeraPlus reads them to
 * build its editors: `{objecttype, sections: [{id, label, _order, items: [...]}]}`. An item
 * carries `required` only when true, `values` only when there are choices, `default` only when
 * truthy, then its `condition`, its `_order` (from 1) and its options, in that key order.
 */

export type FormValue = { id: number | string; value: string };

export interface FormCondition {
  item: string;
  op: string;
  condition: unknown;
  hook?: string;
}

export interface ItemSpec {
  id: string;
  label: string;
  type: string;
  required?: boolean;
  values?: readonly FormValue[];
  default?: unknown;
  condition?: FormCondition;
  options?: Readonly<Record<string, unknown>>;
}

export interface SectionSpec {
  id: string;
  label: string;
  items: readonly ItemSpec[];
}

/** A choice list from rows: `id` and `value` picked by the given functions. */
export const choices = <T>(
  rows: readonly T[],
  id: (row: T) => number | string,
  value: (row: T) => string,
): FormValue[] => rows.map((row) => ({ id: id(row), value: value(row) }));

function itemJson(item: ItemSpec, order: number): Record<string, unknown> {
  const out: Record<string, unknown> = { id: item.id, label: item.label, type: item.type };
  if (item.required) out.required = true;
  if (item.values && item.values.length > 0)
    out.values = item.values.map((v) => ({ id: v.id, value: v.value }));
  if (item.default) out.default = item.default;
  if (item.condition) {
    const { item: on, op, condition, hook } = item.condition;
    out.condition = { item: on, op, condition, ...(hook ? { hook } : {}) };
  }
  out._order = order;
  for (const [k, v] of Object.entries(item.options ?? {})) out[k] = v;
  return out;
}

/** The form's JSON. */
export function form(objecttype: string, sections: readonly SectionSpec[]) {
  return {
    objecttype,
    sections: sections.map((s, i) => ({
      id: s.id,
      label: s.label,
      _order: i + 1,
      items: s.items.map((item, j) => itemJson(item, j + 1)),
    })),
  };
}

export type FormJson = ReturnType<typeof form>;
