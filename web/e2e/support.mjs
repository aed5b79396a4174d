// Shared support for the browser journeys: Debian Chromium via playwright-core, one context per test,
// screenshots, and API helpers that prepare accounts on the server under test.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
export const OUTPUT_DIR = process.env.RET_E2E_OUTPUT ?? join(here, '..', 'test-output', 'e2e')
const STATE_FILE = join(OUTPUT_DIR, 'admin-state.json')

export const BASE_URL = (process.env.RET_E2E_BASE_URL ?? 'http://localhost:8000').replace(/\/$/, '')
export const ADMIN_USER = process.env.RET_E2E_ADMIN_USER ?? 'admin'
const ADMIN_INITIAL_PASSWORD = process.env.RET_E2E_ADMIN_PASSWORD ?? ''
/** The password the journeys give the first admin when it must change its initial one. */
export const ADMIN_NEW_PASSWORD = process.env.RET_E2E_ADMIN_NEW_PASSWORD ?? 'E2e-admin-passphrase-2024!'

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Debian's chromium (apt). Waits a little if it is still being installed. */
export async function chromiumPath({ attempts = 20, delayMs = 3000 } = {}) {
  for (let i = 0; i < attempts; i++) {
    try {
      const found = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim()
      if (found) return found
    } catch {
      /* not on PATH (yet) */
    }
    if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium'
    await sleep(delayMs)
  }
  throw new Error('Debian chromium not found: apt-get install -y chromium')
}

/** One browser per test file. launch() gives every browser a fresh temporary user-data dir. */
export async function launchBrowser() {
  return chromium.launch({ executablePath: await chromiumPath(), headless: true, args: CHROMIUM_ARGS })
}

/** A new, isolated context (cookies, storage) and page per test. */
export async function newPage(browser, { colorScheme = 'light', viewport = { width: 1280, height: 860 } } = {}) {
  const context = await browser.newContext({ baseURL: BASE_URL, colorScheme, viewport, reducedMotion: 'reduce' })
  const page = await context.newPage()
  const pageErrors = []
  page.on('pageerror', (err) => pageErrors.push(err))
  return { context, page, pageErrors }
}

export async function screenshot(page, name) {
  mkdirSync(OUTPUT_DIR, { recursive: true })
  const path = join(OUTPUT_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

export function uniqueName(prefix) {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

/** Calls the API like the SPA does (CSRF header, JSON). Returns { status, body, headers }. */
export async function api(path, { method = 'GET', body, token } = {}) {
  const headers = { 'X-RET-CSRF': '1', Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(`${BASE_URL}/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let parsed = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    parsed = text
  }
  return { status: res.status, body: parsed, headers: res.headers }
}

function readState() {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8'))
  } catch {
    return null
  }
}

/** Remembers the admin's current password for later journeys (and later runs on the same database). */
export function rememberAdminPassword(password) {
  mkdirSync(OUTPUT_DIR, { recursive: true })
  writeFileSync(STATE_FILE, JSON.stringify({ baseUrl: BASE_URL, username: ADMIN_USER, password }, null, 2))
}

/** Is the first admin still waiting for its forced password change? (null when the initial password no longer works) */
export async function adminMustChangePassword() {
  if (!ADMIN_INITIAL_PASSWORD) return null
  const res = await api('/auth/login', { method: 'POST', body: { username: ADMIN_USER, password: ADMIN_INITIAL_PASSWORD } })
  return res.status === 200 ? res.body.user.mustChangePassword : null
}

/**
 * Logs the admin in through the API, performing the first-login password change if it is still due.
 * Returns { username, password, accessToken }.
 */
let cachedAdmin = null

export async function ensureAdminReady() {
  if (cachedAdmin && Date.now() - cachedAdmin.at < 4 * 60_000) return cachedAdmin.admin
  const saved = readState()
  const candidates = [saved?.password, ADMIN_NEW_PASSWORD, ADMIN_INITIAL_PASSWORD].filter(Boolean)
  for (const password of [...new Set(candidates)]) {
    const res = await api('/auth/login', { method: 'POST', body: { username: ADMIN_USER, password } })
    if (res.status !== 200) continue
    let { accessToken, user } = res.body
    let current = password
    if (user.mustChangePassword) {
      const changed = await api('/auth/change-password', {
        method: 'POST',
        token: accessToken,
        body: { currentPassword: password, newPassword: ADMIN_NEW_PASSWORD },
      })
      if (changed.status !== 200) throw new Error(`Admin password change failed: ${changed.status} ${JSON.stringify(changed.body)}`)
      accessToken = changed.body.accessToken
      current = ADMIN_NEW_PASSWORD
    }
    rememberAdminPassword(current)
    const admin = { username: ADMIN_USER, password: current, accessToken }
    cachedAdmin = { admin, at: Date.now() }
    return admin
  }
  throw new Error(`Cannot sign in as ${ADMIN_USER}: set RET_E2E_ADMIN_PASSWORD to the initial admin password.`)
}

/**
 * Creates a user through the admin API and makes it ready to sign in (does the first-login
 * password change if the server demands one). Returns { username, password, role }.
 */
export async function createUser(username, password, role = 'user') {
  const admin = await ensureAdminReady()
  const res = await api('/admin/users', { method: 'POST', token: admin.accessToken, body: { username, password, role } })
  if (res.status !== 201 && res.status !== 200) throw new Error(`Create user failed: ${res.status} ${JSON.stringify(res.body)}`)
  const login = await api('/auth/login', { method: 'POST', body: { username, password } })
  if (login.status === 200 && login.body.user.mustChangePassword) {
    const next = `${password}-ready`
    const changed = await api('/auth/change-password', {
      method: 'POST',
      token: login.body.accessToken,
      body: { currentPassword: password, newPassword: next },
    })
    if (changed.status !== 200) throw new Error(`User password change failed: ${changed.status}`)
    return { username, password: next, role }
  }
  return { username, password, role }
}

/** Signs in through the login page and waits for the app to leave it. */
export async function signInUi(page, username, password) {
  await page.goto('/')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL((url) => url.pathname !== '/')
}

/** Fails the test if a login form ever appears in the page (catches a flash of the sign-in page). */
export async function watchForLoginFlash(page) {
  await page.addInitScript(() => {
    window.__retSawLogin = false
    new MutationObserver(() => {
      if (document.getElementById('login-username')) window.__retSawLogin = true
    }).observe(document, { childList: true, subtree: true })
  })
  return () => page.evaluate(() => window.__retSawLogin)
}
