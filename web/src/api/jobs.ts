// Jobs API and the live progress stream (docs/api/workspace.md, "Jobs and live progress").
import { isAxiosError } from 'axios'
import { currentAccessToken, http, isUnanswered, refreshAccessToken } from './http'
import { SseParser, type SseMessage } from './sse'
import { isTerminal, type Job } from './workspaceTypes'

export async function getJob(id: string, signal?: AbortSignal): Promise<Job> {
  return (await http.get<Job>(`/jobs/${encodeURIComponent(id)}`, { signal })).data
}

export async function cancelJob(id: string): Promise<Job> {
  return (await http.post<Job>(`/jobs/${encodeURIComponent(id)}/cancel`)).data
}

export async function retryJob(id: string): Promise<Job> {
  return (await http.post<Job>(`/jobs/${encodeURIComponent(id)}/retry`)).data
}

export interface StreamOptions {
  /** Injected for tests; defaults to the global fetch. */
  fetchImpl?: typeof fetch
  /** Backoff before reconnect attempt n (0-based). */
  backoffMs?: (attempt: number) => number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

const defaultBackoff = (n: number) => Math.min(15_000, 500 * 2 ** n)

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
  })
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`Progress stream answered ${status}.`)
  }
}

/**
 * Reads `GET /api/jobs/{id}/events` with fetch (the bearer header; never a token in the URL), hands every
 * `progress`/`state` message's Job to onEvent, and reconnects with backoff until the job is terminal or the
 * signal aborts — through a dropped connection, a server restart or a database outage (503). A 401 refreshes the
 * session once (single-flight, shared with the HTTP client) and reconnects; a refresh the server cannot answer is
 * retried after the backoff, a refused one ends the stream.
 * Resolves with the last Job seen (terminal unless aborted).
 */
export async function streamJobEvents(
  jobId: string,
  onEvent: (job: Job, event: string) => void,
  signal: AbortSignal,
  options: StreamOptions = {},
): Promise<Job | null> {
  const fetchImpl = options.fetchImpl ?? fetch
  const backoff = options.backoffMs ?? defaultBackoff
  const sleep = options.sleep ?? defaultSleep
  let last: Job | null = null
  let attempt = 0
  let refreshed = false

  while (!signal.aborted) {
    try {
      const token = currentAccessToken()
      const res = await fetchImpl(`/api/jobs/${encodeURIComponent(jobId)}/events`, {
        headers: { Accept: 'text/event-stream', 'X-RET-CSRF': '1', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        credentials: 'same-origin',
        cache: 'no-store',
        signal,
      })
      if (res.status === 401 && !refreshed) {
        await refreshAccessToken() // a refresh the server cannot answer (an outage) throws: back off and try again
        refreshed = true
        continue
      }
      if (!res.ok || !res.body) throw new HttpStatusError(res.status)
      const parser = new SseParser()
      const reader = res.body.getReader()
      const decoder = new TextDecoder()
      const handle = (m: SseMessage) => {
        if (m.event !== 'progress' && m.event !== 'state' && m.event !== 'message') return
        try {
          last = JSON.parse(m.data) as Job
        } catch {
          return
        }
        attempt = 0
        refreshed = false
        onEvent(last, m.event)
      }
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        parser.push(decoder.decode(value, { stream: true })).forEach(handle)
      }
      parser.end().forEach(handle)
      if (isTerminal(last)) return last
    } catch (err) {
      if (signal.aborted) break
      if (err instanceof HttpStatusError && (err.status === 404 || err.status === 403)) throw err
      if (refreshed && err instanceof HttpStatusError && err.status === 401) throw err
      if (isAxiosError(err) && !isUnanswered(err)) throw err // the refresh was refused: the session is over
    }
    if (signal.aborted) break
    await sleep(backoff(attempt++), signal)
  }
  return last
}
