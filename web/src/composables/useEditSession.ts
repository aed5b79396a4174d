import { computed, ref } from 'vue'
import { applyEdits, undoLastEdit } from '@/api/workspace'
import { toUserMessage } from '@/api/problem'
import type { EditOp, TableInfo } from '@/api/workspaceTypes'

/**
 * Edit mode of one table: changes stay local (pending) until Save sends them as ONE batch (the server applies
 * it atomically); Undo asks the server to undo the last saved edit of the session.
 */
export function useEditSession(source: () => { sessionId: string; table: string } | null) {
  const enabled = ref(false)
  const cells = ref(new Map<string, Extract<EditOp, { op: 'set' }>>())
  const inserts = ref<Record<string, string>[]>([])
  const deletes = ref(new Set<number>())
  const saving = ref(false)
  const error = ref<string | null>(null)

  const cellKey = (rowId: number, column: string) => `${rowId}\u0000${column}`
  const pendingCount = computed(() => cells.value.size + inserts.value.length + deletes.value.size)

  function setCell(rowId: number, column: string, value: string, original: string): void {
    const next = new Map(cells.value)
    if (value === original) next.delete(cellKey(rowId, column))
    else next.set(cellKey(rowId, column), { op: 'set', rowId, column, value })
    cells.value = next
  }

  const pendingValue = (rowId: number, column: string): string | undefined =>
    cells.value.get(cellKey(rowId, column))?.value

  function insertRow(values: Record<string, string>): void {
    inserts.value = [...inserts.value, { ...values }]
  }

  function deleteRow(rowId: number): void {
    deletes.value = new Set(deletes.value).add(rowId)
  }

  const isDeleted = (rowId: number) => deletes.value.has(rowId)

  function discard(): void {
    cells.value = new Map()
    inserts.value = []
    deletes.value = new Set()
    error.value = null
  }

  function ops(): EditOp[] {
    return [
      ...[...cells.value.values()].filter((o) => !deletes.value.has(o.rowId)),
      ...inserts.value.map((values) => ({ op: 'insertRow' as const, values })),
      ...[...deletes.value].map((rowId) => ({ op: 'deleteRow' as const, rowId })),
    ]
  }

  /** Sends every pending change as one batch. Resolves with the updated TableInfo, or null on failure. */
  async function save(): Promise<TableInfo | null> {
    const s = source()
    if (!s || !pendingCount.value) return null
    saving.value = true
    error.value = null
    try {
      const res = await applyEdits(s.sessionId, s.table, { ops: ops() })
      discard()
      return res.table
    } catch (err) {
      error.value = toUserMessage(err)
      return null
    } finally {
      saving.value = false
    }
  }

  async function undo(): Promise<string | null> {
    const s = source()
    if (!s) return null
    saving.value = true
    error.value = null
    try {
      return (await undoLastEdit(s.sessionId)).undoneEditId
    } catch (err) {
      error.value = toUserMessage(err)
      return null
    } finally {
      saving.value = false
    }
  }

  return { enabled, pendingCount, saving, error, setCell, pendingValue, insertRow, deleteRow, isDeleted, discard, ops, save, undo }
}
