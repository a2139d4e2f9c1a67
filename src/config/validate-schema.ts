// Validates parsed .lazy data against schemas/lazy.schema.json and turns ajv's errors
// into one readable problem per mistake, each carrying the JSON path to locate it by.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ErrorObject } from 'ajv';
import { packageRoot } from '../package-root.js';
import { AJV_OPTIONS } from './schema-options.js';
import type { JsonPath } from './yaml-source.js';

export interface SchemaProblem {
  /** JSON path of the node the problem is about. */
  path: (string | number)[];
  /** Locate at the mapping key of the last path segment rather than at its value. */
  atKey: boolean;
  message: string;
}

export type SchemaValidator = (data: unknown) => SchemaProblem[];

/** Absolute path of the JSON Schema shipped with the package. */
export function schemaPath(): string {
  return join(packageRoot(import.meta.url), 'schemas', 'lazy.schema.json');
}

export function readSchema(): string {
  return readFileSync(schemaPath(), 'utf8');
}

/** The per-type schemas under `definitions`, by artifact type. */
const TYPE_SCHEMAS: Record<string, string> = {
  artifactArtifact: 'artifact',
  helmArtifact: 'helm',
  imageArtifact: 'image',
  dockerArtifact: 'docker',
};

export type CompiledValidate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

const require = createRequire(import.meta.url);

/**
 * The build precompiles the schema beside the bundle (scripts/build.mjs), which saves
 * compiling it on every run; from the sources (unit tests) it is compiled here, with
 * the same options. ajv itself is then loaded only on that path.
 */
function compileSchema(schema: Record<string, unknown>): CompiledValidate {
  try {
    return require('./lazy-schema-validator.cjs') as CompiledValidate;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
  }
  const { Ajv } = require('ajv') as typeof import('ajv');
  return new Ajv({ ...AJV_OPTIONS }).compile(schema);
}

/** `compiled` replaces the precompiled validator (tests compare the two). */
export function createSchemaValidator(compiled?: CompiledValidate): SchemaValidator {
  const schema = JSON.parse(readSchema()) as Record<string, unknown>;
  const validate = compiled ?? compileSchema(schema);
  return (data) => {
    if (validate(data)) return [];
    return toProblems(validate.errors ?? [], data, schema);
  };
}

/** Readable form of a JSON path: `artifacts[0].annotations["org.example.x"]`. */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      const n = Number(seg);
      path.push(n);
      cur = cur[n];
    } else {
      path.push(seg);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return path;
}

function prefix(path: JsonPath): string {
  const p = formatPath(path);
  return p === '' ? '' : `${p}: `;
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'it is empty';
  if (Array.isArray(value)) return 'got a list';
  if (typeof value === 'object') return 'got a mapping';
  if (typeof value === 'number' || typeof value === 'boolean') {
    return `got ${typeof value} ${String(value)}; put it in quotes to keep it as text`;
  }
  return `got ${typeof value}`;
}

const TYPE_NOUNS: Record<string, string> = {
  string: 'a string',
  array: 'a list',
  object: 'a mapping',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  null: 'empty',
};

// ajv reports schemaPath relative to a $ref'd schema, so the per-type schemas are
// recognised by their own `type` const instead.
function typeSchemaOf(err: ErrorObject): string | undefined {
  const parent = err.parentSchema as { properties?: { type?: { const?: unknown } } } | undefined;
  const t = parent?.properties?.type?.const;
  return typeof t === 'string' ? t : undefined;
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return bestDist <= Math.max(1, Math.floor(word.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function fieldsFor(typeSchema: string, schema: Record<string, unknown>): string[] {
  const defs = schema['definitions'] as Record<string, { properties?: Record<string, unknown> }> | undefined;
  return Object.keys(defs?.[typeSchema]?.properties ?? {});
}

function allTypeFields(schema: Record<string, unknown>): string[] {
  return [...new Set(Object.keys(TYPE_SCHEMAS).flatMap((def) => fieldsFor(def, schema)))];
}

function otherTypesWithField(field: string, schema: Record<string, unknown>): string[] {
  return Object.entries(TYPE_SCHEMAS)
    .filter(([def]) => fieldsFor(def, schema).includes(field))
    .map(([, type]) => type);
}

function toProblem(err: ErrorObject, data: unknown, schema: Record<string, unknown>): SchemaProblem | undefined {
  const path = pointerToPath(err.instancePath, data);
  const params = err.params as Record<string, unknown>;
  const typeSchema = typeSchemaOf(err);
  switch (err.keyword) {
    case 'if':
      return undefined;
    case 'required': {
      // The branches of the docker oneOf report their own `required`; the oneOf message says it better.
      if (err.schemaPath.includes('/oneOf/')) return undefined;
      return {
        path,
        atKey: false,
        message: `${prefix(path)}missing required field "${String(params['missingProperty'])}"`,
      };
    }
    case 'additionalProperties': {
      const field = String(params['additionalProperty']);
      const allowed = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      let message = `${prefix(path)}unknown field "${field}"`;
      const others = typeSchema ? otherTypesWithField(field, schema) : [];
      if (typeSchema) message += ` for type ${typeSchema}`;
      if (others.length > 0) {
        message += ` (it belongs to type ${others.join(', ')})`;
      } else {
        const guess = closest(field, allowed);
        const elsewhere = typeSchema && guess === undefined ? closest(field, allTypeFields(schema)) : undefined;
        if (guess !== undefined) message += ` (did you mean "${guess}"?)`;
        else if (elsewhere !== undefined) {
          message += ` (did you mean "${elsewhere}" of type ${otherTypesWithField(elsewhere, schema).join(', ')}?)`;
        }
      }
      return { path: [...path, field], atKey: true, message };
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String).join(', ');
      return { path, atKey: false, message: `${prefix(path)}${show(err.data)} is not one of ${allowed}` };
    }
    case 'const': {
      // `type` inside a per-type schema only repeats what the `if` already decided.
      if (path[0] === 'artifacts' && path.length === 3 && path[2] === 'type') return undefined;
      return {
        path,
        atKey: false,
        message: `${prefix(path)}must be ${show(params['allowedValue'])} (got ${show(err.data)})`,
      };
    }
    case 'type': {
      const types = String(params['type'])
        .split(',')
        .map((t) => TYPE_NOUNS[t] ?? t);
      if (path.length === 0) {
        return { path, atKey: false, message: 'the file must be a YAML mapping with "version" and "artifacts"' };
      }
      return {
        path,
        atKey: false,
        message: `${prefix(path)}must be ${types.join(' or ')} (${describeValue(err.data)})`,
      };
    }
    case 'minItems': {
      const n = Number(params['limit']);
      return { path, atKey: false, message: `${prefix(path)}must have at least ${n} ${n === 1 ? 'entry' : 'entries'}` };
    }
    case 'minLength': {
      const n = Number(params['limit']);
      return {
        path,
        atKey: false,
        message: n === 1 ? `${prefix(path)}must not be empty` : `${prefix(path)}must be at least ${n} characters`,
      };
    }
    case 'pattern': {
      const last = path[path.length - 1];
      const parent = path[path.length - 2];
      let hint = `must match ${String(params['pattern'])}`;
      if (last === 'name') hint = 'use letters, digits, ".", "_" and "-", starting with a letter or digit';
      else if (parent === 'platforms') hint = 'expected os/arch[/variant], e.g. linux/amd64 or linux/arm/v7';
      return { path, atKey: false, message: `${prefix(path)}${show(err.data)} is not valid (${hint})` };
    }
    case 'oneOf': {
      if (typeSchema === 'docker') {
        return {
          path,
          atKey: false,
          message: `${prefix(path)}docker artifact needs exactly one of "image" or "archive" (${
            Array.isArray(params['passingSchemas']) ? 'it has both' : 'it has neither'
          })`,
        };
      }
      return { path, atKey: false, message: `${prefix(path)}must match exactly one of the allowed forms` };
    }
    default:
      return { path, atKey: false, message: `${prefix(path)}${err.message ?? `fails the ${err.keyword} rule`}` };
  }
}

/** ajv errors → one readable problem each (also used for schemas/mirror.schema.json). */
export function toProblems(errors: ErrorObject[], data: unknown, schema: Record<string, unknown>): SchemaProblem[] {
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const err of errors) {
    const problem = toProblem(err, data, schema);
    if (!problem) continue;
    const key = `${JSON.stringify(problem.path)}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}
