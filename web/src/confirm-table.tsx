/**
 * A table whose rows each end in something that cannot be undone (end a session, revoke a
 * token), asked first through ConfirmButton. A row with nothing left to do shows a note in
 * that cell instead ("revoked 2 min ago"), or nothing. The last column's header is for
 * screen readers only.
 */
import type { ComponentChildren } from 'preact';
import { ConfirmButton } from './confirm.js';

export interface RowAction {
  label: string;
  question: string;
  onConfirm: () => void;
}

export function ConfirmTable<T>({
  columns,
  rows,
  keyOf,
  cells,
  action,
}: {
  columns: readonly string[];
  rows: readonly T[];
  keyOf: (row: T) => string;
  /** The row's cells (`<td>`s) before its action's. */
  cells: (row: T) => ComponentChildren;
  /** The row's action, or the note its action cell shows instead. */
  action: (row: T) => RowAction | string | undefined;
}) {
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const a = action(row);
            return (
              <tr key={keyOf(row)}>
                {cells(row)}
                <td>{typeof a === 'object' ? <ConfirmButton {...a} /> : a}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
