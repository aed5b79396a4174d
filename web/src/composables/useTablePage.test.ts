import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { defineComponent, h } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { http } from '@/api/http'
import { useTablePage } from './useTablePage'

let mock: MockAdapter
beforeEach(() => (mock = new MockAdapter(http)))
afterEach(() => mock.restore())

function host(blockSize = 100) {
  let api!: ReturnType<typeof useTablePage>
  mount(defineComponent({ setup: () => ((api = useTablePage(() => ({ sessionId: 's1', table: 'T 1' }), { blockSize, maxBlocks: 2 })), () => h('div')) }))
  return api
}
const page = (offset: number, n: number, tag = 'v') => ({
  columns: ['A'],
  rows: Array.from({ length: n }, (_, i) => [`${tag}${offset + i}`]),
  rowIds: Array.from({ length: n }, (_, i) => offset + i),
  offset,
  total: 1_000_000,
})

describe('useTablePage', () => {
  it('fetches blocks on demand with offset/limit ≤ 1000 and serves repeats from the cache', async () => {
    mock.onGet('/workspace/sessions/s1/tables/T%201/rows').reply((c) => {
      const p = c.params as URLSearchParams
      return [200, page(Number(p.get('offset')), Number(p.get('limit')))]
    })
    const grid = host()
    await grid.ensureRange(250, 320)
    expect(mock.history.get.map((r) => (r.params as URLSearchParams).get('offset'))).toEqual(['200', '300'])
    expect(grid.rowAt(250)).toEqual({ rowId: 250, cells: ['v250'] })
    expect(grid.total.value).toBe(1_000_000)
    await grid.ensureRange(260, 310)
    expect(mock.history.get).toHaveLength(2) // cached
    await grid.ensureRange(0, 10) // third block → the least recently used one is dropped (maxBlocks 2)
    expect(grid.rowAt(250)).toBeUndefined()
  })

  it('sends sort, dir and repeated filters; a new query cancels the stale request and ignores its answer', async () => {
    const signals: AbortSignal[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    mock.onGet('/workspace/sessions/s1/tables/T%201/rows').reply(async (c) => {
      signals.push(c.signal as AbortSignal)
      const p = c.params as URLSearchParams
      if (!p.get('sort')) await gate
      return [200, page(0, 5, p.get('sort') ? 'sorted' : 'stale')]
    })
    const grid = host()
    const first = grid.ensureRange(0, 5)
    await flushPromises()
    const filtered = grid.setFilter('A', 'x') // its request waits too, and is superseded by the sort
    await flushPromises()
    await grid.toggleSort('A')
    release()
    await Promise.all([first, filtered])
    await flushPromises()
    expect(signals[0]!.aborted).toBe(true)
    expect(signals[1]!.aborted).toBe(true)
    expect(grid.rowAt(0)?.cells).toEqual(['sorted0'])
    const last = mock.history.get.at(-1)!.params as URLSearchParams
    expect(last.get('sort')).toBe('A')
    expect(last.get('dir')).toBe('asc')
    expect(last.getAll('filter')).toEqual(['A:x'])
  })

  it('shows the server’s message when a page fails', async () => {
    mock.onGet('/workspace/sessions/s1/tables/T%201/rows').reply(400, { title: 'Bad', detail: 'Unknown column NOPE.' })
    const grid = host()
    await grid.ensureRange(0, 10)
    expect(grid.error.value).toBe('Unknown column NOPE.')
  })
})
