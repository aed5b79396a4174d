import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import type { Page, PageQuery } from '@/api/adminTypes'
import { useAdminList, type AdminListOptions } from './useAdminList'

interface Filters {
  search: string
  role: string
}
type Query = Filters & PageQuery

function host(fetcher: (q: Query, signal: AbortSignal) => Promise<Page<string>>, options: Partial<AdminListOptions<Filters, string>> = {}) {
  let list!: ReturnType<typeof useAdminList<string, Filters>>
  const w = mount(defineComponent({ setup: () => ((list = useAdminList<string, Filters>(fetcher, { filters: { search: '', role: '' }, ...options })), () => h('div')) }))
  return { list, w }
}
const page = (items: string[], total = items.length, p = 1): Page<string> => ({ items, total, page: p, pageSize: 25 })

afterEach(() => vi.useRealTimers())

describe('useAdminList', () => {
  it('loads the first page at once and asks the server for other pages and sorts', async () => {
    const fetcher = vi.fn((q: Query) => Promise.resolve(page([`p${q.page}`], 120, q.page)))
    const { list } = host(fetcher, { pageSize: 25 })
    await flushPromises()
    expect(list.items.value).toEqual(['p1'])
    expect(list.pageCount.value).toBe(5)
    await list.setPage(3)
    expect(fetcher).toHaveBeenLastCalledWith(expect.objectContaining({ page: 3, pageSize: 25, sort: null }), expect.any(AbortSignal))
    expect(list.items.value).toEqual(['p3'])
    await list.toggleSort('username')
    expect(fetcher).toHaveBeenLastCalledWith(expect.objectContaining({ page: 1, sort: 'username', dir: 'asc' }), expect.any(AbortSignal))
    await list.toggleSort('username')
    expect(list.sort.value).toEqual({ sort: 'username', dir: 'desc' })
    await list.toggleSort('username')
    expect(list.sort.value).toEqual({ sort: null, dir: 'asc' })
    await list.setPage(99)
    expect(list.page.value).toBe(5) // clamped to the last page
  })

  it('debounces filter changes into one request for page 1', async () => {
    vi.useFakeTimers()
    const fetcher = vi.fn((q: Query) => Promise.resolve(page([q.search], 60, q.page)))
    const { list } = host(fetcher, { debounceMs: 300 })
    await flushPromises()
    await list.setPage(2)
    fetcher.mockClear()

    list.filters.search = 'a'
    await nextTick()
    vi.advanceTimersByTime(200)
    list.filters.search = 'an'
    await nextTick()
    vi.advanceTimersByTime(200)
    list.filters.search = 'ana'
    await nextTick()
    expect(fetcher).not.toHaveBeenCalled()
    vi.advanceTimersByTime(300)
    await flushPromises()
    expect(fetcher).toHaveBeenCalledTimes(1)
    expect(fetcher).toHaveBeenCalledWith(expect.objectContaining({ search: 'ana', page: 1 }), expect.any(AbortSignal))
    expect(list.page.value).toBe(1)
    expect(list.items.value).toEqual(['ana'])
  })

  it('aborts the request in flight and never shows a stale answer', async () => {
    const signals: AbortSignal[] = []
    const releases: ((p: Page<string>) => void)[] = []
    const fetcher = vi.fn(
      (_q: Query, signal: AbortSignal) =>
        new Promise<Page<string>>((resolve) => {
          signals.push(signal)
          releases.push(resolve)
        }),
    )
    const { list } = host(fetcher)
    const second = list.setPage(1) // a newer request while the first is still running
    expect(signals[0]!.aborted).toBe(true)
    releases[1]!(page(['fresh']))
    await second
    releases[0]!(page(['stale'])) // the old answer arrives late (a server that ignores the abort)
    await flushPromises()
    expect(list.items.value).toEqual(['fresh'])
    expect(list.loading.value).toBe(false)
  })

  it('keeps the server’s message and clears it on the next success', async () => {
    const fetcher = vi.fn().mockRejectedValueOnce(new Error('Boom.')).mockResolvedValue(page(['ok']))
    const { list } = host(fetcher)
    await flushPromises()
    expect(list.error.value).toBe('Boom.')
    await list.reload()
    expect(list.error.value).toBeNull()
    expect(list.items.value).toEqual(['ok'])
  })

  it('steps back when the current page no longer exists', async () => {
    const fetcher = vi.fn((q: Query) => Promise.resolve(q.page === 3 ? page([], 40, 3) : page([`p${q.page}`], 40, q.page)))
    const { list } = host(fetcher, { pageSize: 20 })
    await flushPromises()
    list.total.value = 60
    await list.setPage(3)
    await flushPromises()
    expect(list.page.value).toBe(2)
    expect(list.items.value).toEqual(['p2'])
  })

  it('resets filters to their initial values and stops on unmount', async () => {
    vi.useFakeTimers()
    const fetcher = vi.fn(() => Promise.resolve(page([])))
    const { list, w } = host(fetcher)
    await flushPromises()
    list.filters.role = 'admin'
    list.resetFilters()
    expect(list.filters).toEqual({ search: '', role: '' })
    w.unmount()
    vi.advanceTimersByTime(1000)
    expect(fetcher).toHaveBeenCalledTimes(1)
  })
})
