/**
 * Checks JSON against the models of `openapi-subset.json` with ajv. The document is OpenAPI 3.0 as Swashbuckle
 * writes it, so two adaptations are made: `nullable` is ajv's own OpenAPI keyword, and a property that is a bare
 * `$ref` also accepts `null`, because 3.0 cannot mark a `$ref` nullable while the real service does send `null`
 * there (`signerCertificate` before signing, `signedFile` before completion). Nothing else is relaxed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Where the contract lives: `RESTPKI_CONTRACT_PATH`, else the `shared/` folder that sits beside the repository's
 * checkout (as it does for developers and CI).
 */
export const CONTRACT_PATH =
  process.env.RESTPKI_CONTRACT_PATH ?? resolve(__dirname, '../../../shared/restpki-core/openapi-subset.json');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function adapt(schema: Json, isProperty = false): Json {
  if (Array.isArray(schema)) return schema.map((item) => adapt(item));
  if (schema === null || typeof schema !== 'object') return schema;

  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const local = ref.replace('#/components/schemas/', '#/definitions/');
    return isProperty ? { anyOf: [{ $ref: local }, { type: 'null' }] } : { $ref: local };
  }
  const adapted: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      adapted[key] = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, adapt(property, true)]));
    } else {
      adapted[key] = adapt(value);
    }
  }
  return adapted;
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorFor(model: string): ValidateFunction {
  if (!ajv) {
    const document = JSON.parse(readFileSync(CONTRACT_PATH, 'utf8')) as { components: { schemas: Json } };
    ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'contract', definitions: adapt(document.components.schemas) }, 'contract');
  }
  let validate = validators.get(model);
  if (!validate) {
    const isArray = model.endsWith('[]');
    const name = isArray ? model.slice(0, -2) : model;
    validate = ajv.compile(
      isArray
        ? { type: 'array', items: { $ref: `contract#/definitions/${name}` } }
        : { $ref: `contract#/definitions/${name}` },
    );
    validators.set(model, validate);
  }
  return validate;
}

/** Fails the test unless `value` matches the contract model `model` (`SignerSummary[]` for an array of them). */
export function assertMatchesContract(model: string, value: unknown): void {
  const validate = validatorFor(model);
  if (!validate(value)) {
    assert.fail(
      `Not a valid ${model}: ${ajv?.errorsText(validate.errors, { separator: '\n  ' })}\n${JSON.stringify(value, null, 2)}`,
    );
  }
}

interface ModelSchema {
  properties?: Record<string, { $ref?: string; type?: string; items?: { $ref?: string } }>;
}

let models: Record<string, ModelSchema> | undefined;

function refName(ref: string | undefined): string | null {
  return ref?.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : null;
}

function missingProperties(model: string, value: unknown, path: string): string[] {
  models ??= (
    JSON.parse(readFileSync(CONTRACT_PATH, 'utf8')) as { components: { schemas: Record<string, ModelSchema> } }
  ).components.schemas;
  const properties = models[model]?.properties;
  if (!properties || value === null || typeof value !== 'object') return [];

  return Object.entries(properties).flatMap(([name, property]) => {
    const at = `${path}.${name}`;
    if (!(name in value)) return [at];
    const child = (value as Record<string, unknown>)[name];
    const nested = refName(property.$ref);
    if (nested) return missingProperties(nested, child, at);
    const itemModel = property.type === 'array' ? refName(property.items?.$ref) : null;
    if (itemModel && Array.isArray(child)) {
      return child.flatMap((item, index) => missingProperties(itemModel, item, `${at}[${index}]`));
    }
    return [];
  });
}

/**
 * Fails unless every property the contract declares for `model` is present on `value`, at every depth (with `null`
 * where empty): the contract marks nothing required, so schema validation alone would accept a missing property.
 */
export function assertHasEveryProperty(model: string, value: unknown): void {
  assert.ok(value !== null && typeof value === 'object', `${model} is not an object`);
  assert.deepEqual(missingProperties(model, value, model), [], `${model} lacks properties`);
}
