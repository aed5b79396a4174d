import { isAxiosError, isCancel } from 'axios'
import type { ProblemDetails } from './types'

export const GENERIC_SERVER_MESSAGE = 'Something went wrong on our side. Please try again in a moment.'
export const NETWORK_MESSAGE = 'Cannot reach the server. Check your connection and try again.'

/** The ProblemDetails body of a failed request, if the server sent one. */
export function problemOf(err: unknown): ProblemDetails | null {
  if (!isAxiosError(err)) return null
  const data: unknown = err.response?.data
  if (data && typeof data === 'object' && !Array.isArray(data)) return data as ProblemDetails
  return null
}

export function statusOf(err: unknown): number | null {
  return isAxiosError(err) ? (err.response?.status ?? null) : null
}

/** Field validation messages from a 400 ProblemDetails, keyed by camelCase field name. */
export function fieldErrors(err: unknown): Record<string, string> {
  const errors = problemOf(err)?.errors
  const out: Record<string, string> = {}
  if (!errors) return out
  for (const [key, messages] of Object.entries(errors)) {
    if (!messages?.length) continue
    const field = key.length ? key[0]!.toLowerCase() + key.slice(1) : key
    out[field] = messages.join(' ')
  }
  return out
}

function retryAfterSeconds(err: unknown): number | null {
  if (!isAxiosError(err)) return null
  const raw: unknown = err.response?.headers?.['retry-after']
  if (raw == null) return null
  const text = String(raw).trim()
  const seconds = Number(text)
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds))
  const date = Date.parse(text)
  return Number.isNaN(date) ? null : Math.max(1, Math.ceil((date - Date.now()) / 1000))
}

/** The one mapping from any failure to a sentence a person can act on. */
export function toUserMessage(err: unknown): string {
  if (isCancel(err)) return 'The request was cancelled.'
  if (!isAxiosError(err)) {
    return err instanceof Error && err.message ? err.message : GENERIC_SERVER_MESSAGE
  }
  if (!err.response) return NETWORK_MESSAGE

  const status = err.response.status
  const problem = problemOf(err)

  if (status === 429) {
    const seconds = retryAfterSeconds(err)
    return seconds
      ? `Too many attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`
      : 'Too many attempts. Please wait a moment and try again.'
  }

  if (status >= 500) {
    const ref = problem?.traceId ? ` Reference: ${problem.traceId}` : ''
    return GENERIC_SERVER_MESSAGE + ref
  }

  const fields = Object.values(fieldErrors(err))
  const headline = problem?.detail || problem?.title
  if (fields.length) {
    const generic = !headline || /validation error/i.test(headline)
    return generic ? fields.join(' ') : `${headline} ${fields.join(' ')}`
  }
  if (headline) return headline

  if (status === 401) return 'Please sign in to continue.'
  if (status === 403) return 'You do not have permission to do that.'
  if (status === 404) return 'That item no longer exists.'
  return GENERIC_SERVER_MESSAGE
}
