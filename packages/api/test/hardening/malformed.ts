import fc from 'fast-check';

/**
 * Arbitraries for inputs that break a JSON schema (from the OpenAPI document): every value they
 * produce is invalid for the schema it was derived from, so the API must answer 4xx.
 */
type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';
const ALL: JsonType[] = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'];

function typeOfValue(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as JsonType;
}

/** The JSON types a schema admits; undefined when it admits anything. */
export function allowedTypes(schema: any): Set<JsonType> | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  if (schema.enum) return new Set(schema.enum.map(typeOfValue));
  if ('const' in schema) return new Set([typeOfValue(schema.const)]);
  if (schema.type) {
    const types: JsonType[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const set = new Set(types);
    if (set.has('number')) set.add('integer');
    return set;
  }
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const out = new Set<JsonType>();
    for (const b of branches) {
      const t = allowedTypes(b);
      if (!t) return undefined;
      for (const x of t) out.add(x);
    }
    return out;
  }
  return undefined;
}

const VALUES: Record<JsonType, fc.Arbitrary<unknown>> = {
  string: fc.string({ maxLength: 20 }),
  number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
  integer: fc.integer(),
  boolean: fc.boolean(),
  null: fc.constant(null),
  object: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  array: fc.array(fc.integer(), { maxLength: 3 }),
};

/** A value of a JSON type the schema does not admit, or undefined if it admits all. */
export function wrongValue(schema: any): fc.Arbitrary<unknown> | undefined {
  const allowed = allowedTypes(schema);
  if (!allowed) return undefined;
  const wrong = ALL.filter((t) => !allowed.has(t));
  if (wrong.length === 0) return undefined;
  return fc.oneof(...wrong.map((t) => VALUES[t]));
}

/** Out-of-range values for a property: too long, too short, negative, fractional, huge. */
function outOfRange(schema: any): fc.Arbitrary<unknown> | undefined {
  const s = schema.anyOf?.find((b: any) => b.type && b.type !== 'null') ?? schema;
  if (s.type === 'string' && typeof s.maxLength === 'number') {
    return fc.integer({ min: s.maxLength + 1, max: s.maxLength + 5000 }).map((n) => 'x'.repeat(n));
  }
  if (s.type === 'string' && typeof s.minLength === 'number' && s.minLength > 0) return fc.constant('');
  if (s.type === 'integer') {
    const options: fc.Arbitrary<unknown>[] = [
      fc.double({ min: 0.01, max: 1000, noNaN: true }).filter((n) => !Number.isInteger(n)),
    ];
    if (typeof s.minimum === 'number' && s.minimum > Number.MIN_SAFE_INTEGER + 1_000_000) {
      options.push(fc.integer({ min: s.minimum - 1_000_000, max: s.minimum - 1 }));
    }
    if (typeof s.maximum === 'number') options.push(fc.constant(s.maximum + 1), fc.constant(1e20));
    return fc.oneof(...options);
  }
  return undefined;
}

/**
 * Bodies that must be refused: not an object, a wrong-typed or out-of-range field, an unknown
 * field. The server sees a JSON `null` as no body, so `null` is only wrong where a body is
 * required.
 */
export function invalidBody(schema: any, required: boolean): fc.Arbitrary<unknown> {
  const props: Record<string, any> = schema?.properties ?? {};
  const notObjects: fc.Arbitrary<unknown>[] = [
    fc.array(fc.integer(), { maxLength: 2 }),
    fc.string({ maxLength: 10 }),
    fc.integer(),
    fc.boolean(),
  ];
  if (required) notObjects.push(fc.constant(null));
  const options: fc.Arbitrary<unknown>[] = [
    fc.oneof(...notObjects),
    fc.string({ minLength: 1, maxLength: 10 }).map((k) => ({ [`zz_${k}`]: 1 })),
  ];
  for (const [name, propSchema] of Object.entries(props)) {
    for (const bad of [wrongValue(propSchema), outOfRange(propSchema)]) {
      if (bad) options.push(bad.map((v) => ({ [name]: v })));
    }
  }
  const requiredFields: string[] = schema?.required ?? [];
  if (requiredFields.length > 0) options.push(fc.constant({}));
  return fc.oneof(...options);
}
