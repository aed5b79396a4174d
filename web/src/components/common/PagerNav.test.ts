import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import PagerNav from './PagerNav.vue'

function pager(page: number, total: number, pageSize = 25) {
  return mount(PagerNav, { props: { page, total, pageSize, label: 'Rejected', 'onUpdate:page': () => {} } })
}

describe('PagerNav', () => {
  it('is not shown when everything fits on one page', () => {
    expect(pager(1, 25).find('nav').exists()).toBe(false)
  })

  it('names its pages, counts them and moves one page at a time', async () => {
    const w = pager(2, 60)
    const nav = w.get('nav')
    expect(nav.attributes('aria-label')).toBe('Rejected pages')
    expect(nav.text()).toContain('Page 2 of 3')
    const [previous, next] = w.findAll('button')
    await next!.trigger('click')
    await previous!.trigger('click')
    expect(w.emitted('update:page')).toEqual([[3], [1]])
  })

  it('disables Previous on the first page and Next on the last', () => {
    const [firstPrevious, firstNext] = pager(1, 60).findAll('button')
    expect(firstPrevious!.attributes('disabled')).toBeDefined()
    expect(firstNext!.attributes('disabled')).toBeUndefined()
    const [lastPrevious, lastNext] = pager(3, 60).findAll('button')
    expect(lastPrevious!.attributes('disabled')).toBeUndefined()
    expect(lastNext!.attributes('disabled')).toBeDefined()
  })
})
