// Admin API (docs/api/admin.md). Small typed functions over the one HTTP client; every route is under /api/admin.
import { isAxiosError } from 'axios'
import { http } from './http'
import type {
  AdminSettings,
  AdminStats,
  AdminUser,
  AdminUserDetail,
  AuditEntry,
  AuditQuery,
  CreatedUser,
  CreateUserRequest,
  DownloadedFile,
  IssuedToken,
  OpsEntry,
  OpsQuery,
  Page,
  PageQuery,
  ResetRequest,
  ResetRequestQuery,
  Role,
  SignInSession,
  SignInSessionQuery,
  UserPatch,
  UserQuery,
} from './adminTypes'

const enc = encodeURIComponent
const user = (id: string) => `/admin/users/${enc(id)}`
export const DEFAULT_PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 200

type ParamValue = string | number | boolean
export type QueryParams = Record<string, ParamValue>

/**
 * Query parameters of a list or export: strings trimmed, empty values left out (the server reads a missing
 * filter as "any"), `dir` only next to a `sort`, `pageSize` capped at the contract's 200.
 */
export function listParams(query: PageQuery & Record<string, unknown>, { paged = true } = {}): QueryParams {
  const out: QueryParams = {}
  const { page, pageSize, sort, dir, ...filters } = query
  if (paged) {
    out.page = Math.max(1, Math.floor(page ?? 1))
    out.pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(pageSize ?? DEFAULT_PAGE_SIZE)))
  }
  if (sort) {
    out.sort = sort
    out.dir = dir ?? 'asc'
  }
  for (const [key, raw] of Object.entries(filters)) {
    const value = typeof raw === 'string' ? raw.trim() : raw
    if (value === '' || value === null || value === undefined) continue
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value
  }
  return out
}

async function page<T>(url: string, query: PageQuery & Record<string, unknown>, signal?: AbortSignal): Promise<Page<T>> {
  return (await http.get<Page<T>>(url, { params: listParams(query), signal })).data
}

// ───────────── Overview ─────────────
export async function getStats(signal?: AbortSignal): Promise<AdminStats> {
  return (await http.get<AdminStats>('/admin/stats', { signal })).data
}

// ───────────── Users ─────────────
export const listUsers = (q: UserQuery = {}, signal?: AbortSignal) => page<AdminUser>('/admin/users', { ...q }, signal)

export async function createUser(request: CreateUserRequest): Promise<CreatedUser> {
  const body: CreateUserRequest = { username: request.username.trim(), role: request.role }
  if (request.password) body.password = request.password
  return (await http.post<CreatedUser>('/admin/users', body)).data
}

export async function getUser(id: string, signal?: AbortSignal): Promise<AdminUserDetail> {
  return (await http.get<AdminUserDetail>(user(id), { signal })).data
}

export async function updateUser(id: string, patch: UserPatch): Promise<AdminUser> {
  return (await http.patch<AdminUser>(user(id), patch)).data
}

export const setUserActive = (id: string, isActive: boolean) => updateUser(id, { isActive })

export async function setUserRole(id: string, role: Role): Promise<AdminUser> {
  return (await http.put<AdminUser>(`${user(id)}/role`, { role })).data
}

export async function lockUser(id: string, reason: string): Promise<AdminUser> {
  return (await http.post<AdminUser>(`${user(id)}/lock`, { reason: reason.trim() })).data
}

export async function unlockUser(id: string): Promise<AdminUser> {
  return (await http.post<AdminUser>(`${user(id)}/unlock`)).data
}

export async function issueResetToken(id: string): Promise<IssuedToken> {
  return (await http.post<IssuedToken>(`${user(id)}/reset-token`)).data
}

/** Revokes every sign-in session of the user (also "revoke all of a user" in the Sessions tab). */
export async function signOutEverywhere(id: string): Promise<void> {
  await http.post(`${user(id)}/sign-out-everywhere`)
}

export async function deleteUser(id: string): Promise<void> {
  await http.delete(user(id))
}

// ───────────── Reset requests ─────────────
export const listResetRequests = (q: ResetRequestQuery = {}, signal?: AbortSignal) =>
  page<ResetRequest>('/admin/reset-requests', { ...q }, signal)

export async function approveResetRequest(id: string): Promise<IssuedToken> {
  return (await http.post<IssuedToken>(`/admin/reset-requests/${enc(id)}/approve`)).data
}

export async function rejectResetRequest(id: string, reason: string): Promise<void> {
  await http.post(`/admin/reset-requests/${enc(id)}/reject`, { reason: reason.trim() })
}

// ───────────── Sign-in sessions ─────────────
export const listSignInSessions = (q: SignInSessionQuery = {}, signal?: AbortSignal) =>
  page<SignInSession>('/admin/sessions', { ...q }, signal)

export async function revokeSignInSession(id: string): Promise<void> {
  await http.delete(`/admin/sessions/${enc(id)}`)
}

export async function cleanupSignInSessions(): Promise<number> {
  return (await http.post<{ deleted: number }>('/admin/sessions/cleanup')).data.deleted
}

// ───────────── Audit and operations logs ─────────────
export const listAuditLogs = (q: AuditQuery = {}, signal?: AbortSignal) => page<AuditEntry>('/admin/audit-logs', { ...q }, signal)

export async function listAuditActions(signal?: AbortSignal): Promise<string[]> {
  return (await http.get<string[]>('/admin/audit-logs/actions', { signal })).data
}

export const listOpsLogs = (q: OpsQuery = {}, signal?: AbortSignal) => page<OpsEntry>('/admin/ops-logs', { ...q }, signal)

/** `attachment; filename="a.csv"; filename*=UTF-8''a%20b.csv` → the (preferably UTF-8) name, or null. */
export function fileNameFrom(disposition: string | null | undefined): string | null {
  if (!disposition) return null
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      /* malformed: fall back to the plain name */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/.exec(disposition)
  const name = (plain?.[2] ?? plain?.[1])?.trim()
  return name ? name : null
}

const stamp = (d: Date) => `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`

/**
 * GET an export with the bearer header (never a token in a URL) as a Blob. A failed export answers with JSON
 * problem details inside a Blob; they are parsed back so `toUserMessage` shows the server's words.
 */
async function download(url: string, query: Record<string, unknown>, fallbackName: string): Promise<DownloadedFile> {
  try {
    const res = await http.get<Blob>(url, { params: listParams(query, { paged: false }), responseType: 'blob', headers: { Accept: 'text/csv' } })
    const disposition = res.headers['content-disposition']
    return { blob: res.data, fileName: fileNameFrom(typeof disposition === 'string' ? disposition : null) ?? fallbackName }
  } catch (err) {
    if (isAxiosError(err) && err.response?.data instanceof Blob) {
      try {
        err.response.data = JSON.parse(await err.response.data.text()) as unknown
      } catch {
        err.response.data = null
      }
    }
    throw err
  }
}

export function exportAuditLogs(q: AuditQuery = {}, now = new Date()): Promise<DownloadedFile> {
  const { page: _p, pageSize: _s, ...filters } = q
  return download('/admin/audit-logs/export', filters, `audit-log-${stamp(now)}.csv`)
}

export function exportOpsLogs(q: OpsQuery = {}, now = new Date()): Promise<DownloadedFile> {
  const { page: _p, pageSize: _s, ...filters } = q
  return download('/admin/ops-logs/export', filters, `operations-log-${stamp(now)}.csv`)
}

// ───────────── Settings ─────────────
export async function getSettings(signal?: AbortSignal): Promise<AdminSettings> {
  return (await http.get<AdminSettings>('/admin/settings', { signal })).data
}

export async function saveSettings(settings: AdminSettings): Promise<AdminSettings> {
  const res = await http.put<AdminSettings | null | ''>('/admin/settings', settings)
  // 200 with the stored object; an empty 200/204 means "stored as sent".
  return res.data && typeof res.data === 'object' ? res.data : settings
}

// ───────────── Tools ─────────────
/** Sets the short-lived console cookie that lets /jobs and /docs open in a new tab for this admin. */
export async function startConsoleSession(): Promise<{ expiresAt: string }> {
  return (await http.post<{ expiresAt: string }>('/auth/console-session')).data
}
