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
 * Server-side paging for the preview grid: rows are fetched in blocks (≤ 1000 rows) on demand, kept in a
 * small LRU cache per query (sort + filters); changing the query aborts the requests of the old one.
 */
export function useTablePage(
  source: () => { sessionId: string; table: string } | null,
  { blockSize = 200, maxBlocks = 30 } = {},
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

  const queryKey = computed(() => {
    const s = source()
    return JSON.stringify([s?.sessionId, s?.table, sort.value, dir.value, filters.value])
  })
  const keyOf = (block: number) => `${queryKey.value}#${block}`

  function touch(key: string, block: Block): void {
    cache.delete(key)
    cache.set(key, block)
    while (cache.size > maxBlocks) cache.delete(cache.keys().next().value!)
  }

  function rowAt(index: number): GridRow | undefined {
    void version.value
    const b = cache.get(keyOf(Math.floor(index / blockSize)))
    return b?.rows[index % blockSize]
  }

  async function loadBlock(block: number): Promise<void> {
    const s = source()
    if (!s) return
    const key = keyOf(block)
    if (cache.has(key) || inflight.has(key)) return
    const controller = new AbortController()
    inflight.set(key, controller)
    const gen = generation
    const q: RowsQuery = { offset: block * blockSize, limit: blockSize, sort: sort.value, dir: dir.value, filters: filters.value }
    try {
      const page = await getRows(s.sessionId, s.table, q, controller.signal)
      if (gen !== generation) return
      columns.value = page.columns
      total.value = page.total
      touch(key, { rows: page.rows.map((cells, i) => ({ rowId: page.rowIds[i] ?? q.offset + i, cells })) })
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
   * Makes sure rows [start, end) are cached or on their way. Requests for blocks that scrolled far out of view
   * are aborted (a fast scroll through a 1M-row table must not queue hundreds of stale pages).
   */
  function ensureRange(start: number, end: number): Promise<void[]> {
    const first = Math.max(0, Math.floor(start / blockSize))
    const last = Math.max(first, Math.floor(Math.max(start, end - 1) / blockSize))
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
    return ensureRange(0, blockSize)
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
  }

  onBeforeUnmount(invalidate)

  return { columns, total, sort, dir, filters, error, loaded, version, blockSize, rowAt, ensureRange, reload, invalidate, toggleSort, setFilter, resetQuery }
}
