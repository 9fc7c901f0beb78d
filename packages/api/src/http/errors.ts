import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** One invalid input: where (`body.items.0.price`), a machine code, and a sentence. */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/**
 * The one error type services and routes throw. The error handler turns it into an RFC 9457
 * problem document; `code` is stable and documented, `message` is for people.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const fieldError = (field: string, code: string, message: string): FieldError => ({
  field,
  code,
  message,
});

export const badRequest = (code: string, message: string, errors?: FieldError[]) =>
  new ApiError(400, code, message, errors);
export const unauthorized = (code: string, message: string) => new ApiError(401, code, message);
export const forbidden = (code: string, message: string) => new ApiError(403, code, message);
/** 404 for a missing object, and for another tenant's object: the two must look the same. */
export const notFound = (resource: string, id: string) =>
  new ApiError(404, 'resource_missing', `No such ${resource}: '${id}'`);
export const conflict = (code: string, message: string, errors?: FieldError[]) =>
  new ApiError(409, code, message, errors);
export const unprocessable = (code: string, message: string, errors?: FieldError[]) =>
  new ApiError(422, code, message, errors);

/** A request names an object (in its body or query) that this tenant does not have. */
export const invalidReference = (resource: string, id: string, field: string) =>
  unprocessable('invalid_reference', `No such ${resource}: '${id}'`, [
    { field, code: 'invalid_reference', message: `No such ${resource}: '${id}'` },
  ]);

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const problemSchema = z
  .object({
    type: z.string().describe('A URI naming the problem type: `urn:mujiang:problem:<code>`.'),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('Stable machine-readable code.'),
    detail: z.string(),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), code: z.string(), message: z.string() }))
      .optional()
      .describe('Per-field problems, for invalid input.'),
  })
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof problemSchema>;

export function problemOf(status: number, code: string, detail: string, errors?: FieldError[]): Problem {
  return {
    type: `urn:mujiang:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...(errors?.length ? { errors } : {}),
  };
}

/** Fastify's own 4xx errors, by code: malformed bodies, wrong content types, oversize. */
const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json', 'The request body is not valid JSON.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [
    400,
    'invalid_json',
    "The request body is empty but Content-Type is 'application/json'.",
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    'unsupported_media_type',
    "Send the request body as 'application/json'.",
  ],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    400,
    'invalid_content_length',
    'Content-Length does not match the body.',
  ],
  FST_ERR_CTP_INVALID_TYPE: [415, 'unsupported_media_type', 'The Content-Type header is invalid.'],
};

/** PostgreSQL errors that reach the handler are bad input the service did not name itself. */
const PG_CODES: Record<string, [number, string, string]> = {
  '23505': [409, 'already_exists', 'An object with these unique values already exists.'],
  '23503': [422, 'invalid_reference', 'A referenced object does not exist.'],
  '23514': [409, 'constraint_violated', 'The change would break a rule of the data.'],
  '23502': [400, 'missing_value', 'A required value is missing.'],
  '22P02': [400, 'invalid_value', 'A value has the wrong form.'],
  '22003': [400, 'value_out_of_range', 'A number is out of range.'],
  '22001': [400, 'value_too_long', 'A value is too long.'],
  '40001': [409, 'concurrent_update', 'The object changed concurrently; retry the request.'],
  '40P01': [409, 'concurrent_update', 'The object changed concurrently; retry the request.'],
  '57014': [503, 'timeout', 'The request took too long; retry it.'],
};

function pgCode(err: unknown): string | undefined {
  for (let e: any = err, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

function fieldErrorsFromValidation(error: FastifyError & { validationContext?: string }): FieldError[] {
  const context = error.validationContext ?? 'body';
  return (error.validation ?? []).map((v: any) => {
    const path = String(v.instancePath ?? '')
      .split('/')
      .filter(Boolean)
      .join('.');
    const keys: string[] | undefined = v.params?.keys;
    const field = [context, path].filter(Boolean).join('.');
    if (v.keyword === 'unrecognized_keys' && keys?.length) {
      return {
        field: `${field}.${keys[0]}`,
        code: 'unknown_field',
        message: `Unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`,
      };
    }
    return { field, code: String(v.keyword ?? 'invalid'), message: String(v.message ?? 'Invalid value') };
  });
}

/** Classifies any thrown value into a problem; unknown errors become a 500 that leaks nothing. */
export function toProblem(err: unknown): { problem: Problem; headers?: Record<string, string> } {
  if (err instanceof ApiError) {
    return { problem: problemOf(err.status, err.code, err.message, err.errors), headers: err.headers };
  }
  const fe = err as FastifyError & { validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(fe) || Array.isArray(fe?.validation)) {
    const errors = fieldErrorsFromValidation(fe);
    const first = errors[0];
    const detail = first ? `Invalid ${first.field}: ${first.message}` : 'The request is invalid.';
    return { problem: problemOf(400, 'invalid_request', detail, errors) };
  }
  const known = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return { problem: problemOf(known[0], known[1], known[2]) };
  const pg = pgCode(err);
  const mapped = pg ? PG_CODES[pg] : undefined;
  if (mapped) return { problem: problemOf(mapped[0], mapped[1], mapped[2]) };
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { problem: problemOf(status, 'bad_request', fe.message || 'The request is invalid.') };
  }
  return { problem: problemOf(500, 'internal_error', 'An unexpected error occurred.') };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: Problem,
  headers?: Record<string, string>,
) {
  if (headers) reply.headers(headers);
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ ...problem, instance: request.url.split('?')[0], request_id: String(request.id) });
}
