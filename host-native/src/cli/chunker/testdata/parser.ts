import { Token, TokenKind, tokenize } from "./lexer";
import type { Diagnostic } from "./diagnostics";

/** A node of the expression tree. */
export type Expr =
  | { kind: "number"; value: number }
  | { kind: "name"; name: string }
  | { kind: "unary"; op: string; operand: Expr }
  | { kind: "binary"; op: string; left: Expr; right: Expr }
  | { kind: "call"; callee: Expr; args: Expr[] };

/** How tightly each binary operator binds: higher binds tighter. */
const PRECEDENCE: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 4,
  ">": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
};

/** What every parser of this package shares: a position in a token stream. */
abstract class Base {
  protected position = 0;

  constructor(protected readonly tokens: Token[]) {}

  /** The token at the position, or the end marker. */
  protected peek(): Token {
    return this.tokens[this.position] ?? { kind: TokenKind.End, text: "", offset: -1 };
  }
}

/**
 * A Pratt parser for arithmetic and boolean expressions with calls. It recovers from an
 * unexpected token by recording a diagnostic and skipping to the next one it can use.
 */
export class Parser extends Base {
  readonly diagnostics: Diagnostic[] = [];

  static fromSource(source: string): Parser {
    return new Parser(tokenize(source));
  }

  /** Parses a whole expression; the stream must end after it. */
  parse(): Expr {
    const expr = this.expression(0);
    if (this.peek().kind !== TokenKind.End) {
      this.report(`unexpected ${this.peek().text} after the expression`);
    }
    return expr;
  }

  /** An expression whose operators all bind tighter than `minimum`. */
  private expression(minimum: number): Expr {
    let left = this.prefix();
    for (;;) {
      const token = this.peek();
      const precedence = PRECEDENCE[token.text];
      if (token.kind !== TokenKind.Operator || precedence === undefined || precedence <= minimum) {
        return left;
      }
      this.position += 1;
      const right = this.expression(precedence);
      left = { kind: "binary", op: token.text, left, right };
    }
  }

  /** A number, a name, a parenthesised expression, a negation, then any calls on it. */
  private prefix(): Expr {
    const token = this.peek();
    this.position += 1;
    let expr: Expr;
    switch (token.kind) {
      case TokenKind.Number:
        expr = { kind: "number", value: Number(token.text) };
        break;
      case TokenKind.Name:
        expr = { kind: "name", name: token.text };
        break;
      case TokenKind.Operator:
        if (token.text === "-" || token.text === "!") {
          expr = { kind: "unary", op: token.text, operand: this.prefix() };
          break;
        }
        this.report(`unexpected operator ${token.text}`);
        expr = { kind: "number", value: 0 };
        break;
      case TokenKind.OpenParen:
        expr = this.expression(0);
        this.expect(TokenKind.CloseParen, ")");
        break;
      default:
        this.report(`unexpected ${token.text || "end of input"}`);
        expr = { kind: "number", value: 0 };
    }
    while (this.peek().kind === TokenKind.OpenParen) {
      this.position += 1;
      expr = { kind: "call", callee: expr, args: this.arguments() };
    }
    return expr;
  }

  /** The arguments of a call, after its `(`, up to and including its `)`. */
  private arguments(): Expr[] {
    const args: Expr[] = [];
    if (this.peek().kind === TokenKind.CloseParen) {
      this.position += 1;
      return args;
    }
    for (;;) {
      args.push(this.expression(0));
      if (this.peek().kind !== TokenKind.Comma) break;
      this.position += 1;
    }
    this.expect(TokenKind.CloseParen, ")");
    return args;
  }

  private expect(kind: TokenKind, text: string): void {
    if (this.peek().kind === kind) {
      this.position += 1;
    } else {
      this.report(`expected ${text}, found ${this.peek().text || "end of input"}`);
    }
  }

  private report(message: string): void {
    this.diagnostics.push({ message, offset: this.peek().offset });
  }
}

/** Evaluates `expr` with the values of `names`; unknown names and calls are errors. */
export function evaluate(expr: Expr, names: Map<string, number>): number {
  switch (expr.kind) {
    case "number":
      return expr.value;
    case "name": {
      const value = names.get(expr.name);
      if (value === undefined) throw new Error(`unknown name ${expr.name}`);
      return value;
    }
    case "unary":
      return expr.op === "-" ? -evaluate(expr.operand, names) : Number(!evaluate(expr.operand, names));
    case "binary":
      return binary(expr.op, evaluate(expr.left, names), evaluate(expr.right, names));
    case "call":
      throw new Error("calls are not evaluated");
  }
}

function binary(op: string, a: number, b: number): number {
  switch (op) {
    case "+": return a + b;
    case "-": return a - b;
    case "*": return a * b;
    case "/": return a / b;
    default: return Number(compare(op, a, b));
  }
}

const compare = (op: string, a: number, b: number): boolean =>
  op === "<" ? a < b : op === ">" ? a > b : op === "==" ? a === b : op === "!=" ? a !== b : op === "&&" ? !!a && !!b : !!a || !!b;
