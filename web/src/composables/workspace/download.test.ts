import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { http } from '@/api/http'
import { browser, downloadViaTicket } from './download'

let mock: MockAdapter
beforeEach(() => (mock = new MockAdapter(http)))
afterEach(() => mock.restore())

describe('download ticket flow', () => {
  it('POSTs for a one-time ticket, then navigates to its URL (no blob, no token in the URL)', async () => {
    const order: string[] = []
    mock.onPost('/workspace/sessions/s1/downloads').reply((c) => {
      order.push('post')
      expect(JSON.parse(c.data)).toEqual({ kind: 'table', table: 'T', format: 'xlsx' })
      return [201, { url: '/api/downloads/abc123', expiresAt: '2030-01-01T00:00:00Z' }]
    })
    const navigate = vi.spyOn(browser, 'navigate').mockImplementation((u) => void order.push(`go ${u}`))
    await downloadViaTicket('s1', { kind: 'table', table: 'T', format: 'xlsx' })
    expect(order).toEqual(['post', 'go /api/downloads/abc123'])
    expect(navigate).toHaveBeenCalledOnce()
  })

  it('does not navigate when the ticket is refused', async () => {
    mock.onPost('/workspace/sessions/s1/downloads').reply(404, { title: 'Not Found' })
    const navigate = vi.spyOn(browser, 'navigate').mockImplementation(() => {})
    await expect(downloadViaTicket('s1', { kind: 'all' })).rejects.toBeTruthy()
    expect(navigate).not.toHaveBeenCalled()
  })

  it('navigates with a hidden link, not by replacing the page', () => {
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    browser.navigate('/api/downloads/xyz')
    expect(click).toHaveBeenCalledOnce()
    expect(document.querySelector('a[href="/api/downloads/xyz"]')).toBeNull() // removed again
  })
})
