// CSV through csv-stringify: quoting and escaping are its job, not ours.
import { stringify } from 'csv-stringify/sync';

/** Rows as CSV with a header line, in the given column order; null and undefined become empty cells. */
export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string {
  return stringify(
    rows.map((r) => columns.map((c) => {
      const v = (r as Record<string, unknown>)[c];
      return v === null || v === undefined ? '' : v;
    })),
    { header: true, columns: [...columns] },
  );
}
