import { computed, onBeforeUnmount, ref } from 'vue'
import { Upload, type DetailedError } from 'tus-js-client'
import { currentAccessToken, refreshAccessToken } from '@/api/http'
import { uploadEndpoint } from '@/api/workspace'

export type UploadState = 'uploading' | 'paused' | 'done' | 'error' | 'cancelled'

export interface UploadItem {
  key: number
  name: string
  size: number
  sent: number
  percent: number
  /** bytes per second, smoothed */
  speed: number | null
  state: UploadState
  error: string | null
  /** After an error: whether resuming can help (a lost connection, a busy or full server) or the server refused the
   * file itself (not a ZIP/XML, over the limit), which a resume would only send again. */
  retryable: boolean
}

const CHUNK = 8 * 1024 * 1024

/** Statuses worth trying again: no answer, a conflict or lock on the offset, rate limits, server errors (507 included:
 * once space is freed the upload resumes where it stopped). */
function isTransient(status: number): boolean {
  return status === 0 || status === 409 || status === 423 || status === 429 || status >= 500
}
let refreshing: Promise<unknown> | null = null

function tusMessage(err: Error): string {
  const status = (err as DetailedError).originalResponse?.getStatus?.()
  const body = (err as DetailedError).originalResponse?.getBody?.()
  let detail: string | null = null
  try {
    const parsed = body ? (JSON.parse(body) as { detail?: string; title?: string }) : null
    detail = parsed?.detail || parsed?.title || null
  } catch {
    /* not JSON */
  }
  if (detail) return detail
  if (status === 413) return 'The file is over the size limit or your storage quota.'
  if (status === 415) return 'The file content does not match its type (.zip or .xml).'
  if (status === 400) return 'Only .zip and .xml files can be uploaded.'
  if (!status) return 'The connection was lost. Resume to continue from where it stopped.'
  return `The upload failed (HTTP ${status}).`
}

/** Resumable uploads (tus 1.0.0) into one workspace session, with per-file progress and speed. */
export function useUpload(sessionId: () => string | null, onComplete?: (name: string) => void) {
  const items = ref<UploadItem[]>([])
  const uploads = new Map<number, Upload>()
  let nextKey = 1

  const active = computed(() => items.value.some((i) => i.state === 'uploading'))

  function patch(key: number, changes: Partial<UploadItem>): void {
    items.value = items.value.map((i) => (i.key === key ? { ...i, ...changes } : i))
  }

  async function begin(upload: Upload): Promise<void> {
    const previous = await upload.findPreviousUploads()
    if (previous.length) upload.resumeFromPreviousUpload(previous[0]!)
    upload.start()
  }

  function add(files: File[]): void {
    const id = sessionId()
    if (!id) return
    for (const file of files) {
      const key = nextKey++
      let lastAt = performance.now()
      let lastSent = 0
      items.value = [...items.value, { key, name: file.name, size: file.size, sent: 0, percent: 0, speed: null, state: 'uploading', error: null, retryable: true }]
      const upload = new Upload(file, {
        endpoint: new URL(uploadEndpoint(id), window.location.origin).href,
        chunkSize: CHUNK,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        removeFingerprintOnSuccess: true,
        metadata: { filename: file.name, filetype: file.type || (file.name.toLowerCase().endsWith('.xml') ? 'application/xml' : 'application/zip') },
        async onBeforeRequest(req) {
          if (refreshing) await refreshing.catch(() => undefined)
          const token = currentAccessToken()
          if (token) req.setHeader('Authorization', `Bearer ${token}`)
          req.setHeader('X-RET-CSRF', '1')
        },
        onShouldRetry(err) {
          const status = err.originalResponse?.getStatus() ?? 0
          if (status === 401) {
            refreshing ??= refreshAccessToken().finally(() => (refreshing = null))
            return true
          }
          return isTransient(status)
        },
        onProgress(sent, total) {
          const now = performance.now()
          const dt = (now - lastAt) / 1000
          const item = items.value.find((i) => i.key === key)
          let speed = item?.speed ?? null
          if (dt >= 0.25 && sent >= lastSent) {
            const sample = (sent - lastSent) / dt
            speed = speed == null ? sample : speed * 0.6 + sample * 0.4
            lastAt = now
            lastSent = sent
          }
          patch(key, { sent, percent: total ? Math.floor((sent / total) * 100) : 0, speed })
        },
        onSuccess() {
          patch(key, { state: 'done', percent: 100, sent: file.size, speed: null })
          uploads.delete(key)
          onComplete?.(file.name)
        },
        onError(err) {
          const status = (err as DetailedError).originalResponse?.getStatus?.() ?? 0
          patch(key, { state: 'error', error: tusMessage(err), speed: null, retryable: isTransient(status) })
        },
      })
      uploads.set(key, upload)
      void begin(upload)
    }
  }

  function pause(key: number): void {
    void uploads.get(key)?.abort(false)
    patch(key, { state: 'paused', speed: null })
  }

  function resume(key: number): void {
    const upload = uploads.get(key)
    if (!upload || items.value.find((i) => i.key === key)?.retryable === false) return
    patch(key, { state: 'uploading', error: null })
    upload.start()
  }

  async function cancel(key: number): Promise<void> {
    const upload = uploads.get(key)
    uploads.delete(key)
    patch(key, { state: 'cancelled', speed: null })
    // abort(true) also sends DELETE (termination) so the server drops the partial data.
    await upload?.abort(true).catch(() => undefined)
  }

  function clearFinished(): void {
    items.value = items.value.filter((i) => i.state === 'uploading' || i.state === 'paused' || i.state === 'error')
  }

  onBeforeUnmount(() => {
    for (const u of uploads.values()) void u.abort(false)
  })

  return { items, active, add, pause, resume, cancel, clearFinished }
}
