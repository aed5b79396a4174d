import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { createPinia, setActivePinia } from 'pinia'
import { connectSession, http } from '@/api/http'
import { SERVER_UNAVAILABLE_MESSAGE, useAuthStore } from './auth'

const admin = { id: 'a1', username: 'admin', role: 'admin' as const, mustChangePassword: false }
let mock: MockAdapter

function connect() {
  const auth = useAuthStore()
  connectSession({ getAccessToken: () => auth.accessToken, refresh: () => auth.refreshSession(), onSessionEnded: () => auth.endSession() })
  return auth
}

beforeEach(() => {
  setActivePinia(createPinia())
  mock = new MockAdapter(http)
  localStorage.clear()
  sessionStorage.clear()
})

afterEach(() => {
  mock.restore()
  connectSession(null)
})

describe('auth store', () => {
  it('keeps the access token in memory only: web storage is never touched', async () => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    const auth = connect()
    mock.onPost('/auth/login').reply(200, { accessToken: 'secret-jwt', expiresIn: 900, user: admin })
    mock.onPost('/auth/refresh').reply(200, { accessToken: 'secret-jwt-2', expiresIn: 900, user: admin })
    mock.onPost('/auth/logout').reply(204)

    await auth.login('admin', 'pw')
    expect(auth.accessToken).toBe('secret-jwt')
    await auth.refreshSession()
    expect(auth.accessToken).toBe('secret-jwt-2')

    expect(setItem).not.toHaveBeenCalled()
    expect(localStorage.length).toBe(0)
    expect(sessionStorage.length).toBe(0)
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.toContain('secret-jwt')
    await auth.logout()
    expect(setItem).not.toHaveBeenCalled()
  })

  it('login exposes user, isAuthenticated and isAdmin', async () => {
    const auth = connect()
    mock.onPost('/auth/login').reply(200, { accessToken: 't', expiresIn: 900, user: admin })
    expect(auth.isAuthenticated).toBe(false)
    await auth.login('Admin', 'pw')
    expect(JSON.parse(mock.history.post[0]!.data)).toEqual({ username: 'Admin', password: 'pw' })
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.isAdmin).toBe(true)
  })

  it('a failed login leaves the store signed out and rethrows', async () => {
    const auth = connect()
    mock.onPost('/auth/login').reply(401, { title: 'Invalid username or password.' })
    await expect(auth.login('x', 'y')).rejects.toMatchObject({ response: { status: 401 } })
    expect(auth.isAuthenticated).toBe(false)
  })

  it('restore() calls refresh once per page load, even when called concurrently', async () => {
    const auth = connect()
    mock.onPost('/auth/refresh').reply(200, { accessToken: 'r', expiresIn: 900, user: admin })
    const [a, b] = await Promise.all([auth.restore(), auth.restore()])
    await auth.restore()
    expect(a && b).toBe(true)
    expect(mock.history.post).toHaveLength(1)
    expect(auth.isAuthenticated).toBe(true)
  })

  it('restore() without a valid cookie leaves the user signed out without a session-ended notice', async () => {
    const auth = connect()
    mock.onPost('/auth/refresh').reply(401, {})
    expect(await auth.restore()).toBe(false)
    expect(auth.restoreAttempted).toBe(true)
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.notice).toBeNull()
  })

  it('restore() that the server cannot answer says so instead of treating the user as signed out', async () => {
    const auth = connect()
    mock.onPost('/auth/refresh').reply(503, { title: 'The service is temporarily unavailable. Please try again shortly.' })
    expect(await auth.restore()).toBe(false)
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.notice).toBe(SERVER_UNAVAILABLE_MESSAGE)
  })

  it('logout clears the local session even when the server call fails', async () => {
    const auth = connect()
    auth.accessToken = 't'
    auth.user = admin
    mock.onPost('/auth/logout').networkError()
    await expect(auth.logout()).rejects.toBeTruthy()
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.accessToken).toBeNull()
  })

  it('logoutAll uses the bearer endpoint and clears the session', async () => {
    const auth = connect()
    auth.accessToken = 't'
    auth.user = admin
    mock.onPost('/auth/logout-all').reply(204)
    await auth.logoutAll()
    expect(mock.history.post[0]!.headers?.Authorization).toBe('Bearer t')
    expect(auth.isAuthenticated).toBe(false)
  })

  it('changePassword stores the new tokens and clears mustChangePassword', async () => {
    const auth = connect()
    auth.accessToken = 'old'
    auth.user = { ...admin, mustChangePassword: true }
    mock.onPost('/auth/change-password').reply(200, { accessToken: 'new', expiresIn: 900, user: admin })
    await auth.changePassword('current', 'a brand new passphrase')
    expect(JSON.parse(mock.history.post[0]!.data)).toEqual({ currentPassword: 'current', newPassword: 'a brand new passphrase' })
    expect(auth.accessToken).toBe('new')
    expect(auth.mustChangePassword).toBe(false)
  })
})
