// Issue 6 — the admin console in the browser: overview cards and charts, token-first onboarding of a new user (who
// then signs in through the setup link), locking that user with a reason, finding the lock in the audit log and
// exporting the audit CSV; keyboard: Escape closes dialogs and focus returns to the trigger. Needs a server
// implementing docs/api/admin.md (RET_E2E_BASE_URL; e2e/fakes/admin-fake.mjs is a stand-in for developing the SPA).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { ensureAdminReady, launchBrowser, newPage, screenshot, signInUi, uniqueName } from './support.mjs'

const NEW_PASSWORD = 'Onboarded-e2e-passphrase-7!'
/** Lock actions the server may write (AuditActions.AccountLocked today), most specific first. */
const LOCK_ACTIONS = ['account_locked', 'user_locked']

let browser
before(async () => {
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

async function withPage(fn, options) {
  const { context, page, pageErrors } = await newPage(browser, options)
  try {
    await fn(page, context)
    assert.deepEqual(pageErrors.map(String), [], 'no uncaught errors in the page')
  } finally {
    await context.close()
  }
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const isFocused = (locator) => locator.evaluate((el) => el === document.activeElement)

/** Opens an admin tab and checks that the URL remembers it (no ?tab= means the first tab, Users). */
async function openTab(page, name, key) {
  await page.getByRole('tab', { name }).click()
  await page.waitForURL((u) => (u.searchParams.get('tab') ?? 'users') === key)
  assert.equal(await page.getByRole('tab', { name }).getAttribute('aria-selected'), 'true')
}

async function openAdmin(page, admin) {
  await signInUi(page, admin.username, admin.password)
  await page.goto('/admin')
  await page.getByRole('heading', { name: 'Administration', level: 1 }).waitFor()
  await page.getByTestId('admin-stats').waitFor()
}

test('admin console: token-first onboarding → sign-in → lock → audit log → CSV export', { timeout: 3 * 60_000 }, async () => {
  const admin = await ensureAdminReady()
  const username = uniqueName('onboard')
  const reason = `${uniqueName('e2e lock')} suspicious sign-ins`

  await withPage(async (page) => {
    // 1. Overview: stat cards and the three charts (with accessible names and a data table each).
    await openAdmin(page, admin)
    for (const id of ['chart-conversions', 'chart-rows', 'chart-signins']) {
      const canvas = page.getByTestId(id).locator('canvas[role="img"]')
      await canvas.waitFor()
      assert.match(await canvas.getAttribute('aria-label'), /last \d+ days/, `${id} has a summary for screen readers`)
    }
    assert.ok((await page.getByTestId('admin-stats').locator('.stat-card').count()) >= 6, 'overview cards')
    await page.waitForTimeout(400) // charts finish drawing
    await screenshot(page, 'admin-01-overview')

    // 2. Users tab (the tab lives in the URL).
    await openTab(page, 'Users', 'users')
    await page.getByTestId('users-table').waitFor()
    await screenshot(page, 'admin-02-users')

    // 3. Keyboard: Escape closes the create dialog and focus returns to its trigger.
    const newUser = page.getByTestId('new-user')
    await newUser.click()
    const createDialog = page.getByRole('dialog', { name: 'New user' })
    await createDialog.waitFor()
    assert.equal(await isFocused(createDialog.getByLabel('Username')), true, 'focus starts in the first field')
    await page.keyboard.press('Escape')
    await createDialog.waitFor({ state: 'detached' })
    assert.equal(await isFocused(newUser), true, 'focus returns to “New user”')

    // 4. Create the user token-first: no password, the setup token is shown once with its link.
    await newUser.click()
    await createDialog.waitFor()
    await createDialog.getByLabel('Username').fill(username)
    await createDialog.getByTestId('onboarding-token').check()
    await screenshot(page, 'admin-03-create-user-dialog')
    await createDialog.getByTestId('create-user-submit').click()
    const created = page.getByRole('dialog', { name: `User “${username}” created` })
    await created.waitFor()
    const token = (await created.getByTestId('secret-token').textContent()).trim()
    const link = (await created.getByTestId('secret-link').textContent()).trim()
    assert.ok(token.length >= 16, 'a setup token is shown')
    assert.equal(new URL(link).searchParams.get('token'), token, 'the link carries the token')
    assert.match(await created.textContent(), /will not be shown again/)
    await screenshot(page, 'admin-04-setup-token')
    await created.getByRole('button', { name: 'I have copied it' }).click()
    await created.waitFor({ state: 'detached' })
    assert.equal((await page.content()).includes(token), false, 'the token is gone once the dialog closes')

    await page.locator('#users-search').fill(username)
    const row = page.getByTestId('user-row').filter({ hasText: username })
    await row.waitFor()
    await row.getByText('Pending setup').waitFor()
    const userId = await row.getAttribute('data-user-id')
    assert.ok(userId, 'the row carries the user id')

    // 5. The new user opens the setup link in their own browser, chooses a password and signs in.
    await withPage(async (other) => {
      await other.goto(link)
      await other.getByRole('heading', { name: 'Set a new password' }).waitFor()
      await other.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD)
      await other.getByLabel('Confirm new password').fill(NEW_PASSWORD)
      await other.getByRole('button', { name: 'Set new password' }).click()
      await other.getByTestId('reset-done').waitFor()
      await signInUi(other, username, NEW_PASSWORD)
      await other.waitForURL('**/app')
      await other.getByRole('heading', { name: 'Workspace' }).waitFor()
      await screenshot(other, 'admin-05-new-user-signed-in')
    })

    // 6. Back as admin: the account is active now; lock it with a reason (the dialog says what will happen).
    await page.locator('#users-search').fill('')
    await page.locator('#users-search').fill(username)
    await row.getByText('Active', { exact: true }).waitFor()
    const actions = row.getByTestId('user-actions')

    await actions.click()
    await page.getByRole('menu').waitFor()
    await screenshot(page, 'admin-06a-row-menu')
    await page.getByRole('menuitem', { name: 'Sign out everywhere' }).click()
    const signOutDialog = page.getByRole('dialog', { name: `Sign “${username}” out everywhere?` })
    await signOutDialog.waitFor()
    await page.keyboard.press('Escape')
    await signOutDialog.waitFor({ state: 'detached' })
    assert.equal(await isFocused(actions), true, 'focus returns to the row’s actions button')

    await actions.click()
    await page.getByRole('menuitem', { name: /Lock account/ }).click()
    const lockDialog = page.getByRole('dialog', { name: `Lock “${username}”?` })
    await lockDialog.waitFor()
    assert.match(await lockDialog.textContent(), /signed out on every device and cannot sign in until an administrator unlocks/)
    await lockDialog.getByLabel('Reason for the lock').fill(reason)
    await screenshot(page, 'admin-06-lock-dialog')
    await lockDialog.getByRole('button', { name: 'Lock account' }).click()
    await lockDialog.waitFor({ state: 'detached' })
    await page.getByTestId('toast').filter({ hasText: `${username} is locked.` }).waitFor()
    await row.getByTestId('user-state').getByText(/^Locked\b/).waitFor()

    // 7. Audit log: filter by the lock action, find the entry for this user.
    await openTab(page, 'Audit log', 'audit')
    const actionSelect = page.locator('#audit-action')
    await page.waitForFunction(() => document.querySelectorAll('#audit-action option').length > 1)
    const offered = await actionSelect.locator('option').evaluateAll((os) => os.map((o) => o.value))
    const lockAction = LOCK_ACTIONS.find((a) => offered.includes(a)) ?? offered.find((a) => /lock/.test(a) && !/unlock/.test(a))
    assert.ok(lockAction, `a lock action among ${offered.join(', ')}`)
    await actionSelect.selectOption(lockAction)
    // The list reloads (debounced) with the filter: wait until every row shows that action.
    await page.waitForFunction(
      (a) => {
        const rows = [...document.querySelectorAll('[data-testid="audit-row"]')]
        return rows.length > 0 && rows.every((r) => r.getAttribute('data-action') === a)
      },
      lockAction,
    )
    const who = new RegExp(`${escapeRe(userId)}|${escapeRe(username)}`)
    const entry = page.getByTestId('audit-row').filter({ hasText: who }).first()
    await entry.waitFor()
    assert.equal(await entry.getAttribute('data-action'), lockAction)
    await entry.getByRole('button', { name: /Show all fields/ }).click()
    await page.locator('.row-more').first().waitFor()
    await screenshot(page, 'admin-07-audit-log')

    // 8. Export the audit CSV with the same filters: a header line and the lock row.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()])
    assert.match(download.suggestedFilename(), /\.csv$/)
    const csv = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '')
    const lines = csv.split(/\r?\n/).filter(Boolean)
    assert.match(lines[0], /action/i, `a header line: ${lines[0]}`)
    assert.ok(
      lines.slice(1).some((l) => l.includes(lockAction) && who.test(l)),
      `the lock of ${username} is in the export:\n${lines.slice(0, 5).join('\n')}`,
    )
    await page.getByTestId('toast').filter({ hasText: /Exported/ }).waitFor()

    // 9. A reload keeps the tab; the dark theme renders the overview with theme colours.
    await page.reload()
    await page.getByRole('tab', { name: 'Audit log', selected: true }).waitFor()
    await page.getByRole('button', { name: 'Dark theme' }).click()
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
    await page.getByTestId('chart-conversions').locator('canvas').waitFor()
    await page.waitForTimeout(400)
    await screenshot(page, 'admin-08-overview-dark')
    await page.getByRole('button', { name: 'Dark theme' }).click()
  })
})

test('admin console: the other tabs load, settings check their fields, tools open with a console session', { timeout: 2 * 60_000 }, async () => {
  const admin = await ensureAdminReady()
  await withPage(async (page, context) => {
    await openAdmin(page, admin)

    // The account drawer (GET /users/{id}): storage, workspace and sign-in sessions; Escape returns focus.
    await page.locator('#users-search').fill(admin.username)
    const name = page.getByTestId('user-row').filter({ hasText: admin.username }).getByRole('button', { name: admin.username, exact: true })
    await name.click()
    const drawer = page.getByTestId('user-detail')
    await drawer.getByText('Storage used').waitFor()
    await drawer.getByText('Sign-in sessions').waitFor()
    await screenshot(page, 'admin-10-user-detail')
    await page.keyboard.press('Escape')
    await drawer.waitFor({ state: 'detached' })
    assert.equal(await isFocused(name), true, 'focus returns to the username')

    // Tabs work with the keyboard; the ?tab= change keeps focus on the tab (no jump to <main>).
    await page.getByRole('tab', { name: 'Users' }).focus()
    await page.keyboard.press('ArrowRight')
    await page.waitForURL((u) => u.searchParams.get('tab') === 'reset-requests')
    assert.equal(await isFocused(page.getByRole('tab', { name: 'Reset requests' })), true, 'focus stays on the tab list')
    await page.keyboard.press('ArrowLeft')
    await page.waitForURL((u) => u.searchParams.get('tab') === 'users')

    await openTab(page, 'Reset requests', 'reset-requests')
    await page.locator('[data-testid="reset-requests-table"], [data-testid="list-empty"]').first().waitFor()
    await screenshot(page, 'admin-11-reset-requests')
    await openTab(page, 'Sessions', 'sessions')
    await page.getByTestId('sessions-table').waitFor() // the admin's own session at least
    await screenshot(page, 'admin-12-sessions')
    await openTab(page, 'Operations log', 'operations')
    await page.locator('[data-testid="ops-table"], [data-testid="list-empty"]').first().waitFor()
    await screenshot(page, 'admin-13-operations')

    await openTab(page, 'Settings', 'settings')
    const form = page.getByTestId('settings-form')
    await form.waitFor()
    const maxFile = form.getByLabel('Largest file')
    const before = await maxFile.inputValue()
    await maxFile.fill('0')
    await page.getByTestId('settings-save').click()
    await form.getByText('Use at least 1.').waitFor()
    assert.equal(await maxFile.getAttribute('aria-invalid'), 'true')
    assert.equal(await isFocused(maxFile), true, 'focus goes to the invalid field')
    await screenshot(page, 'admin-09-settings-invalid')
    await page.getByTestId('settings-discard').click()
    assert.equal(await maxFile.inputValue(), before, 'discard restores the stored value')

    // /jobs needs the console cookie, set by the button before the tab opens.
    const statuses = []
    context.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/jobs')) statuses.push(r.status())
    })
    const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: /Job dashboard/ }).click()])
    await popup.waitForURL(/\/jobs/)
    await popup.waitForLoadState()
    assert.ok(statuses.length && statuses.every((s) => s < 400), `the job dashboard opens (${statuses.join(', ')})`)
    await popup.close()
  })
})
