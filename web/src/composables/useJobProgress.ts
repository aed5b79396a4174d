import { computed, onBeforeUnmount, onMounted, ref, shallowRef } from 'vue'
import { cancelJob, getJob, retryJob, streamJobEvents } from '@/api/jobs'
import { toUserMessage } from '@/api/problem'
import { isTerminal, type Job } from '@/api/workspaceTypes'

export interface JobProgressOptions {
  /** Called on mount: the job to resubscribe to after a page reload (the session's activeJob). */
  resume?: () => Promise<Job | null> | Job | null
  /** Called once when a watched job reaches a terminal state. */
  onFinished?: (job: Job) => void
}

/** Follows one job through its SSE stream; exposes it reactively; cancel/retry. */
export function useJobProgress(options: JobProgressOptions = {}) {
  const job = shallowRef<Job | null>(null)
  const error = ref<string | null>(null)
  const busy = ref(false)
  let controller: AbortController | null = null

  const running = computed(() => !!job.value && !isTerminal(job.value))

  function stop(): void {
    controller?.abort()
    controller = null
  }

  function watchJob(next: Job | null): void {
    stop()
    job.value = next
    error.value = null
    if (!next || isTerminal(next)) return
    const mine = new AbortController()
    controller = mine
    streamJobEvents(next.id, (j) => (job.value = j), mine.signal)
      .then(async (last) => {
        if (mine.signal.aborted) return
        // The stream ended without a terminal message (rare): read the job once.
        const final = isTerminal(last) ? last! : await getJob(next.id)
        job.value = final
        if (isTerminal(final)) options.onFinished?.(final)
      })
      .catch((err: unknown) => {
        if (!mine.signal.aborted) error.value = toUserMessage(err)
      })
  }

  async function act(fn: (id: string) => Promise<Job>): Promise<void> {
    if (!job.value) return
    busy.value = true
    try {
      watchJob(await fn(job.value.id))
    } catch (err) {
      error.value = toUserMessage(err)
    } finally {
      busy.value = false
    }
  }

  onMounted(async () => {
    if (!options.resume) return
    try {
      const active = await options.resume()
      if (active) watchJob(active)
    } catch (err) {
      error.value = toUserMessage(err)
    }
  })
  onBeforeUnmount(stop)

  return {
    job,
    error,
    busy,
    running,
    watchJob,
    stop,
    cancel: () => act(cancelJob),
    retry: () => act(retryJob),
  }
}
