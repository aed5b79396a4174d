// Deterministic test fixtures for the browser journeys: a minimal ZIP writer/reader (stored or deflate, no
// ZIP64) on node's zlib, and a generator for a nested bulk export like the real ones:
//   Export_20240101.zip
//   ├── AR_PAYMENT_TERM.zip
//   │   └── 1_BATCH.zip
//   │       ├── AR_PAYMENT_TERM_1.xml
//   │       └── AR_PAYMENT_TERM_2.xml
//   ├── GL_ACCOUNT.zip
//   │   └── GL_ACCOUNT_1.xml
//   └── readme.txt                      (not XML: skipped by the scan)
import { deflateRawSync, inflateRawSync } from 'node:zlib'

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32(buf) {
  let c = 0xffffffff
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

// 2024-01-01 12:00:00 in MS-DOS format: fixed, so the same input gives the same bytes.
const DOS_TIME = (12 << 11) | (0 << 5) | 0
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1

/** entries: [{ name, data: Buffer|string, method?: 'deflate'|'store' }] → Buffer */
export function zip(entries) {
  const locals = []
  const centrals = []
  let offset = 0
  for (const entry of entries) {
    const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data, 'utf8')
    const name = Buffer.from(entry.name, 'utf8')
    const method = entry.method === 'store' ? 0 : 8
    const body = method === 8 ? deflateRawSync(data) : data
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6) // UTF-8 names
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(DOS_TIME, 10)
    local.writeUInt16LE(DOS_DATE, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    locals.push(local, name, body)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt16LE(DOS_TIME, 12)
    central.writeUInt16LE(DOS_DATE, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, name)
    offset += local.length + name.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

/** Buffer → [{ name, data }] (reads the central directory; stored and deflate only). */
export function unzip(buf) {
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw new Error('Not a ZIP file (no end of central directory).')
  const count = buf.readUInt16LE(eocd + 10)
  let p = buf.readUInt32LE(eocd + 16)
  const out = []
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('Corrupt central directory.')
    const method = buf.readUInt16LE(p + 10)
    const size = buf.readUInt32LE(p + 20)
    const nameLen = buf.readUInt16LE(p + 28)
    const extraLen = buf.readUInt16LE(p + 30)
    const commentLen = buf.readUInt16LE(p + 32)
    const localAt = buf.readUInt32LE(p + 42)
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8')
    const lNameLen = buf.readUInt16LE(localAt + 26)
    const lExtraLen = buf.readUInt16LE(localAt + 28)
    const start = localAt + 30 + lNameLen + lExtraLen
    const raw = buf.subarray(start, start + size)
    if (!name.endsWith('/')) out.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) })
    p += 46 + nameLen + extraLen + commentLen
  }
  return out
}

const TERMS = ['Net 30', 'Net 60', 'Due on receipt', '2/10 Net 30', 'End of month', 'Net 15', 'Net 45', 'Cash in advance']

function paymentTermsXml(batch, count, stride = 1000) {
  const records = []
  for (let i = 0; i < count; i++) {
    const id = batch * stride + i + 1
    records.push(
      `  <AR_PAYMENT_TERM>\n    <TERM_ID>${id}</TERM_ID>\n    <NAME>${TERMS[(id * 7) % TERMS.length]}</NAME>\n` +
        `    <DUE_DAYS>${(id % 6) * 15}</DUE_DAYS>\n    <ACTIVE>${id % 5 === 0 ? 'N' : 'Y'}</ACTIVE>\n  </AR_PAYMENT_TERM>`,
    )
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<AR_PAYMENT_TERMS>\n${records.join('\n')}\n</AR_PAYMENT_TERMS>\n`
}

function accountsXml(count) {
  const records = []
  for (let i = 0; i < count; i++) {
    records.push(`  <GL_ACCOUNT>\n    <ACCOUNT_NO>${4000 + i}</ACCOUNT_NO>\n    <TITLE>Account &amp; ledger ${i + 1}</TITLE>\n    <TYPE>${i % 2 ? 'Expense' : 'Revenue'}</TYPE>\n  </GL_ACCOUNT>`)
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<GL_ACCOUNTS>\n${records.join('\n')}\n</GL_ACCOUNTS>\n`
}

/** A 200 MB nested export (issue 5's "generated 200 MB export", deterministic): `batches` batch ZIPs inside the
 * export ZIP, each with `filesPerBatch` XML files of payment terms (~170 bytes a record), plus the small account
 * group. Term ids are unique: batch b, file f, record i → (b × filesPerBatch + f) × 1 000 000 + i + 1. */
export function largeNestedExport({ batches = 8, filesPerBatch = 4, bytes = 200_000_000 } = {}) {
  const files = batches * filesPerBatch
  const recordBytes = paymentTermsXml(files - 1, 1000, 1_000_000).length / 1000
  const perFile = Math.ceil(bytes / files / recordBytes)
  const entries = []
  let xmlBytes = 0
  for (let b = 0; b < batches; b++) {
    const files = []
    for (let f = 0; f < filesPerBatch; f++) {
      const xml = Buffer.from(paymentTermsXml(b * filesPerBatch + f, perFile, 1_000_000), 'utf8')
      xmlBytes += xml.length
      files.push({ name: `AR_PAYMENT_TERM_${b + 1}_${f + 1}.xml`, data: xml })
    }
    entries.push({ name: `AR_PAYMENT_TERM/${b + 1}_BATCH.zip`, data: zip(files), method: 'store' })
  }
  entries.push({ name: 'GL_ACCOUNT.zip', data: zip([{ name: 'GL_ACCOUNT_1.xml', data: accountsXml(12) }]), method: 'store' })
  return {
    name: 'Export_20240201_large.zip',
    buffer: zip(entries),
    xmlBytes,
    expected: { groups: ['AR_PAYMENT_TERM', 'GL_ACCOUNT'], termRows: perFile * batches * filesPerBatch },
  }
}

/** The generated nested export (deterministic): { name, buffer, expected } */
export function nestedExport({ termsPerFile = 30, accounts = 12 } = {}) {
  const batch = zip([
    { name: 'AR_PAYMENT_TERM_1.xml', data: paymentTermsXml(1, termsPerFile) },
    { name: 'AR_PAYMENT_TERM_2.xml', data: paymentTermsXml(2, termsPerFile) },
  ])
  const terms = zip([{ name: '1_BATCH.zip', data: batch, method: 'store' }])
  const gl = zip([{ name: 'GL_ACCOUNT_1.xml', data: accountsXml(accounts) }])
  const buffer = zip([
    { name: 'AR_PAYMENT_TERM.zip', data: terms, method: 'store' },
    { name: 'GL_ACCOUNT.zip', data: gl, method: 'store' },
    { name: 'readme.txt', data: 'Bulk export generated for the RET browser journey.\n' },
  ])
  return {
    name: 'Export_20240101.zip',
    buffer,
    expected: {
      groups: ['AR_PAYMENT_TERM', 'GL_ACCOUNT'],
      termRows: termsPerFile * 2,
      firstTermId: '1001',
      termColumns: ['TERM_ID', 'NAME', 'DUE_DAYS', 'ACTIVE'],
      skipped: ['readme.txt'],
    },
  }
}

/** A flat export of `rows` records (`<row><id>i</id><name>Name i</name></row>`, i from 0) in one XML file: a table
 * taller than browsers let an element be when every row is laid out (issue 5: "scrolls through a 1M-row table"). */
export function flatExport(rows = 1_100_000) {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n']
  for (let i = 0; i < rows; i++) parts.push(`<row><id>${i}</id><name>Name ${i}</name></row>\n`)
  parts.push('</rows>\n')
  return { name: 'Export_flat_rows.zip', buffer: zip([{ name: 'FLAT_ROWS.xml', data: parts.join('') }]), rows }
}

/** One table of `rows` × `columns` (fields f0001 …): wide enough that the preview store must raise its load memory
 * (ADR 0401) and the grid draws a screen of a table far wider than the window. Cell (r, c) holds `r<r>c<c>`. */
export function wideExport(rows = 300, columns = 1200) {
  const names = Array.from({ length: columns }, (_, c) => `f${String(c + 1).padStart(4, '0')}`)
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n']
  for (let r = 0; r < rows; r++) {
    parts.push('<row>', ...names.map((n, c) => `<${n}>r${r}c${c}</${n}>`), '</row>\n')
  }
  parts.push('</rows>\n')
  return { name: 'Export_wide_rows.zip', buffer: zip([{ name: 'WIDE_ROWS.xml', data: parts.join('') }]), rows, columns }
}
