// A small in-memory fake of the RET API for the SPA's browser journeys (NOT part of the production bundle):
// the auth routes the SPA and e2e/support.mjs use, and the whole Workspace contract (docs/api/workspace.md):
// sessions, quota, tus 1.0.0 uploads, scan/convert jobs with SSE progress, tables/rows/edits/undo/patches and
// download tickets. It also serves the built SPA with an index.html fallback.
//   node e2e/fakes/workspace-fake.mjs [--port 8123] [--static ../src/Ret.Server/wwwroot]
// RET_FAKE_BIG=1 adds a synthetic 1,000,000-row table to every converted session (for the preview grid).
// RET_FAKE_SLOW=<ms per tick> slows jobs down (default 120).
import { createServer } from 'node:http'
import { randomUUID, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { unzip, zip } from '../fixtures.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : fallback
}
const PORT = Number(arg('port', process.env.PORT ?? 8123))
const STATIC = arg('static', join(here, '..', '..', '..', 'src', 'Ret.Server', 'wwwroot'))
const TICK = Number(process.env.RET_FAKE_SLOW ?? 120)
const BIG = process.env.RET_FAKE_BIG === '1'
const MAX_FILE = 200 * 1024 * 1024
const QUOTA = 1024 * 1024 * 1024

// ───────────── state ─────────────
const users = new Map() // username → user
const tokens = new Map() // access token → username
const refreshTokens = new Map() // refresh cookie → username
const sessions = new Map() // id → session (internal)
const uploads = new Map() // uploadId → { sessionId, fileId, length, offset, chunks, name }
const jobs = new Map() // id → job (internal, with listeners)
const tickets = new Map() // ticket → { owner, request, sessionId, expires }

const now = () => new Date().toISOString()
function user(username) {
  if (!users.has(username)) users.set(username, { id: randomUUID(), username, role: username === 'admin' ? 'admin' : 'user', mustChangePassword: false, displayName: null })
  return users.get(username)
}
function issue(res, username) {
  const accessToken = `fake-${randomBytes(12).toString('hex')}`
  tokens.set(accessToken, username)
  const refresh = randomBytes(16).toString('hex')
  refreshTokens.set(refresh, username)
  res.setHeader('Set-Cookie', `ret_fake_refresh=${refresh}; Path=/api/auth; HttpOnly; SameSite=Strict`)
  return { accessToken, expiresIn: 900, user: user(username) }
}

// ───────────── http helpers ─────────────
function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'Cache-Control': 'no-store', ...headers })
  res.end(text)
}
const problem = (res, status, title, detail, extra = {}) =>
  send(res, status, { type: 'about:blank', title, status, detail, traceId: randomUUID(), ...extra }, { 'Content-Type': 'application/problem+json' })
const notFound = (res) => problem(res, 404, 'Not Found', 'That item no longer exists.')
async function readBody(req) {
  const chunks = []
  for await (const c of req) chunks.push(c)
  return Buffer.concat(chunks)
}
async function json(req) {
  const b = await readBody(req)
  return b.length ? JSON.parse(b.toString('utf8')) : {}
}
function caller(req) {
  const h = req.headers.authorization ?? ''
  return h.startsWith('Bearer ') ? tokens.get(h.slice(7)) ?? null : null
}
function cookie(req, name) {
  const m = (req.headers.cookie ?? '').match(new RegExp(`(?:^|; )${name}=([^;]+)`))
  return m ? m[1] : null
}

// ───────────── scan / convert engine (tiny) ─────────────
const GENERIC = new Set(['export', 'exports', 'data', 'files', 'xml', 'batch', 'batches', 'businessobjectdata'])
function containerGroup(name) {
  let n = name.replace(/\.(zip|xml)$/i, '')
  if (GENERIC.has(n.toLowerCase()) || /^\d+_BATCH$/i.test(n) || /batch/i.test(n) || /\d{8}/.test(n) || n.length > 64) return null
  n = n.replace(/^(\d+_)+/, '').replace(/(_\d+)+$/, '')
  return n || null
}
function fileGroup(name) {
  const n = name.replace(/^.*\//, '').replace(/\.xml$/i, '').replace(/^(\d+_)+/, '').replace(/(_\d+)+$/, '')
  return n || 'xml'
}
function walk(name, data, path, out) {
  const lower = name.toLowerCase()
  if (lower.endsWith('.zip')) {
    if (data.readUInt32LE(0) !== 0x04034b50 && data.length >= 4) return out.push({ path: [...path, name].join('/'), kind: 'rejected', reason: 'Not a ZIP archive (bad signature).', sizeBytes: data.length })
    try {
      for (const e of unzip(data)) walk(e.name, e.data, [...path, name], out)
    } catch (err) {
      out.push({ path: [...path, name].join('/'), kind: 'rejected', reason: `Unreadable archive: ${err.message}`, sizeBytes: data.length })
    }
  } else if (lower.endsWith('.xml')) {
    let group = null
    for (let i = path.length - 1; i >= 0 && !group; i--) group = containerGroup(path[i].replace(/^.*\//, ''))
    out.push({ path: [...path, name].join('/'), kind: 'xml', group: group ?? fileGroup(name), data, sizeBytes: data.length })
  } else {
    out.push({ path: [...path, name].join('/'), kind: 'skipped', reason: 'Not an XML or ZIP file.', sizeBytes: data.length })
  }
}
const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
function parseRecords(xml, override) {
  const text = xml.toString('utf8').replace(/<\?xml[^>]*\?>/, '')
  const root = text.match(/<([A-Za-z_][\w.-]*)[^>]*>/)
  if (!root) return { element: null, records: [] }
  const inner = text.slice(root.index + root[0].length)
  const element = override || inner.match(/<([A-Za-z_][\w.-]*)[^>]*>/)?.[1]
  if (!element) return { element: null, records: [] }
  const records = []
  const re = new RegExp(`<${element}(?:\\s[^>]*)?>([\\s\\S]*?)</${element}>`, 'g')
  for (const m of inner.matchAll(re)) {
    const rec = {}
    for (const f of m[1].matchAll(/<([A-Za-z_][\w.-]*)(?:\s[^>]*)?>([^<]*)<\/\1>/g)) rec[f[1]] = decode(f[2])
    records.push(rec)
  }
  return { element, records }
}
function scanSession(s) {
  const entries = []
  for (const f of s.files.filter((f) => f.state === 'complete')) walk(f.name, f.data, [], entries)
  const groups = new Map()
  for (const e of entries.filter((e) => e.kind === 'xml')) {
    const { element, records } = parseRecords(e.data)
    e.recordPath = element
    const g = groups.get(e.group) ?? { name: e.group, fileCount: 0, bytes: 0, element, columns: new Set(), files: [] }
    g.fileCount++
    g.bytes += e.sizeBytes
    g.files.push(e)
    for (const r of records) Object.keys(r).forEach((k) => g.columns.add(k))
    groups.set(e.group, g)
  }
  s.entries = entries.map(({ data, ...rest }) => ({ reason: null, group: null, recordPath: null, encoding: rest.kind === 'xml' ? 'utf-8' : null, ...rest }))
  s.groupFiles = groups
  s.scan = {
    summary: {
      files: s.files.filter((f) => f.state === 'complete').length,
      xmlFiles: entries.filter((e) => e.kind === 'xml').length,
      groups: groups.size,
      tables: groups.size,
      totalBytes: s.files.reduce((n, f) => n + f.sizeBytes, 0),
      skipped: entries.filter((e) => e.kind === 'skipped').length,
      rejected: entries.filter((e) => e.kind === 'rejected').length,
      unreadable: 0, // the fake parses no XML
      stoppedReason: null,
    },
    groups: [...groups.values()].map((g) => ({
      name: g.name,
      fileCount: g.fileCount,
      bytes: g.bytes,
      tables: [{ name: g.name, recordElement: g.element, recordPaths: [`${g.element}`], fileCount: g.fileCount, columnsPreview: [...g.columns].slice(0, 50), columnCount: g.columns.length, columnCountExact: true }],
    })),
  }
  return entries.filter((e) => e.kind === 'xml').length
}
function neutralise(v) {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v
}
function convertSession(s, req) {
  const tables = new Map()
  const wanted = req.groups?.length ? req.groups : [...s.groupFiles.keys()]
  for (const name of wanted) {
    const g = s.groupFiles.get(name)
    if (!g) continue
    const columns = new Set(req.includeSourceFile ? ['SOURCE_FILE'] : [])
    const rows = []
    for (const f of g.files) {
      const { records } = parseRecords(f.data, req.recordOverrides?.[name])
      for (const r of records) {
        Object.keys(r).forEach((k) => columns.add(k))
        rows.push(req.includeSourceFile ? { SOURCE_FILE: f.path, ...r } : r)
      }
    }
    const cols = [...columns]
    const mk = (r, i) => ({ id: i, cells: cols.map((c) => (req.neutraliseFormulas === false ? r[c] ?? '' : neutralise(r[c] ?? ''))) })
    tables.set(name, { name, group: name, columns: cols, rows: rows.map(mk), originalRows: null, nextId: rows.length, sourceFiles: g.files.length, errors: 0, modified: false })
  }
  if (BIG) tables.set('BIG_TABLE', { name: 'BIG_TABLE', group: 'SYNTHETIC', big: 1_000_000, columns: ['ROW_NO', 'CODE', 'DESCRIPTION', 'AMOUNT', 'NOTE'], sourceFiles: 1, errors: 0, modified: false })
  for (const t of tables.values()) if (!t.big) t.originalRows = t.rows.map((r) => ({ ...r, cells: [...r.cells] }))
  s.tables = tables
}
function tableInfo(t) {
  const rows = t.big ?? t.rows.length
  return { name: t.name, group: t.group, rows, columns: t.columns.length, sizeBytes: t.big ? rows * 60 : JSON.stringify(t.rows).length, sourceFiles: t.sourceFiles, errors: t.errors, modified: t.modified, isChild: false, parent: null }
}
function bigRow(i) {
  return { id: i, cells: [String(i + 1), `C${String(i % 9973).padStart(4, '0')}`, `Synthetic row ${i + 1} <b>not bold</b>`, ((i * 37) % 100000 / 100).toFixed(2), i % 10 === 0 ? 'A rather long note that will be truncated in the grid because it goes on and on and on' : ''] }
}

// ───────────── jobs ─────────────
function publicJob(j) {
  const { listeners, run, ...rest } = j
  return rest
}
function emit(j, event) {
  const msg = `event: ${event}\ndata: ${JSON.stringify(publicJob(j))}\n\n`
  for (const l of j.listeners) l.write(msg)
  if (['succeeded', 'failed', 'cancelled'].includes(j.state)) {
    for (const l of j.listeners) l.end()
    j.listeners.clear()
  }
}
function startJob(s, kind, work) {
  const j = {
    id: randomUUID(), sessionId: s.id, kind, state: 'queued', createdAt: now(), startedAt: null, finishedAt: null, error: null,
    progress: { phase: 'Queued', filesDone: 0, filesTotal: 0, records: 0, bytesDone: 0, bytesTotal: 0, mbPerSecond: null, etaSeconds: null, currentFile: null, errors: 0, percent: 0 },
    listeners: new Set(), input: work.input,
  }
  jobs.set(j.id, j)
  s.activeJob = j.id
  s.state = kind === 'scan' ? 'scanning' : 'converting'
  const steps = work.steps
  let step = 0
  setTimeout(function tick() {
    if (j.state === 'cancelled') return
    if (j.state === 'queued') {
      j.state = 'running'
      j.startedAt = now()
      emit(j, 'state')
    }
    step++
    const files = work.files
    j.progress = {
      phase: kind === 'scan' ? 'Scanning archives' : 'Writing tables', filesDone: Math.min(files.length, Math.floor((step / steps) * files.length)), filesTotal: files.length,
      records: Math.floor((step / steps) * work.records), bytesDone: Math.floor((step / steps) * work.bytes), bytesTotal: work.bytes, mbPerSecond: 42.5 + step,
      etaSeconds: Math.max(0, ((steps - step) * TICK) / 1000), currentFile: files[Math.min(files.length - 1, step % Math.max(1, files.length))] ?? null, errors: 0, percent: Math.min(100, (step / steps) * 100),
    }
    if (step < steps) {
      emit(j, 'progress')
      setTimeout(tick, TICK)
      return
    }
    try {
      work.finish()
      j.state = 'succeeded'
      j.progress = { ...j.progress, phase: 'Done', percent: 100, etaSeconds: 0, filesDone: files.length }
      s.state = kind === 'scan' ? 'scanned' : 'converted'
    } catch (err) {
      j.state = 'failed'
      j.error = err.message
      s.state = 'failed'
    }
    j.finishedAt = now()
    s.activeJob = null
    s.lastJob = j.id
    s.updatedAt = now()
    emit(j, 'state')
    if (kind === 'scan' && s.pendingScan) {
      s.pendingScan = false
      queueScan(s)
    }
  }, TICK)
  return j
}
function queueScan(s) {
  if (s.activeJob) {
    s.pendingScan = true
    return jobs.get(s.activeJob)
  }
  const files = s.files.filter((f) => f.state === 'complete')
  return startJob(s, 'scan', { steps: 6, files: files.map((f) => f.name), records: 0, bytes: files.reduce((n, f) => n + f.sizeBytes, 0), finish: () => scanSession(s), input: null })
}
function queueConvert(s, req) {
  const groups = req.groups?.length ? req.groups : [...(s.groupFiles?.keys() ?? [])]
  const files = groups.flatMap((g) => s.groupFiles.get(g)?.files.map((f) => f.path) ?? [])
  return startJob(s, 'convert', { steps: 10, files, records: files.length * 30, bytes: s.scan.summary.totalBytes, finish: () => convertSession(s, req), input: req })
}

// ───────────── sessions ─────────────
function summary(s) {
  const size = s.files.reduce((n, f) => n + f.uploadedBytes, 0)
  return { id: s.id, name: s.name, state: s.state, createdAt: s.createdAt, updatedAt: s.updatedAt, expiresAt: new Date(Date.parse(s.updatedAt) + 24 * 3600e3).toISOString(), sizeBytes: size, fileCount: s.files.length, tableCount: s.tables?.size ?? 0 }
}
function full(s) {
  return {
    ...summary(s),
    files: s.files.map(({ data, chunks, ...f }) => f),
    scan: s.scan?.summary ?? null,
    activeJob: s.activeJob ? publicJob(jobs.get(s.activeJob)) : null,
    lastJob: s.lastJob ? publicJob(jobs.get(s.lastJob)) : null,
    tablesReady: !!s.tables,
    tablesError: null,
    undoableEdits: s.undo.length,
  }
}
const usedBytes = (owner) => [...sessions.values()].filter((s) => s.owner === owner).reduce((n, s) => n + s.files.reduce((m, f) => m + f.uploadedBytes, 0), 0)
const paged = (items, url) => {
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1))
  const pageSize = Math.min(200, Math.max(1, Number(url.searchParams.get('pageSize') ?? 50)))
  return { items: items.slice((page - 1) * pageSize, page * pageSize), total: items.length, page, pageSize }
}
const csvCell = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
function tableCsv(t, version) {
  const rows = t.big ? Array.from({ length: 1000 }, (_, i) => bigRow(i)) : version === 'original' ? t.originalRows : t.rows
  return [t.columns, ...rows.map((r) => r.cells)].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
function snapshot(s) {
  return new Map([...s.tables].map(([k, t]) => [k, { ...t, rows: t.rows?.map((r) => ({ ...r, cells: [...r.cells] })), columns: [...t.columns] }]))
}

// ───────────── routes ─────────────
const tusHeaders = { 'Tus-Resumable': '1.0.0', 'Access-Control-Expose-Headers': 'Location, Upload-Offset, Upload-Length, Tus-Resumable' }

async function handleApi(req, res, url) {
  const p = url.pathname
  const m = (re) => p.match(re)
  let match

  if (p === '/api/config/public') return send(res, 200, { demoMode: false, demoUsername: null, demoPassword: null, passwordPolicy: { minLength: 12, maxLength: 128, recommendedLength: 16 } })
  if (p === '/api/auth/login' && req.method === 'POST') {
    const { username, password } = await json(req)
    if (!username || !password) return problem(res, 401, 'Invalid username or password.', 'Invalid username or password.')
    return send(res, 200, issue(res, username))
  }
  if (p === '/api/auth/refresh' && req.method === 'POST') {
    const who = refreshTokens.get(cookie(req, 'ret_fake_refresh'))
    if (!who) return problem(res, 401, 'Unauthorized', 'Your session has ended.')
    refreshTokens.delete(cookie(req, 'ret_fake_refresh'))
    return send(res, 200, issue(res, who))
  }
  if (p === '/api/auth/logout' && req.method === 'POST') return send(res, 204)
  if (p === '/api/health' || p === '/health/ready') return send(res, 200, { status: 'Healthy' })

  const owner = caller(req)
  if (!owner) return problem(res, 401, 'Unauthorized', 'Please sign in to continue.')

  if (p === '/api/auth/me') return send(res, 200, user(owner))
  if (p === '/api/auth/change-password' && req.method === 'POST') return send(res, 200, issue(res, owner))
  if (p === '/api/auth/logout-all' && req.method === 'POST') return send(res, 204)
  if (p === '/api/auth/api-keys') return send(res, 200, [])
  if (p === '/api/admin/users' && req.method === 'POST') {
    const { username, role } = await json(req)
    const u = user(username)
    u.role = role ?? 'user'
    return send(res, 201, u)
  }

  // Workspace sessions
  if (p === '/api/workspace/quota') return send(res, 200, { usedBytes: usedBytes(owner), limitBytes: QUOTA, maxFileBytes: MAX_FILE })
  if (p === '/api/workspace/sessions' && req.method === 'POST') {
    const body = await json(req)
    const mine = [...sessions.values()].filter((s) => s.owner === owner).length
    const s = { id: randomUUID(), owner, name: body.name || `Session ${mine + 1}`, state: 'empty', createdAt: now(), updatedAt: now(), files: [], scan: null, tables: null, activeJob: null, lastJob: null, patches: [], undo: [] }
    sessions.set(s.id, s)
    return send(res, 201, full(s))
  }
  if (p === '/api/workspace/sessions' && req.method === 'GET') {
    const q = (url.searchParams.get('search') ?? '').toLowerCase()
    const mine = [...sessions.values()].filter((s) => s.owner === owner && s.name.toLowerCase().includes(q)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    return send(res, 200, paged(mine.map(summary), url))
  }
  if ((match = m(/^\/api\/workspace\/uploads\/([\w-]+)$/))) {
    const up = uploads.get(match[1])
    const s = up && sessions.get(up.sessionId)
    if (!up || s?.owner !== owner) return send(res, 404, undefined, tusHeaders)
    const file = s.files.find((f) => f.id === up.fileId)
    if (req.method === 'HEAD') return send(res, 200, undefined, { ...tusHeaders, 'Upload-Offset': String(up.offset), 'Upload-Length': String(up.length) })
    if (req.method === 'DELETE') {
      uploads.delete(match[1])
      s.files = s.files.filter((f) => f.id !== up.fileId)
      return send(res, 204, undefined, tusHeaders)
    }
    if (req.method === 'PATCH') {
      if (Number(req.headers['upload-offset']) !== up.offset) return send(res, 409, 'Offset mismatch', tusHeaders)
      const body = await readBody(req)
      if (up.offset + body.length > up.length) return send(res, 413, 'Past Upload-Length', tusHeaders)
      if (up.offset === 0 && body.length >= 4) {
        const zipSig = body.readUInt32LE(0) === 0x04034b50
        const xmlSig = /^(\uFEFF)?\s*</.test(body.subarray(0, 64).toString('utf8'))
        if ((up.name.toLowerCase().endsWith('.zip') && !zipSig) || (up.name.toLowerCase().endsWith('.xml') && !xmlSig)) {
          file.state = 'rejected'
          file.reason = 'The content does not match the file type.'
          return problem(res, 415, 'Unsupported Media Type', `${up.name} is not a real ${extname(up.name)} file.`)
        }
      }
      up.chunks.push(body)
      up.offset += body.length
      file.uploadedBytes = up.offset
      s.updatedAt = now()
      if (up.offset === up.length) {
        file.data = Buffer.concat(up.chunks)
        file.state = 'complete'
        queueScan(s)
      }
      return send(res, 204, undefined, { ...tusHeaders, 'Upload-Offset': String(up.offset) })
    }
  }
  if ((match = m(/^\/api\/workspace\/sessions\/([\w-]+)(\/.*)?$/))) {
    const s = sessions.get(match[1])
    if (!s || s.owner !== owner) return notFound(res)
    const rest = match[2] ?? ''
    s.updatedAt = now()
    if (rest === '' && req.method === 'GET') return send(res, 200, full(s))
    if (rest === '' && req.method === 'PATCH') {
      const { name } = await json(req)
      if (!name || name.length > 120) return problem(res, 400, 'One or more validation errors occurred.', undefined, { errors: { name: ['The name must be 1–120 characters.'] } })
      s.name = name
      return send(res, 200, full(s))
    }
    if (rest === '' && req.method === 'DELETE') {
      sessions.delete(s.id)
      return send(res, 204)
    }
    if (rest === '/uploads') {
      if (req.method === 'OPTIONS') return send(res, 204, undefined, { ...tusHeaders, 'Tus-Version': '1.0.0', 'Tus-Extension': 'creation,termination,expiration', 'Tus-Max-Size': String(MAX_FILE) })
      if (req.method === 'POST') {
        const length = Number(req.headers['upload-length'])
        const meta = Object.fromEntries((req.headers['upload-metadata'] ?? '').split(',').filter(Boolean).map((kv) => { const [k, v] = kv.trim().split(' '); return [k, v ? Buffer.from(v, 'base64').toString('utf8') : ''] }))
        const name = meta.filename ?? 'upload'
        if (!/\.(zip|xml)$/i.test(name)) return problem(res, 400, 'Bad Request', 'Only .zip and .xml files can be uploaded.')
        if (length > MAX_FILE) return problem(res, 413, 'Payload Too Large', 'The file is over the 200 MB limit per file.')
        if (usedBytes(owner) + length > QUOTA) return problem(res, 413, 'Payload Too Large', 'Your storage quota is full. Delete old sessions to free space.')
        const id = randomUUID()
        const file = { id: randomUUID(), name, sizeBytes: length, uploadedBytes: 0, state: 'uploading', reason: null, createdAt: now() }
        s.files.push(file)
        s.state = 'uploading'
        uploads.set(id, { sessionId: s.id, fileId: file.id, length, offset: 0, chunks: [], name })
        return send(res, 201, undefined, { ...tusHeaders, Location: `/api/workspace/uploads/${id}` })
      }
    }
    if (rest === '/scan' && req.method === 'GET') return s.scan ? send(res, 200, s.scan) : notFound(res)
    if (rest === '/scan' && req.method === 'POST') return send(res, 202, publicJob(queueScan(s)))
    if (rest === '/scan/entries') {
      const kind = url.searchParams.get('kind') ?? 'xml'
      const q = (url.searchParams.get('search') ?? '').toLowerCase()
      return send(res, 200, paged((s.entries ?? []).filter((e) => e.kind === kind && e.path.toLowerCase().includes(q)), url))
    }
    if (rest === '/conversions' && req.method === 'POST') {
      if (!s.scan) return problem(res, 409, 'Conflict', 'Scan the session before converting.')
      if (s.activeJob) return problem(res, 409, 'Conflict', 'Another job is running in this session.')
      return send(res, 202, publicJob(queueConvert(s, await json(req))))
    }
    if (rest === '/tables' && req.method === 'GET') return send(res, 200, s.tables ? [...s.tables.values()].map(tableInfo) : [])
    if (rest === '/tables' && req.method === 'POST') {
      const { name, group, headers } = await json(req)
      if (!name || !headers?.length) return problem(res, 400, 'One or more validation errors occurred.', undefined, { errors: { name: ['Name and headers are required.'] } })
      s.tables ??= new Map()
      if (s.tables.has(name)) return problem(res, 409, 'Conflict', `A table called ${name} already exists.`)
      s.undo.push({ editId: randomUUID(), tables: snapshot(s) })
      const t = { name, group: group || name, columns: headers, rows: [], originalRows: [], nextId: 0, sourceFiles: 0, errors: 0, modified: true }
      s.tables.set(name, t)
      s.patches.push({ editId: s.undo.at(-1).editId, at: now(), user: owner, table: name, op: 'addTable', rowId: null, column: null, oldValue: null, newValue: headers.join(',') })
      return send(res, 201, tableInfo(t))
    }
    if ((match = rest.match(/^\/tables\/([^/]+)(\/.*)?$/))) {
      const name = decodeURIComponent(match[1])
      const t = s.tables?.get(name)
      if (!t) return notFound(res)
      const sub = match[2] ?? ''
      if (sub === '' && req.method === 'DELETE') {
        const editId = randomUUID()
        s.undo.push({ editId, tables: snapshot(s) })
        s.tables.delete(name)
        s.patches.push({ editId, at: now(), user: owner, table: name, op: 'deleteTable', rowId: null, column: null, oldValue: null, newValue: null })
        return send(res, 204)
      }
      if (sub === '/rows') {
        const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0))
        const limit = Number(url.searchParams.get('limit') ?? 100)
        if (!(limit >= 1 && limit <= 1000)) return problem(res, 400, 'One or more validation errors occurred.', undefined, { errors: { limit: ['limit must be 1–1000.'] } })
        const sort = url.searchParams.get('sort')
        const dir = url.searchParams.get('dir') === 'desc' ? -1 : 1
        const filters = url.searchParams.getAll('filter').map((f) => [f.slice(0, f.indexOf(':')), f.slice(f.indexOf(':') + 1).toLowerCase()])
        if (t.big) {
          const total = t.big
          const ids = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => (sort && dir < 0 ? total - 1 - (offset + i) : offset + i))
          const rows = ids.map(bigRow)
          await new Promise((r) => setTimeout(r, 15))
          return send(res, 200, { columns: t.columns, rows: rows.map((r) => r.cells), rowIds: ids, offset, total })
        }
        let rows = t.rows
        for (const [col, text] of filters) {
          const ci = t.columns.indexOf(col)
          if (ci >= 0) rows = rows.filter((r) => (r.cells[ci] ?? '').toLowerCase().includes(text))
        }
        const si = sort ? t.columns.indexOf(sort) : -1
        if (si >= 0) rows = [...rows].sort((a, b) => dir * a.cells[si].localeCompare(b.cells[si], 'en', { numeric: true }))
        const slice = rows.slice(offset, offset + limit)
        return send(res, 200, { columns: t.columns, rows: slice.map((r) => r.cells), rowIds: slice.map((r) => r.id), offset, total: rows.length })
      }
      if (sub === '/edits' && req.method === 'POST') {
        const { ops } = await json(req)
        if (!Array.isArray(ops) || !ops.length) return problem(res, 400, 'One or more validation errors occurred.', undefined, { errors: { ops: ['At least one change is needed.'] } })
        const before = snapshot(s)
        const editId = randomUUID()
        const log = []
        for (const op of ops) {
          if (op.op === 'set') {
            const ci = t.columns.indexOf(op.column)
            const row = t.rows.find((r) => r.id === op.rowId)
            if (ci < 0 || !row) {
              s.tables = before
              return problem(res, 400, 'One or more validation errors occurred.', undefined, { errors: { ops: [`Row ${op.rowId} or column ${op.column} does not exist.`] } })
            }
            log.push({ rowId: op.rowId, column: op.column, oldValue: row.cells[ci], newValue: op.value, op: 'set' })
            row.cells[ci] = op.value
          } else if (op.op === 'insertRow') {
            const id = t.nextId++
            t.rows.push({ id, cells: t.columns.map((c) => op.values?.[c] ?? '') })
            log.push({ rowId: id, column: null, oldValue: null, newValue: JSON.stringify(op.values), op: 'insertRow' })
          } else if (op.op === 'deleteRow') {
            const i = t.rows.findIndex((r) => r.id === op.rowId)
            if (i < 0) {
              s.tables = before
              return problem(res, 400, 'One or more validation errors occurred.', undefined, { errors: { ops: [`Row ${op.rowId} does not exist.`] } })
            }
            log.push({ rowId: op.rowId, column: null, oldValue: t.rows[i].cells.join(','), newValue: null, op: 'deleteRow' })
            t.rows.splice(i, 1)
          }
        }
        t.modified = true
        s.undo.push({ editId, tables: before })
        for (const l of log) s.patches.push({ editId, at: now(), user: owner, table: name, ...l })
        return send(res, 200, { editId, table: tableInfo(t) })
      }
    }
    if (rest === '/undo' && req.method === 'POST') {
      const last = s.undo.pop()
      if (!last) return problem(res, 409, 'Conflict', 'There is no edit to undo.')
      s.tables = last.tables
      const t = [...s.tables.values()]
      for (const x of t) if (!x.big) x.modified = JSON.stringify(x.rows) !== JSON.stringify(x.originalRows)
      s.patches.push({ editId: randomUUID(), at: now(), user: owner, table: '', op: 'undo', rowId: null, column: null, oldValue: last.editId, newValue: null })
      return send(res, 200, { undoneEditId: last.editId })
    }
    if (rest === '/patches') {
      if (url.searchParams.get('format') === 'csv') return send(res, 200, tablePatchesCsv(s), { 'Content-Type': 'text/csv' })
      return send(res, 200, s.patches)
    }
    if (rest === '/downloads' && req.method === 'POST') {
      const body = await json(req)
      if (body.kind === 'table' && !s.tables?.has(body.table)) return notFound(res)
      const ticket = randomBytes(24).toString('base64url')
      tickets.set(ticket, { owner, sessionId: s.id, request: body, expires: Date.now() + 60_000 })
      return send(res, 201, { url: `/api/downloads/${ticket}`, expiresAt: new Date(Date.now() + 60_000).toISOString() })
    }
  }
  if ((match = m(/^\/api\/jobs\/([\w-]+)(\/\w+)?$/))) {
    const j = jobs.get(match[1])
    if (!j || sessions.get(j.sessionId)?.owner !== owner) return notFound(res)
    const sub = match[2] ?? ''
    if (sub === '') return send(res, 200, publicJob(j))
    if (sub === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' })
      res.write(`: connected\n\nevent: state\ndata: ${JSON.stringify(publicJob(j))}\n\n`)
      if (['succeeded', 'failed', 'cancelled'].includes(j.state)) return res.end()
      j.listeners.add(res)
      const keep = setInterval(() => res.write(': keep-alive\n\n'), 15_000)
      res.on('close', () => (clearInterval(keep), j.listeners.delete(res)))
      return
    }
    if (sub === '/cancel' && req.method === 'POST') {
      if (!['succeeded', 'failed', 'cancelled'].includes(j.state)) {
        j.state = 'cancelled'
        j.finishedAt = now()
        const s = sessions.get(j.sessionId)
        s.activeJob = null
        s.lastJob = j.id
        s.state = s.scan ? 'scanned' : 'empty'
        emit(j, 'state')
      }
      return send(res, 202, publicJob(j))
    }
    if (sub === '/retry' && req.method === 'POST') {
      if (!['failed', 'cancelled'].includes(j.state)) return problem(res, 409, 'Conflict', 'Only failed or cancelled jobs can be retried.')
      const s = sessions.get(j.sessionId)
      if (s.activeJob) return problem(res, 409, 'Conflict', 'Another job is running in this session.')
      return send(res, 202, publicJob(j.kind === 'scan' ? queueScan(s) : queueConvert(s, j.input)))
    }
  }
  return notFound(res)
}
function tablePatchesCsv(s) {
  const cols = ['editId', 'at', 'user', 'table', 'op', 'rowId', 'column', 'oldValue', 'newValue']
  return [cols, ...s.patches.map((p) => cols.map((c) => String(p[c] ?? '')))].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
function serveDownload(req, res, ticket) {
  const t = tickets.get(ticket)
  tickets.delete(ticket) // single use
  if (!t || t.expires < Date.now()) return problem(res, 404, 'Not Found', 'This download link has expired. Start the download again.')
  const s = sessions.get(t.sessionId)
  if (!s) return notFound(res)
  const r = t.request
  const disp = (name) => `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`
  if (r.kind === 'table') {
    const tb = s.tables.get(r.table)
    const ext = r.format === 'xlsx' ? 'xlsx' : 'csv'
    // The fake has no XLSX writer: it serves the CSV text under the asked name (the real server converts).
    return send(res, 200, tableCsv(tb, r.version), { 'Content-Type': ext === 'csv' ? 'text/csv; charset=utf-8' : 'application/octet-stream', 'Content-Disposition': disp(`${tb.name}.${ext}`) })
  }
  if (r.kind === 'patches') {
    const body = r.format === 'json' ? JSON.stringify(s.patches, null, 2) : tablePatchesCsv(s)
    return send(res, 200, body, { 'Content-Type': r.format === 'json' ? 'application/json' : 'text/csv', 'Content-Disposition': disp(`patches.${r.format === 'json' ? 'json' : 'csv'}`) })
  }
  const list = [...(s.tables?.values() ?? [])].filter((tb) => r.kind === 'all' || tb.group === r.group)
  const entries = list.map((tb) => ({ name: `${tb.group}/${tb.name}.csv`, data: tableCsv(tb, r.version) }))
  if (r.kind === 'all') entries.push({ name: 'manifest.json', data: JSON.stringify({ session: s.name, tables: list.map(tableInfo) }, null, 2) })
  const body = zip(entries)
  res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': body.length, 'Content-Disposition': disp(`${r.kind === 'all' ? s.name : r.group}.zip`) })
  res.end(body)
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.webmanifest': 'application/manifest+json' }
function serveStatic(req, res, url) {
  let file = normalize(join(STATIC, decodeURIComponent(url.pathname)))
  if (!file.startsWith(normalize(STATIC)) || !existsSync(file) || statSync(file).isDirectory()) file = join(STATIC, 'index.html')
  if (!existsSync(file)) return send(res, 404, 'Build the SPA first (npm run build).')
  res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' })
  res.end(readFileSync(file))
}

export function startFake(port = PORT) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`)
    const ticket = url.pathname.match(/^\/api\/downloads\/([\w-]+)$/)
    const work = ticket ? Promise.resolve(serveDownload(req, res, ticket[1])) : url.pathname.startsWith('/api/') ? handleApi(req, res, url) : Promise.resolve(serveStatic(req, res, url))
    work.catch((err) => {
      console.error(err)
      if (!res.headersSent) problem(res, 500, 'Internal Server Error', 'Fake server error.')
    })
  })
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  startFake().then(() => console.log(`RET workspace fake on http://localhost:${PORT} (static: ${STATIC})`))
}
