import { requestDownload } from '@/api/workspace'
import type { DownloadRequest } from '@/api/workspaceTypes'

/** Starts a browser download by following a link (no blob in memory; the server streams the file). */
export const browser = {
  navigate(url: string): void {
    const a = document.createElement('a')
    a.href = url
    a.setAttribute('download', '')
    a.rel = 'noopener'
    a.style.display = 'none'
    document.body.appendChild(a)
    a.click()
    a.remove()
  },
}

/** The ticket flow: POST …/downloads → { url } (single use, 60 s) → navigate to it. */
export async function downloadViaTicket(sessionId: string, request: DownloadRequest): Promise<string> {
  const ticket = await requestDownload(sessionId, request)
  browser.navigate(ticket.url)
  return ticket.url
}
