import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import GroupTable from './GroupTable.vue'
import type { ScanGroup, ScanTable } from '@/api/workspaceTypes'

const table = (name: string, columnCount: number, columnCountExact: boolean): ScanTable => ({
  name, recordElement: 'row', recordPaths: ['root/row'], fileCount: 1, columnsPreview: [], columnCount, columnCountExact,
})
const group = (name: string, tables: ScanTable[]): ScanGroup => ({ name, fileCount: tables.length, bytes: 2048, tables })

describe('GroupTable', () => {
  it('marks a column count taken from part of the files as a lower bound, and says why on hover', () => {
    const w = mount(GroupTable, {
      props: {
        groups: [
          group('EXACT', [table('EXACT', 12, true)]),
          group('SAMPLED', [table('SAMPLED.a', 1200, true), table('SAMPLED.b', 37, false)]),
        ],
        selected: [],
      },
    })
    const columnsCell = (name: string) => {
      const row = w.findAll('tbody tr').find((r) => r.text().includes(name))!
      return row.findAll('td')[5]!.find('span')
    }
    expect(columnsCell('EXACT').text()).toBe('12')
    expect(columnsCell('EXACT').attributes('title')).toBe('12')
    expect(columnsCell('SAMPLED').text()).toBe('1,237+')
    expect(columnsCell('SAMPLED').attributes('title')).toMatch(/^At least 1,237 columns, counted from the first files/)
  })
})
