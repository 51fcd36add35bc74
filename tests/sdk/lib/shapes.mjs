// Shape assertions derived from the recordings of the real API
// (/work/shared/conformance/cassettes/account/*.jsonl) and the reference (§5 / A9).

import assert from 'node:assert/strict';

import { UUID_RE, show } from './harness.mjs';

// RFC 3339 UTC with a `Z` (recordings: "2026-06-08T10:47:24.172808Z").
export const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export const PROJECT_KEYS = [
  'created_at',
  'description',
  'id',
  'name',
  'organization_id',
  'qualification',
  'updated_at',
];

export const CONTRACT_SIGNATURE_KEYS = [
  'contract',
  'created_at',
  'expires_at',
  'id',
  'organization_id',
  'signed_at',
];
export const CONTRACT_KEYS = ['created_at', 'id', 'name', 'type', 'updated_at', 'version'];

export const ARG_REASONS = ['required', 'format', 'constraint', 'unknown'];

export function sortedKeys(o) {
  return Object.keys(o).sort();
}

/**
 * Project as recorded: exactly the 7 keys, string id/name/org/description, timestamps, and
 * `qualification` either null (create/PATCH answers) or an object with `architecture_type`
 * (GET/list answers). `qualification` option: 'null' | 'object' | 'any'.
 */
export function assertProject(p, { qualification = 'any', where = 'project' } = {}) {
  assert.ok(p && typeof p === 'object' && !Array.isArray(p), `${where}: not an object`);
  assert.deepEqual(sortedKeys(p), PROJECT_KEYS, `${where}: keys ${JSON.stringify(sortedKeys(p))}`);
  assert.match(p.id, UUID_RE, `${where}.id`);
  assert.match(p.organization_id, UUID_RE, `${where}.organization_id`);
  assert.equal(typeof p.name, 'string', `${where}.name`);
  assert.equal(typeof p.description, 'string', `${where}.description must be a string (not null)`);
  assert.match(p.created_at, TS_RE, `${where}.created_at`);
  assert.match(p.updated_at, TS_RE, `${where}.updated_at`);
  if (qualification === 'null') {
    assert.equal(p.qualification, null, `${where}.qualification (recorded: null in this answer)`);
  } else if (qualification === 'object') {
    assert.ok(
      p.qualification && typeof p.qualification === 'object',
      `${where}.qualification (recorded: an object in this answer), got ${JSON.stringify(p.qualification)}`,
    );
    assert.equal(typeof p.qualification.architecture_type, 'string', `${where}.qualification.architecture_type`);
  } else if (p.qualification !== null) {
    assert.equal(typeof p.qualification, 'object', `${where}.qualification`);
    assert.equal(typeof p.qualification.architecture_type, 'string', `${where}.qualification.architecture_type`);
  }
}

export function assertContractSignature(s, where = 'contract signature') {
  assert.deepEqual(sortedKeys(s), CONTRACT_SIGNATURE_KEYS, `${where}: keys ${JSON.stringify(sortedKeys(s))}`);
  assert.match(s.id, UUID_RE, `${where}.id`);
  assert.match(s.organization_id, UUID_RE, `${where}.organization_id`);
  assert.match(s.created_at, TS_RE, `${where}.created_at`);
  for (const k of ['signed_at', 'expires_at']) {
    assert.ok(s[k] === null || TS_RE.test(s[k]), `${where}.${k}: ${JSON.stringify(s[k])}`);
  }
  assert.ok(s.contract && typeof s.contract === 'object', `${where}.contract`);
  assert.deepEqual(sortedKeys(s.contract), CONTRACT_KEYS, `${where}.contract keys ${JSON.stringify(sortedKeys(s.contract))}`);
  assert.match(s.contract.id, UUID_RE, `${where}.contract.id`);
  assert.equal(typeof s.contract.type, 'string');
  assert.notEqual(s.contract.type, '', `${where}.contract.type: never an empty enum`);
  assert.equal(typeof s.contract.name, 'string');
  assert.equal(typeof s.contract.version, 'number', `${where}.contract.version`);
  for (const k of ['created_at', 'updated_at']) {
    assert.ok(s.contract[k] === null || TS_RE.test(s.contract[k]), `${where}.contract.${k}`);
  }
}

/** Content-Type exactly application/json, exact Content-Length, X-Request-Id. */
export function assertWire(r, what = '') {
  const ct = r.headers.get ? r.headers.get('content-type') : r.headers['content-type'];
  const cl = r.headers.get ? r.headers.get('content-length') : r.headers['content-length'];
  const rid = r.headers.get ? r.headers.get('x-request-id') : r.headers['x-request-id'];
  assert.equal(ct, 'application/json', `${what}: Content-Type must be exactly application/json (${show(r)})`);
  if (r.status !== 204) {
    assert.equal(cl, String(Buffer.byteLength(r.text, 'utf8')), `${what}: Content-Length must be the body's byte length`);
  }
  assert.ok(rid && rid.length > 0, `${what}: X-Request-Id header missing`);
}

/** 400 invalid_arguments naming `argName` (null: any argument) in its details. */
export function assertInvalidArguments(r, argName, what = '') {
  assert.equal(r.status, 400, `${what}: expected 400, got ${show(r)}`);
  assertWire(r, what);
  const b = r.json;
  assert.ok(b, `${what}: body is not JSON: ${r.text}`);
  assert.equal(b.type, 'invalid_arguments', `${what}: ${show(r)}`);
  assert.equal(b.message, 'invalid argument(s)', `${what}: message (recorded: "invalid argument(s)")`);
  assert.ok(Array.isArray(b.details) && b.details.length > 0, `${what}: details must be a non-empty array: ${show(r)}`);
  for (const d of b.details) {
    assert.equal(typeof d.argument_name, 'string', `${what}: detail.argument_name: ${show(r)}`);
    assert.ok(ARG_REASONS.includes(d.reason), `${what}: detail.reason ${JSON.stringify(d.reason)}`);
    assert.equal(typeof d.help_message, 'string', `${what}: detail.help_message: ${show(r)}`);
  }
  if (argName) {
    const names = b.details.map((d) => d.argument_name);
    assert.ok(
      names.includes(argName),
      `${what}: expected a detail for argument ${JSON.stringify(argName)}, got ${JSON.stringify(names)} (${show(r)})`,
    );
  }
  return b;
}

export function assertNotFound(r, resource, resourceId, what = '') {
  assert.equal(r.status, 404, `${what}: expected 404, got ${show(r)}`);
  assertWire(r, what);
  assert.deepEqual(
    r.json,
    { message: 'resource is not found', resource, resource_id: resourceId, type: 'not_found' },
    `${what}: recorded 404 body`,
  );
}

export function assertDenied(r, { method, reason } = {}, what = '') {
  assert.equal(r.status, 401, `${what}: expected 401, got ${show(r)}`);
  assertWire(r, what);
  const b = r.json;
  assert.ok(b, `${what}: body is not JSON: ${r.text}`);
  assert.deepEqual(sortedKeys(b), ['message', 'method', 'reason', 'type'], `${what}: keys of ${r.text}`);
  assert.equal(b.type, 'denied_authentication', what);
  assert.equal(b.message, 'authentication is denied', what);
  assert.ok(['unknown_method', 'jwt', 'api_key'].includes(b.method), `${what}: method ${b.method}`);
  assert.ok(['unknown_reason', 'invalid_argument', 'not_found', 'expired'].includes(b.reason), `${what}: reason ${b.reason}`);
  if (method) {
    if (Array.isArray(method)) assert.ok(method.includes(b.method), `${what}: method ${b.method} not in ${method}`);
    else assert.equal(b.method, method, `${what}: method`);
  }
  if (reason) assert.equal(b.reason, reason, `${what}: reason`);
  return b;
}

/** 412 precondition_failed (recorded shape: help_message, message, precondition, type). */
export function assertPreconditionFailed(r, precondition, what = '') {
  assert.equal(r.status, 412, `${what}: expected 412, got ${show(r)}`);
  assertWire(r, what);
  const b = r.json;
  assert.ok(b, `${what}: body is not JSON: ${r.text}`);
  assert.equal(b.type, 'precondition_failed', `${what}: ${show(r)}`);
  assert.equal(b.message, 'precondition is not respected', `${what}: message (recorded)`);
  assert.equal(b.precondition, precondition, `${what}: precondition`);
  assert.equal(typeof b.help_message, 'string', `${what}: help_message must be a string (JS SDK requires it)`);
  return b;
}
