import { computed, onBeforeUnmount, ref, shallowRef } from 'vue'
import { getRows } from '@/api/workspace'
import { toUserMessage } from '@/api/problem'
import type { RowsQuery } from '@/api/workspaceTypes'
import { isCancel } from 'axios'

export interface GridRow {
  rowId: number
  cells: string[]
}

interface Block {
  rows: GridRow[]
}

/**
 * Rows per block for a table of `width` columns: `maxRows` while a block stays within `cellsPerBlock` cells, fewer for
 * wider tables (200 rows of a 1,200-column table are ≈ 2.4 MB of JSON per request; 41 rows are ≈ 0.5 MB), never fewer
 * than `minRows` (about one screen) so a scroll does not turn into a request per few rows.
 */
export function rowsPerBlock(width: number, maxRows: number, { cellsPerBlock = 50_000, minRows = 25 } = {}): number {
  if (width <= 0) return maxRows
  return Math.max(Math.min(minRows, maxRows), Math.min(maxRows, Math.floor(cellsPerBlock / width)))
}

/**
 * Server-side paging for the preview grid: rows are fetched in blocks (≤ 1000 rows) on demand, kept in a
 * small LRU cache per query (sort + filters); changing the query aborts the requests of the old one.
 * `blockSize` is the block of a narrow table; once the first answer gives the width, a wide table's blocks shrink
 * ({@link rowsPerBlock}) so each request and the cache stay within a bounded number of cells.
 */
export function useTablePage(
  source: () => { sessionId: string; table: string } | null,
  { blockSize = 200, maxBlocks = 30, cellsPerBlock = 50_000 } = {},
) {
  const columns = ref<string[]>([])
  const total = ref(0)
  const sort = ref<string | null>(null)
  const dir = ref<'asc' | 'desc'>('asc')
  const filters = ref<Record<string, string>>({})
  const error = ref<string | null>(null)
  const loaded = ref(false)
  /** Bumped when a block arrives, so templates re-read rowAt(). */
  const version = shallowRef(0)

  const cache = new Map<string, Block>()
  const inflight = new Map<string, AbortController>()
  let generation = 0

  /** Rows per block for the current table: `blockSize` until its width is known. */
  const rows = ref(blockSize)

  const queryKey = computed(() => {
    const s = source()
    return JSON.stringify([s?.sessionId, s?.table, sort.value, dir.value, filters.value, rows.value])
  })
  const keyOf = (block: number) => `${queryKey.value}#${block}`

  function touch(key: string, block: Block): void {
    cache.delete(key)
    cache.set(key, block)
    while (cache.size > maxBlocks) cache.delete(cache.keys().next().value!)
  }

  function rowAt(index: number): GridRow | undefined {
    void version.value
    const size = rows.value
    const b = cache.get(keyOf(Math.floor(index / size)))
    return b?.rows[index % size]
  }

  async function loadBlock(block: number): Promise<void> {
    const s = source()
    if (!s) return
    const key = keyOf(block)
    if (cache.has(key) || inflight.has(key)) return
    const controller = new AbortController()
    inflight.set(key, controller)
    const gen = generation
    const q: RowsQuery = { offset: block * rows.value, limit: rows.value, sort: sort.value, dir: dir.value, filters: filters.value }
    try {
      const page = await getRows(s.sessionId, s.table, q, controller.signal)
      if (gen !== generation) return
      columns.value = page.columns
      total.value = page.total
      const received = page.rows.map((cells, i) => ({ rowId: page.rowIds[i] ?? q.offset + i, cells }))
      const fitted = rowsPerBlock(page.columns.length, blockSize, { cellsPerBlock })
      if (fitted === q.limit) touch(key, { rows: received })
      else refit(fitted, q.offset, received, page.total)
      error.value = null
      loaded.value = true
      version.value++
    } catch (err) {
      if (!isCancel(err) && gen === generation) error.value = toUserMessage(err)
    } finally {
      inflight.delete(key)
    }
  }

  /**
   * The table's width asks for another block size: later requests use it, and the rows just received are cut into
   * blocks of that size (the blocks they fill completely, or up to the table's end), so they are not fetched again.
   * Requests still in flight were sized for the old blocks; they are aborted and asked again as needed.
   */
  function refit(size: number, offset: number, received: GridRow[], totalRows: number): void {
    for (const c of inflight.values()) c.abort()
    inflight.clear()
    rows.value = size
    const end = offset + received.length
    for (let b = Math.ceil(offset / size); b * size < end; b++) {
      const from = b * size
      const to = Math.min(from + size, totalRows)
      if (to > end) break
      touch(keyOf(b), { rows: received.slice(from - offset, to - offset) })
    }
  }

  /**
   * Makes sure rows [start, end) are cached or on their way. Requests for blocks that scrolled far out of view
   * are aborted (a fast scroll through a 1M-row table must not queue hundreds of stale pages).
   */
  function ensureRange(start: number, end: number): Promise<void[]> {
    const size = rows.value
    const first = Math.max(0, Math.floor(start / size))
    const last = Math.max(first, Math.floor(Math.max(start, end - 1) / size))
    const prefix = `${queryKey.value}#`
    for (const [key, c] of inflight) {
      const b = Number(key.slice(key.lastIndexOf('#') + 1))
      if (!key.startsWith(prefix) || b < first - 1 || b > last + 1) {
        c.abort()
        inflight.delete(key)
      }
    }
    const jobs: Promise<void>[] = []
    for (let b = first; b <= last; b++) jobs.push(loadBlock(b))
    return Promise.all(jobs)
  }

  /** Drops every cached block and aborts requests in flight (query change, edit saved, table change). */
  function invalidate(): void {
    generation++
    for (const c of inflight.values()) c.abort()
    inflight.clear()
    cache.clear()
    version.value++
  }

  /** Refetches the first block of the current query (the grid stays mounted: focus and widths are kept). */
  function reload(): Promise<void[]> {
    invalidate()
    return ensureRange(0, rows.value)
  }

  function toggleSort(column: string): Promise<void[]> {
    if (sort.value !== column) {
      sort.value = column
      dir.value = 'asc'
    } else if (dir.value === 'asc') dir.value = 'desc'
    else sort.value = null
    return reload()
  }

  function setFilter(column: string, text: string): Promise<void[]> {
    const next = { ...filters.value }
    if (text) next[column] = text
    else delete next[column]
    filters.value = next
    return reload()
  }

  /** Another table: forget the query, columns and rows. */
  function resetQuery(): void {
    invalidate()
    loaded.value = false
    error.value = null
    sort.value = null
    dir.value = 'asc'
    filters.value = {}
    columns.value = []
    total.value = 0
    rows.value = blockSize
  }

  onBeforeUnmount(invalidate)

  return { columns, total, sort, dir, filters, error, loaded, version, blockSize: rows, rowAt, ensureRange, reload, invalidate, toggleSort, setFilter, resetQuery }
}
