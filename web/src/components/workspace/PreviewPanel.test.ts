import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import MockAdapter from 'axios-mock-adapter'
import { http } from '@/api/http'
import PreviewPanel from './PreviewPanel.vue'

const rowsUrl = '/workspace/sessions/s1/tables/AR/rows'
const props = { sessionId: 's1', table: 'AR', groups: ['AR'], ready: true, readyError: null, canUndo: false }

let mock: MockAdapter
beforeEach(() => {
  setActivePinia(createPinia())
  mock = new MockAdapter(http)
  mock.onGet(rowsUrl).reply(200, { columns: ['Code'], rows: [['N30']], rowIds: [0], total: 1, offset: 0 })
})
afterEach(() => mock.restore())

const undoButton = (w: ReturnType<typeof mount>) => w.findAll('button').find((b) => b.text().includes('Undo last edit'))!

describe('PreviewPanel', () => {
  it('waits for the preview store: a status instead of the grid, no row request, then loads once ready', async () => {
    const w = mount(PreviewPanel, { props: { ...props, ready: false } })
    await flushPromises()

    expect(w.find('[data-testid="preview-preparing"]').attributes('role')).toBe('status')
    expect(w.text()).toContain('Downloads already work')
    expect(w.find('[role="toolbar"]').exists()).toBe(false)
    expect(mock.history.get.filter((r) => r.url === rowsUrl)).toHaveLength(0)

    await w.setProps({ ready: true })
    await flushPromises()

    expect(w.find('[data-testid="preview-preparing"]').exists()).toBe(false)
    expect(mock.history.get.filter((r) => r.url === rowsUrl).length).toBeGreaterThan(0)
    expect(w.text()).toContain('1 rows')
  })

  it('shows why the store could not be prepared', async () => {
    const w = mount(PreviewPanel, { props: { ...props, ready: false, readyError: 'The tables could not be prepared. Downloads still work.' } })
    await flushPromises()

    expect(w.text()).toContain('could not be prepared')
    expect(w.find('[data-testid="preview-preparing"]').exists()).toBe(false)
    expect(mock.history.get).toHaveLength(0)
  })

  it('offers "Undo last edit" only when there is a saved edit to undo', async () => {
    const w = mount(PreviewPanel, { props })
    await flushPromises()
    expect(undoButton(w).attributes('disabled')).toBeDefined()

    await w.setProps({ canUndo: true })
    expect(undoButton(w).attributes('disabled')).toBeUndefined()
  })
})
