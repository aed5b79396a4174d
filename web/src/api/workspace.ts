// Workspace API (docs/api/workspace.md). Small typed functions over the one HTTP client.
import { http } from './http'
import type {
  ConversionDefaults,
  ConvertRequest,
  DownloadRequest,
  DownloadTicket,
  EditBatch,
  Job,
  NewTable,
  Page,
  PatchEntry,
  Quota,
  RowsPage,
  RowsQuery,
  ScanEntry,
  ScanEntryFilter,
  ScanResult,
  Session,
  SessionSummary,
  TableInfo,
} from './workspaceTypes'

const enc = encodeURIComponent
const base = (sessionId: string) => `/workspace/sessions/${enc(sessionId)}`

/** The tus endpoint of a session (absolute path; the client adds the origin). */
export const uploadEndpoint = (sessionId: string) => `/api${base(sessionId)}/uploads`

export interface ListQuery {
  page?: number
  pageSize?: number
  search?: string
}

export async function createSession(name?: string): Promise<Session> {
  return (await http.post<Session>('/workspace/sessions', name ? { name } : {})).data
}

export async function listSessions(q: ListQuery = {}, signal?: AbortSignal): Promise<Page<SessionSummary>> {
  const params = { page: q.page ?? 1, pageSize: q.pageSize ?? 50, search: q.search || undefined }
  return (await http.get<Page<SessionSummary>>('/workspace/sessions', { params, signal })).data
}

export async function getSession(id: string, signal?: AbortSignal): Promise<Session> {
  return (await http.get<Session>(base(id), { signal })).data
}

export async function renameSession(id: string, name: string): Promise<Session> {
  return (await http.patch<Session>(base(id), { name })).data
}

export async function deleteSession(id: string): Promise<void> {
  await http.delete(base(id))
}

export async function getQuota(signal?: AbortSignal): Promise<Quota> {
  return (await http.get<Quota>('/workspace/quota', { signal })).data
}

/** What the conversion form preselects (set by administrators). */
export async function getConversionDefaults(signal?: AbortSignal): Promise<ConversionDefaults> {
  return (await http.get<ConversionDefaults>('/workspace/conversion-defaults', { signal })).data
}

export async function getScan(id: string, signal?: AbortSignal): Promise<ScanResult> {
  return (await http.get<ScanResult>(`${base(id)}/scan`, { signal })).data
}

export async function rescan(id: string): Promise<Job> {
  return (await http.post<Job>(`${base(id)}/scan`)).data
}

export async function listScanEntries(
  id: string,
  kind: ScanEntryFilter,
  q: ListQuery = {},
  signal?: AbortSignal,
): Promise<Page<ScanEntry>> {
  const params = { kind, page: q.page ?? 1, pageSize: q.pageSize ?? 50, search: q.search || undefined }
  return (await http.get<Page<ScanEntry>>(`${base(id)}/scan/entries`, { params, signal })).data
}

export async function startConversion(id: string, request: ConvertRequest): Promise<Job> {
  return (await http.post<Job>(`${base(id)}/conversions`, request)).data
}

export async function listTables(id: string, signal?: AbortSignal): Promise<TableInfo[]> {
  return (await http.get<TableInfo[]>(`${base(id)}/tables`, { signal })).data
}

/** Query string for /rows: `filter` repeats as `filter=COLUMN:TEXT`. */
export function rowsParams(q: RowsQuery): URLSearchParams {
  const p = new URLSearchParams()
  p.set('offset', String(q.offset))
  p.set('limit', String(Math.min(1000, q.limit)))
  if (q.sort) {
    p.set('sort', q.sort)
    p.set('dir', q.dir ?? 'asc')
  }
  for (const [column, text] of Object.entries(q.filters ?? {})) if (text) p.append('filter', `${column}:${text}`)
  return p
}

export async function getRows(id: string, table: string, q: RowsQuery, signal?: AbortSignal): Promise<RowsPage> {
  return (await http.get<RowsPage>(`${base(id)}/tables/${enc(table)}/rows`, { params: rowsParams(q), signal })).data
}

export async function applyEdits(id: string, table: string, batch: EditBatch): Promise<{ editId: string; table: TableInfo }> {
  return (await http.post<{ editId: string; table: TableInfo }>(`${base(id)}/tables/${enc(table)}/edits`, batch)).data
}

export async function createTable(id: string, table: NewTable): Promise<TableInfo> {
  return (await http.post<TableInfo>(`${base(id)}/tables`, table)).data
}

export async function deleteTable(id: string, table: string): Promise<void> {
  await http.delete(`${base(id)}/tables/${enc(table)}`)
}

export async function undoLastEdit(id: string): Promise<{ undoneEditId: string }> {
  return (await http.post<{ undoneEditId: string }>(`${base(id)}/undo`)).data
}

/** The patch log as JSON (the contract serves it as a download; the drawer pages it client-side). */
export async function getPatches(id: string, signal?: AbortSignal): Promise<PatchEntry[]> {
  const data = (await http.get<PatchEntry[] | Page<PatchEntry>>(`${base(id)}/patches`, { params: { format: 'json' }, signal })).data
  return Array.isArray(data) ? data : data.items
}

export async function requestDownload(id: string, request: DownloadRequest): Promise<DownloadTicket> {
  return (await http.post<DownloadTicket>(`${base(id)}/downloads`, request)).data
}
