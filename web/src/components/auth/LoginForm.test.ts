import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import MockAdapter from 'axios-mock-adapter'
import { createPinia, setActivePinia } from 'pinia'
import { connectSession, http } from '@/api/http'
import LoginForm from './LoginForm.vue'

let mock: MockAdapter

beforeEach(() => {
  setActivePinia(createPinia())
  mock = new MockAdapter(http)
})

afterEach(() => {
  mock.restore()
  connectSession(null)
})

async function fillAndSubmit(w: ReturnType<typeof mount>, username = 'ana', password = 'wrong-password') {
  await w.find('#login-username').setValue(username)
  await w.find('#login-password').setValue(password)
  await w.find('form').trigger('submit')
  await flushPromises()
}

describe('LoginForm', () => {
  it("shows the server's error in role=alert", async () => {
    mock.onPost('/auth/login').reply(401, { title: 'Invalid username or password.', status: 401 })
    const w = mount(LoginForm, { props: { config: null } })
    await fillAndSubmit(w)
    const alert = w.find('[role="alert"]')
    expect(alert.exists()).toBe(true)
    expect(alert.text()).toBe('Invalid username or password.')
    expect(w.find('#login-password').attributes('aria-invalid')).toBe('true')
    expect((w.find('#login-password').element as HTMLInputElement).value).toBe('')
  })

  it('shows the rate-limit wait time', async () => {
    mock.onPost('/auth/login').reply(429, { title: 'Too Many Requests' }, { 'retry-after': '30' })
    const w = mount(LoginForm)
    await fillAndSubmit(w)
    expect(w.find('[role="alert"]').text()).toBe('Too many attempts. Try again in 30 seconds.')
  })

  it('asks for both fields without calling the server', async () => {
    const w = mount(LoginForm)
    await w.find('form').trigger('submit')
    expect(w.find('[role="alert"]').text()).toBe('Enter your username and password.')
    expect(mock.history.post).toHaveLength(0)
  })

  it('is busy while signing in and emits success with the user', async () => {
    let release: (v: [number, unknown]) => void = () => {}
    const user = { id: '1', username: 'ana', role: 'user', mustChangePassword: false }
    mock.onPost('/auth/login').reply(() => new Promise((r) => (release = r)))
    const w = mount(LoginForm)
    await w.find('#login-username').setValue('ana')
    await w.find('#login-password').setValue('right-password')
    await w.find('form').trigger('submit')
    const button = w.get('[data-testid="login-submit"]')
    expect(button.attributes('aria-busy')).toBe('true')
    expect(button.attributes('disabled')).toBeDefined()
    expect(button.find('.spinner').exists()).toBe(true)
    release([200, { accessToken: 't', expiresIn: 900, user }])
    await flushPromises()
    expect(w.emitted('success')?.[0]).toEqual([user])
  })

  it('show/hide password toggles the input type and aria-pressed', async () => {
    const w = mount(LoginForm)
    const toggle = w.get('button[aria-controls="login-password"]')
    expect(toggle.attributes('aria-pressed')).toBe('false')
    expect(toggle.attributes('aria-label')).toBe('Show password')
    await toggle.trigger('click')
    expect(w.get('#login-password').attributes('type')).toBe('text')
    expect(toggle.attributes('aria-pressed')).toBe('true')
    expect(toggle.attributes('aria-label')).toBe('Hide password')
  })

  it('offers the demo prefill only in demo mode', async () => {
    const policy = { minLength: 8, maxLength: 128, recommendedLength: 15 }
    const off = mount(LoginForm, { props: { config: { demoMode: false, demoUsername: null, demoPassword: null, passwordPolicy: policy } } })
    expect(off.text()).not.toContain('demo account')
    const on = mount(LoginForm, { props: { config: { demoMode: true, demoUsername: 'demo', demoPassword: 'demo-pass', passwordPolicy: policy } } })
    await on.get('button.btn-secondary').trigger('click')
    expect((on.get('#login-username').element as HTMLInputElement).value).toBe('demo')
    expect((on.get('#login-password').element as HTMLInputElement).value).toBe('demo-pass')
  })

  it('emits forgot from the Forgot password link', async () => {
    const w = mount(LoginForm)
    const forgot = w.findAll('button').find((b) => b.text() === 'Forgot password?')!
    await forgot.trigger('click')
    expect(w.emitted('forgot')).toHaveLength(1)
  })
})
