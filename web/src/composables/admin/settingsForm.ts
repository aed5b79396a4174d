// The Settings form: field descriptions, client-side checks and the mapping of the server's 400 errors to fields.
import type { AdminSettings } from '@/api/adminTypes'

export type SettingsSection = keyof AdminSettings

export interface NumberFieldSpec {
  /** camelCase path, the same the server uses in its validation errors: `uploads.maxFileMb`. */
  path: string
  label: string
  hint: string
  unit: string
  min: number
  max?: number
}

export interface SectionSpec {
  key: SettingsSection
  title: string
  lead: string
  fields: NumberFieldSpec[]
}

export const NUMBER_SECTIONS: SectionSpec[] = [
  {
    key: 'uploads',
    title: 'Uploads',
    lead: 'Limits for files sent to the workspace.',
    fields: [
      { path: 'uploads.maxFileMb', label: 'Largest file', hint: 'One upload may not exceed this.', unit: 'MB', min: 1, max: 1048576 },
      { path: 'uploads.userQuotaMb', label: 'Storage per user', hint: 'All workspace sessions of one user together.', unit: 'MB', min: 1, max: 16777216 },
    ],
  },
  {
    key: 'retention',
    title: 'Retention',
    lead: 'How long data is kept before the retention job removes it.',
    fields: [
      { path: 'retention.workspaceHours', label: 'Workspace sessions', hint: 'After the last use of a session.', unit: 'hours', min: 1, max: 8760 },
      { path: 'retention.auditDays', label: 'Audit log', hint: 'Older entries are removed only by the retention job.', unit: 'days', min: 30, max: 3650 },
      { path: 'retention.opsLogDays', label: 'Operations log', hint: 'Job failures, rejected uploads, health changes.', unit: 'days', min: 1, max: 3650 },
    ],
  },
  {
    key: 'lockout',
    title: 'Lockout',
    lead: 'Failed sign-ins in a row that lock an account for a while.',
    fields: [
      { path: 'lockout.maxFailures', label: 'Failures before lockout', hint: 'Wrong passwords in a row.', unit: 'attempts', min: 3, max: 1000 },
      { path: 'lockout.lockoutMinutes', label: 'Lockout duration', hint: 'An admin can unlock earlier.', unit: 'minutes', min: 1, max: 1440 },
    ],
  },
  {
    key: 'rateLimits',
    title: 'Rate limits',
    lead: 'Requests allowed per minute before the server answers 429.',
    fields: [
      { path: 'rateLimits.loginPerMinutePerIp', label: 'Sign-ins per IP address', hint: 'Attempts from one address.', unit: 'per min', min: 1, max: 100000 },
      { path: 'rateLimits.loginPerMinutePerAccount', label: 'Sign-ins per account', hint: 'Attempts for one username.', unit: 'per min', min: 1, max: 100000 },
      { path: 'rateLimits.heavyPerMinutePerUser', label: 'Heavy requests per user', hint: 'Scans, conversions and exports.', unit: 'per min', min: 1, max: 100000 },
    ],
  },
]

export const NUMBER_PATHS = NUMBER_SECTIONS.flatMap((s) => s.fields.map((f) => f.path))
const CONVERSION_PATHS = ['conversionDefaults.format', 'conversionDefaults.mode', 'conversionDefaults.neutraliseFormulas', 'conversionDefaults.bom']
export const ALL_PATHS = [...NUMBER_PATHS, ...CONVERSION_PATHS]

type Loose = Record<string, Record<string, unknown> | undefined>

export function readPath(settings: AdminSettings, path: string): unknown {
  const [section, key] = path.split('.') as [string, string]
  return (settings as unknown as Loose)[section]?.[key]
}

export function writePath(settings: AdminSettings, path: string, value: unknown): void {
  const [section, key] = path.split('.') as [string, string]
  const target = (settings as unknown as Loose)[section]
  if (target) target[key] = value
}

export const cloneSettings = (s: AdminSettings): AdminSettings => JSON.parse(JSON.stringify(s)) as AdminSettings

/** The checks the browser can make before sending: whole numbers within the field's range. */
export function validateSettings(settings: AdminSettings): Record<string, string> {
  const errors: Record<string, string> = {}
  for (const field of NUMBER_SECTIONS.flatMap((s) => s.fields)) {
    const value = readPath(settings, field.path)
    if (typeof value !== 'number' || !Number.isFinite(value)) errors[field.path] = `Enter a number for “${field.label}”.`
    else if (!Number.isInteger(value)) errors[field.path] = 'Use a whole number.'
    else if (value < field.min) errors[field.path] = `Use at least ${field.min}.`
    else if (field.max !== undefined && value > field.max) errors[field.path] = `Use at most ${field.max}.`
  }
  return errors
}

const camel = (segment: string) => (segment ? segment[0]!.toLowerCase() + segment.slice(1) : segment)

/** `Uploads.MaxFileMb`, `$.uploads.maxFileMb`, `uploads:maxFileMb`, `Settings.Uploads.MaxFileMb` → `uploads.maxFileMb`. */
export function normaliseErrorKey(key: string): string {
  return key
    .replace(/^\$\.?/, '')
    .replace(/\[(\w+)\]/g, '.$1')
    .split(/[.:]/)
    .filter(Boolean)
    .map(camel)
    .join('.')
}

export interface MappedErrors {
  /** Messages per known field path. */
  fields: Record<string, string>
  /** Messages that name no known field (shown above the form). */
  general: string[]
}

/**
 * Maps problem-details `errors` to form fields. Keys may be full camelCase paths (`uploads.maxFileMb`), PascalCase,
 * prefixed (`settings.uploads.maxFileMb`, `$.uploads…`) or plain leaf names (`maxFileMb`) when that leaf is unique.
 */
export function mapSettingsErrors(errors: Record<string, string[] | string | undefined> | null | undefined, paths: string[] = ALL_PATHS): MappedErrors {
  const out: MappedErrors = { fields: {}, general: [] }
  if (!errors) return out
  const byLeaf = new Map<string, string[]>()
  for (const p of paths) {
    const leaf = p.slice(p.lastIndexOf('.') + 1).toLowerCase()
    byLeaf.set(leaf, [...(byLeaf.get(leaf) ?? []), p])
  }
  const lowerPaths = new Map(paths.map((p) => [p.toLowerCase(), p]))
  for (const [rawKey, raw] of Object.entries(errors)) {
    const messages = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter(Boolean)
    if (!messages.length) continue
    const text = messages.join(' ')
    const key = normaliseErrorKey(rawKey).toLowerCase()
    let path = lowerPaths.get(key) ?? [...lowerPaths.entries()].find(([lp]) => key.endsWith(`.${lp}`))?.[1]
    if (!path) {
      const candidates = byLeaf.get(key.slice(key.lastIndexOf('.') + 1)) ?? []
      if (candidates.length === 1) path = candidates[0]
    }
    if (path) out.fields[path] = out.fields[path] ? `${out.fields[path]} ${text}` : text
    else out.general.push(text)
  }
  return out
}
