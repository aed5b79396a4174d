import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import type { GroupProgress, Job } from '@/api/workspaceTypes'
import JobProgress from './JobProgress.vue'

const group = (name: string, over: Partial<GroupProgress> = {}): GroupProgress => ({
  name, filesDone: 0, filesTotal: 4, bytesDone: 0, bytesTotal: 100, records: 0, mbPerSecond: null, recordsPerSecond: null, etaSeconds: null, percent: 0, ...over,
})
const job = (groups: GroupProgress[] | null, kind: Job['kind'] = 'convert', state: Job['state'] = 'running'): Job => ({
  id: 'j1', sessionId: 's1', kind, state, createdAt: '2026-11-26T08:00:00Z', startedAt: '2026-11-26T08:00:00Z', finishedAt: null, error: null,
  progress: { phase: 'extract', filesDone: 1, filesTotal: 8, records: 10, bytesDone: 50, bytesTotal: 200, mbPerSecond: 1, etaSeconds: 3, currentFile: null, errors: 0, percent: 25, groups },
})

describe('JobProgress', () => {
  it('shows a bar, files, records/s and ETA per group while a conversion runs', () => {
    const w = mount(JobProgress, {
      props: {
        job: job([
          group('AR_PAYMENT_TERM', { filesDone: 1, bytesDone: 50, records: 1200, recordsPerSecond: 4000, mbPerSecond: 12.5, etaSeconds: 75, percent: 50 }),
          group('GL_ACCOUNT', { filesDone: 4, bytesDone: 100, records: 30, percent: 100 }),
          group('AP_INVOICE'),
        ]),
      },
    })
    const rows = w.findAll('[data-testid="group-progress"]')
    expect(rows.map((r) => r.attributes('data-state'))).toEqual(['running', 'done', 'waiting'])
    expect(rows[0]!.find('[role="progressbar"]').attributes()).toMatchObject({ 'aria-label': 'AR_PAYMENT_TERM progress', 'aria-valuenow': '50' })
    expect(rows[0]!.text()).toContain('1 / 4')
    expect(rows[0]!.text()).toContain('(4,000/s)')
    expect(rows[0]!.text()).toContain('12.5 MB/s')
    expect(rows[0]!.text()).toContain('1 min 15 s')
    expect(rows[1]!.text()).toContain('100 %')
    expect(rows[2]!.text()).toContain('waiting')
  })

  it('leaves the per-group table out for a single group and for scans', () => {
    expect(mount(JobProgress, { props: { job: job([group('AR')]) } }).find('[data-testid="group-progress"]').exists()).toBe(false)
    expect(mount(JobProgress, { props: { job: job(null, 'scan') } }).find('table').exists()).toBe(false)
  })
})
