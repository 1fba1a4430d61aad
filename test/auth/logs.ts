import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Limits } from '../../src/config.js'
import { TEST_SECRET } from '../helper.js'

export interface LogLine { level: number, msg: string, [key: string]: unknown }

/** Like `build` from the helper, but the app logs (info and up) into `lines`, parsed. */
export async function buildLogged (t: { teardown: (fn: () => unknown) => void }, env: Record<string, string>, limits: Partial<Limits> = {}): Promise<{ app: FastifyInstance, lines: LogLine[] }> {
  const lines: LogLine[] = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine)
      callback()
    }
  })
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, ...env }, limits)
  const app = await buildApp(config, { logger: { level: 'info', stream } })
  t.teardown(async () => await app.close())
  await app.ready()
  return { app, lines }
}

/** A fake `log` for createJwksKeys that keeps what it was told. */
export function fakeLog (): { warn: (obj: object, msg: string) => void, info: (obj: object, msg: string) => void, warns: Array<{ obj: object, msg: string }>, infos: Array<{ obj: object, msg: string }> } {
  const warns: Array<{ obj: object, msg: string }> = []
  const infos: Array<{ obj: object, msg: string }> = []
  return { warn: (obj, msg) => { warns.push({ obj, msg }) }, info: (obj, msg) => { infos.push({ obj, msg }) }, warns, infos }
}
