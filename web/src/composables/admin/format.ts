// Display helpers for the admin console (pure).
import { formatDistanceToNowStrict, parseISO } from 'date-fns'
import type { AdminUser } from '@/api/adminTypes'
import { formatDate } from '@/composables/workspace/format'

export { formatBytes, formatDate, formatNumber } from '@/composables/workspace/format'

/** "3 minutes ago" / "in 2 days"; '—' for nothing. */
export function formatRelative(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = parseISO(iso)
  return Number.isNaN(d.getTime()) ? '—' : formatDistanceToNowStrict(d, { addSuffix: true })
}

/** Date and time to the second (logs). */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })
}


export type BadgeTone = 'success' | 'warning' | 'error' | 'brand' | 'neutral'
export interface StateBadge {
  label: string
  tone: BadgeTone
  title?: string
}

/** An account is locked by an admin (`isLocked`) or for a while after failed sign-ins (`lockedUntil`). */
export const isLockedNow = (u: AdminUser) => u.isLocked || (!!u.lockedUntil && Date.parse(u.lockedUntil) > Date.now())

/** Badges for the state column: several can apply at once (a disabled account can also be locked). */
export function userBadges(u: AdminUser): StateBadge[] {
  const out: StateBadge[] = []
  if (!u.isActive) out.push({ label: 'Disabled', tone: 'neutral', title: 'Cannot sign in until activated again.' })
  if (isLockedNow(u)) {
    const until = !u.isLocked && u.lockedUntil ? `until ${formatDate(u.lockedUntil)}` : ''
    out.push({ label: 'Locked', tone: 'error', title: [u.lockReason, until].filter(Boolean).join(' · ') || undefined })
  }
  if (u.pendingSetup) out.push({ label: 'Pending setup', tone: 'warning', title: 'Has not set a password yet.' })
  if (u.mustChangePassword && !u.pendingSetup) out.push({ label: 'Must change password', tone: 'warning' })
  if (!out.length) out.push({ label: 'Active', tone: 'success' })
  return out
}

export const badgeClass = (tone: BadgeTone) => (tone === 'neutral' ? 'badge' : `badge badge-${tone}`)

/**
 * `<input type="datetime-local">` gives local wall time without a zone ("2024-05-01T13:30"); the API wants ISO
 * 8601 UTC. Empty or unparsable → undefined (no filter).
 */
export function localInputToIso(value: string | null | undefined): string | undefined {
  if (!value) return undefined
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

/** Pretty-prints JSON details; anything else is shown as it came. */
export function prettyDetails(details: string | null | undefined): string {
  if (!details) return ''
  try {
    return JSON.stringify(JSON.parse(details), null, 2)
  } catch {
    return details
  }
}

/** One line for a table cell: JSON `{"reason":"x"}` → `reason: x`. */
export function compactDetails(details: string | null | undefined, max = 120): string {
  if (!details) return ''
  let text = details
  try {
    const parsed: unknown = JSON.parse(details)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      text = Object.entries(parsed as Record<string, unknown>)
        .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
        .join(' · ')
    }
  } catch {
    /* not JSON: as is */
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}
