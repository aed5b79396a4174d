import { describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import GridHeader from './GridHeader.vue'
import { useColumnWidths } from '@/composables/workspace/useColumnWidths'

const props = { columns: ['ID', 'NAME'], widths: [160, 160], template: '64px 160px 160px', sort: 'NAME', dir: 'desc' as const, filters: {}, minWidth: 60, maxWidth: 800 }

describe('GridHeader', () => {
  it('exposes aria-sort, sorts on click and resizes from the keyboard', async () => {
    const w = mount(GridHeader, { props })
    const headers = w.findAll('[role=columnheader][aria-colindex]')
    expect(headers.map((h) => h.attributes('aria-sort'))).toEqual(['none', 'descending'])
    await headers[0]!.find('button').trigger('click')
    expect(w.emitted('sort')).toEqual([['ID']])
    await w.find('[role=separator][aria-label="Resize column NAME"]').trigger('keydown', { key: 'ArrowRight' })
    expect(w.emitted('resizeKey')![0]![0]).toBe(1)
  })

  it('debounces the per-column filter', async () => {
    vi.useFakeTimers()
    const w = mount(GridHeader, { props })
    const input = w.find('input[aria-label="Filter NAME"]')
    await input.setValue('ne')
    await input.setValue('net ')
    expect(w.emitted('filter')).toBeUndefined()
    vi.advanceTimersByTime(400)
    expect(w.emitted('filter')).toEqual([['NAME', 'net']])
    vi.useRealTimers()
  })
})

describe('useColumnWidths', () => {
  it('clamps widths and moves by 16 px (64 with Shift) on ←/→', () => {
    const c = useColumnWidths(160)
    c.reset(2)
    const key = (k: string, shiftKey = false) => ({ key: k, shiftKey, preventDefault: vi.fn() }) as unknown as KeyboardEvent
    c.onKey(0, key('ArrowRight'))
    c.onKey(1, key('ArrowLeft', true))
    expect(c.widths.value).toEqual([176, 96])
    c.set(0, 5)
    c.set(1, 5000)
    expect(c.widths.value).toEqual([60, 800])
    c.reset(3, 900)
    expect(c.widths.value).toEqual([300, 300, 300])
  })
})
