import { describe, it, expect } from 'vitest'
import { formatCounts } from '../src/report/summary-reporter.ts'
describe('summary reporter', () => {
  it('formats counts as the plain CI line', () => {
    expect(formatCounts({ passed: 3, failed: 1, skipped: 0 })).toBe('3 passed, 1 failed')
    expect(formatCounts({ passed: 3, failed: 0, skipped: 2 })).toBe('3 passed, 0 failed, 2 skipped')
  })
})
