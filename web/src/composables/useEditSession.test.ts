import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import MockAdapter from 'axios-mock-adapter'
import { http } from '@/api/http'
import { useEditSession } from './useEditSession'

let mock: MockAdapter
beforeEach(() => (mock = new MockAdapter(http)))
afterEach(() => mock.restore())

const info = { name: 'T', group: 'G', rows: 2, columns: 2, sizeBytes: 1, sourceFiles: 1, errors: 0, modified: true, isChild: false, parent: null }

describe('useEditSession', () => {
  it('counts pending changes (last value per cell wins; back to the original removes it)', () => {
    const e = useEditSession(() => ({ sessionId: 's', table: 'T' }))
    e.setCell(1, 'A', 'x', 'orig')
    e.setCell(1, 'A', 'y', 'orig')
    e.setCell(2, 'A', 'z', 'orig')
    expect(e.pendingCount.value).toBe(2)
    expect(e.pendingValue(1, 'A')).toBe('y')
    e.setCell(2, 'A', 'orig', 'orig')
    e.insertRow({ A: '1' })
    e.deleteRow(5)
    expect(e.pendingCount.value).toBe(3)
    expect(e.isDeleted(5)).toBe(true)
  })

  it('saves everything as ONE batch, then clears the counter', async () => {
    mock.onPost('/workspace/sessions/s/tables/T/edits').reply(200, { editId: 'e1', table: info })
    const e = useEditSession(() => ({ sessionId: 's', table: 'T' }))
    e.setCell(1, 'A', 'x', 'o')
    e.insertRow({ A: 'new' })
    e.deleteRow(3)
    e.setCell(3, 'A', 'gone', 'o') // a change to a row that is deleted anyway is dropped
    expect(await e.save()).toEqual(info)
    expect(mock.history.post).toHaveLength(1)
    expect(JSON.parse(mock.history.post[0]!.data)).toEqual({
      ops: [
        { op: 'set', rowId: 1, column: 'A', value: 'x' },
        { op: 'insertRow', values: { A: 'new' } },
        { op: 'deleteRow', rowId: 3 },
      ],
    })
    expect(e.pendingCount.value).toBe(0)
  })

  it('keeps the pending changes and shows the server message when the batch is rejected', async () => {
    mock.onPost('/workspace/sessions/s/tables/T/edits').reply(400, { title: 'One or more validation errors occurred.', errors: { ops: ['Row 9 does not exist.'] } })
    const e = useEditSession(() => ({ sessionId: 's', table: 'T' }))
    e.setCell(9, 'A', 'x', 'o')
    expect(await e.save()).toBeNull()
    expect(e.pendingCount.value).toBe(1)
    expect(e.error.value).toBe('Row 9 does not exist.')
  })

  it('undo calls POST /undo and reports 409 (nothing to undo)', async () => {
    mock.onPost('/workspace/sessions/s/undo').replyOnce(200, { undoneEditId: 'e1' }).onPost('/workspace/sessions/s/undo').replyOnce(409, { title: 'Conflict', detail: 'There is no edit to undo.' })
    const e = useEditSession(() => ({ sessionId: 's', table: 'T' }))
    expect(await e.undo()).toBe('e1')
    expect(await e.undo()).toBeNull()
    expect(e.error.value).toBe('There is no edit to undo.')
  })
})
