// A minimal text/event-stream parser (WHATWG "event stream interpretation"): feed it decoded chunks in any
// split; it returns complete messages. Comments (": keep-alive") and unknown fields are ignored.
export interface SseMessage {
  event: string
  data: string
  id: string | null
}

export class SseParser {
  private buffer = ''
  private event = ''
  private data: string[] = []
  private id: string | null = null

  push(chunk: string): SseMessage[] {
    this.buffer += chunk
    const out: SseMessage[] = []
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer)
      if (!match) break
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break
      const line = this.buffer.slice(0, match.index)
      this.buffer = this.buffer.slice(match.index + match[0].length)
      const message = this.line(line)
      if (message) out.push(message)
    }
    return out
  }

  /** The stream ended: a message without its blank line is discarded (per spec). */
  end(): SseMessage[] {
    this.buffer = ''
    this.reset()
    return []
  }

  private reset(): void {
    this.event = ''
    this.data = []
  }

  private line(line: string): SseMessage | null {
    if (line === '') {
      if (!this.data.length) {
        this.reset()
        return null
      }
      const message = { event: this.event || 'message', data: this.data.join('\n'), id: this.id }
      this.reset()
      return message
    }
    if (line.startsWith(':')) return null
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
    else if (field === 'id') this.id = value
    return null
  }
}
