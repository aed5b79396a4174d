// Uploaded XML is untrusted: every table cell and name must render as text, never as HTML.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { defineComponent, h } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { http } from '@/api/http'
import { useTablePage } from '@/composables/useTablePage'
import { useEditSession } from '@/composables/useEditSession'
import type { TableInfo } from '@/api/workspaceTypes'
import PreviewGrid from './PreviewGrid.vue'
import ResultsTable from './ResultsTable.vue'

const XSS = '<img src=x onerror="window.__pwned=1"><b>bold</b>'

let mock: MockAdapter
beforeEach(() => {
  mock = new MockAdapter(http)
  // jsdom has no layout: give the grid's scroll container a size so the virtualiser renders rows.
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 400 })
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 })
})
afterEach(() => {
  mock.restore()
  delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight
  delete (HTMLElement.prototype as { clientWidth?: number }).clientWidth
})

describe('untrusted text', () => {
  it('ResultsTable shows table and group names literally', () => {
    const t: TableInfo = { name: XSS, group: XSS, rows: 1, columns: 1, sizeBytes: 1, sourceFiles: 1, errors: 0, modified: true, isChild: false, parent: null }
    const w = mount(ResultsTable, { props: { tables: [t], previewing: null } })
    expect(w.find('img').exists()).toBe(false)
    expect(w.find('b').exists()).toBe(false)
    expect(w.text()).toContain(XSS)
    expect(w.find(`[title="${XSS.replace(/"/g, '&quot;')}"]`).exists() || w.html().includes('title="&lt;img')).toBe(true)
  })

  it('PreviewGrid renders cells and headers as text, with the full value in title', async () => {
    mock.onGet(/\/rows$/).reply(200, { columns: [XSS, 'B'], rows: [[XSS, 'plain']], rowIds: [0], offset: 0, total: 1 })
    const Host = defineComponent({
      setup() {
        const source = () => ({ sessionId: 's', table: 't' })
        const grid = useTablePage(source)
        const edits = useEditSession(source)
        void grid.reload()
        return () => (grid.loaded.value ? h(PreviewGrid, { grid, edits, tableName: XSS }) : h('p', 'loading'))
      },
    })
    const w = mount(Host, { attachTo: document.body })
    await flushPromises()
    await flushPromises()
    expect(w.find('[data-testid=preview-grid]').exists()).toBe(true)
    expect(w.find('img').exists()).toBe(false)
    expect(w.find('b').exists()).toBe(false)

    const cell = w.find('[data-cell="0:0"]')
    expect(cell.exists()).toBe(true)
    expect(cell.text()).toBe(XSS)
    expect(cell.attributes('title')).toBe(XSS)
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined()
    w.unmount()
  })
})
