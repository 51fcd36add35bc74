// IAM test helpers: exact key sets of the IAM objects (from the recordings of the real API in
// /work/shared/conformance/cassettes/iam and the SDK's marshalling), principals with keys, SSH
// public keys, TOTP codes and X.509 certificates made on the fly.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Iamv1alpha1 } from '@scaleway/sdk-iam';
import { authenticateWithSessionToken, createClient } from '@scaleway/sdk-client';

import { UUID_RE, ACCESS_KEY_RE, makeClient, show } from './harness.mjs';
import { TS_RE, sortedKeys } from './shapes.mjs';

export const USER_KEYS = [
  'account_root_user_id', 'created_at', 'deletable', 'email', 'first_name', 'id', 'last_login_at',
  'last_name', 'locale', 'locked', 'mfa', 'organization_id', 'phone_number', 'status', 'tags',
  'two_factor_enabled', 'type', 'updated_at', 'username',
];
export const APPLICATION_KEYS = [
  'created_at', 'deletable', 'description', 'editable', 'id', 'managed', 'name', 'nb_api_keys',
  'organization_id', 'tags', 'updated_at',
];
export const GROUP_KEYS = [
  'application_ids', 'created_at', 'deletable', 'description', 'editable', 'id', 'managed', 'name',
  'organization_id', 'tags', 'updated_at', 'user_ids',
];
const POLICY_BASE = [
  'created_at', 'deletable', 'description', 'editable', 'id', 'managed', 'name', 'nb_permission_sets',
  'nb_rules', 'nb_scopes', 'organization_id', 'tags', 'updated_at',
];
const API_KEY_BASE = [
  'access_key', 'created_at', 'creation_ip', 'default_project_id', 'deletable', 'description',
  'editable', 'expires_at', 'managed', 'secret_key', 'updated_at',
];
export const SSH_KEY_KEYS = [
  'created_at', 'disabled', 'fingerprint', 'id', 'name', 'organization_id', 'project_id',
  'public_key', 'updated_at',
];
export const LOG_KEYS = [
  'action', 'bearer_id', 'created_at', 'id', 'ip', 'organization_id', 'resource_id', 'resource_type',
  'user_agent',
];
export const JWT_KEYS = [
  'audience_id', 'created_at', 'expires_at', 'ip', 'issuer_id', 'jti', 'updated_at', 'user_agent',
];
export const SAML_KEYS = ['entity_id', 'id', 'service_provider', 'single_sign_on_url', 'status'];
export const ORGANIZATION_KEYS = [
  'alias', 'id', 'login_magic_code_enabled', 'login_oauth2_enabled', 'login_password_enabled',
  'login_saml_enabled', 'name',
];
export const SECURITY_KEYS = [
  'enforce_password_renewal', 'grace_period_duration', 'login_attempts_before_locked',
  'max_api_key_expiration_duration', 'max_login_session_duration',
];
export const PERMISSION_SET_KEYS = ['categories', 'description', 'id', 'name', 'scope_type'];
export const QUOTUM_KEYS = ['description', 'limit', 'limits', 'locality_type', 'name', 'pretty_name', 'unit'];

export function assertKeys(o, keys, where) {
  assert.ok(o && typeof o === 'object' && !Array.isArray(o), `${where}: not an object`);
  assert.deepEqual(sortedKeys(o), [...keys].sort(), `${where}: keys ${JSON.stringify(sortedKeys(o))}`);
}

export function assertUser(u, where = 'user') {
  assertKeys(u, USER_KEYS, where);
  assert.match(u.id, UUID_RE);
  assert.match(u.created_at, TS_RE);
  assert.ok(['owner', 'member'].includes(u.type), `${where}.type ${u.type}`);
  assert.ok(Array.isArray(u.tags));
}

export function assertApplication(a, where = 'application') {
  assertKeys(a, APPLICATION_KEYS, where);
  assert.match(a.id, UUID_RE);
  assert.equal(typeof a.nb_api_keys, 'number');
}

export function assertGroup(g, where = 'group') {
  assertKeys(g, GROUP_KEYS, where);
  assert.ok(Array.isArray(g.user_ids) && Array.isArray(g.application_ids));
}

/** Policy: the base keys plus exactly one of user_id / group_id / application_id / no_principal. */
export function assertPolicy(p, principal, where = 'policy') {
  assertKeys(p, [...POLICY_BASE, principal], where);
  if (principal === 'no_principal') assert.equal(p.no_principal, true);
  else assert.match(p[principal], UUID_RE);
}

export function assertRule(r, scope, where = 'rule') {
  assertKeys(r, ['condition', 'id', 'permission_set_names', 'permission_sets_scope_type', scope], where);
  assert.match(r.id, UUID_RE);
}

export function assertApiKey(k, bearer, { secret = false } = {}, where = 'api key') {
  assertKeys(k, [...API_KEY_BASE, bearer], where);
  assert.match(k.access_key, ACCESS_KEY_RE);
  if (secret) assert.match(k.secret_key, UUID_RE, `${where}: secret shown on create`);
  else assert.equal(k.secret_key, null, `${where}: secret never shown again`);
  assert.ok(k.expires_at === null || TS_RE.test(k.expires_at), `${where}.expires_at ${k.expires_at}`);
}

export function assertPermissionsDenied(r, action, resource, what = '') {
  assert.equal(r.status, 403, `${what}: expected 403, got ${show(r)}`);
  assert.deepEqual(
    r.json,
    { type: 'permissions_denied', message: 'insufficient permissions', details: [{ action, resource }] },
    `${what}: exact permissions_denied body`,
  );
}

export const iamApi = (client) => new Iamv1alpha1.API(client);

/** An SDK client authenticated with a console session token (X-Session-Token). */
export function sessionClient(server, token) {
  return createClient({
    apiURL: server.url,
    defaultOrganizationId: server.creds.organizationId,
    defaultProjectId: server.creds.projectId,
    defaultRegion: 'fr-par',
    defaultZone: 'fr-par-1',
    interceptors: [{ request: authenticateWithSessionToken(async () => token) }],
  });
}

/** A server-side principal with an API key: {id, accessKey, secretKey, client, api}. */
export async function appWithKey(server, owner, { name, rules, groupId } = {}) {
  const app = await owner.createApplication({ name: name ?? `app-${crypto.randomBytes(3).toString('hex')}`, description: '' });
  let policy = null;
  if (rules) {
    policy = await owner.createPolicy({ name: `pol-${app.id.slice(0, 8)}`, description: '', applicationId: app.id, rules });
  }
  if (groupId) await owner.addGroupMember({ groupId, applicationId: app.id });
  const key = await owner.createAPIKey({ applicationId: app.id, description: 'test' });
  const client = makeClient(server, { accessKey: key.accessKey, secretKey: key.secretKey });
  return { id: app.id, policy, accessKey: key.accessKey, secretKey: key.secretKey, client, api: iamApi(client) };
}

/** A member user with an API key of its own, made through a console session (JWT). */
export async function memberWithKey(server, owner, { rules } = {}) {
  const tagv = crypto.randomBytes(4).toString('hex');
  const user = await owner.createUser({
    member: {
      email: `m-${tagv}@example.com`, username: `m-${tagv}`, password: 'S3cret-pass!', firstName: 'M',
      lastName: tagv, phoneNumber: '', locale: 'en_US', sendPasswordEmail: false, sendWelcomeEmail: false,
    },
  });
  let policy = null;
  if (rules) policy = await owner.createPolicy({ name: `pol-${tagv}`, description: '', userId: user.id, rules });
  const session = await owner.createJWT({ userId: user.id, referrer: 'tests' });
  const self = iamApi(sessionClient(server, session.token));
  const key = await self.createAPIKey({ userId: user.id, description: 'own key' });
  const client = makeClient(server, { accessKey: key.accessKey, secretKey: key.secretKey });
  return { id: user.id, user, policy, session, accessKey: key.accessKey, secretKey: key.secretKey, client, api: iamApi(client) };
}

// --- SSH public keys ---

function sshString(buf) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

function mpint(buf) {
  let b = buf;
  while (b.length > 1 && b[0] === 0) b = b.subarray(1);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return sshString(b);
}

/** {line, blob, fingerprint} of a fresh SSH public key: 'ed25519' or 'rsa'. */
export function sshPublicKey(type = 'ed25519', comment = 'tester@scwd') {
  let blob;
  let bits;
  let name;
  if (type === 'ed25519') {
    const { publicKey } = crypto.generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    name = 'ssh-ed25519';
    blob = Buffer.concat([sshString(Buffer.from(name)), sshString(raw)]);
    bits = 256;
  } else {
    const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    name = 'ssh-rsa';
    const e = Buffer.from(jwk.e, 'base64url');
    const n = Buffer.from(jwk.n, 'base64url');
    blob = Buffer.concat([sshString(Buffer.from(name)), mpint(e), mpint(n)]);
    bits = 2048;
  }
  const md5 = crypto.createHash('md5').update(blob).digest('hex').match(/../g).join(':');
  const b64 = blob.toString('base64');
  return { line: `${name} ${b64} ${comment}`, bare: `${name} ${b64}`, fingerprint: `${bits} MD5:${md5} (${name})` };
}

// --- TOTP (RFC 6238, SHA-1, 30 s, 6 digits) ---

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

export function totp(secret, when = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(when / 1000 / 30)));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(off) & 0x7fffffff) % 1000000;
  return String(code).padStart(6, '0');
}

// --- X.509 (openssl) ---

/** A self-signed PEM certificate valid `days` days. */
export function selfSignedCertificate(days = 30) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scwd-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'),
      '-out', path.join(dir, 'c.pem'), '-days', String(days), '-subj', '/CN=idp.example.com',
    ], { stdio: 'ignore' });
    return fs.readFileSync(path.join(dir, 'c.pem'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
