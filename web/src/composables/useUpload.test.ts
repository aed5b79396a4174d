import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { connectSession } from '@/api/http'

interface FakeOptions {
  endpoint: string
  chunkSize: number
  removeFingerprintOnSuccess: boolean
  metadata: Record<string, string>
  retryDelays: number[]
  onBeforeRequest: (req: { setHeader: (k: string, v: string) => void }) => Promise<void>
  onShouldRetry: (err: { originalResponse: { getStatus: () => number } | null }) => boolean
  onProgress: (sent: number, total: number) => void
  onSuccess: () => void
  onError: (err: Error) => void
}
const created: { options: FakeOptions; start: ReturnType<typeof vi.fn>; abort: ReturnType<typeof vi.fn>; resumeFromPreviousUpload: ReturnType<typeof vi.fn> }[] = []
let previous: unknown[] = []
vi.mock('tus-js-client', () => ({
  Upload: class {
    start = vi.fn()
    abort = vi.fn(() => Promise.resolve())
    resumeFromPreviousUpload = vi.fn()
    findPreviousUploads = () => Promise.resolve(previous)
    constructor(_file: File, public options: FakeOptions) {
      created.push(this as never)
    }
  },
}))
const { useUpload } = await import('./useUpload')

function host(onComplete = vi.fn()) {
  let api!: ReturnType<typeof useUpload>
  mount(defineComponent({ setup: () => ((api = useUpload(() => 'sess-1', onComplete)), () => h('div')) }))
  return api
}
afterEach(() => {
  created.length = 0
  previous = []
  connectSession(null)
})

describe('useUpload', () => {
  it('configures tus per the contract and sends the bearer header from the session', async () => {
    connectSession({ getAccessToken: () => 'tok', refresh: vi.fn(), onSessionEnded: vi.fn() })
    const up = host()
    up.add([new File(['<a/>'], 'x.xml')])
    await flushPromises()
    const { options, start } = created[0]!
    expect(options.endpoint).toBe(`${window.location.origin}/api/workspace/sessions/sess-1/uploads`)
    expect(options.chunkSize).toBe(8 * 1024 * 1024)
    expect(options.removeFingerprintOnSuccess).toBe(true)
    expect(options.metadata).toEqual({ filename: 'x.xml', filetype: 'application/xml' })
    expect(options.retryDelays.length).toBeGreaterThan(2)
    const headers: Record<string, string> = {}
    await options.onBeforeRequest({ setHeader: (k, v) => (headers[k] = v) })
    expect(headers).toEqual({ Authorization: 'Bearer tok', 'X-RET-CSRF': '1' })
    expect(start).toHaveBeenCalledOnce()
  })

  it('resumes a previous upload of the same file (fingerprint) instead of starting over', async () => {
    previous = [{ uploadUrl: '/api/workspace/uploads/u1' }]
    const up = host()
    up.add([new File(['PK'], 'a.zip')])
    await flushPromises()
    expect(created[0]!.resumeFromPreviousUpload).toHaveBeenCalledWith(previous[0])
  })

  it('tracks progress, pause/resume and completion; retries network errors and 5xx but not 413', async () => {
    const done = vi.fn()
    const up = host(done)
    up.add([new File(['PK..'], 'a.zip')])
    await flushPromises()
    const t = created[0]!
    t.options.onProgress(2, 4)
    expect(up.items.value[0]).toMatchObject({ percent: 50, sent: 2, state: 'uploading' })
    up.pause(up.items.value[0]!.key)
    expect(t.abort).toHaveBeenCalledWith(false)
    expect(up.items.value[0]!.state).toBe('paused')
    up.resume(up.items.value[0]!.key)
    expect(t.start).toHaveBeenCalledTimes(2)
    const status = (s: number) => ({ originalResponse: s ? { getStatus: () => s } : null })
    expect(t.options.onShouldRetry(status(0))).toBe(true)
    expect(t.options.onShouldRetry(status(503))).toBe(true)
    expect(t.options.onShouldRetry(status(413))).toBe(false)
    t.options.onSuccess()
    expect(up.items.value[0]).toMatchObject({ state: 'done', percent: 100 })
    expect(done).toHaveBeenCalledWith('a.zip')
  })

  it('a file the server refuses cannot be resumed; a lost connection or a full server can', async () => {
    const up = host()
    up.add([new File(['notes'], 'notes.zip'), new File(['PK..'], 'big.zip')])
    await flushPromises()
    const failure = (status: number, body: string) =>
      Object.assign(new Error('failed'), { originalResponse: { getStatus: () => status, getBody: () => body } })
    created[0]!.options.onError(failure(415, JSON.stringify({ title: 'This file is not a ZIP archive (it does not start like one).' })))
    created[1]!.options.onError(failure(507, JSON.stringify({ title: 'The storage is full.' })))
    const [refused, full] = up.items.value
    expect(refused).toMatchObject({ state: 'error', retryable: false, error: 'This file is not a ZIP archive (it does not start like one).' })
    expect(full).toMatchObject({ state: 'error', retryable: true, error: 'The storage is full.' })
    up.resume(refused!.key)
    expect(created[0]!.start).toHaveBeenCalledTimes(1) // only the first start: a resume would send the same bytes again
    expect(up.items.value[0]!.state).toBe('error')
    up.resume(full!.key)
    expect(created[1]!.start).toHaveBeenCalledTimes(2)
    expect(up.items.value[1]!.state).toBe('uploading')
  })
})
