import { describe, expect, it } from 'vitest'
import type { AdminSettings } from '@/api/adminTypes'
import { cloneSettings, mapSettingsErrors, normaliseErrorKey, readPath, validateSettings, writePath } from './settingsForm'

const SETTINGS: AdminSettings = {
  uploads: { maxFileMb: 500, userQuotaMb: 2048 },
  retention: { workspaceHours: 24, auditDays: 365, opsLogDays: 30 },
  lockout: { maxFailures: 5, lockoutMinutes: 15 },
  rateLimits: { loginPerMinutePerIp: 10, loginPerMinutePerAccount: 5, heavyPerMinutePerUser: 30 },
  conversionDefaults: { format: 'csv', mode: 'wide', neutraliseFormulas: true, bom: false },
}

describe('settings form', () => {
  it('reads and writes fields by their camelCase path', () => {
    const s = cloneSettings(SETTINGS)
    writePath(s, 'lockout.maxFailures', 8)
    expect(readPath(s, 'lockout.maxFailures')).toBe(8)
    expect(SETTINGS.lockout.maxFailures).toBe(5) // the clone is deep
  })

  it('checks whole numbers within range before sending', () => {
    const s = cloneSettings(SETTINGS)
    writePath(s, 'uploads.maxFileMb', 0)
    writePath(s, 'retention.auditDays', 1.5)
    writePath(s, 'lockout.lockoutMinutes', null)
    expect(validateSettings(s)).toEqual({
      'uploads.maxFileMb': 'Use at least 1.',
      'retention.auditDays': 'Use a whole number.',
      'lockout.lockoutMinutes': 'Enter a number for “Lockout duration”.',
    })
    expect(validateSettings(SETTINGS)).toEqual({})
  })

  it('normalises the keys servers use', () => {
    expect(normaliseErrorKey('Uploads.MaxFileMb')).toBe('uploads.maxFileMb')
    expect(normaliseErrorKey('$.uploads.maxFileMb')).toBe('uploads.maxFileMb')
    expect(normaliseErrorKey('Lockout:MaxFailures')).toBe('lockout.maxFailures')
  })

  it('maps problem-details errors to fields: full paths, PascalCase, prefixed and unique plain keys', () => {
    const mapped = mapSettingsErrors({
      'uploads.maxFileMb': ['Must be at most 10240.'],
      'RateLimits.LoginPerMinutePerIp': ['Too low.'],
      'settings.retention.auditDays': ['Keep at least 30 days.'],
      lockoutMinutes: ['Between 1 and 1440.'],
      'conversionDefaults.format': ['Use csv or xlsx.'],
      '': ['The settings could not be read.'],
      unknownThing: ['Something else.'],
    })
    expect(mapped.fields).toEqual({
      'uploads.maxFileMb': 'Must be at most 10240.',
      'rateLimits.loginPerMinutePerIp': 'Too low.',
      'retention.auditDays': 'Keep at least 30 days.',
      'lockout.lockoutMinutes': 'Between 1 and 1440.',
      'conversionDefaults.format': 'Use csv or xlsx.',
    })
    expect(mapped.general).toEqual(['The settings could not be read.', 'Something else.'])
  })

  it('joins several messages for one field and survives no errors', () => {
    expect(mapSettingsErrors({ 'Uploads.MaxFileMb': ['Too big.', 'Not a round number.'] }).fields).toEqual({ 'uploads.maxFileMb': 'Too big. Not a round number.' })
    expect(mapSettingsErrors(undefined)).toEqual({ fields: {}, general: [] })
  })
})
