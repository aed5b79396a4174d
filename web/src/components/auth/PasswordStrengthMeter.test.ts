import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import PasswordStrengthMeter from './PasswordStrengthMeter.vue'
import { passwordStrength, scorePassword } from './passwordStrength'

describe('password strength scoring (spec: length≥8 +30, uppercase +20, digit +20, special +30)', () => {
  it.each([
    ['', 0],
    ['abcdefgh', 30],
    ['Abcdefgh', 50],
    ['Abcdefg1', 70],
    ['abcdefg!', 60],
    ['Abcdef1!', 100],
    ['A1!', 70],
  ])('%j scores %i', (pw, score) => {
    expect(scorePassword(pw)).toBe(score)
  })

  it.each([
    ['', 'none', ''],
    ['abcdefgh', 'weak', 'Weak'],
    ['Abcdefgh', 'fair', 'Fair'],
    ['Abcdefg1', 'fair', 'Fair'],
    ['Abcdefg!', 'good', 'Good'],
    ['Abcdef1!', 'strong', 'Strong'],
  ])('%j is %s', (pw, level, label) => {
    expect(passwordStrength(pw)).toMatchObject({ level, label })
  })

  it('is Weak below the minimum length whatever it contains', () => {
    expect(passwordStrength('A1!x').level).toBe('weak')
  })

  it('rates a long lowercase passphrase at least Good', () => {
    expect(passwordStrength('correct horse battery').label).toBe('Good')
  })
})

describe('PasswordStrengthMeter', () => {
  it('shows the label, the bar level and the server rules', () => {
    const w = mount(PasswordStrengthMeter, { props: { password: 'Abcdef1!' } })
    expect(w.find('.strength__label').text()).toBe('Strong')
    expect(w.find('.strength__bar').attributes('data-level')).toBe('strong')
    const meter = w.find('[role="meter"]')
    expect(meter.attributes('aria-valuenow')).toBe('100')
    expect(meter.attributes('aria-valuetext')).toBe('Strong')
    expect(w.text()).toContain('8–128 characters')
    expect(w.text()).toContain('15 or more recommended')
    expect(w.text()).toContain('Not a commonly used password')
  })

  it('uses the policy the server publishes', () => {
    const w = mount(PasswordStrengthMeter, {
      props: { password: 'abc', policy: { minLength: 12, maxLength: 64, recommendedLength: 20 } },
    })
    expect(w.text()).toContain('12–64 characters')
    expect(w.text()).toContain('20 or more recommended')
    expect(w.find('.strength__label').text()).toBe('Weak')
  })

  it('marks the length rule as met once long enough', async () => {
    const w = mount(PasswordStrengthMeter, { props: { password: 'short' } })
    expect(w.findAll('li')[0]!.attributes('data-ok')).toBe('false')
    await w.setProps({ password: 'long enough' })
    expect(w.findAll('li')[0]!.attributes('data-ok')).toBe('true')
  })
})
