/**
 * Fitting a page of small items into the reply budget (`daemon.replyBudgetBytes`), for
 * the lists whose items are bounded but many: tasks (as previews), sessions, audit
 * records. Items are taken in order while the page's JSON stays within the budget, so a
 * reply is never larger than the budget however many items were asked for; the page
 * then says `truncated` and the caller continues from where it stopped. Each item is
 * measured exactly (its JSON, UTF-8); they are small, so that costs little.
 */
import { PAGE_RESERVE_BYTES } from '../store/reply-budget.js';

export interface FittedPage<T> {
  items: T[];
  /** True when items were left out to stay within the budget. */
  truncated: boolean;
}

export function fitPage<T>(items: readonly T[], budgetBytes: number): FittedPage<T> {
  let left = budgetBytes - PAGE_RESERVE_BYTES;
  for (let i = 0; i < items.length; i++) {
    left -= Buffer.byteLength(JSON.stringify(items[i])) + (i > 0 ? 1 : 0);
    if (left < 0) return { items: items.slice(0, i), truncated: true };
  }
  return { items: [...items], truncated: false };
}
