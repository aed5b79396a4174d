import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ToastHost from './ToastHost.vue'
import { useToastStore } from '@/stores/toasts'

beforeEach(() => {
  setActivePinia(createPinia())
})

describe('toasts', () => {
  it('announces errors assertively and everything else politely', async () => {
    const w = mount(ToastHost)
    const toasts = useToastStore()
    toasts.success('Saved.')
    toasts.error('The server is unreachable.')
    await w.vm.$nextTick()
    expect(w.get('[role="status"]').attributes('aria-live')).toBe('polite')
    expect(w.get('[role="status"]').text()).toContain('Saved.')
    expect(w.get('[role="alert"]').attributes('aria-live')).toBe('assertive')
    expect(w.get('[role="alert"]').text()).toContain('The server is unreachable.')
  })

  it('can be dismissed with a labelled button and expires by itself', async () => {
    vi.useFakeTimers()
    try {
      const w = mount(ToastHost)
      const toasts = useToastStore()
      toasts.info('First')
      toasts.info('Second')
      await w.vm.$nextTick()
      await w.get('button[aria-label="Dismiss notification"]').trigger('click')
      expect(toasts.items.map((t) => t.message)).toEqual(['Second'])
      vi.advanceTimersByTime(10_000)
      expect(toasts.items).toEqual([])
    } finally {
      vi.useRealTimers()
    }
  })

  it('shows the same message once when it repeats', () => {
    const toasts = useToastStore()
    const a = toasts.error('Cannot reach the server.')
    const b = toasts.error('Cannot reach the server.')
    expect(a).toBe(b)
    expect(toasts.items).toHaveLength(1)
  })
})
