import { ref, shallowRef, watch, type Ref } from 'vue'
import * as api from '@/api/workspace'
import { statusOf, toUserMessage } from '@/api/problem'
import type { Quota, ScanResult, Session, TableInfo } from '@/api/workspaceTypes'

interface Loadable<T> {
  data: Ref<T | null>
  loading: Ref<boolean>
  error: Ref<string | null>
  load: () => Promise<void>
}

function loadable<T>(fetcher: (signal: AbortSignal) => Promise<T | null>): Loadable<T> {
  const data = shallowRef<T | null>(null) as Ref<T | null>
  const loading = ref(false)
  const error = ref<string | null>(null)
  let controller: AbortController | null = null
  async function load(): Promise<void> {
    controller?.abort()
    const mine = (controller = new AbortController())
    loading.value = true
    error.value = null
    try {
      const value = await fetcher(mine.signal)
      if (!mine.signal.aborted) data.value = value
    } catch (err) {
      if (!mine.signal.aborted) error.value = toUserMessage(err)
    } finally {
      if (controller === mine) loading.value = false
    }
  }
  return { data, loading, error, load }
}

/** The data of one workspace session: the session itself, its scan, its tables and the user's quota. */
export function useWorkspace(sessionId: Readonly<Ref<string | null>>) {
  const session = loadable<Session>((s) => (sessionId.value ? api.getSession(sessionId.value, s) : Promise.resolve(null)))
  const scan = loadable<ScanResult>(async (s) => {
    if (!sessionId.value) return null
    try {
      return await api.getScan(sessionId.value, s)
    } catch (err) {
      if (statusOf(err) === 404) return null // no successful scan yet
      throw err
    }
  })
  const tables = loadable<TableInfo[]>((s) => (sessionId.value ? api.listTables(sessionId.value, s) : Promise.resolve([])))
  const quota = loadable<Quota>((s) => api.getQuota(s))

  async function refreshAll(): Promise<void> {
    await Promise.all([session.load(), scan.load(), tables.load(), quota.load()])
  }

  watch(sessionId, () => {
    session.data.value = null
    scan.data.value = null
    tables.data.value = null
    void refreshAll()
  })

  return { session, scan, tables, quota, refreshAll }
}
