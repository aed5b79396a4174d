import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { connectSession, http } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import { createAppRouter } from './index'
import { safeRedirect } from './guards'
import type { User } from '@/api/types'

let mock: MockAdapter
const person = (over: Partial<User> = {}): User => ({ id: 'u', username: 'ana', role: 'user', mustChangePassword: false, ...over })

function setup(refreshUser: User | null) {
  const auth = useAuthStore()
  connectSession({ getAccessToken: () => auth.accessToken, refresh: () => auth.refreshSession(), onSessionEnded: () => auth.endSession() })
  if (refreshUser) mock.onPost('/auth/refresh').reply(200, { accessToken: 'tok', expiresIn: 900, user: refreshUser })
  else mock.onPost('/auth/refresh').reply(401, { title: 'Unauthorized' })
  const router = createAppRouter(createMemoryHistory())
  return { auth, router, refreshCalls: () => mock.history.post.filter((r) => r.url === '/auth/refresh').length }
}

async function go(router: ReturnType<typeof createAppRouter>, path: string) {
  await router.push(path)
  return router.currentRoute.value
}

beforeEach(() => {
  setActivePinia(createPinia())
  mock = new MockAdapter(http)
  mock.onGet('/config/public').reply(200, { demoMode: false, passwordPolicy: { minLength: 8, maxLength: 128, recommendedLength: 15 } })
})

afterEach(() => {
  mock.restore()
  connectSession(null)
})

describe('router guards', () => {
  it('sends an unauthenticated visitor of /app to the sign-in page', async () => {
    const { router } = setup(null)
    expect((await go(router, '/app')).name).toBe('login')
  })

  it('keeps the intended page as ?redirect for other guarded pages', async () => {
    const { router } = setup(null)
    const to = await go(router, '/account/api-keys')
    expect(to.name).toBe('login')
    expect(to.query.redirect).toBe('/account/api-keys')
  })

  it('restores the session once, before the first guarded route, and not again', async () => {
    const { router, refreshCalls, auth } = setup(person())
    expect(refreshCalls()).toBe(0)
    expect((await go(router, '/app')).name).toBe('workspace')
    expect(auth.isAuthenticated).toBe(true)
    await go(router, '/account/api-keys')
    await go(router, '/app')
    expect(refreshCalls()).toBe(1)
  })

  it('a failed restore is not retried on later navigations', async () => {
    const { router, refreshCalls } = setup(null)
    await go(router, '/app')
    await go(router, '/admin')
    await go(router, '/')
    expect(refreshCalls()).toBe(1)
  })

  it('sends a non-admin on /admin to /app', async () => {
    const { router } = setup(person({ role: 'user' }))
    expect((await go(router, '/admin')).name).toBe('workspace')
  })

  it('lets an admin open /admin', async () => {
    const { router } = setup(person({ role: 'admin' }))
    expect((await go(router, '/admin')).name).toBe('admin')
  })

  it('sends every route to /change-password while mustChangePassword is set', async () => {
    const { router, auth } = setup(person({ role: 'admin', mustChangePassword: true }))
    for (const path of ['/app', '/admin', '/account/api-keys', '/', '/nowhere']) {
      expect((await go(router, path)).name, path).toBe('change-password')
    }
    auth.user = person({ role: 'admin', mustChangePassword: false })
    expect((await go(router, '/admin')).name).toBe('admin')
  })

  it('sends a signed-in user away from the sign-in page, honouring a safe redirect', async () => {
    const { router } = setup(person())
    expect((await go(router, '/')).name).toBe('workspace')
    expect((await go(router, '/?redirect=/account/api-keys')).name).toBe('api-keys')
    expect((await go(router, '/?redirect=//evil.example')).name).toBe('workspace')
  })

  it('leaves public pages public', async () => {
    const { router } = setup(null)
    expect((await go(router, '/reset-password?token=abc')).name).toBe('reset-password')
    expect((await go(router, '/does/not/exist')).name).toBe('not-found')
  })
})

describe('safeRedirect', () => {
  it('accepts only same-app paths', () => {
    expect(safeRedirect('/app')).toBe('/app')
    expect(safeRedirect('//evil.example')).toBeNull()
    expect(safeRedirect('/\\evil.example')).toBeNull()
    expect(safeRedirect('https://evil.example')).toBeNull()
    expect(safeRedirect(['/app'])).toBeNull()
  })
})
