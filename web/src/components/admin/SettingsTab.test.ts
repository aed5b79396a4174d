import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { http } from '@/api/http'
import { useToastStore } from '@/stores/toasts'
import type { AdminSettings } from '@/api/adminTypes'
import SettingsTab from './SettingsTab.vue'

const SETTINGS: AdminSettings = {
  uploads: { maxFileMb: 500, userQuotaMb: 2048 },
  retention: { workspaceHours: 24, auditDays: 365, opsLogDays: 30 },
  lockout: { maxFailures: 5, lockoutMinutes: 15 },
  rateLimits: { loginPerMinutePerIp: 10, loginPerMinutePerAccount: 5, heavyPerMinutePerUser: 30 },
  conversionDefaults: { format: 'csv', mode: 'wide', neutraliseFormulas: true, bom: false },
}

let mock: MockAdapter
let w: VueWrapper
beforeEach(async () => {
  setActivePinia(createPinia())
  mock = new MockAdapter(http)
  mock.onGet('/admin/settings').reply(200, SETTINGS)
  w = mount(SettingsTab, { attachTo: document.body })
  await flushPromises()
})
afterEach(() => {
  w.unmount()
  mock.restore()
})

const input = (path: string) => w.find(`input[name="${path}"]`)
const saveButton = () => w.find('[data-testid="settings-save"]')

describe('Settings tab', () => {
  it('shows the stored values and saves the whole object', async () => {
    expect((input('uploads.maxFileMb').element as HTMLInputElement).value).toBe('500')
    expect(saveButton().attributes('disabled')).toBeDefined() // nothing changed yet
    mock.onPut('/admin/settings').reply((c) => [200, JSON.parse(c.data as string)])
    await input('lockout.maxFailures').setValue('8')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(JSON.parse(mock.history.put[0]!.data as string)).toEqual({ ...SETTINGS, lockout: { maxFailures: 8, lockoutMinutes: 15 } })
    expect(useToastStore().items.at(-1)).toMatchObject({ kind: 'success' })
    expect(w.text()).toContain('All changes saved.')
  })

  it('maps the server’s 400 errors to their fields (camelCase paths and plain keys)', async () => {
    mock.onPut('/admin/settings').reply(400, {
      title: 'One or more validation errors occurred.',
      status: 400,
      errors: { 'uploads.maxFileMb': ['Must be at most 10240.'], LockoutMinutes: ['Between 1 and 1440.'], other: ['Check the retention.'] },
    })
    await input('uploads.maxFileMb').setValue('99999')
    await w.find('form').trigger('submit')
    await flushPromises()
    const upload = input('uploads.maxFileMb')
    expect(upload.attributes('aria-invalid')).toBe('true')
    expect(w.find(`#${upload.attributes('aria-describedby')!.split(' ')[1]}`).text()).toBe('Must be at most 10240.')
    expect(input('lockout.lockoutMinutes').attributes('aria-invalid')).toBe('true')
    expect(w.find('[data-testid="settings-error"]').text()).toContain('Check the retention.')
    expect(document.activeElement).toBe(upload.element) // focus goes to the first invalid field
    expect(useToastStore().items.at(-1)).toMatchObject({ kind: 'error' })
  })

  it('checks numbers before sending and discards changes', async () => {
    await input('retention.auditDays').setValue('0')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(mock.history.put).toHaveLength(0)
    expect(w.text()).toContain('Use at least 30.') // the server's minimum for audit retention
    await w.find('[data-testid="settings-discard"]').trigger('click')
    expect((input('retention.auditDays').element as HTMLInputElement).value).toBe('365')
    expect(input('retention.auditDays').attributes('aria-invalid')).toBe('false')
  })
})
