// The formula language of the contract (contract/strategies.json): integer arithmetic over named sizes,
// small enough that each engine evaluates it in a few lines (engines/torch/lossbench_torch/contract.py
// is the Python twin). Grammar:
//   expr   := term (('+' | '-') term)*
//   term   := unary (('*' | '/' | '%') unary)*
//   unary  := '-' unary | atom
//   atom   := integer | name | call | '(' expr ')'
//   call   := ('floor' | 'min' | 'max') '(' expr (',' expr)* ')'
// '/' is real division (floor() makes it integral); '%' takes non-negative operands only, where every
// language agrees on its sign.

export type Vars = Readonly<Record<string, number>>;
export type Compiled = (vars: Vars) => number;

const FUNCTIONS: Record<string, (...a: number[]) => number> = {
  floor: (a) => Math.floor(a!),
  min: (...a) => Math.min(...a),
  max: (...a) => Math.max(...a),
};

const TOKEN = /\s*(?:(\d+)|([A-Za-z_]\w*)|(\S))/gy;

/** Parses a formula into a function of its variables; a RangeError names what is wrong with it. */
export function compile(source: string): Compiled {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(source); m; m = TOKEN.exec(source)) tokens.push(m[1] ?? m[2] ?? m[3]!);
  let at = 0;
  const fail = (why: string): never => {
    throw new RangeError(`formula '${source}': ${why}`);
  };
  const peek = () => tokens[at];
  const take = (t: string) => (peek() === t ? (at++, true) : false);
  const expect = (t: string) => take(t) || fail(`expected '${t}' at token ${at + 1}`);

  const expr = (): Compiled => {
    let f = term();
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      at++;
      const [a, b] = [f, term()];
      f = op === '+' ? (v) => a(v) + b(v) : (v) => a(v) - b(v);
    }
    return f;
  };
  const term = (): Compiled => {
    let f = unary();
    for (let op = peek(); op === '*' || op === '/' || op === '%'; op = peek()) {
      at++;
      const [a, b] = [f, unary()];
      if (op === '*') f = (v) => a(v) * b(v);
      else if (op === '/') f = (v) => a(v) / b(v);
      else f = (v) => nonNegative(a(v)) % nonNegative(b(v));
    }
    return f;
  };
  const nonNegative = (x: number) => (x >= 0 ? x : fail(`'%' of a negative number (${x})`));
  const unary = (): Compiled => {
    if (take('-')) {
      const a = unary();
      return (v) => -a(v);
    }
    return atom();
  };
  const atom = (): Compiled => {
    const t = peek() ?? fail('unexpected end');
    at++;
    if (/^\d+$/.test(t)) {
      const k = Number(t);
      return () => k;
    }
    if (t === '(') {
      const f = expr();
      expect(')');
      return f;
    }
    if (/^[A-Za-z_]/.test(t)) {
      if (take('(')) {
        const fn = FUNCTIONS[t] ?? fail(`unknown function ${t}`);
        const args = [expr()];
        while (take(',')) args.push(expr());
        expect(')');
        return (v) => fn(...args.map((a) => a(v)));
      }
      return (v) => v[t] ?? fail(`unknown variable ${t}`);
    }
    return fail(`unexpected '${t}'`);
  };
  const f = expr();
  if (at < tokens.length) fail(`unexpected '${tokens[at]}'`);
  return f;
}

/** Evaluates a formula once. */
export function evaluate(source: string, vars: Vars): number {
  return compile(source)(vars);
}
