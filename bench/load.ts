/**
 * The load generator: a child process of bench/run.ts (pinned to its own core), driven over IPC.
 * It holds no state about targets: each request names the URL and brings the tokens to use.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type WebSocket from 'ws'
import type { FromLoad, HandshakeRun, ToLoad } from './ipc.js'
import { close, handshake, isMessageEvent, messageEvent } from './protocol.js'

const send = (message: FromLoad): void => { process.send?.(message) }
/** Given by --expose-gc. */
const gc = (globalThis as { gc?: () => void }).gc

/** `tokens.length` handshakes, `concurrency` at a time; each connection is closed once connected. */
async function handshakes (url: string, tokens: string[], concurrency: number): Promise<HandshakeRun> {
  const latenciesMs: number[] = []
  const closing: Array<Promise<void>> = []
  let ok = 0
  let refused = 0
  let failed = 0
  let firstProblem: string | undefined
  let next = 0
  const started = performance.now()
  let finished = started
  const worker = async (): Promise<void> => {
    while (next < tokens.length) {
      const token = tokens[next++] as string
      const result = await handshake(url, token)
      finished = performance.now()
      if (result.ok) {
        ok++
        latenciesMs.push(result.ms)
      } else {
        if (result.problem.startsWith('refused')) refused++
        else failed++
        firstProblem ??= result.problem
      }
      if (result.ws !== undefined) closing.push(close(result.ws))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  await Promise.all(closing)
  return { ok, refused, failed, seconds: (finished - started) / 1000, latenciesMs, firstProblem }
}

/** Connections kept open for the memory and fan-out measurements. */
const held: WebSocket[] = []
let arrivals = 0
let expected = 0
let arrived: (() => void) | undefined

function onEvent (frame: Buffer): void {
  if (!isMessageEvent(frame)) return
  arrivals++
  if (arrivals === expected) arrived?.()
}

async function hold (url: string, tokens: string[], concurrency: number): Promise<FromLoad> {
  let failed = 0
  let firstProblem: string | undefined
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tokens.length) {
      const token = tokens[next++] as string
      const result = await handshake(url, token, { onEvent })
      if (result.ok) {
        held.push(result.ws)
      } else {
        failed++
        firstProblem ??= result.problem
        if (result.ws !== undefined) await close(result.ws)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { type: 'hold', held: held.length, failed, firstProblem }
}

/**
 * `messages` messages from the first held socket to `lobby`, one at a time: the time from sending
 * to the arrival of the broadcast at every held socket (the sender included).
 */
async function fanout (messages: number): Promise<FromLoad> {
  // The garbage of opening thousands of connections, collected now rather than during a broadcast
  // (a full collection of this process's heap would be timed as the server's fan-out).
  gc?.()
  const sender = held[0]
  const timesMs: number[] = []
  let lost = 0
  if (sender === undefined) return { type: 'fanout', timesMs, lost }
  for (let i = 0; i < messages; i++) {
    arrivals = 0
    expected = held.length
    const started = performance.now()
    const complete = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000)
      arrived = () => {
        clearTimeout(timer)
        resolve(true)
      }
      sender.send(messageEvent(`fan-out ${i}`))
    })
    arrived = undefined
    if (complete) timesMs.push(performance.now() - started)
    else lost++
    // Let the server go idle between messages, so each measures one broadcast alone.
    await sleep(20)
  }
  return { type: 'fanout', timesMs, lost }
}

async function release (): Promise<void> {
  await Promise.all(held.splice(0).map(async ws => await close(ws)))
}

async function answer (message: ToLoad): Promise<FromLoad | undefined> {
  switch (message.type) {
    case 'handshakes':
      return { type: 'handshakes', run: await handshakes(message.url, message.tokens, message.concurrency) }
    case 'hold':
      return await hold(message.url, message.tokens, message.concurrency)
    case 'fanout':
      return await fanout(message.messages)
    case 'release':
      await release()
      return { type: 'released' }
    case 'exit':
      await release()
      process.exit(0)
  }
}

process.on('message', (message) => {
  answer(message as ToLoad).then((reply) => { if (reply !== undefined) send(reply) }, (error: unknown) => {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) })
  })
})
process.on('disconnect', () => process.exit(0))
