import type { DownloadedFile } from '@/api/adminTypes'

/** Hands a downloaded Blob to the browser as a file (object URL + a temporary anchor), then frees the URL. */
export function saveFile(file: DownloadedFile, doc: Document = document): void {
  const url = URL.createObjectURL(file.blob)
  const a = doc.createElement('a')
  a.href = url
  a.download = file.fileName
  a.rel = 'noopener'
  a.style.display = 'none'
  doc.body.appendChild(a)
  a.click()
  a.remove()
  // Give the browser a moment to start the download before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
