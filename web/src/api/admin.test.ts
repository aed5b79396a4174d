import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { http } from './http'
import {
  createUser,
  exportAuditLogs,
  fileNameFrom,
  listAuditLogs,
  listParams,
  listSignInSessions,
  listUsers,
  lockUser,
  saveSettings,
  setUserActive,
  setUserRole,
} from './admin'
import { toUserMessage } from './problem'
import type { AdminSettings } from './adminTypes'

let mock: MockAdapter
beforeEach(() => (mock = new MockAdapter(http)))
afterEach(() => mock.restore())

const empty = { items: [], total: 0, page: 1, pageSize: 25 }
const lastParams = (method: 'get' | 'post' = 'get') => mock.history[method].at(-1)!.params as Record<string, unknown>

describe('listParams', () => {
  it('leaves out empty filters, trims text, pairs dir with sort and caps the page size at 200', () => {
    expect(listParams({ page: 3, pageSize: 500, sort: 'username', dir: 'desc', search: '  ana ', role: '', state: undefined })).toEqual({
      page: 3,
      pageSize: 200,
      sort: 'username',
      dir: 'desc',
      search: 'ana',
    })
    expect(listParams({ sort: null, dir: 'desc', q: '   ' })).toEqual({ page: 1, pageSize: 50 })
    expect(listParams({ sort: 'createdAt' })).toMatchObject({ sort: 'createdAt', dir: 'asc' })
    expect(listParams({ page: 0, pageSize: 0 })).toEqual({ page: 1, pageSize: 1 })
  })

  it('has no paging for exports', () => {
    expect(listParams({ action: 'account_locked', outcome: '' }, { paged: false })).toEqual({ action: 'account_locked' })
  })
})

describe('admin API', () => {
  it('lists users with search, filters, sort and paging', async () => {
    mock.onGet('/admin/users').reply(200, empty)
    await listUsers({ page: 2, pageSize: 25, search: 'bo', role: 'admin', state: 'locked', sort: 'lastLoginAt', dir: 'desc' })
    expect(lastParams()).toEqual({ page: 2, pageSize: 25, search: 'bo', role: 'admin', state: 'locked', sort: 'lastLoginAt', dir: 'desc' })
  })

  it('maps the audit filters, including the ISO time range and full text', async () => {
    mock.onGet('/admin/audit-logs').reply(200, empty)
    await listAuditLogs({ actor: 'root', action: 'account_locked', target: '', outcome: 'success', from: '2024-05-01T00:00:00.000Z', q: 'fraud' })
    expect(lastParams()).toEqual({ page: 1, pageSize: 50, actor: 'root', action: 'account_locked', outcome: 'success', from: '2024-05-01T00:00:00.000Z', q: 'fraud' })
  })

  it('sends the session state and user filters', async () => {
    mock.onGet('/admin/sessions').reply(200, empty)
    await listSignInSessions({ state: 'active', userId: 'u 1' })
    expect(lastParams()).toMatchObject({ state: 'active', userId: 'u 1' })
  })

  it('creates a user token-first: no password field at all when none is given', async () => {
    mock.onPost('/admin/users').reply(201, { user: { id: '1', username: 'eve' }, setupToken: 'tok', setupTokenExpiresAt: '2030-01-01T00:00:00Z' })
    const created = await createUser({ username: ' eve ', role: 'user', password: '' })
    expect(JSON.parse(mock.history.post[0]!.data as string)).toEqual({ username: 'eve', role: 'user' })
    expect(created.setupToken).toBe('tok')
  })

  it('uses the contract’s routes for role, lock and activation', async () => {
    mock.onPut('/admin/users/a%2Fb/role').reply(200, { id: 'a/b' })
    mock.onPost('/admin/users/u1/lock').reply(200, { id: 'u1' })
    mock.onPatch('/admin/users/u1').reply(200, { id: 'u1' })
    await setUserRole('a/b', 'admin')
    await lockUser('u1', '  stolen laptop ')
    await setUserActive('u1', false)
    expect(JSON.parse(mock.history.put[0]!.data as string)).toEqual({ role: 'admin' })
    expect(JSON.parse(mock.history.post[0]!.data as string)).toEqual({ reason: 'stolen laptop' })
    expect(JSON.parse(mock.history.patch[0]!.data as string)).toEqual({ isActive: false })
  })

  it('keeps the settings it sent when the PUT answers without a body', async () => {
    const settings = { uploads: { maxFileMb: 1, userQuotaMb: 2 } } as AdminSettings
    mock.onPut('/admin/settings').reply(204)
    expect(await saveSettings(settings)).toBe(settings)
  })
})

describe('CSV export', () => {
  it('downloads with the filters (no paging) and the server’s file name', async () => {
    mock.onGet('/admin/audit-logs/export').reply(200, new Blob(['at,action\n']), { 'content-disposition': 'attachment; filename="x.csv"; filename*=UTF-8\'\'audit%20log.csv' })
    const file = await exportAuditLogs({ action: 'account_locked', page: 4, pageSize: 25, q: '' })
    expect(lastParams()).toEqual({ action: 'account_locked' })
    expect(mock.history.get[0]!.responseType).toBe('blob')
    expect(file.fileName).toBe('audit log.csv')
    expect(await file.blob.text()).toBe('at,action\n')
  })

  it('falls back to audit-log-YYYYMMDD.csv', async () => {
    mock.onGet('/admin/audit-logs/export').reply(200, new Blob(['a']))
    const file = await exportAuditLogs({}, new Date('2024-03-07T23:00:00Z'))
    expect(file.fileName).toBe('audit-log-20240307.csv')
  })

  it('turns a problem-details Blob back into a readable error', async () => {
    mock.onGet('/admin/audit-logs/export').reply(400, new Blob([JSON.stringify({ title: 'Bad range', detail: '“from” must be before “to”.' })]))
    const err = await exportAuditLogs({ from: 'x' }).catch((e: unknown) => e)
    expect(toUserMessage(err)).toBe('“from” must be before “to”.')
  })

  it('reads both Content-Disposition forms', () => {
    expect(fileNameFrom('attachment; filename=plain.csv')).toBe('plain.csv')
    expect(fileNameFrom('attachment; filename="quoted name.csv"')).toBe('quoted name.csv')
    expect(fileNameFrom("attachment; filename*=UTF-8''%C3%A9t%C3%A9.csv")).toBe('été.csv')
    expect(fileNameFrom(null)).toBeNull()
  })
})
