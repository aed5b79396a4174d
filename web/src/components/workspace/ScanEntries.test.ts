import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { flushPromises, mount } from '@vue/test-utils'
import { http } from '@/api/http'
import ScanEntries from './ScanEntries.vue'

let mock: MockAdapter
beforeEach(() => {
  mock = new MockAdapter(http)
  mock.onGet('/workspace/sessions/s1/scan/entries').reply((c) => {
    const kind = (c.params as { kind: string }).kind
    const item = { path: `export.zip/${kind}.xml`, kind: kind === 'unreadable' ? 'xml' : kind, reason: `why ${kind}`, sizeBytes: 10, group: null, recordPath: null, encoding: null }
    return [200, { items: [item], total: 1, page: 1, pageSize: 25 }]
  })
})
afterEach(() => mock.restore())

describe('ScanEntries', () => {
  it('lists problems first, names every kind in its heading, and moves between kinds with the arrow keys', async () => {
    const w = mount(ScanEntries, { props: { sessionId: 's1', skipped: 2, rejected: 0, unreadable: 1 }, attachTo: document.body })
    expect(w.find('summary').text()).toBe('Unreadable XML (1) and skipped (2) entries')
    const details = w.find('details')
    ;(details.element as HTMLDetailsElement).open = true
    await details.trigger('toggle')
    await flushPromises()
    const shown = () => w.find('[role=tabpanel]:not([aria-hidden=true])') // the others are empty hidden placeholders
    const tabs = w.findAll('[role=tab]')
    expect(tabs.map((t) => t.text())).toEqual(['Unreadable XML (1)', 'Skipped (2)']) // no empty "Rejected (0)" tab
    expect(tabs[0]!.attributes('aria-selected')).toBe('true')
    expect(shown().text()).toContain('why unreadable')
    expect(shown().attributes('aria-labelledby')).toBe(tabs[0]!.attributes('id'))

    ;(tabs[0]!.element as HTMLElement).focus()
    await tabs[0]!.trigger('keydown', { key: 'ArrowRight' })
    await flushPromises()
    expect(w.findAll('[role=tab]')[1]!.attributes('aria-selected')).toBe('true')
    expect(document.activeElement).toBe(w.findAll('[role=tab]')[1]!.element)
    expect(shown().text()).toContain('why skipped')
    expect(mock.history.get.map((r) => (r.params as { kind: string }).kind)).toEqual(['unreadable', 'skipped'])
    w.unmount()
  })
})
