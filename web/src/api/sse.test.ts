import { afterEach, describe, expect, it, vi } from 'vitest'
import { AxiosError, type AxiosResponse } from 'axios'
import { SseParser } from './sse'
import { streamJobEvents } from './jobs'
import { connectSession } from './http'
import type { Job } from './workspaceTypes'

const job = (state: Job['state'], percent: number): Job => ({
  id: 'j1', sessionId: 's1', kind: 'convert', state, createdAt: '', startedAt: null, finishedAt: null, error: null,
  progress: { phase: 'x', filesDone: 0, filesTotal: 1, records: 0, bytesDone: 0, bytesTotal: 0, mbPerSecond: null, etaSeconds: null, currentFile: null, errors: 0, percent },
})
const frame = (event: string, j: Job) => `event: ${event}\ndata: ${JSON.stringify(j)}\n\n`

function streamOf(chunks: string[]): Response {
  const enc = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk))
      c.close()
    },
  })
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } })
}

afterEach(() => connectSession(null))

describe('SseParser', () => {
  it('reassembles messages split mid-line and mid-field across chunks', () => {
    const p = new SseParser()
    const text = frame('progress', job('running', 10)) + frame('state', job('succeeded', 100))
    const out = []
    for (let i = 0; i < text.length; i += 7) out.push(...p.push(text.slice(i, i + 7)))
    expect(out.map((m) => m.event)).toEqual(['progress', 'state'])
    expect(JSON.parse(out[1]!.data).progress.percent).toBe(100)
  })

  it('handles several events in one chunk, CRLF line ends and multi-line data', () => {
    const p = new SseParser()
    const out = p.push('event: a\r\ndata: 1\r\n\r\nevent: b\ndata: x\ndata: y\n\n')
    expect(out).toEqual([
      { event: 'a', data: '1', id: null },
      { event: 'b', data: 'x\ny', id: null },
    ])
  })

  it('ignores keep-alive comments and blank events; default event is "message"', () => {
    const p = new SseParser()
    expect(p.push(': keep-alive\n\n: another\n\n')).toEqual([])
    expect(p.push('data: hi\n\n')).toEqual([{ event: 'message', data: 'hi', id: null }])
  })

  it('waits for \\n after a trailing \\r', () => {
    const p = new SseParser()
    expect(p.push('data: a\r')).toEqual([])
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: 'a', id: null }])
  })
})

describe('streamJobEvents', () => {
  it('sends the bearer header (never the token in the URL) and reconnects until a terminal state', async () => {
    connectSession({ getAccessToken: () => 'tok-1', refresh: vi.fn(), onSessionEnded: vi.fn() })
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(streamOf([': keep-alive\n\n', frame('progress', job('running', 30))])) // dropped mid-job
      .mockRejectedValueOnce(new TypeError('network down'))
      .mockResolvedValueOnce(streamOf([frame('state', job('running', 60)), frame('state', job('succeeded', 100))]))
    const seen: number[] = []
    const sleep = vi.fn(() => Promise.resolve())
    const last = await streamJobEvents('j1', (j) => seen.push(j.progress.percent), new AbortController().signal, { fetchImpl, sleep })
    expect(last?.state).toBe('succeeded')
    expect(seen).toEqual([30, 60, 100])
    expect(fetchImpl).toHaveBeenCalledTimes(3)
    expect(sleep).toHaveBeenCalledTimes(2)
    const [url, init] = fetchImpl.mock.calls[0]!
    expect(url).toBe('/api/jobs/j1/events')
    expect(url).not.toContain('tok-1')
    expect(init.headers.Authorization).toBe('Bearer tok-1')
    expect(init.headers.Accept).toBe('text/event-stream')
  })

  it('on 401 refreshes once through the shared single-flight refresh and reconnects with the new token', async () => {
    let token = 'old'
    const refresh = vi.fn(async () => (token = 'new'))
    connectSession({ getAccessToken: () => token, refresh, onSessionEnded: vi.fn() })
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(new Response(null, { status: 401 }))
      .mockResolvedValueOnce(streamOf([frame('state', job('failed', 40))]))
    const last = await streamJobEvents('j1', () => {}, new AbortController().signal, { fetchImpl, sleep: async () => {} })
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(fetchImpl.mock.calls[1]![1].headers.Authorization).toBe('Bearer new')
    expect(last?.state).toBe('failed')
  })

  it('rides out an outage: 503 answers and a refresh the server cannot answer are retried; a refused refresh ends it', async () => {
    let token = 'old'
    const unavailable = new AxiosError('503', 'ERR_BAD_RESPONSE', undefined, undefined, { status: 503 } as AxiosResponse)
    const refresh = vi.fn().mockRejectedValueOnce(unavailable).mockImplementation(async () => (token = 'new'))
    connectSession({ getAccessToken: () => token, refresh, onSessionEnded: vi.fn() })
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(new Response(null, { status: 503 })) // the database is down
      .mockResolvedValueOnce(new Response(null, { status: 401 })) // the token expired meanwhile; the refresh answers 503
      .mockResolvedValueOnce(new Response(null, { status: 401 })) // back: this refresh works
      .mockResolvedValueOnce(streamOf([frame('state', job('succeeded', 100))]))
    const last = await streamJobEvents('j1', () => {}, new AbortController().signal, { fetchImpl, sleep: async () => {} })
    expect(last?.state).toBe('succeeded')
    expect(refresh).toHaveBeenCalledTimes(2)
    expect(fetchImpl.mock.calls[3]![1].headers.Authorization).toBe('Bearer new')

    const refused = new AxiosError('401', 'ERR_BAD_REQUEST', undefined, undefined, { status: 401 } as AxiosResponse)
    connectSession({ getAccessToken: () => 'old', refresh: vi.fn().mockRejectedValue(refused), onSessionEnded: vi.fn() })
    const again = vi.fn().mockResolvedValue(new Response(null, { status: 401 }))
    await expect(streamJobEvents('j1', () => {}, new AbortController().signal, { fetchImpl: again, sleep: async () => {} })).rejects.toBe(refused)
    expect(again).toHaveBeenCalledTimes(1)
  })

  it('stops without reconnecting when aborted', async () => {
    connectSession({ getAccessToken: () => 't', refresh: vi.fn(), onSessionEnded: vi.fn() })
    const controller = new AbortController()
    const fetchImpl = vi.fn(async () => {
      controller.abort()
      throw new DOMException('aborted', 'AbortError')
    })
    await streamJobEvents('j1', () => {}, controller.signal, { fetchImpl, sleep: async () => {} })
    expect(fetchImpl).toHaveBeenCalledTimes(1)
  })
})
