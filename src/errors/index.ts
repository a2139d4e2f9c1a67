// The one error taxonomy. Core code throws these; only cli.ts turns them into
// messages and exit codes (design rule 11).

export type ExitCode = 0 | 1 | 2 | 70 | 130;

export abstract class LazyOciError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}

/** Bad command-line usage: unknown artifact selector, conflicting flags. */
export class UsageError extends LazyOciError {
  readonly code = 'USAGE';
  readonly exitCode = 2 as const;
}

/** Where in a file a problem is; line and column are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface ConfigProblem extends SourceLocation {
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

/** One or more problems with a .lazy file, all reported at once. */
export class ConfigError extends LazyOciError {
  readonly code = 'CONFIG';
  readonly exitCode = 2 as const;
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}

/** A template that cannot be rendered; located by the caller, which knows the YAML node. */
export class TemplateError extends LazyOciError {
  readonly code = 'TEMPLATE';
  readonly exitCode = 2 as const;
  readonly variable: string | undefined;

  constructor(message: string, variable?: string) {
    super(message);
    this.variable = variable;
  }
}

/** An invalid image reference. */
export class ReferenceError extends LazyOciError {
  readonly code = 'REFERENCE';
  readonly exitCode = 2 as const;
}

/** A packaging problem with local content (unreadable chart, bad Chart.yaml). */
export class ContentError extends LazyOciError {
  readonly code = 'CONTENT';
  readonly exitCode = 1 as const;
}

export interface RegistryErrorDetail {
  code: string;
  message: string;
}

/** A change (delete, copy, push) asked for under --read-only: refused before any request. */
export class ReadOnlyError extends LazyOciError {
  readonly code = 'READ_ONLY';
  readonly exitCode = 2 as const;
}

/** A registry answered with an error, or could not be reached. URLs are redacted. */
export class RegistryError extends LazyOciError {
  readonly code = 'REGISTRY';
  readonly exitCode = 1 as const;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly codes: RegistryErrorDetail[];
  /**
   * Asking again cannot help: lazyoci refused by policy (a redirect to plain HTTP or a
   * file: URL), or the failure's own owner has retried it already.
   */
  readonly final: boolean;

  constructor(
    message: string,
    init: { method: string; url: string; status?: number; codes?: RegistryErrorDetail[]; cause?: unknown; hint?: string; final?: boolean },
  ) {
    super(message, { cause: init.cause, hint: init.hint });
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.codes = init.codes ?? [];
    this.final = init.final === true;
  }

  /** Worth retrying: throttled, a server fault, or no answer at all. */
  isTemporary(): boolean {
    if (this.final) return false;
    if (this.status === undefined) return true;
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** An external builder or a build step failed. */
export class BuildError extends LazyOciError {
  readonly code = 'BUILD';
  readonly exitCode = 1 as const;
}

export class CancelledError extends LazyOciError {
  readonly code = 'CANCELLED';
  readonly exitCode = 130 as const;
}
