import { describe, expect, it } from 'vitest'
import { AxiosError, AxiosHeaders, CanceledError, type AxiosResponse } from 'axios'
import { fieldErrors, GENERIC_SERVER_MESSAGE, NETWORK_MESSAGE, toUserMessage } from './problem'

function httpError(status: number, data: unknown, headers: Record<string, string> = {}): AxiosError {
  const config = { headers: new AxiosHeaders() }
  const response = { status, data, headers, config, statusText: '' } as unknown as AxiosResponse
  return new AxiosError('Request failed', 'ERR_BAD_RESPONSE', config, {}, response)
}

describe('toUserMessage', () => {
  it('prefers the problem detail, then the title', () => {
    expect(toUserMessage(httpError(400, { title: 'Bad', detail: 'This reset link is invalid or has expired.' }))).toBe(
      'This reset link is invalid or has expired.',
    )
    expect(toUserMessage(httpError(401, { title: 'Invalid username or password.', status: 401 }))).toBe(
      'Invalid username or password.',
    )
  })

  it('lists field errors instead of the generic validation title', () => {
    const err = httpError(400, {
      title: 'One or more validation errors occurred.',
      errors: { NewPassword: ['Use at least 8 characters.'], currentPassword: ['Wrong password.'] },
    })
    expect(toUserMessage(err)).toBe('Use at least 8 characters. Wrong password.')
    expect(fieldErrors(err)).toEqual({ newPassword: 'Use at least 8 characters.', currentPassword: 'Wrong password.' })
  })

  it('turns 429 + Retry-After into a countdown sentence', () => {
    expect(toUserMessage(httpError(429, { title: 'Too Many Requests' }, { 'retry-after': '42' }))).toBe(
      'Too many attempts. Try again in 42 seconds.',
    )
    expect(toUserMessage(httpError(429, {}, { 'retry-after': '1' }))).toBe('Too many attempts. Try again in 1 second.')
    expect(toUserMessage(httpError(429, {}))).toBe('Too many attempts. Please wait a moment and try again.')
  })

  it('hides 5xx details but shows the trace id as a reference', () => {
    const msg = toUserMessage(httpError(500, { title: 'NullReferenceException at Foo.Bar', traceId: '00-abc-01' }))
    expect(msg).toBe(`${GENERIC_SERVER_MESSAGE} Reference: 00-abc-01`)
    expect(msg).not.toContain('NullReference')
    expect(toUserMessage(httpError(503, 'Service Unavailable'))).toBe(GENERIC_SERVER_MESSAGE)
  })

  it('explains network failures and cancellations', () => {
    const network = new AxiosError('Network Error', 'ERR_NETWORK', { headers: new AxiosHeaders() })
    expect(toUserMessage(network)).toBe(NETWORK_MESSAGE)
    expect(toUserMessage(new CanceledError())).toBe('The request was cancelled.')
  })

  it('has a sensible sentence for bare statuses and plain errors', () => {
    expect(toUserMessage(httpError(403, null))).toBe('You do not have permission to do that.')
    expect(toUserMessage(httpError(404, ''))).toBe('That item no longer exists.')
    expect(toUserMessage(new Error('Boom'))).toBe('Boom')
    expect(toUserMessage('weird')).toBe(GENERIC_SERVER_MESSAGE)
  })
})
