// Issue 2 — the SPA shell: the login page renders in the light and the dark theme.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser, newPage, screenshot } from './support.mjs'

let browser
before(async () => {
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

async function themeOf(page) {
  return page.evaluate(() => document.documentElement.getAttribute('data-theme'))
}

test('login page follows a light system theme', async () => {
  const { context, page, pageErrors } = await newPage(browser, { colorScheme: 'light' })
  try {
    await page.goto('/')
    await page.getByRole('heading', { name: 'Sign in to RET' }).waitFor()
    assert.equal(await themeOf(page), 'light')
    assert.ok(await page.getByLabel('Username').isVisible())
    assert.ok(await page.getByLabel('Password', { exact: true }).isVisible())
    assert.ok(await page.getByRole('button', { name: 'Sign in' }).isVisible())
    assert.equal(await page.title(), 'Sign in · RET')
    await screenshot(page, 'login-light')
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

test('login page follows a dark system theme', async () => {
  const { context, page, pageErrors } = await newPage(browser, { colorScheme: 'dark' })
  try {
    await page.goto('/')
    await page.getByRole('heading', { name: 'Sign in to RET' }).waitFor()
    assert.equal(await themeOf(page), 'dark')
    await screenshot(page, 'login-dark')
    assert.deepEqual(pageErrors, [])
  } finally {
    await context.close()
  }
})

test('theme toggle switches theme, is announced as pressed, and is remembered', async () => {
  const { context, page } = await newPage(browser, { colorScheme: 'light' })
  try {
    await page.goto('/')
    const toggle = page.getByRole('button', { name: 'Dark theme' })
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false')
    await toggle.click()
    assert.equal(await themeOf(page), 'dark')
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true')
    await screenshot(page, 'login-dark-toggled')
    await page.reload()
    await page.getByRole('heading', { name: 'Sign in to RET' }).waitFor()
    assert.equal(await themeOf(page), 'dark', 'the manual choice survives a reload')
  } finally {
    await context.close()
  }
})

test('login page is usable with the keyboard alone', async () => {
  const { context, page } = await newPage(browser)
  try {
    await page.goto('/')
    await page.getByRole('heading', { name: 'Sign in to RET' }).waitFor()
    const order = []
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab')
      order.push(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.id || document.activeElement?.textContent?.trim()))
    }
    assert.ok(order.includes('login-username'), `username reachable: ${order}`)
    assert.ok(order.includes('login-password'), `password reachable: ${order}`)
    assert.ok(order.includes('Show password'), `show/hide reachable: ${order}`)
    await page.getByLabel('Username').focus()
    await screenshot(page, 'login-focus-ring')
  } finally {
    await context.close()
  }
})

test('unknown address shows the not-found page', async () => {
  const { context, page } = await newPage(browser)
  try {
    await page.goto('/no/such/page')
    await page.getByRole('heading', { name: 'Page not found' }).waitFor()
    await screenshot(page, 'not-found')
  } finally {
    await context.close()
  }
})

test('reset-password page asks for the token and shows the password rules', async () => {
  const { context, page } = await newPage(browser, { colorScheme: 'dark' })
  try {
    await page.goto('/reset-password')
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor()
    await page.getByLabel('Reset token').waitFor()
    await page.getByLabel('New password', { exact: true }).fill('Tr0ub4dor&3')
    const label = page.locator('.strength__label')
    assert.equal((await label.textContent()).trim(), 'Strong')
    assert.match(await page.getByTestId('strength-meter').textContent(), /8–128 characters/)
    await screenshot(page, 'reset-password-dark')
  } finally {
    await context.close()
  }
})

test('login page fits a phone screen without horizontal scrolling', async () => {
  const { context, page } = await newPage(browser, { viewport: { width: 375, height: 740 }, colorScheme: 'dark' })
  try {
    await page.goto('/')
    await page.getByRole('heading', { name: 'Sign in to RET' }).waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `no horizontal overflow (${overflow}px)`)
    await screenshot(page, 'login-mobile-dark')
  } finally {
    await context.close()
  }
})
