import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { http } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import { useToastStore } from '@/stores/toasts'
import type { AdminUser } from '@/api/adminTypes'
import UsersTab from './UsersTab.vue'

const user = (over: Partial<AdminUser> = {}): AdminUser => ({
  id: 'u2',
  username: 'bob',
  role: 'admin',
  isActive: true,
  isLocked: false,
  lockedUntil: null,
  lockReason: null,
  mustChangePassword: false,
  pendingSetup: false,
  createdAt: '2024-01-01T00:00:00Z',
  lastLoginAt: null,
  ...over,
})

// jsdom has no ResizeObserver; Headless UI's Dialog observes its panel with one.
globalThis.ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}

let mock: MockAdapter
let wrapper: VueWrapper | null = null

beforeEach(() => {
  setActivePinia(createPinia())
  useAuthStore().user = { id: 'me', username: 'root', role: 'admin', mustChangePassword: false }
  mock = new MockAdapter(http)
  mock.onGet('/config/public').reply(200, { demoMode: false, demoUsername: null, demoPassword: null, passwordPolicy: { minLength: 8, maxLength: 128, recommendedLength: 15 } })
  mock.onGet('/admin/users').reply(200, { items: [user()], total: 1, page: 1, pageSize: 25 })
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  mock.restore()
  document.body.innerHTML = ''
})

async function mountTab() {
  wrapper = mount(UsersTab, { attachTo: document.body })
  await flushPromises()
  return wrapper
}
const $ = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector)
async function click(el: Element | null) {
  expect(el).not.toBeNull()
  ;(el as HTMLElement).click()
  await flushPromises()
}
async function type(selector: string, value: string) {
  const input = $<HTMLInputElement>(selector)!
  input.value = value
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

describe('Users tab', () => {
  it('lists users from the server with state badges', async () => {
    mock.onGet('/admin/users').reply(200, { items: [user({ isLocked: true, lockReason: 'fraud' }), user({ id: 'u3', username: 'cy', role: 'user', pendingSetup: true })], total: 2, page: 1, pageSize: 25 })
    await mountTab()
    const rows = document.querySelectorAll('[data-testid="user-row"]')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.textContent).toContain('Locked')
    expect(rows[1]!.textContent).toContain('Pending setup')
    expect(document.querySelector('th[aria-sort="ascending"]')?.textContent).toContain('Username')
  })

  it('creates a user token-first and shows the setup token once', async () => {
    mock.onPost('/admin/users').reply(201, {
      user: user({ id: 'u9', username: 'eve', role: 'user', pendingSetup: true }),
      setupToken: 'setup-secret-123',
      setupTokenExpiresAt: '2099-01-01T00:00:00Z',
    })
    await mountTab()
    await click($('[data-testid="new-user"]'))
    expect($('[data-testid="create-user-dialog"]')).not.toBeNull()
    await type('#new-user-name', 'eve')
    await click($('[data-testid="create-user-submit"]'))

    expect(JSON.parse(mock.history.post[0]!.data as string)).toEqual({ username: 'eve', role: 'user' })
    expect($('[data-testid="secret-token"]')?.textContent).toBe('setup-secret-123')
    expect($('[data-testid="secret-link"]')?.textContent).toBe(`${window.location.origin}/reset-password?token=setup-secret-123`)
    expect($('[data-testid="secret-notice"]')?.textContent).toContain('will not be shown again')
    expect(document.querySelectorAll('button[aria-label^="Copy"]')).toHaveLength(2)
    expect(useToastStore().items.map((t) => t.message)).toContain('User “eve” created.')

    await click($('[data-testid="create-user-done"]'))
    expect($('[data-testid="secret-token"]')).toBeNull()
    await click($('[data-testid="new-user"]'))
    expect(document.body.textContent).not.toContain('setup-secret-123') // gone for good
    expect($<HTMLInputElement>('#new-user-name')?.value).toBe('')
  })

  it('copies the token with the copy button', async () => {
    const writeText = vi.fn(() => Promise.resolve())
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    mock.onPost('/admin/users').reply(201, { user: user({ username: 'eve' }), setupToken: 'tok-1', setupTokenExpiresAt: null })
    await mountTab()
    await click($('[data-testid="new-user"]'))
    await type('#new-user-name', 'eve')
    await click($('[data-testid="create-user-submit"]'))
    await click($('button[aria-label="Copy setup token"]'))
    expect(writeText).toHaveBeenCalledWith('tok-1')
  })

  it('with a password: sends it and closes without a token', async () => {
    mock.onPost('/admin/users').reply(201, { user: user({ username: 'pat' }), setupToken: null })
    await mountTab()
    await click($('[data-testid="new-user"]'))
    await type('#new-user-name', 'pat')
    await click($('[data-testid="onboarding-password"]'))
    await type('#new-user-password', 'short')
    await click($('[data-testid="create-user-submit"]'))
    expect(mock.history.post).toHaveLength(0) // too short: checked here first
    expect(document.body.textContent).toContain('Use at least 8 characters.')
    await type('#new-user-password', 'a long enough passphrase')
    await click($('[data-testid="create-user-submit"]'))
    expect(JSON.parse(mock.history.post[0]!.data as string)).toEqual({ username: 'pat', role: 'user', password: 'a long enough passphrase' })
    expect($('[data-testid="create-user-dialog"]')).toBeNull()
  })

  it('asks before an action, saying what will happen, and shows a 409’s title as an error toast', async () => {
    mock.onPut('/admin/users/u2/role').reply(409, { title: 'This is the last active administrator; make someone else an administrator first.', status: 409 })
    await mountTab()
    await click($('[data-testid="user-actions"]'))
    await click($('[data-action="demote"]'))
    const dialog = $('[data-testid="confirm-dialog"]')
    expect(dialog?.textContent).toContain('Remove the administrator role from “bob”?')
    expect(dialog?.textContent).toContain('signed out on every device')
    expect(mock.history.put).toHaveLength(0)

    await click([...dialog!.querySelectorAll('button')].find((b) => b.textContent?.includes('Remove administrator role')) ?? null)
    expect(mock.history.put).toHaveLength(1)
    const toasts = useToastStore().items
    expect(toasts.at(-1)).toMatchObject({ kind: 'error', message: 'This is the last active administrator; make someone else an administrator first.' })
    expect($('[data-testid="confirm-dialog"]')).toBeNull()
  })

  it('locks with a reason and updates the row', async () => {
    mock.onPost('/admin/users/u2/lock').reply(200, user({ isLocked: true, lockReason: 'left the company' }))
    await mountTab()
    await click($('[data-testid="user-actions"]'))
    await click($('[data-action="lock"]'))
    await click($('[data-testid="reason-dialog"] button[type="submit"]'))
    expect(mock.history.post).toHaveLength(0) // a reason is required
    expect($('#reason-error')?.textContent).toContain('Give a reason')
    await type('#reason-text', 'left the company')
    await click($('[data-testid="reason-dialog"] button[type="submit"]'))
    expect(JSON.parse(mock.history.post[0]!.data as string)).toEqual({ reason: 'left the company' })
    expect(useToastStore().items.at(-1)).toMatchObject({ kind: 'success', message: 'bob is locked.' })
  })

  it('offers no self-demotion, -lock or -deletion', async () => {
    mock.onGet('/admin/users').reply(200, { items: [user({ id: 'me', username: 'root' })], total: 1, page: 1, pageSize: 25 })
    await mountTab()
    await click($('[data-testid="user-actions"]'))
    expect($<HTMLButtonElement>('[data-action="demote"]')?.disabled).toBe(true)
    expect($<HTMLButtonElement>('[data-action="lock"]')?.disabled).toBe(true)
    expect($<HTMLButtonElement>('[data-action="delete"]')?.disabled).toBe(true)
    expect($<HTMLButtonElement>('[data-action="reset-token"]')?.disabled).toBe(false)
  })
})
