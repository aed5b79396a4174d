import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { defineComponent, h } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { http } from '@/api/http'
import { rowsPerBlock, useTablePage } from './useTablePage'

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

  it('asks a wide table for fewer rows per request, keeping the rows of the first answer', async () => {
    const width = 1200
    mock.onGet('/workspace/sessions/s1/tables/T%201/rows').reply((c) => {
      const p = c.params as URLSearchParams
      const offset = Number(p.get('offset'))
      const n = Math.min(Number(p.get('limit')), 500 - offset)
      return [200, {
        columns: Array.from({ length: width }, (_, i) => `C${i}`),
        rows: Array.from({ length: n }, (_, i) => Array.from({ length: width }, (_, j) => `r${offset + i}c${j}`)),
        rowIds: Array.from({ length: n }, (_, i) => offset + i),
        offset,
        total: 500,
      }]
    })
    let api!: ReturnType<typeof useTablePage>
    mount(defineComponent({ setup: () => ((api = useTablePage(() => ({ sessionId: 's1', table: 'T 1' }))), () => h('div')) }))
    await api.ensureRange(0, 30)
    const asked = () => mock.history.get.map((r) => [(r.params as URLSearchParams).get('offset'), (r.params as URLSearchParams).get('limit')])
    expect(asked()).toEqual([['0', '200']]) // the width is not known before the first answer
    expect(api.blockSize.value).toBe(41) // 50 000 cells / 1 200 columns
    // Rows 0–163 came with the first answer (4 whole blocks of 41): served without another request.
    expect(api.rowAt(163)?.cells[1199]).toBe('r163c1199')
    await api.ensureRange(100, 160)
    expect(asked()).toHaveLength(1)
    // Row 164 starts a block the first answer did not fill: it is fetched as a block of 41.
    expect(api.rowAt(170)).toBeUndefined()
    await api.ensureRange(170, 175)
    expect(asked().at(-1)).toEqual(['164', '41'])
    expect(api.rowAt(170)?.cells[0]).toBe('r170c0')
    // The last block is short (492–499).
    await api.ensureRange(495, 500)
    expect(asked().at(-1)).toEqual(['492', '41'])
    expect(api.rowAt(499)?.cells[5]).toBe('r499c5')
    // Another table starts again from the narrow block size.
    api.resetQuery()
    expect(api.blockSize.value).toBe(200)
  })

  it('sizes blocks by cells: narrow tables keep the full block, very wide ones keep about a screen', () => {
    expect(rowsPerBlock(12, 200)).toBe(200)
    expect(rowsPerBlock(250, 200)).toBe(200)
    expect(rowsPerBlock(251, 200)).toBe(199)
    expect(rowsPerBlock(1200, 200)).toBe(41)
    expect(rowsPerBlock(100_000, 200)).toBe(25)
    expect(rowsPerBlock(0, 200)).toBe(200)
  })

  it('shows the server’s message when a page fails', async () => {
    mock.onGet('/workspace/sessions/s1/tables/T%201/rows').reply(400, { title: 'Bad', detail: 'Unknown column NOPE.' })
    const grid = host()
    await grid.ensureRange(0, 10)
    expect(grid.error.value).toBe('Unknown column NOPE.')
  })
})
