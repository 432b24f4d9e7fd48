/**
 * Compiles the bytecode of a pegjs 0.10 parser (the generator sip.js's grammar was built with, in its
 * "optimize for size" mode) into one JavaScript function per rule: what pegjs emits in its "optimize for speed"
 * mode, here made from the bytecode. Each opcode does exactly what the interpreter `peg$parseRule` does with it;
 * the interpreter's value stack becomes local variables `s0`, `s1`, … (its depth is known at every instruction)
 * and its jump bookkeeping becomes nested `if`/`while` blocks, so nothing is decoded or dispatched at parse time.
 *
 * The generated functions use the names of the grammar module: `input`, `peg$currPos`, `peg$savedPos`,
 * `peg$silentFails`, `peg$FAILED`, `peg$consts`, `peg$fail`.
 */
import { RtcspecError } from '../../errors.ts'

function unsupported(message: string): never {
  throw new RtcspecError('PATCH_UNSUPPORTED', `grammar bytecode: ${message}`)
}

/** The code of a block of bytecode `[ip, end)` entered with `depth` values on the stack, and the depth it leaves. */
function block(bc: readonly number[], start: number, end: number, depth: number, rule: number, used: { max: number }): { code: string; depth: number } {
  const out: string[] = []
  const s = (i: number): string => {
    if (i < 0) unsupported(`rule ${rule} pops an empty stack`)
    used.max = Math.max(used.max, i)
    return `s${i}`
  }
  const condition = (cond: string, at: number, args: number): number => {
    const thenLen = bc[at + 1 + args]!
    const elseLen = bc[at + 2 + args]!
    const base = at + 3 + args
    const yes = block(bc, base, base + thenLen, depth, rule, used)
    const no = block(bc, base + thenLen, base + thenLen + elseLen, depth, rule, used)
    if (yes.depth !== no.depth) unsupported(`rule ${rule}: the branches at ${at} leave different stack depths`)
    out.push(`if (${cond}) {\n${yes.code}\n} else {\n${no.code}\n}`)
    depth = yes.depth
    return base + thenLen + elseLen
  }
  let ip = start
  while (ip < end) {
    const op = bc[ip]!
    switch (op) {
      case 0: // PUSH c
        out.push(`${s(depth++)} = peg$consts[${bc[ip + 1]}];`)
        ip += 2
        break
      case 1: // PUSH_UNDEFINED
        out.push(`${s(depth++)} = undefined;`)
        ip++
        break
      case 2: // PUSH_NULL
        out.push(`${s(depth++)} = null;`)
        ip++
        break
      case 3: // PUSH_FAILED
        out.push(`${s(depth++)} = peg$FAILED;`)
        ip++
        break
      case 4: // PUSH_EMPTY_ARRAY
        out.push(`${s(depth++)} = [];`)
        ip++
        break
      case 5: // PUSH_CURR_POS
        out.push(`${s(depth++)} = peg$currPos;`)
        ip++
        break
      case 6: // POP
        s(--depth)
        ip++
        break
      case 7: // POP_CURR_POS
        out.push(`peg$currPos = ${s(--depth)};`)
        ip++
        break
      case 8: // POP_N n
        depth -= bc[ip + 1]!
        s(depth)
        ip += 2
        break
      case 9: // NIP
        out.push(`${s(depth - 2)} = ${s(depth - 1)};`)
        depth--
        ip++
        break
      case 10: // APPEND
        out.push(`${s(depth - 2)}.push(${s(depth - 1)});`)
        depth--
        ip++
        break
      case 11: {
        // WRAP n
        const n = bc[ip + 1]!
        const items = Array.from({ length: n }, (_, k) => s(depth - n + k))
        out.push(`${s(depth - n)} = [${items.join(', ')}];`)
        depth = depth - n + 1
        ip += 2
        break
      }
      case 12: // TEXT
        out.push(`${s(depth - 1)} = input.substring(${s(depth - 1)}, peg$currPos);`)
        ip++
        break
      case 13: // IF t, f
        ip = condition(s(depth - 1), ip, 0)
        break
      case 14: // IF_ERROR t, f
        ip = condition(`${s(depth - 1)} === peg$FAILED`, ip, 0)
        break
      case 15: // IF_NOT_ERROR t, f
        ip = condition(`${s(depth - 1)} !== peg$FAILED`, ip, 0)
        break
      case 16: {
        // WHILE_NOT_ERROR b
        const len = bc[ip + 1]!
        const body = block(bc, ip + 2, ip + 2 + len, depth, rule, used)
        if (body.depth !== depth) unsupported(`rule ${rule}: the loop at ${ip} changes the stack depth`)
        out.push(`while (${s(depth - 1)} !== peg$FAILED) {\n${body.code}\n}`)
        ip += 2 + len
        break
      }
      case 17: // MATCH_ANY a, f
        ip = condition('input.length > peg$currPos', ip, 0)
        break
      case 18: {
        // MATCH_STRING s, a, f
        const c = bc[ip + 1]
        ip = condition(`input.substr(peg$currPos, peg$consts[${c}].length) === peg$consts[${c}]`, ip, 1)
        break
      }
      case 19: {
        // MATCH_STRING_IC s, a, f
        const c = bc[ip + 1]
        ip = condition(`input.substr(peg$currPos, peg$consts[${c}].length).toLowerCase() === peg$consts[${c}]`, ip, 1)
        break
      }
      case 20: // MATCH_CLASS c, a, f
        ip = condition(`peg$consts[${bc[ip + 1]}].test(input.charAt(peg$currPos))`, ip, 1)
        break
      case 21: // ACCEPT_N n
        out.push(`${s(depth++)} = input.substr(peg$currPos, ${bc[ip + 1]});`, `peg$currPos += ${bc[ip + 1]};`)
        ip += 2
        break
      case 22: // ACCEPT_STRING s
        out.push(`${s(depth++)} = peg$consts[${bc[ip + 1]}];`, `peg$currPos += peg$consts[${bc[ip + 1]}].length;`)
        ip += 2
        break
      case 23: // FAIL e
        out.push(`${s(depth++)} = peg$FAILED;`, `if (peg$silentFails === 0) { peg$fail(peg$consts[${bc[ip + 1]}]); }`)
        ip += 2
        break
      case 24: // LOAD_SAVED_POS p
        out.push(`peg$savedPos = ${s(depth - 1 - bc[ip + 1]!)};`)
        ip += 2
        break
      case 25: // UPDATE_SAVED_POS
        out.push('peg$savedPos = peg$currPos;')
        ip++
        break
      case 26: {
        // CALL f, n, pc, p1 … ppc: the action gets the values at those offsets, and replaces the top n values
        const n = bc[ip + 2]!
        const pc = bc[ip + 3]!
        const args = bc.slice(ip + 4, ip + 4 + pc).map((p) => s(depth - 1 - p))
        if (depth - n < 0) unsupported(`rule ${rule}: a call at ${ip} pops an empty stack`)
        // (0, f)(…): called without a receiver, as the interpreter's f.apply(null, params)
        out.push(`${s(depth - n)} = (0, peg$consts[${bc[ip + 1]}])(${args.join(', ')});`)
        depth = depth - n + 1
        ip += 4 + pc
        break
      }
      case 27: // RULE r
        out.push(`${s(depth++)} = peg$rule${bc[ip + 1]}();`)
        ip += 2
        break
      case 28: // SILENT_FAILS_ON
        out.push('peg$silentFails++;')
        ip++
        break
      case 29: // SILENT_FAILS_OFF
        out.push('peg$silentFails--;')
        ip++
        break
      default:
        unsupported(`rule ${rule}: unknown opcode ${op} at ${ip}`)
    }
  }
  if (ip !== end) unsupported(`rule ${rule}: a block overruns its end (${ip} > ${end})`)
  return { code: out.join('\n'), depth }
}

/**
 * One function per rule (`peg$rule0`, `peg$rule1`, …, each returning what the interpreter's `stack[0]` would
 * be) and `peg$rules`, the array of them. Throws (PATCH_UNSUPPORTED) on bytecode it does not understand.
 */
export function compileGrammarBytecode(bytecode: ReadonlyArray<readonly number[]>): string {
  const rules = bytecode.map((bc, i) => {
    const used = { max: 0 }
    const { code, depth } = block(bc, 0, bc.length, 0, i, used)
    if (depth < 1) unsupported(`rule ${i} leaves no result`)
    const locals = Array.from({ length: used.max + 1 }, (_, k) => `s${k}`).join(', ')
    return `function peg$rule${i}() {\nlet ${locals};\n${code}\nreturn s0;\n}`
  })
  return `${rules.join('\n')}\nconst peg$rules = [${bytecode.map((_, i) => `peg$rule${i}`).join(', ')}];`
}
