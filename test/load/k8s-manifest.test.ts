/**
 * docs/examples/load-indexed-job.yaml: valid Kubernetes objects (kubernetes-models' schemas), and the fields that
 * make it a distributed rtcspec load test — an Indexed Job whose completion index is the shard, N in parallelism,
 * completions and --shard alike, one shared --start-at, host networking, results on a shared volume, and a merge
 * Job that lists every shard directory once. Its arguments are accepted by rtcspec's own parsers.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PersistentVolumeClaim } from 'kubernetes-models/v1'
import { Job } from 'kubernetes-models/batch/v1'
import { parseAllDocuments } from 'yaml'
import { describe, expect, it } from 'vitest'
import { parseShard, parseStartAt, shardPlan } from '../../src/load/shard.ts'
import { parseCliDuration } from '../../src/cli/load.ts'

const file = join(resolve(import.meta.dirname, '../..'), 'docs/examples/load-indexed-job.yaml')
const docs = parseAllDocuments(readFileSync(file, 'utf8'))

describe('the Kubernetes Indexed Job example', () => {
  const objects = docs.map((d) => {
    expect(d.errors, 'YAML errors').toEqual([])
    return d.toJS() as { kind: string; metadata: { name: string } }
  })
  const jobs = objects.filter((o) => o.kind === 'Job').map((o) => new Job(o as ConstructorParameters<typeof Job>[0]))
  const generate = jobs.find((j) => j.metadata?.name === 'rtcspec-load')!
  const merge = jobs.find((j) => j.metadata?.name === 'rtcspec-load-merge')!

  it('is a PersistentVolumeClaim and two Jobs that pass the Kubernetes schemas', () => {
    expect(objects.map((o) => o.kind)).toEqual(['PersistentVolumeClaim', 'Job', 'Job'])
    const pvc = new PersistentVolumeClaim(objects[0] as ConstructorParameters<typeof PersistentVolumeClaim>[0])
    pvc.validate()
    for (const j of jobs) j.validate()
    expect(pvc.spec?.accessModes).toEqual(['ReadWriteMany'])
  })

  it('the generators: an Indexed Job, N = parallelism = completions = the N of --shard $(JOB_COMPLETION_INDEX)/N, one --start-at, host network', () => {
    const spec = generate.spec!
    expect(spec.completionMode).toBe('Indexed')
    const n = spec.completions!
    expect(spec.parallelism).toBe(n)
    expect(spec.backoffLimit).toBe(0)
    const pod = spec.template.spec!
    expect(pod.hostNetwork).toBe(true)
    expect(pod.restartPolicy).toBe('Never')
    const [c] = pod.containers
    const args = c!.args!
    const arg = (flag: string) => args[args.indexOf(flag) + 1]!
    expect(arg('--shard')).toBe(`$(JOB_COMPLETION_INDEX)/${n}`)
    // what the container sees for each index
    for (let i = 0; i < n; i++) expect(parseShard(arg('--shard').replace('$(JOB_COMPLETION_INDEX)', `${i}`))).toEqual({ index: i, count: n })
    expect(arg('--start-at')).toBe('$(START_AT)')
    const startAt = c!.env!.find((e) => e.name === 'START_AT')!
    expect(startAt.value).toBe('__START_AT__')
    expect(parseStartAt(startAt.value!.replace('__START_AT__', '2026-05-01T12:00:00Z'))).toBe(Date.UTC(2026, 4, 1, 12))
    expect(arg('--report-dir')).toBe('/results/shard-$(JOB_COMPLETION_INDEX)')
    expect(c!.volumeMounts!.find((m) => m.name === 'results')!.mountPath).toBe('/results')
    expect(pod.volumes!.find((v) => v.name === 'results')!.persistentVolumeClaim!.claimName).toBe('rtcspec-load-results')
    // the numbers are rtcspec's: the plan shares out over N
    expect(shardPlan({ calls: Number(arg('--calls')), rate: Number(arg('--rate')), shard: { index: n - 1, count: n } }).calls).toBeGreaterThan(0)
    expect(parseCliDuration(arg('--duration'), '--duration')).toBeGreaterThan(0)
    expect(c!.image).toBe('rtcspec/load-generator:latest')
    expect(args[0]).toMatch(/^b2b-/)
  })

  it('the merge Job reads every shard directory once and writes the merged summary to the same volume', () => {
    const n = generate.spec!.completions!
    const spec = merge.spec!
    expect(spec.completionMode ?? 'NonIndexed').toBe('NonIndexed')
    const args = spec.template.spec!.containers[0]!.args!
    expect(args[0]).toBe('merge')
    const dirs = args.slice(1, args.indexOf('--report-dir'))
    expect(dirs).toEqual(Array.from({ length: n }, (_, i) => `/results/shard-${i}`))
    expect(args[args.indexOf('--report-dir') + 1]).toBe('/results/merged')
    expect(spec.template.spec!.volumes![0]!.persistentVolumeClaim!.claimName).toBe('rtcspec-load-results')
  })
})
