// A small in-memory fake of the RET API for developing the admin console (NOT part of the production bundle): the
// auth routes the SPA and e2e/support.mjs use (login with real passwords, lockout-free, setup/reset tokens) and the
// whole admin contract (docs/api/admin.md): stats, users, reset requests, sign-in sessions, audit and operations
// logs with CSV export, settings, console session. The workspace answers with an empty session list. It also serves
// the built SPA with an index.html fallback.
//   node e2e/fakes/admin-fake.mjs [--port 8124] [--static ../src/Ret.Server/wwwroot]
// The first admin is `admin` with RET_FAKE_ADMIN_PASSWORD (default "Fake-admin-passphrase-1!").
import { createServer } from 'node:http'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : fallback
}
const PORT = Number(arg('port', process.env.PORT ?? 8124))
const STATIC = arg('static', join(here, '..', '..', '..', 'src', 'Ret.Server', 'wwwroot'))
const ADMIN_PASSWORD = process.env.RET_FAKE_ADMIN_PASSWORD ?? 'Fake-admin-passphrase-1!'
const DAY = 86_400_000

// ───────────── state ─────────────
const users = [] // { id, username, role, isActive, isLocked, lockReason, password, mustChangePassword, createdAt, lastLoginAt, deletedAt }
const tokens = new Map() // access token → user id
const refreshCookies = new Map() // refresh cookie → session id
const sessions = [] // sign-in sessions { id, userId, createdAt, lastUsedAt, ipAddress, userAgent, expiresAt, revokedAt }
const resetTokens = new Map() // token → { userId, purpose, expiresAt }
const resetRequests = []
const audit = []
const ops = []
let settings = {
  uploads: { maxFileMb: 500, userQuotaMb: 2048 },
  retention: { workspaceHours: 24, auditDays: 365, opsLogDays: 30 },
  lockout: { maxFailures: 5, lockoutMinutes: 15 },
  rateLimits: { loginPerMinutePerIp: 10, loginPerMinutePerAccount: 5, heavyPerMinutePerUser: 30 },
  conversionDefaults: { format: 'csv', mode: 'wide', neutraliseFormulas: true, bom: false },
}

const iso = (ms = Date.now()) => new Date(ms).toISOString()
function addUser(username, role, password, extra = {}) {
  const u = { id: randomUUID(), username, role, isActive: true, isLocked: false, lockReason: null, password, mustChangePassword: false, createdAt: iso(), lastLoginAt: null, deletedAt: null, ...extra }
  users.push(u)
  return u
}
addUser('admin', 'admin', ADMIN_PASSWORD, { createdAt: iso(Date.now() - 40 * DAY) })
for (let i = 1; i <= 7; i++) addUser(`user${i}`, 'user', `User-${i}-passphrase!`, { createdAt: iso(Date.now() - i * 3 * DAY), lastLoginAt: i % 2 ? iso(Date.now() - i * 3600_000) : null })
ops.push({ id: 1, at: iso(Date.now() - 3600_000), level: 'info', category: 'lifecycle', message: 'Server started', details: JSON.stringify({ version: 'fake' }), requestId: null, node: 'fake-1' })
ops.push({ id: 2, at: iso(Date.now() - 1800_000), level: 'error', category: 'job', message: 'Conversion failed', details: JSON.stringify({ jobId: 'j1', error: 'Malformed XML at line 3' }), requestId: 'req-1', node: 'fake-1' })
resetRequests.push({ id: randomUUID(), userId: users[2].id, username: users[2].username, requestedAt: iso(Date.now() - 7200_000), status: 'pending', decidedAt: null, decidedBy: null, reason: null })

const byId = (id) => users.find((u) => u.id === id && !u.deletedAt)
const byName = (name) => users.find((u) => u.username.toLowerCase() === String(name).toLowerCase() && !u.deletedAt)
const activeAdmins = () => users.filter((u) => u.role === 'admin' && u.isActive && !u.isLocked && !u.deletedAt)
const dto = (u) => ({
  id: u.id, username: u.username, displayName: null, role: u.role, isActive: u.isActive, isLocked: u.isLocked, lockReason: u.lockReason,
  lockedUntil: null, mustChangePassword: u.mustChangePassword, pendingSetup: u.password === null, createdAt: u.createdAt, lastLoginAt: u.lastLoginAt,
})
const me = (u) => ({ id: u.id, username: u.username, role: u.role, mustChangePassword: u.mustChangePassword, displayName: null })

function write(action, actor, target, details, outcome = 'success', req = null) {
  audit.push({
    id: audit.length + 1, at: iso(), actorId: actor?.id ?? null, actorName: actor?.username ?? null, action,
    targetType: target ? 'user' : null, targetId: target?.id ?? null, outcome, details: details ? JSON.stringify(details) : null,
    clientIp: req?.socket.remoteAddress ?? null, requestId: randomUUID(),
  })
}

// ───────────── http helpers ─────────────
function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'Cache-Control': 'no-store', ...headers })
  res.end(text)
}
const problem = (res, status, title, detail, extra = {}) =>
  send(res, status, { type: 'about:blank', title, status, ...(detail ? { detail } : {}), traceId: randomUUID(), ...extra }, { 'Content-Type': 'application/problem+json' })
const notFound = (res) => problem(res, 404, 'Not Found')
async function json(req) {
  const chunks = []
  for await (const c of req) chunks.push(c)
  const b = Buffer.concat(chunks)
  return b.length ? JSON.parse(b.toString('utf8')) : {}
}
const cookie = (req, name) => (req.headers.cookie ?? '').match(new RegExp(`(?:^|; )${name}=([^;]+)`))?.[1] ?? null
function caller(req) {
  const h = req.headers.authorization ?? ''
  const u = h.startsWith('Bearer ') ? byId(tokens.get(h.slice(7))) : null
  return u && u.isActive && !u.isLocked ? u : null
}
function signIn(res, u, req) {
  const accessToken = `fake-${randomBytes(12).toString('hex')}`
  tokens.set(accessToken, u.id)
  const s = { id: randomUUID(), userId: u.id, createdAt: iso(), lastUsedAt: iso(), ipAddress: req.socket.remoteAddress ?? null, userAgent: req.headers['user-agent'] ?? null, expiresAt: iso(Date.now() + 14 * DAY), revokedAt: null }
  sessions.push(s)
  const refresh = randomBytes(16).toString('hex')
  refreshCookies.set(refresh, s.id)
  res.setHeader('Set-Cookie', `ret_fake_refresh=${refresh}; Path=/api/auth; HttpOnly; SameSite=Strict`)
  return { accessToken, expiresIn: 900, user: me(u) }
}
function revokeAll(userId) {
  for (const s of sessions) if (s.userId === userId && !s.revokedAt) s.revokedAt = iso()
  for (const [t, id] of tokens) if (id === userId) tokens.delete(t)
}

/** Paging, sort and `{ items, total, page, pageSize }` like every admin list. */
function paged(url, rows, sortable = {}) {
  const q = url.searchParams
  const page = Math.max(1, Number(q.get('page') ?? 1))
  const pageSize = Math.min(200, Math.max(1, Number(q.get('pageSize') ?? 50)))
  const key = sortable[q.get('sort')]
  if (key) {
    const dir = q.get('dir') === 'desc' ? -1 : 1
    rows = [...rows].sort((a, b) => String(key(a) ?? '').localeCompare(String(key(b) ?? '')) * dir)
  }
  return { items: rows.slice((page - 1) * pageSize, page * pageSize), total: rows.length, page, pageSize }
}
const has = (text, needle) => !needle || String(text ?? '').toLowerCase().includes(needle.toLowerCase())
function inRange(at, url) {
  const from = url.searchParams.get('from')
  const to = url.searchParams.get('to')
  return (!from || at >= from) && (!to || at <= to)
}
const csvCell = (v) => {
  const s = v == null ? '' : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}
function csv(res, name, columns, rows) {
  res.writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${name}"`, 'Cache-Control': 'no-store' })
  res.write(columns.join(',') + '\r\n')
  for (const r of rows) res.write(columns.map((c) => csvCell(r[c])).join(',') + '\r\n')
  res.end()
}
function auditRows(url) {
  const q = url.searchParams
  return audit
    .filter((e) => has(e.actorName, q.get('actor')) && (!q.get('action') || e.action === q.get('action')) && (has(e.targetId, q.get('target')) || has(e.targetType, q.get('target'))))
    .filter((e) => (!q.get('outcome') || e.outcome === q.get('outcome')) && inRange(e.at, url) && has(`${e.details} ${e.action} ${e.actorName}`, q.get('q')))
    .reverse()
}
function opsRows(url) {
  const q = url.searchParams
  return ops.filter((e) => (!q.get('level') || e.level === q.get('level')) && (!q.get('category') || e.category === q.get('category')) && inRange(e.at, url) && has(`${e.message} ${e.details}`, q.get('q'))).reverse()
}
function series() {
  const out = { conversionsPerDay: [], rowsConvertedPerDay: [], signInsPerDay: [] }
  for (let i = 29; i >= 0; i--) {
    const day = iso(Date.now() - i * DAY).slice(0, 10)
    const count = (i * 7) % 11
    out.conversionsPerDay.push({ day, count, failed: i % 5 === 0 ? 1 : 0 })
    out.rowsConvertedPerDay.push({ day, rows: count * 1234 })
    const signIns = audit.filter((e) => e.at.startsWith(day))
    out.signInsPerDay.push({ day, succeeded: (i % 4) + signIns.filter((e) => e.action === 'login_succeeded').length, failed: (i % 3 === 0 ? 1 : 0) + signIns.filter((e) => e.action === 'login_failed').length })
  }
  return out
}
function stats() {
  const live = users.filter((u) => !u.deletedAt)
  return {
    users: { total: live.length, admins: live.filter((u) => u.role === 'admin').length, active: live.filter((u) => u.isActive && !u.isLocked).length, disabled: live.filter((u) => !u.isActive).length, locked: live.filter((u) => u.isLocked).length, pendingSetup: live.filter((u) => u.password === null).length },
    signInSessions: { active: sessions.filter((s) => !s.revokedAt && s.expiresAt > iso()).length },
    workspace: { sessions: 3, storageBytes: 734_003_200 },
    jobs: { queued: 1, running: 2, failed24h: 1, succeeded24h: 14 },
    conversions: { last24h: 15, failed24h: 1, last7d: 61, failed7d: 4 },
    series: series(),
  }
}
function validateSettings(s) {
  const errors = {}
  const num = (path, v, min, max) => {
    if (!Number.isInteger(v) || v < min || v > max) errors[path] = [`Use a whole number from ${min} to ${max}.`]
  }
  num('uploads.maxFileMb', s?.uploads?.maxFileMb, 1, 10240)
  num('uploads.userQuotaMb', s?.uploads?.userQuotaMb, 1, 1_048_576)
  num('retention.workspaceHours', s?.retention?.workspaceHours, 1, 720)
  num('retention.auditDays', s?.retention?.auditDays, 30, 3650)
  num('retention.opsLogDays', s?.retention?.opsLogDays, 1, 3650)
  num('lockout.maxFailures', s?.lockout?.maxFailures, 1, 100)
  num('lockout.lockoutMinutes', s?.lockout?.lockoutMinutes, 1, 1440)
  num('rateLimits.loginPerMinutePerIp', s?.rateLimits?.loginPerMinutePerIp, 1, 1000)
  num('rateLimits.loginPerMinutePerAccount', s?.rateLimits?.loginPerMinutePerAccount, 1, 1000)
  num('rateLimits.heavyPerMinutePerUser', s?.rateLimits?.heavyPerMinutePerUser, 1, 1000)
  if (!['csv', 'xlsx'].includes(s?.conversionDefaults?.format)) errors['conversionDefaults.format'] = ['Use csv or xlsx.']
  if (!['wide', 'relational'].includes(s?.conversionDefaults?.mode)) errors['conversionDefaults.mode'] = ['Use wide or relational.']
  return errors
}
const validation = (res, errors) => problem(res, 400, 'One or more validation errors occurred.', undefined, { errors })
const conflict = (res, title) => problem(res, 409, title)

/** The 409 rules: not yourself, not the last active admin. */
function guard(res, actor, target, { reducesAccess, removesAdmin }) {
  if (reducesAccess && actor.id === target.id) return conflict(res, 'You cannot demote, disable, lock or delete your own account.'), true
  if (removesAdmin && target.role === 'admin' && activeAdmins().filter((a) => a.id !== target.id).length === 0)
    return conflict(res, 'This is the last active administrator; make someone else an administrator first.'), true
  return false
}
function issueToken(u, actor) {
  const token = randomBytes(24).toString('base64url')
  const purpose = u.password === null ? 'setup' : 'reset'
  const expiresAt = iso(Date.now() + (purpose === 'setup' ? 72 : 1) * 3600_000)
  resetTokens.set(token, { userId: u.id, purpose, expiresAt })
  write('reset_token_issued', actor, u, { purpose, expiresAt })
  return { token, expiresAt, purpose }
}

// ───────────── routes ─────────────
async function handleAuth(req, res, p) {
  if (p === '/api/config/public') return send(res, 200, { demoMode: false, demoUsername: null, demoPassword: null, passwordPolicy: { minLength: 12, maxLength: 128, recommendedLength: 16 } })
  if (p === '/api/auth/login' && req.method === 'POST') {
    const { username, password } = await json(req)
    const u = byName(username ?? '')
    if (!u || u.password === null || u.password !== password || !u.isActive || u.isLocked) {
      write('login_failed', null, u ?? null, { username }, 'failure', req)
      return problem(res, 401, 'Invalid username or password.')
    }
    u.lastLoginAt = iso()
    write('login_succeeded', u, u, null, 'success', req)
    return send(res, 200, signIn(res, u, req))
  }
  if (p === '/api/auth/refresh' && req.method === 'POST') {
    const sessionId = refreshCookies.get(cookie(req, 'ret_fake_refresh'))
    const s = sessions.find((x) => x.id === sessionId && !x.revokedAt)
    const u = s && byId(s.userId)
    if (!u || !u.isActive || u.isLocked) return problem(res, 401, 'Unauthorized', 'Your session has ended.')
    s.revokedAt = iso()
    return send(res, 200, signIn(res, u, req))
  }
  if (p === '/api/auth/logout' && req.method === 'POST') return send(res, 204)
  if (p === '/api/auth/request-reset' && req.method === 'POST') {
    const { username } = await json(req)
    const u = byName(username ?? '')
    if (u) resetRequests.push({ id: randomUUID(), userId: u.id, username: u.username, requestedAt: iso(), status: 'pending', decidedAt: null, decidedBy: null, reason: null })
    return send(res, 200, { message: 'If an account with that username exists, a reset link is on its way.' })
  }
  if (p === '/api/auth/reset' && req.method === 'POST') {
    const { token, newPassword } = await json(req)
    const t = resetTokens.get(token)
    const u = t && t.expiresAt > iso() && byId(t.userId)
    if (!u) return problem(res, 400, 'This reset link is invalid or has expired.')
    if (!newPassword || newPassword.length < 12) return validation(res, { newPassword: ['Use at least 12 characters.'] })
    resetTokens.delete(token)
    u.password = newPassword
    u.mustChangePassword = false
    write('password_reset_completed', u, u, { purpose: t.purpose })
    return send(res, 204)
  }
  return null
}

async function handleAdmin(req, res, url, actor) {
  const p = url.pathname
  const q = url.searchParams
  let m
  if (p === '/api/admin/stats') return send(res, 200, stats())
  if (p === '/api/admin/users' && req.method === 'GET') {
    const now = iso()
    const rows = users.filter((u) => !u.deletedAt && has(u.username, q.get('search')) && (!q.get('role') || u.role === q.get('role'))).filter((u) => {
      switch (q.get('state')) {
        case 'active': return u.isActive && !u.isLocked
        case 'disabled': return !u.isActive
        case 'locked': return u.isLocked
        case 'pending': return u.password === null
        default: return true
      }
    })
    const page = paged(url, rows, { username: (u) => u.username.toLowerCase(), createdAt: (u) => u.createdAt, lastLoginAt: (u) => u.lastLoginAt })
    return send(res, 200, { ...page, items: page.items.map(dto) })
  }
  if (p === '/api/admin/users' && req.method === 'POST') {
    const { username, password, role = 'user' } = await json(req)
    if (!username?.trim()) return validation(res, { username: ['Enter a username.'] })
    if (password !== undefined && password !== null && password.length < 12) return validation(res, { password: ['Use at least 12 characters.'] })
    if (users.some((u) => u.username.toLowerCase() === username.trim().toLowerCase())) return conflict(res, 'That username is taken.')
    const u = addUser(username.trim(), role, password ?? null, { mustChangePassword: !!password })
    write('user_created', actor, u, { username: u.username, role, onboarding: password ? 'password' : 'setup_token' })
    const setup = password ? null : issueToken(u, actor)
    return send(res, 201, { user: dto(u), setupToken: setup?.token ?? null, setupTokenExpiresAt: setup?.expiresAt ?? null })
  }
  if ((m = p.match(/^\/api\/admin\/users\/([\w-]+)(\/[\w-]+)?$/))) {
    const u = byId(m[1])
    if (!u) return notFound(res)
    const sub = m[2] ?? ''
    if (sub === '' && req.method === 'GET')
      return send(res, 200, { ...dto(u), storageBytes: 12_345_678, workspaceSessions: 2, signInSessions: sessions.filter((s) => s.userId === u.id).map((s) => ({ ...s, username: u.username })) })
    if (sub === '' && req.method === 'PATCH') {
      const body = await json(req)
      const reduces = body.isActive === false || body.isLocked === true || (body.role && body.role !== 'admin' && u.role === 'admin')
      if (guard(res, actor, u, { reducesAccess: reduces, removesAdmin: reduces })) return
      const changes = {}
      if (body.role && body.role !== u.role) (changes.role = { from: u.role, to: body.role }), (u.role = body.role)
      if (typeof body.isActive === 'boolean' && body.isActive !== u.isActive) (changes.isActive = { from: u.isActive, to: body.isActive }), (u.isActive = body.isActive)
      if (reduces) revokeAll(u.id)
      write('user_updated', actor, u, { changes })
      return send(res, 200, dto(u))
    }
    if (sub === '/role' && req.method === 'PUT') {
      const { role } = await json(req)
      if (!['admin', 'user'].includes(role)) return validation(res, { role: ['Use one of: admin, user.'] })
      const demote = u.role === 'admin' && role !== 'admin'
      if (guard(res, actor, u, { reducesAccess: demote, removesAdmin: demote })) return
      write('user_updated', actor, u, { changes: { role: { from: u.role, to: role } } })
      u.role = role
      if (demote) revokeAll(u.id)
      return send(res, 200, dto(u))
    }
    if (sub === '/lock' && req.method === 'POST') {
      const { reason } = await json(req)
      if (guard(res, actor, u, { reducesAccess: true, removesAdmin: true })) return
      u.isLocked = true
      u.lockReason = reason?.trim() || null
      revokeAll(u.id)
      write('user_updated', actor, u, { changes: { isLocked: { from: false, to: true } } })
      write('account_locked', actor, u, { reason: u.lockReason ?? 'admin' })
      return send(res, 200, dto(u))
    }
    if (sub === '/unlock' && req.method === 'POST') {
      u.isLocked = false
      u.lockReason = null
      write('account_unlocked', actor, u, { reason: 'admin' })
      return send(res, 200, dto(u))
    }
    if (sub === '/reset-token' && req.method === 'POST') return send(res, 201, issueToken(u, actor))
    if (sub === '/sign-out-everywhere' && req.method === 'POST') {
      revokeAll(u.id)
      write('logout_all', actor, u, null)
      return send(res, 204)
    }
    if (sub === '' && req.method === 'DELETE') {
      if (guard(res, actor, u, { reducesAccess: true, removesAdmin: true })) return
      u.deletedAt = iso()
      revokeAll(u.id)
      write('user_deleted', actor, u, { username: u.username })
      return send(res, 204)
    }
  }
  if (p === '/api/admin/reset-requests' && req.method === 'GET') {
    const rows = resetRequests.filter((r) => !q.get('status') || r.status === q.get('status')).reverse()
    const page = paged(url, rows)
    return send(res, 200, { ...page, items: page.items.map(({ userId: _u, ...r }) => r) })
  }
  if ((m = p.match(/^\/api\/admin\/reset-requests\/([\w-]+)\/(approve|reject)$/)) && req.method === 'POST') {
    const r = resetRequests.find((x) => x.id === m[1])
    if (!r) return notFound(res)
    if (r.status !== 'pending') return conflict(res, 'This request was already decided.')
    r.decidedAt = iso()
    r.decidedBy = actor.username
    if (m[2] === 'approve') {
      r.status = 'approved'
      return send(res, 201, issueToken(byId(r.userId), actor))
    }
    const { reason } = await json(req)
    r.status = 'rejected'
    r.reason = reason ?? null
    write('password_reset_rejected', actor, byId(r.userId), { reason })
    return send(res, 200, {})
  }
  if (p === '/api/admin/sessions' && req.method === 'GET') {
    const now = iso()
    const rows = sessions
      .map((s) => ({ ...s, username: byId(s.userId)?.username ?? '(deleted)' }))
      .filter((s) => has(s.username, q.get('search')) && (!q.get('userId') || s.userId === q.get('userId')))
      .filter((s) => {
        const state = s.revokedAt ? 'revoked' : s.expiresAt <= now ? 'expired' : 'active'
        return !q.get('state') || q.get('state') === state
      })
      .reverse()
    return send(res, 200, paged(url, rows))
  }
  if (p === '/api/admin/sessions/cleanup' && req.method === 'POST') {
    const before = sessions.length
    for (let i = sessions.length - 1; i >= 0; i--) if (sessions[i].revokedAt) sessions.splice(i, 1)
    write('sessions_cleaned_up', actor, null, { deleted: before - sessions.length })
    return send(res, 200, { deleted: before - sessions.length })
  }
  if ((m = p.match(/^\/api\/admin\/sessions\/([\w-]+)$/)) && req.method === 'DELETE') {
    const s = sessions.find((x) => x.id === m[1])
    if (!s) return notFound(res)
    s.revokedAt ??= iso()
    write('session_revoked', actor, byId(s.userId), { sessionId: s.id })
    return send(res, 204)
  }
  if (p === '/api/admin/audit-logs/actions') return send(res, 200, [...new Set(['login_succeeded', 'login_failed', 'account_locked', 'account_unlocked', 'user_created', 'user_updated', ...audit.map((e) => e.action)])])
  if (p === '/api/admin/audit-logs/export')
    return csv(res, `audit-log-${iso().slice(0, 10).replace(/-/g, '')}.csv`, ['id', 'at', 'actorName', 'action', 'targetType', 'targetId', 'outcome', 'details', 'clientIp', 'requestId'], auditRows(url))
  if (p === '/api/admin/audit-logs') return send(res, 200, paged(url, auditRows(url)))
  if (p === '/api/admin/ops-logs/export') return csv(res, 'operations-log.csv', ['id', 'at', 'level', 'category', 'message', 'details', 'requestId', 'node'], opsRows(url))
  if (p === '/api/admin/ops-logs') return send(res, 200, paged(url, opsRows(url)))
  if (p === '/api/admin/settings' && req.method === 'GET') return send(res, 200, settings)
  if (p === '/api/admin/settings' && req.method === 'PUT') {
    const next = await json(req)
    const errors = validateSettings(next)
    if (Object.keys(errors).length) return validation(res, errors)
    settings = next
    write('settings_changed', actor, null, { changed: true })
    return send(res, 200, settings)
  }
  return notFound(res)
}

async function handleApi(req, res, url) {
  const p = url.pathname
  const answered = await handleAuth(req, res, p)
  if (answered !== null) return
  const actor = caller(req)
  if (!actor) return problem(res, 401, 'Unauthorized', 'Please sign in to continue.')
  if (p === '/api/auth/me') return send(res, 200, me(actor))
  if (p === '/api/auth/change-password' && req.method === 'POST') {
    const { currentPassword, newPassword } = await json(req)
    if (currentPassword !== actor.password) return validation(res, { currentPassword: ['The current password is wrong.'] })
    actor.password = newPassword
    actor.mustChangePassword = false
    return send(res, 200, signIn(res, actor, req))
  }
  if (p === '/api/auth/logout-all' && req.method === 'POST') return revokeAll(actor.id), send(res, 204)
  if (p === '/api/auth/api-keys') return send(res, 200, [])
  if (p === '/api/workspace/quota') return send(res, 200, { usedBytes: 0, limitBytes: 2 ** 31, maxFileBytes: 2 ** 29 })
  if (p === '/api/workspace/sessions' && req.method === 'GET') return send(res, 200, { items: [], total: 0, page: 1, pageSize: 50 })
  if (p.startsWith('/api/admin/') || p === '/api/auth/console-session') {
    if (actor.role !== 'admin') return problem(res, 403, 'Forbidden')
    if (p === '/api/auth/console-session') {
      const expiresAt = iso(Date.now() + 30 * 60_000)
      res.setHeader('Set-Cookie', 'ret_fake_console=1; Path=/; HttpOnly; SameSite=Strict')
      write('console_session_started', actor, actor, null)
      return send(res, 200, { expiresAt })
    }
    return handleAdmin(req, res, url, actor)
  }
  return notFound(res)
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.webmanifest': 'application/manifest+json' }
function serveStatic(req, res, url) {
  if (url.pathname === '/jobs' || url.pathname === '/docs') {
    const ok = cookie(req, 'ret_fake_console') === '1'
    return send(res, ok ? 200 : 401, ok ? `Fake ${url.pathname.slice(1)} page` : 'Console session needed')
  }
  let file = normalize(join(STATIC, decodeURIComponent(url.pathname)))
  if (!file.startsWith(normalize(STATIC)) || !existsSync(file) || statSync(file).isDirectory()) file = join(STATIC, 'index.html')
  if (!existsSync(file)) return send(res, 404, 'Build the SPA first (npm run build).')
  res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' })
  res.end(readFileSync(file))
}

export function startFake(port = PORT) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`)
    const work = url.pathname.startsWith('/api/') ? handleApi(req, res, url) : Promise.resolve(serveStatic(req, res, url))
    work.catch((err) => {
      console.error(err)
      if (!res.headersSent) problem(res, 500, 'Internal Server Error', 'Fake server error.')
    })
  })
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  startFake().then(() => console.log(`RET admin fake on http://localhost:${PORT} (static: ${STATIC}); admin password: ${ADMIN_PASSWORD}`))
}
