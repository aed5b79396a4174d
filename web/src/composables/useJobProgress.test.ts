import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { mount, flushPromises } from '@vue/test-utils'
import type { Job } from '@/api/workspaceTypes'

const streamJobEvents = vi.fn()
vi.mock('@/api/jobs', () => ({
  streamJobEvents: (...args: unknown[]) => streamJobEvents(...args),
  getJob: vi.fn(),
  cancelJob: vi.fn(),
  retryJob: vi.fn(),
}))
const { useJobProgress } = await import('./useJobProgress')

const job = (state: Job['state'], percent = 0): Job => ({
  id: 'job-7', sessionId: 's1', kind: 'convert', state, createdAt: '', startedAt: null, finishedAt: null, error: null,
  progress: { phase: '', filesDone: 0, filesTotal: 0, records: 0, bytesDone: 0, bytesTotal: 0, mbPerSecond: null, etaSeconds: null, currentFile: null, errors: 0, percent },
})

function host(options: Parameters<typeof useJobProgress>[0]) {
  let api!: ReturnType<typeof useJobProgress>
  const wrapper = mount(defineComponent({ setup: () => ((api = useJobProgress(options)), () => h('div')) }))
  return { wrapper, api: () => api }
}

describe('useJobProgress', () => {
  it('after a reload, resubscribes on mount to the session’s active job and follows it to the end', async () => {
    let push!: (j: Job) => void
    let finish!: (j: Job) => void
    streamJobEvents.mockImplementation((_id: string, onEvent: (j: Job) => void) => {
      push = onEvent
      return new Promise<Job>((r) => (finish = r))
    })
    const onFinished = vi.fn()
    const { api, wrapper } = host({ resume: async () => job('running', 20), onFinished })
    await flushPromises()
    expect(streamJobEvents).toHaveBeenCalledWith('job-7', expect.any(Function), expect.any(AbortSignal))
    expect(api().running.value).toBe(true)
    push(job('running', 55))
    expect(api().job.value?.progress.percent).toBe(55)
    finish(job('succeeded', 100))
    await flushPromises()
    expect(api().job.value?.state).toBe('succeeded')
    expect(onFinished).toHaveBeenCalledOnce()
    wrapper.unmount()
  })

  it('shows a finished job without opening a stream, and aborts the stream on unmount', async () => {
    streamJobEvents.mockReset()
    const { api } = host({ resume: () => job('succeeded', 100) })
    await flushPromises()
    expect(api().job.value?.state).toBe('succeeded')
    expect(streamJobEvents).not.toHaveBeenCalled()

    let signal!: AbortSignal
    streamJobEvents.mockImplementation((_i: string, _e: unknown, s: AbortSignal) => ((signal = s), new Promise(() => {})))
    const second = host({ resume: () => job('queued') })
    await flushPromises()
    second.wrapper.unmount()
    await nextTick()
    expect(signal.aborted).toBe(true)
  })
})
