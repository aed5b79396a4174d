import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { connectSession, http } from './http'
import { useAuthStore, SESSION_ENDED_MESSAGE } from '@/stores/auth'
import { installSession } from '@/plugins/session'
import type { LoginResponse } from './types'

const user = { id: 'u1', username: 'ana', role: 'user' as const, mustChangePassword: false }
const session = (token: string): LoginResponse => ({ accessToken: token, expiresIn: 900, user })

let mock: MockAdapter

function makeRouter() {
  const Empty = { render: () => null }
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'login', component: Empty },
      { path: '/app', name: 'workspace', component: Empty, meta: { requiresAuth: true } },
      { path: '/change-password', name: 'change-password', component: Empty, meta: { requiresAuth: true } },
    ],
  })
}

/** The session wired to a router, on a signed-in page, with an access token the server is about to reject. */
async function signedInOnWorkspace() {
  const router = makeRouter()
  installSession(router)
  await router.push('/app')
  const auth = useAuthStore()
  auth.accessToken = 'old'
  auth.user = user
  return { router, auth }
}

beforeEach(() => {
  setActivePinia(createPinia())
  mock = new MockAdapter(http)
})

afterEach(() => {
  mock.restore()
  connectSession(null)
})

describe('http client', () => {
  it('sends the CSRF header, credentials, no timeout and the bearer token', async () => {
    const auth = useAuthStore()
    connectSession({ getAccessToken: () => auth.accessToken, refresh: vi.fn(), onSessionEnded: vi.fn() })
    auth.accessToken = 'tok-1'
    mock.onGet('/ping').reply(200, {})
    await http.get('/ping')
    const sent = mock.history.get[0]!
    expect(sent.headers?.['X-RET-CSRF']).toBe('1')
    expect(sent.headers?.Authorization).toBe('Bearer tok-1')
    expect(sent.withCredentials).toBe(true)
    expect(sent.timeout).toBe(0)
    expect(sent.baseURL).toBe('/api')
  })

  it('three concurrent 401s trigger exactly one refresh and all three are retried with the new token', async () => {
    const router = makeRouter()
    installSession(router)
    const auth = useAuthStore()
    auth.accessToken = 'old'
    auth.user = user

    mock.onPost('/auth/refresh').reply(
      () => new Promise((resolve) => setTimeout(() => resolve([200, session('new')]), 25)),
    )
    for (const path of ['/a', '/b', '/c']) {
      mock.onGet(path).reply((config) =>
        config.headers?.Authorization === 'Bearer new' ? [200, { path }] : [401, { title: 'Unauthorized' }],
      )
    }

    const results = await Promise.all([http.get('/a'), http.get('/b'), http.get('/c')])

    expect(results.map((r) => r.data.path)).toEqual(['/a', '/b', '/c'])
    expect(mock.history.post.filter((r) => r.url === '/auth/refresh')).toHaveLength(1)
    const retries = mock.history.get.filter((r) => r.headers?.Authorization === 'Bearer new')
    expect(retries).toHaveLength(3)
    expect(auth.accessToken).toBe('new')
  })

  it('a request that answered 401 after another refresh finished is retried without a second refresh', async () => {
    const auth = useAuthStore()
    const refresh = vi.fn(async () => 'unused')
    connectSession({ getAccessToken: () => auth.accessToken, refresh, onSessionEnded: vi.fn() })
    auth.accessToken = 'old'
    mock.onGet('/late').replyOnce(() => {
      auth.accessToken = 'fresh' // someone refreshed while this request was in flight
      return [401, {}]
    })
    mock.onGet('/late').reply((c) => (c.headers?.Authorization === 'Bearer fresh' ? [200, 'ok'] : [401, {}]))
    await expect(http.get('/late')).resolves.toMatchObject({ data: 'ok' })
    expect(refresh).not.toHaveBeenCalled()
  })

  it('retries only once: a second 401 is final', async () => {
    const auth = useAuthStore()
    connectSession({ getAccessToken: () => auth.accessToken, refresh: async () => (auth.accessToken = 'new'), onSessionEnded: vi.fn() })
    auth.accessToken = 'old'
    mock.onGet('/never').reply(401, {})
    await expect(http.get('/never')).rejects.toMatchObject({ response: { status: 401 } })
    expect(mock.history.get).toHaveLength(2)
  })

  it('on refresh failure clears the store and returns to sign-in with a message', async () => {
    const { router, auth } = await signedInOnWorkspace()

    mock.onPost('/auth/refresh').reply(401, { title: 'Unauthorized' })
    mock.onGet('/x').reply(401, {})
    mock.onGet('/y').reply(401, {})

    const outcomes = await Promise.allSettled([http.get('/x'), http.get('/y')])

    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true)
    expect(mock.history.post.filter((r) => r.url === '/auth/refresh')).toHaveLength(1)
    expect(auth.accessToken).toBeNull()
    expect(auth.user).toBeNull()
    expect(auth.isAuthenticated).toBe(false)
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('login'))
    expect(auth.takeNotice()).toBe(SESSION_ENDED_MESSAGE)
  })

  it('a refresh the server cannot answer (503) keeps the session: the request fails, the user stays signed in', async () => {
    const { router, auth } = await signedInOnWorkspace()

    mock.onPost('/auth/refresh').reply(503, { title: 'The service is temporarily unavailable. Please try again shortly.' })
    mock.onGet('/x').reply(401, {})

    const outcome = await http.get('/x').catch((e: unknown) => e)
    expect((outcome as { response?: { status: number } }).response?.status).toBe(503)
    expect(auth.accessToken).toBe('old')
    expect(auth.isAuthenticated).toBe(true)
    expect(router.currentRoute.value.name).toBe('workspace')
    expect(auth.takeNotice()).toBeNull()

    // The server is back: the next 401 refreshes and the request goes through.
    mock.onPost('/auth/refresh').reply(200, session('new'))
    mock.onGet('/y').replyOnce(401, {}).onGet('/y').reply(200, { ok: true })
    expect((await http.get('/y')).data).toEqual({ ok: true })
    expect(auth.accessToken).toBe('new')
  })

  it('never refreshes for the login call or the refresh call itself', async () => {
    const refresh = vi.fn(async () => 'x')
    connectSession({ getAccessToken: () => null, refresh, onSessionEnded: vi.fn() })
    mock.onPost('/auth/login').reply(401, { title: 'Invalid username or password.' })
    mock.onPost('/auth/refresh').reply(401, {})
    await expect(http.post('/auth/login', {}, { skipAuthRefresh: true })).rejects.toBeTruthy()
    const { login, refresh: refreshCall } = await import('./auth')
    await expect(login('a', 'b')).rejects.toMatchObject({ response: { status: 401 } })
    await expect(refreshCall()).rejects.toMatchObject({ response: { status: 401 } })
    expect(refresh).not.toHaveBeenCalled()
  })

  it('a 403 must-change-password sends the user to the change-password page', async () => {
    const router = makeRouter()
    installSession(router)
    const auth = useAuthStore()
    auth.accessToken = 't'
    auth.user = user
    mock.onGet('/auth/api-keys').reply(403, { type: 'urn:ret:must-change-password', title: 'Password change required' })
    await expect(http.get('/auth/api-keys')).rejects.toBeTruthy()
    expect(auth.mustChangePassword).toBe(true)
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('change-password'))
  })
})
