// Stack-depth analysis of one function's byte code, following what the 2.4 VM does with its value stack:
// operands per the opcode table (plus the popped byte argument of call/append opcodes), and the
// "contexts" (try, catch, finally, for-in/of, with, block) that live at the bottom of the same stack.
//
// The instructions are walked in address order, as the parser emitted them. Fall-through and branch
// edges carry a state; where several reach one instruction they must agree. Code reached only through
// an exception (catch and finally bodies) follows the CATCH / FINALLY instruction in address order, and
// the state after those instructions is exactly the state the VM builds when it unwinds to them.
// The VM trusts stack_limit blindly (the frame is allocated from it), so exceeding it corrupts memory.

import type { Instruction } from './bytecode';
import { ARG_BYTE, ARG_FORWARD_OR_POP } from './opcodes';

type ContextKind = 'block' | 'with' | 'for-in' | 'for-of' | 'for-await-of' | 'try' | 'catch' | 'finally';

const CONTEXT_SIZE: Record<ContextKind, number> = {
  block: 1,
  with: 1,
  'for-in': 4,
  'for-of': 4,
  'for-await-of': 4,
  try: 1,
  catch: 1,
  finally: 2,
};

interface Context {
  kind: ContextKind;
  /** Code offset the context ends at (the branch target of the opcode that created it). */
  end: number;
}

interface State {
  values: number;
  contexts: Context[];
}

export interface StackProblem {
  /** Code offset of the instruction. */
  offset: number;
  message: string;
}

export interface StackAnalysis {
  /** Highest number of stack slots in use at any point, contexts included. */
  maxDepth: number;
  problems: StackProblem[];
  /** Stack depth (contexts included) when each instruction starts, by code offset. */
  depthAt: Map<number, number>;
}

const depth = (s: State) => s.values + s.contexts.reduce((n, c) => n + CONTEXT_SIZE[c.kind], 0);
const describe = (s: State) =>
  `${depth(s)} (${s.values} values${s.contexts.length ? ` over ${s.contexts.map((c) => c.kind).join(', ')}` : ''})`;
const sameShape = (a: State, b: State) =>
  a.values === b.values && a.contexts.length === b.contexts.length && a.contexts.every((c, i) => CONTEXT_SIZE[c.kind] === CONTEXT_SIZE[b.contexts[i].kind]);

/** Opcode name without the _2 / _3 suffix of the longer branch-offset forms. */
const family = (name: string) => name.replace(/_[23]$/, '');

const TERMINATORS = new Set([
  'CBC_RETURN',
  'CBC_RETURN_WITH_BLOCK',
  'CBC_RETURN_WITH_LITERAL',
  'CBC_THROW',
  'CBC_EXT_RETURN',
  'CBC_EXT_RETURN_UNDEFINED',
  'CBC_EXT_ASYNC_EXIT',
]);

const UNCONDITIONAL_JUMP = /^CBC_JUMP_(FORWARD|BACKWARD|FORWARD_EXIT_CONTEXT)(_2|_3)?$/;

/** True for instructions after which execution never continues with the next one. */
export function endsFlow(name: string): boolean {
  return TERMINATORS.has(name) || UNCONDITIONAL_JUMP.test(name);
}

/** Opcodes for which the VM briefly uses one slot more than their result leaves (the parser reserves it). */
const ONE_SLOT_TRANSIENT = new Set([
  'CBC_POST_INCR_PUSH_RESULT',
  'CBC_POST_DECR_PUSH_RESULT',
  'CBC_ASSIGN_PROP_THIS_LITERAL',
  'CBC_ASSIGN_PROP_THIS_LITERAL_PUSH_RESULT',
  'CBC_ASSIGN_PROP_THIS_LITERAL_BLOCK',
  'CBC_EXT_SET_NEXT_COMPUTED_FIELD',
  // Exits of an async function turn its implicit try context into a 2-slot finally context here.
  'CBC_EXT_ASYNC_EXIT',
]);

/** Calls of a method with two arguments pop five slots (object, name, function, two arguments), one more than the
 *  3-bit stack field of the opcode table can say; the parser adjusts its depth by hand for them. */
const BEYOND_TABLE: Record<string, number> = {
  CBC_CALL2_PROP: -1,
  CBC_CALL2_PROP_PUSH_RESULT: -1,
  CBC_CALL2_PROP_BLOCK: -1,
};

const LOOP_INIT: Record<string, ContextKind> = {
  CBC_EXT_FOR_IN_INIT: 'for-in',
  CBC_EXT_FOR_OF_INIT: 'for-of',
  CBC_EXT_FOR_AWAIT_OF_INIT: 'for-await-of',
};
const LOOP_HAS_NEXT: Record<string, ContextKind> = {
  CBC_EXT_BRANCH_IF_FOR_IN_HAS_NEXT: 'for-in',
  CBC_EXT_BRANCH_IF_FOR_OF_HAS_NEXT: 'for-of',
  CBC_EXT_BRANCH_IF_FOR_AWAIT_OF_HAS_NEXT: 'for-await-of',
};

export function analyzeStack(instructions: Instruction[]): StackAnalysis {
  const problems: StackProblem[] = [];
  const entryStates = new Map<number, { state: State; from: number }[]>();
  const seen = new Map<number, State>();
  const depthAt = new Map<number, number>();
  let maxDepth = 0;
  let running: State = { values: 0, contexts: [] };
  let fallsThrough = true;

  const problem = (offset: number, message: string) => problems.push({ offset, message });
  const note = (s: State, extra = 0) => {
    maxDepth = Math.max(maxDepth, depth(s) + extra);
  };
  const edge = (from: Instruction, target: number, state: State) => {
    const done = seen.get(target);
    if (done) {
      if (!sameShape(done, state)) {
        problem(from.offset, `branch to code offset ${target} arrives with stack depth ${describe(state)} but the code there runs at ${describe(done)}`);
      }
      return;
    }
    const list = entryStates.get(target) ?? [];
    list.push({ state, from: from.offset });
    entryStates.set(target, list);
  };

  for (const ins of instructions) {
    const incoming = entryStates.get(ins.offset) ?? [];
    let state: State;
    if (fallsThrough) {
      state = running;
      for (const e of incoming) {
        if (!sameShape(e.state, state)) {
          problem(ins.offset, `stack depth here is ${describe(state)} from the previous instruction but ${describe(e.state)} from the branch at ${e.from}`);
        }
      }
    } else if (incoming.length) {
      state = incoming[0].state;
      for (const e of incoming.slice(1)) {
        if (!sameShape(e.state, state)) {
          problem(ins.offset, `branches from ${incoming[0].from} and ${e.from} arrive with stack depths ${describe(state)} and ${describe(e.state)}`);
        }
      }
    } else {
      // Only reachable through an exception or a later backward branch: the parser's running depth holds.
      state = running;
    }
    entryStates.delete(ins.offset);
    seen.set(ins.offset, state);
    depthAt.set(ins.offset, depth(state));
    note(state);
    if (problems.length > 20) break;

    const next = step(ins, state, edge, problem);
    const extra = ONE_SLOT_TRANSIENT.has(ins.opcode.name) ? 1 : 0;
    note(state, extra);
    if (next.values < 0) {
      problem(ins.offset, `${ins.opcode.name} needs more values than the stack holds (${describe(state)})`);
      next.values = 0;
    }
    note(next);
    running = next;
    fallsThrough = !endsFlow(ins.opcode.name);
  }
  for (const [target, list] of entryStates) {
    problem(list[0].from, `branch target ${target} is not the start of an instruction`);
  }
  return { maxDepth, problems, depthAt };
}

type EdgeFn = (from: Instruction, target: number, state: State) => void;

/** State after `ins` on the fall-through path; branch edges are reported through `edge`. */
function step(ins: Instruction, before: State, edge: EdgeFn, problem: (offset: number, message: string) => void): State {
  const name = ins.opcode.name;
  const target = ins.branch?.target ?? -1;
  if (!ins.branch && name !== 'CBC_CONTEXT_END') {
    let change = ins.opcode.stack + (BEYOND_TABLE[name] ?? 0);
    if ((ins.opcode.flags & ARG_BYTE) && (ins.opcode.flags & ARG_FORWARD_OR_POP)) change -= ins.byte ?? 0;
    return { values: before.values + change, contexts: before.contexts };
  }
  const fam = family(name);
  const after = (values: number, contexts = before.contexts): State => ({ values, contexts });
  const top = before.contexts[before.contexts.length - 1];
  const requireEmpty = (what: string) => {
    if (before.values !== 0) problem(ins.offset, `${name} ${what} with ${before.values} values on the stack above the contexts`);
  };

  if (fam === 'CBC_JUMP_FORWARD' || fam === 'CBC_JUMP_BACKWARD') {
    edge(ins, target, before);
    return before;
  }
  if (fam === 'CBC_BRANCH_IF_LOGICAL_TRUE' || fam === 'CBC_BRANCH_IF_LOGICAL_FALSE' || fam === 'CBC_EXT_BRANCH_IF_NULLISH' || fam === 'CBC_EXT_DEFAULT_INITIALIZER') {
    // Taken: the tested value stays on the stack; not taken: it is popped.
    edge(ins, target, before);
    return after(before.values - 1);
  }
  if (fam === 'CBC_BRANCH_IF_STRICT_EQUAL') {
    // switch/case: taken pops both the case value and the switch value.
    edge(ins, target, after(before.values - 2));
    return after(before.values - 1);
  }
  if (fam === 'CBC_JUMP_FORWARD_EXIT_CONTEXT') {
    requireEmpty('jumps out of contexts');
    const contexts = [...before.contexts];
    while (contexts.length) {
      const c = contexts[contexts.length - 1];
      if (c.end > target || (c.end === target && (c.kind === 'try' || c.kind === 'catch'))) break;
      contexts.pop();
    }
    edge(ins, target, after(0, contexts));
    return before;
  }
  if (fam === 'CBC_BLOCK_CREATE_CONTEXT') {
    if (before.values > 1) problem(ins.offset, `${name} with ${before.values} values on the stack (at most the switch value may be there)`);
    return after(before.values, [...before.contexts, { kind: 'block', end: target }]);
  }
  if (fam === 'CBC_EXT_WITH_CREATE_CONTEXT') {
    if (before.values !== 1) problem(ins.offset, `${name} needs exactly the object on the stack, found ${before.values} values`);
    return after(before.values - 1, [...before.contexts, { kind: 'with', end: target }]);
  }
  if (fam in LOOP_INIT) {
    if (before.values !== 1) problem(ins.offset, `${name} needs exactly the iterated value on the stack, found ${before.values} values`);
    // Nothing to iterate: straight to the loop end without a context.
    edge(ins, target, after(before.values - 1));
    return after(before.values - 1, [...before.contexts, { kind: LOOP_INIT[fam], end: target }]);
  }
  if (fam in LOOP_HAS_NEXT) {
    requireEmpty('tests the loop');
    if (top?.kind !== LOOP_HAS_NEXT[fam]) problem(ins.offset, `${name} without a ${LOOP_HAS_NEXT[fam]} context on the stack`);
    edge(ins, target, before);
    return after(0, before.contexts.slice(0, -1));
  }
  if (fam === 'CBC_EXT_TRY_CREATE_CONTEXT') {
    requireEmpty('opens a try block');
    return after(0, [...before.contexts, { kind: 'try', end: target }]);
  }
  if (fam === 'CBC_EXT_CATCH') {
    requireEmpty('ends a try block');
    if (top?.kind !== 'try') problem(ins.offset, `${name} without a try context on the stack`);
    // Normal completion of the try block jumps over the catch block; an exception enters the catch block
    // right after this instruction with the exception value pushed and the context turned into a catch context.
    edge(ins, target, before);
    return after(1, [...before.contexts.slice(0, -1), { kind: 'catch', end: target }]);
  }
  if (fam === 'CBC_EXT_FINALLY') {
    requireEmpty('starts a finally block');
    if (top?.kind !== 'try' && top?.kind !== 'catch') problem(ins.offset, `${name} without a try or catch context on the stack`);
    return after(0, [...before.contexts.slice(0, -1), { kind: 'finally', end: target }]);
  }
  if (name === 'CBC_CONTEXT_END') {
    requireEmpty('ends a context');
    if (!top) {
      problem(ins.offset, `${name} without a context on the stack`);
      return before;
    }
    return after(0, before.contexts.slice(0, -1));
  }
  // Plain conditional branches: the condition is popped on both paths.
  const next = after(before.values + ins.opcode.stack);
  edge(ins, target, next);
  return next;
}
