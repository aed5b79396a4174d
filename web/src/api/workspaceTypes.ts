// Shapes fixed by docs/api/workspace.md (camelCase JSON). Keep in step with the contract.
export type SessionState = 'empty' | 'uploading' | 'scanning' | 'scanned' | 'converting' | 'converted' | 'failed'

export interface Page<T> {
  items: T[]
  total: number
  page: number
  pageSize: number
}

export interface SessionSummary {
  id: string
  name: string
  state: SessionState
  createdAt: string
  updatedAt: string
  expiresAt: string
  sizeBytes: number
  fileCount: number
  tableCount: number
}

export interface UploadedFile {
  id: string
  name: string
  sizeBytes: number
  uploadedBytes: number
  state: 'uploading' | 'complete' | 'rejected'
  reason: string | null
  createdAt: string
}

export interface Session extends SessionSummary {
  files: UploadedFile[]
  scan: ScanSummary | null
  activeJob: Job | null
  lastJob: Job | null
  /** The preview/edit store holds the current tables; false for a few seconds after a conversion (downloads work). */
  tablesReady: boolean
  /** Why the store could not be filled, if it could not. */
  tablesError: string | null
  /** Saved edits that "Undo last edit" can still revert. */
  undoableEdits: number
}

export interface Quota {
  usedBytes: number
  limitBytes: number
  maxFileBytes: number
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

export interface JobProgress {
  phase: string
  filesDone: number
  filesTotal: number
  records: number
  bytesDone: number
  bytesTotal: number
  mbPerSecond: number | null
  etaSeconds: number | null
  currentFile: string | null
  errors: number
  percent: number
  /** A conversion's progress per group (null for scans). */
  groups?: GroupProgress[] | null
}

export interface GroupProgress {
  name: string
  filesDone: number
  filesTotal: number
  bytesDone: number
  bytesTotal: number
  records: number
  mbPerSecond: number | null
  recordsPerSecond: number | null
  etaSeconds: number | null
  percent: number
}

export interface Job {
  id: string
  sessionId: string
  kind: 'scan' | 'convert'
  state: JobState
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  error: string | null
  progress: JobProgress
}

export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled']
export const isTerminal = (job: Pick<Job, 'state'> | null | undefined): boolean =>
  !!job && TERMINAL_STATES.includes(job.state)

export interface ScanSummary {
  files: number
  xmlFiles: number
  groups: number
  tables: number
  totalBytes: number
  skipped: number
  rejected: number
  /** XML files the scan could not parse; the conversion will report them as failed files */
  unreadable: number
  stoppedReason: string | null
}

export interface ScanTable {
  name: string
  recordElement: string
  recordPaths: string[]
  fileCount: number
  /** at most 50 names; the sample's full width is columnCount */
  columnsPreview: string[]
  /** columns the sampled files give (a lower bound of the converted table's width) */
  columnCount: number
  /** true when the sample read every file of the table to its end: columnCount is the default conversion's width */
  columnCountExact: boolean
}

export interface ScanGroup {
  name: string
  fileCount: number
  bytes: number
  tables: ScanTable[]
}

export interface ScanResult {
  summary: ScanSummary
  groups: ScanGroup[]
}

export type ScanEntryKind = 'xml' | 'skipped' | 'rejected'
/** What `GET …/scan/entries?kind=` lists: a kind, or `unreadable` (XML files whose parse failed, with the reason). */
export type ScanEntryFilter = ScanEntryKind | 'unreadable'

export interface ScanEntry {
  path: string
  kind: ScanEntryKind
  reason: string | null
  sizeBytes: number | null
  group: string | null
  recordPath: string | null
  encoding: string | null
}

export interface ConvertRequest {
  groups: string[]
  format: 'csv' | 'xlsx'
  mode: 'wide' | 'relational'
  recordOverrides?: Record<string, string>
  neutraliseFormulas?: boolean
  bom?: boolean
  includeSourceFile?: boolean
}

export interface TableInfo {
  name: string
  group: string
  rows: number
  columns: number
  sizeBytes: number
  sourceFiles: number
  errors: number
  modified: boolean
  isChild: boolean
  parent: string | null
}

export interface RowsPage {
  columns: string[]
  rows: string[][]
  rowIds: number[]
  offset: number
  total: number
}

export interface RowsQuery {
  offset: number
  limit: number
  sort?: string | null
  dir?: 'asc' | 'desc'
  /** column → text (contains, case-insensitive) */
  filters?: Record<string, string>
}

export type EditOp =
  | { op: 'set'; rowId: number; column: string; value: string }
  | { op: 'insertRow'; values: Record<string, string> }
  | { op: 'deleteRow'; rowId: number }

export interface EditBatch {
  ops: EditOp[]
}

export interface PatchEntry {
  editId: string
  at: string
  user: string
  table: string
  op: string
  rowId: number | null
  column: string | null
  oldValue: string | null
  newValue: string | null
}

export interface NewTable {
  name: string
  group: string
  headers: string[]
}

export type DownloadRequest =
  | { kind: 'table'; table: string; format?: 'csv' | 'xlsx'; version?: 'original' | 'modified' }
  | { kind: 'group'; group: string; version?: 'original' | 'modified' }
  | { kind: 'all'; version?: 'original' | 'modified' }
  | { kind: 'patches'; format?: 'csv' | 'json' }

export interface DownloadTicket {
  url: string
  expiresAt: string
}

export interface ConversionDefaults {
  format: 'csv' | 'xlsx'
  mode: 'wide' | 'relational'
  neutraliseFormulas: boolean
  bom: boolean
}
