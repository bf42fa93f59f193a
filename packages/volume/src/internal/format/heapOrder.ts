/**
 * The heap-ordered binary search tree of a record page (record-page.md §4):
 * slot k has children 2k + 1 and 2k + 2, and an in-order walk of the slots
 * visits the records in name order.
 *
 * @internal
 */

// One table per page size; a volume uses one or two sizes, so the cache stays tiny.
const tables = new Map<number, Uint16Array>()

/**
 * The slot of each rank for a tree of `n` nodes: element r is the slot that
 * holds the r-th smallest name (record-page.md §4 table). Built once per `n`
 * and shared: callers must not modify it. `n` is at most 2048 (65536-byte
 * pages), so slots fit 16 bits.
 */
export const slotOfRank = (n: number): Uint16Array => {
  const cached = tables.get(n)
  if (cached !== undefined) return cached
  const table = new Uint16Array(n)
  // Iterative in-order walk: descend left pushing nodes, pop, visit, go right.
  // The tree is complete but for its last level, so depth ≤ log2(n) + 1.
  const stack = new Uint32Array(32)
  let depth = 0
  let node = 0
  let rank = 0
  while (node < n || depth > 0) {
    if (node < n) {
      stack[depth++] = node
      node = 2 * node + 1
    } else {
      node = stack[--depth]!
      table[rank++] = node
      node = 2 * node + 2
    }
  }
  tables.set(n, table)
  return table
}
