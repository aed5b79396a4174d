import axios, { AxiosHeaders, isAxiosError, type AxiosError, type InternalAxiosRequestConfig } from 'axios'
import { MUST_CHANGE_PASSWORD_TYPE, type ProblemDetails } from './types'

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Never answer a 401 of this request with a token refresh (login, refresh itself, restore). */
    skipAuthRefresh?: boolean
    /** Set on the one retry after a refresh; a second 401 is final. */
    _retried?: boolean
  }
}

/**
 * What the HTTP client needs from the session (the auth store provides it in main.ts).
 * Kept as an interface so the client has no import cycle with the store and tests can plug in fakes.
 */
export interface SessionBridge {
  getAccessToken(): string | null
  /** Calls POST /auth/refresh, stores the new session, resolves with the new access token. */
  refresh(): Promise<string>
  /** Refresh failed: the session is over. */
  onSessionEnded(): void
  /** A bearer route answered 403 urn:ret:must-change-password. */
  onPasswordChangeRequired?(): void
}

let session: SessionBridge | null = null

export function connectSession(bridge: SessionBridge | null): void {
  session = bridge
}

export const http = axios.create({
  baseURL: '/api',
  withCredentials: true,
  // No client timeout: long work is cancelled by the caller through an AbortSignal, never cut short here.
  timeout: 0,
  headers: { 'X-RET-CSRF': '1', Accept: 'application/json' },
})

let pendingRefresh: Promise<string> | null = null

/** The current access token, for the few callers outside axios (the SSE reader, tus uploads). */
export function currentAccessToken(): string | null {
  return session?.getAccessToken() ?? null
}

/** The server could not answer (no response, 5xx, 429): nothing about the caller's session follows from it. */
export function isUnanswered(error: unknown): boolean {
  if (!isAxiosError(error)) return false
  const status = error.response?.status
  return status === undefined || status >= 500 || status === 429
}

/**
 * Single-flight refresh: every caller that arrives while a refresh is running waits on the same
 * promise (the queue), and all of them are released with the same new token or the same failure.
 */
export function refreshAccessToken(): Promise<string> {
  if (!session) return Promise.reject(new Error('No session bridge connected.'))
  if (!pendingRefresh) {
    const bridge = session
    pendingRefresh = bridge.refresh().finally(() => {
      pendingRefresh = null
    })
  }
  return pendingRefresh
}

function bearerOf(config: InternalAxiosRequestConfig): string | null {
  const value = config.headers?.get?.('Authorization')
  return typeof value === 'string' && value.startsWith('Bearer ') ? value.slice(7) : null
}

http.interceptors.request.use((config) => {
  const token = session?.getAccessToken()
  config.headers = AxiosHeaders.from(config.headers)
  if (token && !config.headers.has('Authorization')) config.headers.set('Authorization', `Bearer ${token}`)
  return config
})

http.interceptors.response.use(undefined, async (error: unknown) => {
  if (!isAxiosError(error) || !error.config || !error.response) throw error
  const config = error.config
  const status = error.response.status

  if (status === 403) {
    const problem = error.response.data as ProblemDetails | undefined
    if (problem?.type === MUST_CHANGE_PASSWORD_TYPE) session?.onPasswordChangeRequired?.()
    throw error
  }

  if (status !== 401 || config.skipAuthRefresh || config._retried || !session) throw error

  const sentWith = bearerOf(config)
  const current = session.getAccessToken()
  let token: string
  if (current && sentWith && current !== sentWith) {
    // Another request already refreshed while this one was in flight: just retry with the new token.
    token = current
  } else {
    try {
      token = await refreshAccessToken()
    } catch (refreshError) {
      // A refused refresh (cookie missing, expired or revoked) ends the session. One the server could not answer (it
      // or its database is down, the network is gone, too many requests) ends nothing: the cookie is still good, so
      // the user stays signed in and this request fails with that error (for example 503 "temporarily unavailable").
      if (!isUnanswered(refreshError)) session.onSessionEnded()
      throw refreshError as AxiosError
    }
  }

  const headers = new AxiosHeaders(config.headers) // a copy: the failed request stays as it was sent
  headers.set('Authorization', `Bearer ${token}`)
  return http.request({ ...config, headers, _retried: true })
})
