import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as authApi from '@/api/auth'
import { isUnanswered, refreshAccessToken } from '@/api/http'
import type { LoginResponse, User } from '@/api/types'

export const SESSION_ENDED_MESSAGE = 'Your session has ended. Please sign in again.'
export const SERVER_UNAVAILABLE_MESSAGE =
  'RET could not reach the server to restore your session. You are still signed in: reload the page in a moment.'

/**
 * The signed-in session. The access token lives in this store's memory only — never in
 * localStorage/sessionStorage; the refresh token is an HttpOnly cookie the browser sends to /api/auth/*.
 */
export const useAuthStore = defineStore('auth', () => {
  const user = ref<User | null>(null)
  const accessToken = ref<string | null>(null)
  /** A message for the login page (e.g. the session ended). Read once by LoginView. */
  const notice = ref<string | null>(null)
  const restoreAttempted = ref(false)
  let restoring: Promise<boolean> | null = null

  const isAuthenticated = computed(() => !!accessToken.value && !!user.value)
  const isAdmin = computed(() => user.value?.role === 'admin')
  const mustChangePassword = computed(() => !!user.value?.mustChangePassword)

  function applySession(res: LoginResponse): void {
    accessToken.value = res.accessToken
    user.value = res.user
  }

  function clearLocal(): void {
    accessToken.value = null
    user.value = null
  }

  async function login(username: string, password: string): Promise<User> {
    const res = await authApi.login(username, password)
    applySession(res)
    notice.value = null
    restoreAttempted.value = true
    return res.user
  }

  /** Used by the HTTP client's single-flight refresh. Throws when the cookie is missing or revoked. */
  async function refreshSession(): Promise<string> {
    const res = await authApi.refresh()
    applySession(res)
    return res.accessToken
  }

  /** Restores the session from the refresh cookie — at most once per page load. */
  function restore(): Promise<boolean> {
    if (restoreAttempted.value) return Promise.resolve(isAuthenticated.value)
    if (!restoring) {
      restoring = refreshAccessToken()
        .then(() => true)
        .catch((error: unknown) => {
          clearLocal()
          if (isUnanswered(error)) notice.value = SERVER_UNAVAILABLE_MESSAGE
          return false
        })
        .finally(() => {
          restoreAttempted.value = true
          restoring = null
        })
    }
    return restoring
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout()
    } finally {
      clearLocal()
    }
  }

  async function logoutAll(): Promise<void> {
    try {
      await authApi.logoutAll()
    } finally {
      clearLocal()
    }
  }

  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    applySession(await authApi.changePassword(currentPassword, newPassword))
  }

  /** Called when a refresh fails mid-session. */
  function endSession(message: string = SESSION_ENDED_MESSAGE): void {
    clearLocal()
    notice.value = message
  }

  function requirePasswordChange(): void {
    if (user.value) user.value = { ...user.value, mustChangePassword: true }
  }

  function takeNotice(): string | null {
    const message = notice.value
    notice.value = null
    return message
  }

  return {
    user,
    accessToken,
    notice,
    restoreAttempted,
    isAuthenticated,
    isAdmin,
    mustChangePassword,
    login,
    refreshSession,
    restore,
    logout,
    logoutAll,
    changePassword,
    endSession,
    requirePasswordChange,
    clearLocal,
    takeNotice,
  }
})
