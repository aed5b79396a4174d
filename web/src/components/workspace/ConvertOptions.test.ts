import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import MockAdapter from 'axios-mock-adapter'
import { http } from '@/api/http'
import ConvertOptions from './ConvertOptions.vue'

const group = { name: 'AR_PAYMENT_TERM', fileCount: 1, bytes: 10, tables: [] }
const props = { groups: [group], selected: [group.name], jobRunning: false }

let mock: MockAdapter
beforeEach(() => (mock = new MockAdapter(http)))
afterEach(() => mock.restore())

describe('ConvertOptions', () => {
  it("preselects the administrators' conversion defaults", async () => {
    mock.onGet('/workspace/conversion-defaults').reply(200, { format: 'xlsx', mode: 'relational', neutraliseFormulas: false, bom: true })
    const w = mount(ConvertOptions, { props })
    await flushPromises()

    await w.find('form').trigger('submit')

    expect(w.emitted('convert')![0]![0]).toMatchObject({ format: 'xlsx', mode: 'relational', neutraliseFormulas: false, bom: true })
  })

  it('keeps what the user already chose when the defaults arrive late, and the built-in ones when they fail', async () => {
    let release: () => void = () => {}
    mock.onGet('/workspace/conversion-defaults').reply(() => new Promise((resolve) => (release = () => resolve([200, { format: 'xlsx', mode: 'wide', neutraliseFormulas: true, bom: false }]))))
    const w = mount(ConvertOptions, { props })
    await w.find('input[value="relational"]').setValue(true)
    release()
    await flushPromises()
    await w.find('form').trigger('submit')
    expect(w.emitted('convert')![0]![0]).toMatchObject({ format: 'csv', mode: 'relational' })

    mock.reset()
    mock.onGet('/workspace/conversion-defaults').reply(500)
    const failed = mount(ConvertOptions, { props })
    await flushPromises()
    await failed.find('form').trigger('submit')
    expect(failed.emitted('convert')![0]![0]).toMatchObject({ format: 'csv', mode: 'wide', neutraliseFormulas: true, bom: false })
  })
})
