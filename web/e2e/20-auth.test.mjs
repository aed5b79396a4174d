// Issue 3 — accounts and sessions in the browser. Needs the real server (RET_E2E_BASE_URL) with a fresh
// database and the first admin's initial password in RET_E2E_ADMIN_PASSWORD.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ADMIN_NEW_PASSWORD,
  ADMIN_USER,
  adminMustChangePassword,
  createUser,
  ensureAdminReady,
  launchBrowser,
  newPage,
  rememberAdminPassword,
  screenshot,
  signInUi,
  uniqueName,
  watchForLoginFlash,
} from './support.mjs'

let browser
before(async () => {
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

const path = (page) => new URL(page.url()).pathname
const INVALID = /Invalid username or password\.|Too many attempts/

async function withPage(fn, options) {
  const { context, page, pageErrors } = await newPage(browser, options)
  try {
    await fn(page)
    assert.deepEqual(pageErrors.map(String), [], 'no uncaught errors in the page')
  } finally {
    await context.close()
  }
}

test('first admin sign-in forces a password change before anything else', async (t) => {
  const pending = await adminMustChangePassword()
  if (pending !== true) {
    t.skip('the first admin already changed its password on this database (run against a fresh database)')
    return
  }
  await withPage(async (page) => {
    await signInUi(page, ADMIN_USER, process.env.RET_E2E_ADMIN_PASSWORD)
    assert.equal(path(page), '/change-password')
    await page.getByTestId('forced-change').waitFor()
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'no way out but signing out')
    await screenshot(page, 'forced-password-change')

    await page.goto('/app')
    await page.getByTestId('forced-change').waitFor()
    assert.equal(path(page), '/change-password', 'other pages lead back here')

    await page.getByLabel('Current password').fill(process.env.RET_E2E_ADMIN_PASSWORD)
    await page.getByLabel('New password', { exact: true }).fill(ADMIN_NEW_PASSWORD)
    await page.getByLabel('Confirm new password').fill(ADMIN_NEW_PASSWORD)
    await page.getByRole('button', { name: 'Save new password' }).click()
    await page.waitForURL('**/app')
    rememberAdminPassword(ADMIN_NEW_PASSWORD)
    await page.getByRole('heading', { name: 'Workspace' }).waitFor()
    assert.ok(await page.getByRole('link', { name: 'Admin' }).isVisible(), 'admins see the Admin link')
  })
})

test('sign in, reload stays signed in, sign out', async () => {
  const admin = await ensureAdminReady()
  await withPage(async (page) => {
    await signInUi(page, admin.username.toUpperCase(), admin.password) // usernames are case-insensitive
    assert.equal(path(page), '/app')
    await page.getByRole('heading', { name: 'Workspace' }).waitFor()
    await page.getByTestId('workspace-empty').waitFor()
    await screenshot(page, 'workspace')
    await page.getByRole('button', { name: 'Dark theme' }).click()
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
    await page.waitForTimeout(250) // let the theme repaint before the screenshot
    await screenshot(page, 'workspace-dark')
    await page.getByRole('button', { name: 'Dark theme' }).click()

    const sawLogin = await watchForLoginFlash(page)
    await page.reload()
    await page.getByRole('heading', { name: 'Workspace' }).waitFor()
    assert.equal(path(page), '/app', 'still signed in after a reload')
    assert.equal(await sawLogin(), false, 'the sign-in page never flashed during the reload')

    await page.getByRole('button', { name: /Account menu/ }).click()
    await page.getByRole('menu').waitFor()
    await screenshot(page, 'user-menu')
    await page.getByRole('menuitem', { name: 'Sign out', exact: true }).click()
    await page.waitForURL((u) => u.pathname === '/')
    await page.getByRole('heading', { name: 'Sign in to RET' }).waitFor()

    await page.goto('/app')
    await page.getByRole('heading', { name: 'Sign in to RET' }).waitFor()
    assert.equal(path(page), '/', 'the refresh cookie is gone after sign-out')
  })
})

test('a wrong password shows the generic error', async () => {
  const admin = await ensureAdminReady()
  await withPage(async (page) => {
    await page.goto('/')
    await page.getByLabel('Username').fill(admin.username)
    await page.getByLabel('Password', { exact: true }).fill('definitely-not-the-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const alert = page.getByRole('alert').filter({ hasText: INVALID })
    await alert.waitFor()
    assert.equal(path(page), '/')
    await screenshot(page, 'login-wrong-password')
  })
  // one failure must not lock the admin out for the next journeys
  await ensureAdminReady()
})

test('five wrong attempts lock the account: even the right password is refused', async () => {
  const user = await createUser(uniqueName('locked'), 'Throwaway-pass-123', 'user')
  await withPage(async (page) => {
    await page.goto('/')
    await page.getByLabel('Username').fill(user.username)
    for (let i = 1; i <= 5; i++) {
      await page.getByLabel('Password', { exact: true }).fill(`wrong-${i}-password`)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('alert').filter({ hasText: INVALID }).waitFor()
      await page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'visible' })
      await page.waitForFunction(() => !document.querySelector('[data-testid="login-submit"]')?.hasAttribute('disabled'))
    }
    await page.getByLabel('Password', { exact: true }).fill(user.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForFunction(() => !document.querySelector('[data-testid="login-submit"]')?.hasAttribute('disabled'))
    await page.getByRole('alert').filter({ hasText: INVALID }).waitFor()
    assert.equal(path(page), '/', 'a locked account cannot sign in')
    await screenshot(page, 'login-locked')
  })
})

test('a non-admin cannot open /admin and sees no Admin link', async () => {
  const user = await createUser(uniqueName('plain'), 'Plain-user-pass-123', 'user')
  await withPage(async (page) => {
    await signInUi(page, user.username, user.password)
    assert.equal(path(page), '/app')
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0)
    await page.goto('/admin')
    await page.getByRole('heading', { name: 'Workspace' }).waitFor()
    assert.equal(path(page), '/app')
  })
})

test('API keys: create (shown once), revoke with confirmation', async () => {
  const admin = await ensureAdminReady()
  const name = uniqueName('e2e key')
  await withPage(async (page) => {
    await signInUi(page, admin.username, admin.password)
    await page.getByRole('button', { name: /Account menu/ }).click()
    await page.getByRole('menuitem', { name: 'API keys' }).click()
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor()

    await page.getByLabel('Name').fill(name)
    await page.getByRole('button', { name: 'Create key' }).click()
    await page.getByTestId('new-key').waitFor()
    const secret = (await page.getByTestId('new-key-value').textContent()).trim()
    assert.ok(secret.length >= 20, 'the full key is shown once')
    const row = page.getByTestId('api-key-row').filter({ hasText: name })
    await row.waitFor()
    assert.ok(!(await row.textContent()).includes(secret), 'the list shows only the prefix')
    await screenshot(page, 'api-key-created')

    const revoke = row.getByRole('button', { name: `Revoke key ${name}` })
    await revoke.click()
    const dialog = page.getByRole('dialog', { name: 'Revoke this key?' })
    await dialog.waitFor()
    await screenshot(page, 'api-key-revoke-dialog')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    assert.equal(await revoke.evaluate((el) => el === document.activeElement), true, 'focus returns to the opener')

    await revoke.click()
    await dialog.getByRole('button', { name: 'Revoke key' }).click()
    await row.waitFor({ state: 'detached' })
    await page.reload()
    await page.getByRole('heading', { name: 'Your keys' }).waitFor()
    await page.waitForFunction(() => !document.querySelector('.card [role="status"] .spinner'))
    assert.equal(await page.getByTestId('api-key-row').filter({ hasText: name }).count(), 0, 'revoked for good')
  })
})

test('forgot password gives the same neutral answer for known and unknown accounts', async () => {
  const admin = await ensureAdminReady()
  const answers = []
  for (const username of [admin.username, uniqueName('nobody')]) {
    await withPage(async (page) => {
      await page.goto('/')
      await page.getByRole('button', { name: 'Forgot password?' }).click()
      await page.getByRole('heading', { name: 'Reset your password' }).waitFor()
      await page.getByLabel('Username').fill(username)
      await page.getByRole('button', { name: 'Send reset link' }).click()
      const done = page.getByTestId('reset-requested')
      await done.waitFor()
      answers.push((await done.textContent()).trim())
      if (answers.length === 1) await screenshot(page, 'forgot-password-sent')
    })
  }
  assert.equal(answers[0], answers[1], 'no account enumeration')
})

test('an invalid reset token is refused with the server message', async () => {
  await withPage(async (page) => {
    await page.goto('/reset-password?token=not-a-real-token')
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor()
    assert.equal(new URL(page.url()).search, '', 'the token is removed from the address bar')
    await page.getByLabel('New password', { exact: true }).fill('A perfectly fine passphrase')
    await page.getByLabel('Confirm new password').fill('A perfectly fine passphrase')
    await page.getByRole('button', { name: 'Set new password' }).click()
    await page.getByTestId('reset-error').waitFor()
    assert.match(await page.getByTestId('reset-error').textContent(), /invalid or has expired/)
  })
})
