import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import { installErrorHandler } from './errorHandler'
import { useToastStore } from '@/stores/toasts'

beforeEach(() => {
  setActivePinia(createPinia())
  vi.spyOn(console, 'error').mockImplementation(() => {})
})

afterEach(() => {
  document.body.innerHTML = ''
})

describe('global error handler', () => {
  it('turns an error thrown in a component into a friendly toast', () => {
    const Broken = defineComponent({
      setup() {
        throw new Error('Could not read the export.')
      },
      render: () => h('div'),
    })
    const app = createApp(Broken)
    app.use(createPinia())
    setActivePinia(app.config.globalProperties.$pinia)
    installErrorHandler(app)
    app.mount(document.createElement('div'))
    expect(useToastStore().items[0]).toMatchObject({ kind: 'error', message: 'Could not read the export.' })
  })

  it('reports unhandled promise rejections', () => {
    const app = createApp({ render: () => null })
    installErrorHandler(app)
    const event = new Event('unhandledrejection') as PromiseRejectionEvent
    Object.defineProperty(event, 'reason', { value: new Error('Lost connection.') })
    window.dispatchEvent(event)
    expect(useToastStore().items.map((t) => t.message)).toContain('Lost connection.')
  })
})
