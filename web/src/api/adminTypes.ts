// Shapes fixed by docs/api/admin.md (camelCase JSON, ISO 8601 UTC times). Keep in step with the contract.
import type { Role } from './types'
import type { Page } from './workspaceTypes'

export type { Page, Role }

export type SortDir = 'asc' | 'desc'

/** Paging and sort shared by every admin list (`?page=1&pageSize=50&sort=field&dir=asc`). */
export interface PageQuery<S extends string = string> {
  page?: number
  pageSize?: number
  sort?: S | null
  dir?: SortDir
}

// ───────────── Overview ─────────────
export interface AdminStats {
  users: { total: number; admins: number; active: number; disabled: number; locked: number; pendingSetup: number }
  signInSessions: { active: number }
  workspace: { sessions: number; storageBytes: number }
  jobs: { queued: number; running: number; failed24h: number; succeeded24h: number }
  conversions: { last24h: number; failed24h: number; last7d: number; failed7d: number }
  series: {
    conversionsPerDay: { day: string; count: number; failed: number }[]
    rowsConvertedPerDay: { day: string; rows: number }[]
    signInsPerDay: { day: string; succeeded: number; failed: number }[]
  }
}

// ───────────── Users ─────────────
export type UserState = 'active' | 'disabled' | 'locked' | 'pending'
export type UserSort = 'username' | 'createdAt' | 'lastLoginAt'

export interface AdminUser {
  id: string
  username: string
  displayName?: string | null
  role: Role
  isActive: boolean
  isLocked: boolean
  lockedUntil: string | null
  lockReason: string | null
  mustChangePassword: boolean
  pendingSetup: boolean
  createdAt: string
  lastLoginAt: string | null
}

/**
 * GET /users/{id}: the contract says it "adds storage used, workspace sessions count, sign-in sessions" without
 * naming the fields; these names follow AdminStats (`storageBytes`) and the sessions list. All optional so a
 * differently named answer degrades to "—" rather than breaking the drawer.
 */
export interface AdminUserDetail extends AdminUser {
  storageBytes?: number | null
  workspaceSessions?: number | null
  signInSessions?: SignInSession[] | null
}

export interface UserQuery extends PageQuery<UserSort> {
  search?: string
  role?: Role | ''
  state?: UserState | ''
}

export interface CreateUserRequest {
  username: string
  role: Role
  /** Omitted: token-first onboarding (a one-time setup token comes back). */
  password?: string
}

export interface CreatedUser {
  user: AdminUser
  setupToken?: string | null
  setupTokenExpiresAt?: string | null
}

export interface UserPatch {
  role?: Role
  isActive?: boolean
  isLocked?: boolean
  lockReason?: string
}

/** A reset or setup token: returned once, never again. */
export interface IssuedToken {
  token: string
  expiresAt: string
  purpose?: string
}

// ───────────── Reset requests ─────────────
export type ResetRequestStatus = 'pending' | 'approved' | 'rejected' | 'completed'

export interface ResetRequest {
  id: string
  username: string
  requestedAt: string
  status: ResetRequestStatus
  decidedAt: string | null
  decidedBy: string | null
  reason: string | null
}

export interface ResetRequestQuery extends PageQuery {
  status?: ResetRequestStatus | ''
}

// ───────────── Sign-in sessions ─────────────
export type SignInSessionState = 'active' | 'expired' | 'revoked'

export interface SignInSession {
  id: string
  userId: string
  username: string
  createdAt: string
  lastUsedAt: string | null
  ipAddress: string | null
  userAgent: string | null
  expiresAt: string
  revokedAt: string | null
}

export interface SignInSessionQuery extends PageQuery {
  search?: string
  userId?: string
  state?: SignInSessionState | ''
}

// ───────────── Audit log ─────────────
export type AuditOutcome = 'success' | 'failure' | 'denied'

export interface AuditEntry {
  id: number
  at: string
  actorId: string | null
  actorName: string | null
  action: string
  targetType: string | null
  targetId: string | null
  /** The user's name when the target is a user (list only, not in the CSV export). */
  targetName?: string | null
  outcome: AuditOutcome
  details: string | null
  clientIp: string | null
  requestId: string | null
}

/** Filters of GET /audit-logs and /audit-logs/export. `from`/`to` are ISO 8601 UTC. */
export interface AuditQuery extends PageQuery {
  actor?: string
  action?: string
  target?: string
  outcome?: AuditOutcome | ''
  from?: string
  to?: string
  q?: string
}

// ───────────── Operations log ─────────────
export type OpsLevel = 'info' | 'warning' | 'error'
export type OpsCategory = 'job' | 'upload' | 'rate-limit' | 'health' | 'lifecycle'

export interface OpsEntry {
  id: number | string
  at: string
  level: OpsLevel
  category: OpsCategory | string
  message: string
  details: string | null
  requestId: string | null
  node: string | null
}

export interface OpsQuery extends PageQuery {
  level?: OpsLevel | ''
  category?: OpsCategory | ''
  from?: string
  to?: string
  q?: string
}

// ───────────── Settings ─────────────
export type ConversionFormat = 'csv' | 'xlsx'
export type ConversionMode = 'wide' | 'relational'

export interface AdminSettings {
  uploads: { maxFileMb: number; userQuotaMb: number }
  retention: { workspaceHours: number; auditDays: number; opsLogDays: number }
  lockout: { maxFailures: number; lockoutMinutes: number }
  rateLimits: { loginPerMinutePerIp: number; loginPerMinutePerAccount: number; heavyPerMinutePerUser: number }
  conversionDefaults: { format: ConversionFormat; mode: ConversionMode; neutraliseFormulas: boolean; bom: boolean }
}

/** A downloaded export: the body and the name to save it under. */
export interface DownloadedFile {
  blob: Blob
  fileName: string
}
