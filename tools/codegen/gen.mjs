#!/usr/bin/env node
// Generates the published Scaleway API catalog (src/generated/sdk_catalog.gen.cpp) and the
// coverage report (docs/coverage.md) from the pinned @scaleway/sdk-* packages installed in
// tests/sdk/node_modules. See tools/codegen/README.md.
//
//   node tools/codegen/gen.mjs                        write src/generated/sdk_catalog.gen.cpp
//   node tools/codegen/gen.mjs --coverage served.json write docs/coverage.md (only)
//   node tools/codegen/gen.mjs [--all] served.json    write both
//   node tools/codegen/gen.mjs --verbose ...          also list the parser's warnings
//   node tools/codegen/gen.mjs --check                exit 1 if the checked-in catalog is stale
//   node tools/codegen/gen.mjs --dump                 print the parsed operations as JSON
//
// The SDK's JavaScript and .d.ts files are only parsed (TypeScript compiler API), never run.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const SDK_DIR = path.join(ROOT, 'tests', 'sdk', 'node_modules', '@scaleway');
const SDK_PACKAGE_JSON = path.join(ROOT, 'tests', 'sdk', 'package.json');
const CATALOG_OUT = path.join(ROOT, 'src', 'generated', 'sdk_catalog.gen.cpp');
const COVERAGE_OUT = path.join(ROOT, 'docs', 'coverage.md');
const SKIPPED_PACKAGES = new Set(['sdk-client', 'sdk-std']);

let ts;
try {
  ts = createRequire(import.meta.url)('typescript');
} catch {
  console.error('gen.mjs: the typescript package is missing; run `npm ci` in tools/codegen first.');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const warnings = [];
function warn(msg) {
  warnings.push(msg);
}

function fail(msg) {
  throw new Error(msg);
}

// Plain code-unit comparison: locale independent, so the output is deterministic.
function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function snake(name) {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

function parse(file, kind) {
  const text = fs.readFileSync(file, 'utf8');
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
}

function propName(node) {
  if (!node) return undefined;
  if (ts.isIdentifier(node) || ts.isStringLiteral(node) || ts.isNumericLiteral(node)) {
    return node.text;
  }
  if (ts.isPrivateIdentifier(node)) return node.text;
  return undefined;
}

function unparen(node) {
  while (node && (ts.isParenthesizedExpression(node) || ts.isAwaitExpression(node))) {
    node = node.expression;
  }
  return node;
}

// Name of the first `request.X` (in source order) inside `node`, or undefined.
function firstRequestMember(node) {
  let found;
  const visit = (n) => {
    if (found) return;
    if (
      ts.isPropertyAccessExpression(n) &&
      ts.isIdentifier(n.expression) &&
      n.expression.text === 'request'
    ) {
      found = n.name.text;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

function objectProps(obj) {
  const out = new Map();
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p)) out.set(propName(p.name), p.initializer);
    else if (ts.isShorthandPropertyAssignment(p)) out.set(p.name.text, p.name);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Type tables (.d.ts)

// Types that come from @scaleway/sdk-client, by their exported name.
const CLIENT_TYPES = {
  Zone: { kind: 'kString' },
  Region: { kind: 'kString' },
  Money: { kind: 'kObject' },
  TimeSeries: { kind: 'kObject' },
  ScwFile: { kind: 'kObject' },
  Decimal: { kind: 'kString' },
};

class TypeTable {
  constructor() {
    this.decls = new Map(); // name -> {node, table}
    this.imports = new Map(); // local name -> {module, name}
  }

  addFile(file) {
    const sf = parse(file, ts.ScriptKind.TS);
    for (const st of sf.statements) {
      if (ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st)) {
        this.decls.set(st.name.text, st);
      } else if (ts.isImportDeclaration(st) && st.importClause?.namedBindings) {
        const mod = st.moduleSpecifier.text;
        const nb = st.importClause.namedBindings;
        if (ts.isNamedImports(nb)) {
          for (const el of nb.elements) {
            this.imports.set(el.name.text, { module: mod, name: (el.propertyName ?? el.name).text });
          }
        }
      }
    }
  }
}

let stdTable;
function getStdTable() {
  if (!stdTable) {
    stdTable = new TypeTable();
    const dir = path.join(SDK_DIR, 'sdk-std', 'dist');
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.endsWith('.d.ts')) stdTable.addFile(path.join(dir, f));
    }
  }
  return stdTable;
}

// Resolves a type name to {decl, table} or a builtin {kind}.
function lookupType(table, name) {
  if (table.decls.has(name)) return { decl: table.decls.get(name), table };
  const imp = table.imports.get(name);
  if (imp) {
    if (imp.module === '@scaleway/sdk-client') {
      if (CLIENT_TYPES[imp.name]) return { builtin: CLIENT_TYPES[imp.name] };
      warn(`unknown @scaleway/sdk-client type ${imp.name}`);
      return { builtin: { kind: 'kAny' } };
    }
    if (imp.module === '@scaleway/sdk-std') return lookupType(getStdTable(), imp.name);
    if (imp.module.startsWith('./')) return lookupType(table, imp.name);
  }
  return undefined;
}

// Members (name -> type node) of an object type (type literal / interface), with the table that
// resolves names used in them.
function typeMembers(table, typeName) {
  const r = lookupType(table, typeName);
  if (!r || !r.decl) return undefined;
  const d = r.decl;
  let members;
  if (ts.isInterfaceDeclaration(d)) members = d.members;
  else if (ts.isTypeLiteralNode(d.type)) members = d.type.members;
  else if (ts.isTypeReferenceNode(d.type)) return typeMembers(r.table, d.type.typeName.getText());
  else return undefined;
  const out = new Map();
  for (const m of members) {
    if (ts.isPropertySignature(m) && m.type) out.set(propName(m.name), m.type);
  }
  return { members: out, table: r.table };
}

// {kind, repeated, enumValues, enumName} for a type node.
function classifyType(table, node, depth = 0) {
  if (depth > 20) fail('type resolution too deep');
  if (ts.isParenthesizedTypeNode(node)) return classifyType(table, node.type, depth + 1);
  if (ts.isArrayTypeNode(node)) {
    const inner = classifyType(table, node.elementType, depth + 1);
    return { ...inner, repeated: true };
  }
  if (ts.isTypeOperatorNode(node)) return classifyType(table, node.type, depth + 1);
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { kind: 'kString', repeated: false };
    case ts.SyntaxKind.NumberKeyword:
      return { kind: 'kInt', repeated: false };
    case ts.SyntaxKind.BooleanKeyword:
      return { kind: 'kBool', repeated: false };
    case ts.SyntaxKind.UnknownKeyword:
    case ts.SyntaxKind.AnyKeyword:
      return { kind: 'kAny', repeated: false };
    default:
      break;
  }
  if (ts.isLiteralTypeNode(node)) {
    if (ts.isStringLiteral(node.literal)) {
      return { kind: 'kEnum', repeated: false, enumValues: [node.literal.text] };
    }
    if (node.literal.kind === ts.SyntaxKind.NullKeyword) return { kind: 'null' };
    if (ts.isNumericLiteral(node.literal)) return { kind: 'kInt', repeated: false };
    return { kind: 'kBool', repeated: false };
  }
  if (ts.isUnionTypeNode(node)) {
    const parts = node.types
      .map((t) => classifyType(table, t, depth + 1))
      .filter((p) => p.kind !== 'null');
    if (parts.length === 1) return parts[0];
    if (parts.every((p) => p.kind === 'kEnum' && !p.repeated)) {
      return { kind: 'kEnum', repeated: false, enumValues: parts.flatMap((p) => p.enumValues) };
    }
    if (parts.every((p) => (p.kind === 'kEnum' || p.kind === 'kString') && !p.repeated)) {
      return { kind: 'kString', repeated: false }; // e.g. Zone: 'fr-par-1' | ... | (string & {})
    }
    warn(`mixed union type ${node.getText()}`);
    return { kind: 'kAny', repeated: false };
  }
  if (ts.isIntersectionTypeNode(node)) {
    // `string & {}` and friends
    const parts = node.types.map((t) => t.getText());
    if (parts.includes('string')) return { kind: 'kString', repeated: false };
    return { kind: 'kObject', repeated: false };
  }
  if (ts.isTypeLiteralNode(node)) return { kind: 'kObject', repeated: false };
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    const args = node.typeArguments ?? [];
    if (name === 'Date') return { kind: 'kDate', repeated: false };
    if (name === 'Record') return { kind: 'kMap', repeated: false };
    if (name === 'Blob') return { kind: 'kObject', repeated: false }; // sent as a ScwFile object
    if (name === 'Array' || name === 'ReadonlyArray') {
      return { ...classifyType(table, args[0], depth + 1), repeated: true };
    }
    if (name === 'Readonly' || name === 'Partial' || name === 'Required') {
      return classifyType(table, args[0], depth + 1);
    }
    const r = lookupType(table, name);
    if (!r) {
      warn(`unresolved type ${name}`);
      return { kind: 'kAny', repeated: false };
    }
    if (r.builtin) return { ...r.builtin, repeated: false };
    if (ts.isInterfaceDeclaration(r.decl)) return { kind: 'kObject', repeated: false };
    const res = classifyType(r.table, r.decl.type, depth + 1);
    if (res.kind === 'kEnum' && !res.enumName) return { ...res, enumName: name };
    return res;
  }
  warn(`unhandled type node ${ts.SyntaxKind[node.kind]}: ${node.getText()}`);
  return { kind: 'kAny', repeated: false };
}

// ---------------------------------------------------------------------------------------------
// validation-rules.gen.js

function loadRules(file) {
  const out = new Map(); // type name -> Map(member -> rules)
  if (!fs.existsSync(file)) return out;
  const sf = parse(file, ts.ScriptKind.JS);
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const decl of st.declarationList.declarations) {
      const init = decl.initializer && unparen(decl.initializer);
      if (!init || !ts.isObjectLiteralExpression(init)) continue;
      const members = new Map();
      for (const [member, value] of objectProps(init)) {
        if (!ts.isObjectLiteralExpression(value)) continue;
        const rules = {};
        for (const [key, v] of objectProps(value)) {
          if (ts.isRegularExpressionLiteral(v)) {
            const text = v.text;
            const last = text.lastIndexOf('/');
            rules[key] = text.slice(1, last);
            if (text.slice(last + 1)) warn(`regex flags ignored in ${decl.name.text}.${member}`);
          } else if (ts.isNumericLiteral(v)) {
            rules[key] = Number(v.text);
          } else if (ts.isPrefixUnaryExpression(v) && ts.isNumericLiteral(v.operand)) {
            rules[key] = v.operator === ts.SyntaxKind.MinusToken ? -Number(v.operand.text) : Number(v.operand.text);
          } else if (v.kind === ts.SyntaxKind.TrueKeyword || v.kind === ts.SyntaxKind.FalseKeyword) {
            rules[key] = v.kind === ts.SyntaxKind.TrueKeyword;
          } else {
            warn(`unhandled rule value ${decl.name.text}.${member}.${key}: ${v.getText()}`);
          }
        }
        members.set(member, rules);
      }
      out.set(decl.name.text, members);
    }
  }
  return out;
}

const KNOWN_RULES = new Set([
  'minLength',
  'maxLength',
  'pattern',
  'greaterThan',
  'greaterThanOrEqual',
  'lessThan',
  'lessThanOrEqual',
  'ignoreEmpty', // not represented in Rules: an empty value skips validation
]);

// `resolveOneOf([{param: "x", value: request.y, default?: ...}, ...])` -> [{wire, member, value}],
// or undefined when `call` is not such a call.
function oneOfEntries(call, where) {
  call = unparen(call);
  if (
    !ts.isCallExpression(call) ||
    call.expression.getText() !== 'resolveOneOf' ||
    !ts.isArrayLiteralExpression(call.arguments[0])
  ) {
    return undefined;
  }
  const out = [];
  for (const el of call.arguments[0].elements) {
    if (!ts.isObjectLiteralExpression(el)) {
      warn(`${where}: resolveOneOf entry is not an object`);
      continue;
    }
    const props = objectProps(el);
    const param = props.get('param');
    const value = props.get('value');
    if (!param || !ts.isStringLiteral(param)) {
      warn(`${where}: resolveOneOf entry without param`);
      continue;
    }
    out.push({ wire: param.text, member: value && firstRequestMember(value), value });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// marshalling.gen.js: marshal function name -> list of {wire, member, valueNode}

function loadMarshallers(file) {
  const out = new Map();
  if (!fs.existsSync(file)) return out;
  const sf = parse(file, ts.ScriptKind.JS);
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const decl of st.declarationList.declarations) {
      const name = decl.name.text;
      if (!name.startsWith('marshal')) continue;
      const fn = decl.initializer;
      if (!fn || !ts.isArrowFunction(fn)) continue;
      const body = unparen(fn.body);
      if (!ts.isObjectLiteralExpression(body)) {
        warn(`marshaller ${name} does not return an object literal`);
        continue;
      }
      const keys = [];
      for (const p of body.properties) {
        if (ts.isPropertyAssignment(p)) {
          keys.push({ wire: propName(p.name), member: firstRequestMember(p.initializer), value: p.initializer });
        } else if (ts.isSpreadAssignment(p)) {
          const call = unparen(p.expression);
          const entries = oneOfEntries(call, name);
          if (entries) {
            keys.push(...entries);
          } else {
            warn(`unhandled spread in marshaller ${name}: ${p.getText().slice(0, 60)}`);
          }
        } else {
          warn(`unhandled property in marshaller ${name}: ${p.getText().slice(0, 60)}`);
        }
      }
      out.set(name, keys);
    }
  }
  return out;
}

// unmarshalling functions: name -> Map(JS key -> wire key), from `return { jsKey: f(data.wire) }`.
function loadUnmarshallers(file) {
  const out = new Map();
  if (!fs.existsSync(file)) return out;
  const sf = parse(file, ts.ScriptKind.JS);
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const decl of st.declarationList.declarations) {
      const name = decl.name.text;
      const fn = decl.initializer;
      if (!name.startsWith('unmarshal') || !fn || !ts.isArrowFunction(fn) || !ts.isBlock(fn.body)) continue;
      const ret = fn.body.statements.find((x) => ts.isReturnStatement(x));
      const obj = ret?.expression && unparen(ret.expression);
      if (!obj || !ts.isObjectLiteralExpression(obj)) continue;
      const keys = new Map();
      for (const [jsKey, value] of objectProps(obj)) {
        let wire;
        const visit = (n) => {
          if (wire) return;
          if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'data') {
            wire = n.name.text;
            return;
          }
          ts.forEachChild(n, visit);
        };
        visit(value);
        if (wire) keys.set(jsKey, wire);
      }
      out.set(name, keys);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// API classes

// Request type of each method, from api.gen.d.ts / api.utils.d.ts: Map(class -> Map(method -> T)).
function loadMethodRequestTypes(file) {
  const out = new Map();
  if (!fs.existsSync(file)) return out;
  const sf = parse(file, ts.ScriptKind.TS);
  for (const st of sf.statements) {
    if (!ts.isClassDeclaration(st) || !st.name) continue;
    const methods = new Map();
    for (const m of st.members) {
      if (!ts.isPropertyDeclaration(m) || !m.type || !ts.isFunctionTypeNode(m.type)) continue;
      const param = m.type.parameters[0];
      if (!param || !param.type) continue;
      let t = param.type;
      if (ts.isTypeReferenceNode(t) && t.typeName.getText() === 'Readonly') t = t.typeArguments[0];
      if (ts.isTypeReferenceNode(t)) methods.set(propName(m.name), t.typeName.getText());
    }
    out.set(st.name.text, methods);
  }
  return out;
}

// Exported name of each class of a version, from its index(.gen).js: local -> exported.
function loadExportNames(dir) {
  const out = new Map();
  for (const f of ['index.js', 'index.gen.js']) {
    const file = path.join(dir, f);
    if (!fs.existsSync(file)) continue;
    const sf = parse(file, ts.ScriptKind.JS);
    for (const st of sf.statements) {
      if (!ts.isExportDeclaration(st) || !st.exportClause || !ts.isNamedExports(st.exportClause)) continue;
      for (const el of st.exportClause.elements) {
        const local = (el.propertyName ?? el.name).text;
        if (!out.has(local)) out.set(local, el.name.text);
      }
    }
    break; // index.js (hand-written) wins over index.gen.js when both exist
  }
  return out;
}

// Parses one fetch call into the HTTP part of an operation.
function parseFetch(call, where) {
  const [optsNode, unmarshaller] = call.arguments;
  if (!optsNode || !ts.isObjectLiteralExpression(optsNode)) fail(`${where}: fetch without options object`);
  const opts = objectProps(optsNode);
  const methodNode = opts.get('method');
  if (!methodNode || !ts.isStringLiteral(methodNode)) fail(`${where}: no literal method`);
  const pathNode = opts.get('path');
  if (!pathNode) fail(`${where}: no path`);
  let p;
  const pathParams = [];
  if (ts.isNoSubstitutionTemplateLiteral(pathNode) || ts.isStringLiteral(pathNode)) {
    p = pathNode.text;
  } else if (ts.isTemplateExpression(pathNode)) {
    p = pathNode.head.text;
    for (const span of pathNode.templateSpans) {
      const e = unparen(span.expression);
      if (
        !ts.isCallExpression(e) ||
        e.expression.getText() !== 'validatePathParam' ||
        !ts.isStringLiteral(e.arguments[0])
      ) {
        fail(`${where}: unhandled path expression ${e.getText()}`);
      }
      const param = snake(e.arguments[0].text);
      pathParams.push(param);
      p += `{${param}}` + span.literal.text;
    }
  } else {
    fail(`${where}: unhandled path node`);
  }

  const query = [];
  const urlParamsNode = opts.get('urlParams');
  if (urlParamsNode) {
    const u = unparen(urlParamsNode);
    if (!ts.isCallExpression(u) || u.expression.getText() !== 'urlParams') fail(`${where}: unhandled urlParams`);
    for (const arg of u.arguments) {
      if (ts.isSpreadElement(arg)) {
        // ...Object.entries(resolveOneOf([...]))
        const e = unparen(arg.expression);
        const entries =
          ts.isCallExpression(e) && e.expression.getText() === 'Object.entries'
            ? oneOfEntries(e.arguments[0], where)
            : undefined;
        if (!entries) fail(`${where}: unhandled urlParams spread ${arg.getText()}`);
        query.push(...entries);
        continue;
      }
      if (!ts.isArrayLiteralExpression(arg) || !ts.isStringLiteral(arg.elements[0])) {
        fail(`${where}: unhandled urlParams entry ${arg.getText()}`);
      }
      const value = arg.elements[1];
      query.push({ wire: arg.elements[0].text, member: firstRequestMember(value), value });
    }
  }

  let bodyKind = 'none';
  let marshaller;
  const bodyNode = opts.get('body');
  if (bodyNode) {
    const b = unparen(bodyNode);
    if (ts.isCallExpression(b) && b.expression.getText() === 'JSON.stringify') {
      bodyKind = 'json';
      const inner = unparen(b.arguments[0]);
      if (ts.isCallExpression(inner) && ts.isIdentifier(inner.expression)) {
        marshaller = inner.expression.text;
      } else {
        warn(`${where}: JSON body is not a marshaller call: ${inner.getText()}`);
      }
    } else if (ts.isStringLiteral(b) && b.text.trim() === '{}') {
      bodyKind = 'json';
    } else {
      bodyKind = 'raw';
    }
  }

  let responseKind = unmarshaller ? 'json' : 'none';
  const unmarshallerName = unmarshaller && ts.isIdentifier(unmarshaller) ? unmarshaller.text : undefined;
  const rt = opts.get('responseType');
  if (rt && ts.isStringLiteral(rt) && rt.text === 'blob') responseKind = 'blob';
  else if (rt) warn(`${where}: unhandled responseType ${rt.getText()}`);

  return {
    method: methodNode.text,
    path: p,
    pathParams,
    query,
    bodyKind,
    marshaller,
    unmarshaller: unmarshallerName,
    responseKind,
    rawBodyExpr: bodyKind === 'raw' ? bodyNode.getText() : undefined,
    contentType: (() => {
      const h = opts.get('headers');
      if (h && ts.isObjectLiteralExpression(h)) {
        const ct = objectProps(h).get('Content-Type');
        return ct && ts.isStringLiteral(ct) ? ct.text : undefined;
      }
      return undefined;
    })(),
  };
}

// Classifies a class member: {type:'fetch', call} | {type:'page', key, target} |
// {type:'alias', target} | undefined (not an HTTP call).
function classifyMember(member) {
  if (!ts.isPropertyDeclaration(member) || !member.initializer) return undefined;
  const fn = member.initializer;
  if (!ts.isArrowFunction(fn)) return undefined;
  let body = fn.body;
  if (ts.isBlock(body)) {
    if (body.statements.length !== 1 || !ts.isReturnStatement(body.statements[0])) return undefined;
    body = body.statements[0].expression;
  }
  body = unparen(body);
  if (!body || !ts.isCallExpression(body)) return undefined;
  const callee = body.expression.getText();
  if (callee === 'this.client.fetch') return { type: 'fetch', call: body };
  if (callee === 'enrichForPagination') {
    const [key, target] = body.arguments;
    if (ts.isStringLiteral(key) && ts.isPropertyAccessExpression(target)) {
      return { type: 'page', key: key.text, target: target.name.text };
    }
    return undefined;
  }
  if (
    ts.isPropertyAccessExpression(body.expression) &&
    body.expression.expression.kind === ts.SyntaxKind.ThisKeyword &&
    body.arguments.length === 1 &&
    ts.isIdentifier(body.arguments[0]) &&
    body.arguments[0].text === 'request'
  ) {
    return { type: 'alias', target: body.expression.name.text };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Fields

// The SDK types every number as `number`; the catalog types them as integers except the wire
// names listed here. In the pinned versions every number sent in a query or top-level body is an
// integer (page, page_size, size, ports, limits, scales, ...), so the list is empty.
const FLOAT_FIELD_NAMES = new Set([]);

function makeField(ctx, wire, member, valueNode) {
  const field = { name: wire, kind: 'kString', repeated: false, enumValues: [], enumName: undefined, rules: {} };
  let typeNode;
  if (member !== undefined && ctx.requestMembers) typeNode = ctx.requestMembers.members.get(member);
  if (typeNode) {
    const c = classifyType(ctx.requestMembers.table, typeNode);
    field.kind = c.kind;
    field.repeated = !!c.repeated;
    if (c.kind === 'kEnum') {
      field.enumValues = [...c.enumValues];
      field.enumName = c.enumName;
    }
  } else if (member !== undefined) {
    warn(`${ctx.where}: ${ctx.requestType ?? '?'} has no member ${member} (wire ${wire})`);
  } else {
    // constant value, e.g. ["dl", 1]
    const v = valueNode && unparen(valueNode);
    if (v && ts.isNumericLiteral(v)) field.kind = 'kInt';
    else if (v && (v.kind === ts.SyntaxKind.TrueKeyword || v.kind === ts.SyntaxKind.FalseKeyword)) field.kind = 'kBool';
    else field.kind = 'kString';
  }
  if (field.kind === 'kInt' && FLOAT_FIELD_NAMES.has(wire)) field.kind = 'kFloat';
  if (member !== undefined && ctx.rules) {
    const r = ctx.rules.get(member);
    if (r) {
      for (const k of Object.keys(r)) {
        if (!KNOWN_RULES.has(k)) warn(`${ctx.where}: unknown rule ${k} on ${member}`);
      }
      field.rules = r;
    }
  }
  return field;
}

// ---------------------------------------------------------------------------------------------
// Collect

function sdkPackages() {
  const pkg = JSON.parse(fs.readFileSync(SDK_PACKAGE_JSON, 'utf8'));
  const out = [];
  for (const name of Object.keys(pkg.dependencies ?? {}).sort(cmp)) {
    const m = /^@scaleway\/(sdk-.+)$/.exec(name);
    if (!m || SKIPPED_PACKAGES.has(m[1])) continue;
    const dir = path.join(SDK_DIR, m[1]);
    const installed = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    if (installed !== pkg.dependencies[name]) {
      fail(`${name}: tests/sdk/package.json pins ${pkg.dependencies[name]} but ${installed} is installed`);
    }
    out.push({ npm: name, dirName: m[1], suffix: m[1].slice(4), version: installed, dir });
  }
  return out;
}

function collectVersion(pkg, version) {
  const dir = path.join(pkg.dir, 'dist', version);
  const types = new TypeTable();
  for (const f of ['types.gen.d.ts', 'types.private.gen.d.ts', 'types.utils.d.ts']) {
    const file = path.join(dir, f);
    if (fs.existsSync(file)) types.addFile(file);
  }
  const rules = loadRules(path.join(dir, 'validation-rules.gen.js'));
  const marshallers = loadMarshallers(path.join(dir, 'marshalling.gen.js'));
  const unmarshallers = loadUnmarshallers(path.join(dir, 'marshalling.gen.js'));
  const exportNames = loadExportNames(dir);

  // api.gen.js first, then hand-written files (api.utils.js) whose classes extend them.
  const sources = ['api.gen.js', 'api.utils.js'].filter((f) => fs.existsSync(path.join(dir, f)));
  const classes = []; // {name, exported, members: Map(name -> classification), requestTypes}
  for (const f of sources) {
    const sf = parse(path.join(dir, f), ts.ScriptKind.JS);
    const reqTypes = loadMethodRequestTypes(path.join(dir, f.replace(/\.js$/, '.d.ts')));
    for (const st of sf.statements) {
      if (!ts.isClassDeclaration(st) || !st.name) continue;
      const members = new Map();
      for (const m of st.members) {
        const name = propName(m.name);
        if (!name) continue;
        const c = classifyMember(m);
        if (c) members.set(name, c);
      }
      const base = st.heritageClauses?.[0]?.types?.[0]?.expression.getText();
      classes.push({
        name: st.name.text,
        file: f,
        base,
        exported: exportNames.get(st.name.text),
        members,
        requestTypes: reqTypes.get(st.name.text) ?? new Map(),
      });
    }
  }

  // A hand-written subclass (exported under the generated class' name) adds its own fetch calls
  // and renames protected `_x` methods through `x = (request) => this._x(request)`.
  const ops = [];
  for (const cls of classes) {
    if (cls.file !== 'api.gen.js') continue;
    const subclasses = classes.filter((c) => c.file !== 'api.gen.js' && c.base === cls.name);
    const apiName = subclasses.find((s) => s.exported)?.exported ?? cls.exported ?? cls.name;
    const aliases = new Map(); // _x -> x
    for (const sub of subclasses) {
      for (const [name, c] of sub.members) {
        if (c.type === 'alias') aliases.set(c.target, name);
      }
    }
    const members = [];
    for (const [name, c] of cls.members) members.push({ name, c, owner: cls });
    for (const sub of subclasses) {
      for (const [name, c] of sub.members) {
        if (c.type === 'fetch' || c.type === 'page') {
          if (cls.members.has(name)) warn(`${sub.name}.${name} overrides ${cls.name}.${name}`);
          members.push({ name, c, owner: sub });
        }
      }
    }
    const pageTargets = new Set(members.filter((m) => m.c.type === 'page').map((m) => m.c.target));
    for (const { name, c, owner } of members) {
      if (c.type === 'alias') continue;
      let call;
      let listKey = '';
      let requestType = owner.requestTypes.get(name);
      if (c.type === 'fetch') {
        if (pageTargets.has(name)) continue; // pageOfX helper: reported through its public listX
        call = c.call;
      } else {
        const target = owner.members.get(c.target) ?? cls.members.get(c.target);
        if (!target || target.type !== 'fetch') fail(`${pkg.suffix}/${version} ${name}: page target ${c.target} not a fetch`);
        call = target.call;
        listKey = c.key;
        requestType ??= owner.requestTypes.get(c.target) ?? cls.requestTypes.get(c.target);
      }
      if (!requestType && owner !== cls) requestType = cls.requestTypes.get(name);
      const publicName = aliases.get(name) ?? name;
      const where = `${pkg.suffix}/${version} ${apiName}.${publicName}`;
      const http = parseFetch(call, where);
      const requestMembers = requestType ? typeMembers(types, requestType) : undefined;
      if (requestType && !requestMembers) warn(`${where}: request type ${requestType} not found`);
      if (!requestType) warn(`${where}: no request type`);
      const ctx = { where, requestType, requestMembers, rules: requestType ? rules.get(requestType) : undefined };
      const query = http.query.map((q) => makeField(ctx, q.wire, q.member, q.value));
      let body = [];
      if (http.marshaller) {
        const keys = marshallers.get(http.marshaller);
        if (!keys) warn(`${where}: marshaller ${http.marshaller} not found`);
        else body = keys.map((k) => makeField(ctx, k.wire, k.member, k.value));
      }
      if (listKey) {
        // enrichForPagination names the unmarshalled (camelCase) key; the catalog wants the wire key.
        const wire = unmarshallers.get(http.unmarshaller)?.get(listKey);
        if (wire) listKey = wire;
        else {
          warn(`${where}: list key ${listKey} not found in ${http.unmarshaller}`);
          listKey = snake(listKey);
        }
      }
      const product = http.path.split('/')[1];
      const pathVersion = http.path.split('/')[2];
      if (pathVersion !== version) warn(`${where}: path version ${pathVersion} differs from dist/${version}`);
      ops.push({
        product,
        package: pkg.suffix,
        version,
        api: apiName,
        name: publicName,
        method: http.method,
        path: http.path,
        query,
        body,
        bodyKind: http.bodyKind,
        listKey,
        responseKind: http.responseKind,
        // informational, not emitted in C++
        source: owner.file,
        requestType,
        rawBodyExpr: http.rawBodyExpr,
        contentType: http.contentType,
      });
    }
  }
  return ops;
}

function collect() {
  const packages = sdkPackages();
  const ops = [];
  for (const pkg of packages) {
    const dist = path.join(pkg.dir, 'dist');
    const versions = fs
      .readdirSync(dist, { withFileTypes: true })
      .filter((d) => d.isDirectory() && /^v\d/.test(d.name))
      .map((d) => d.name)
      .sort(cmp);
    for (const v of versions) ops.push(...collectVersion(pkg, v));
  }
  ops.sort(
    (a, b) =>
      cmp(a.product, b.product) ||
      cmp(a.version, b.version) ||
      cmp(a.path, b.path) ||
      cmp(a.method, b.method) ||
      cmp(a.package, b.package) ||
      cmp(a.api, b.api) ||
      cmp(a.name, b.name),
  );
  const seen = new Map();
  for (const op of ops) {
    const key = `${op.method} ${op.path}`;
    if (seen.has(key)) warn(`duplicate route ${key}: ${seen.get(key)} and ${op.api}.${op.name}`);
    else seen.set(key, `${op.api}.${op.name}`);
  }
  return { packages, ops };
}

// ---------------------------------------------------------------------------------------------
// C++ output

function cppString(s) {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (byte < 0x20 || byte >= 0x7f) out += '\\' + byte.toString(8).padStart(3, '0');
    else out += ch;
  }
  return out + '"';
}

function cppDouble(v) {
  if (!Number.isFinite(v)) fail(`non-finite rule value ${v}`);
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function cppRules(r) {
  const parts = [];
  if (r.minLength !== undefined) parts.push(`.min_length = ${r.minLength}`);
  if (r.maxLength !== undefined) parts.push(`.max_length = ${r.maxLength}`);
  if (r.pattern !== undefined) parts.push(`.pattern = ${cppString(r.pattern)}`);
  if (r.greaterThan !== undefined) {
    parts.push('.has_greater_than = true', `.greater_than = ${cppDouble(r.greaterThan)}`);
  }
  if (r.greaterThanOrEqual !== undefined) {
    parts.push('.has_greater_than_or_equal = true', `.greater_than_or_equal = ${cppDouble(r.greaterThanOrEqual)}`);
  }
  if (r.lessThan !== undefined) parts.push('.has_less_than = true', `.less_than = ${cppDouble(r.lessThan)}`);
  if (r.lessThanOrEqual !== undefined) {
    parts.push('.has_less_than_or_equal = true', `.less_than_or_equal = ${cppDouble(r.lessThanOrEqual)}`);
  }
  return parts.length ? `Rules{${parts.join(', ')}}` : 'Rules{}';
}

function ident(s) {
  return s.replace(/[^A-Za-z0-9]+/g, '_');
}

function renderCatalog({ packages, ops }) {
  const versions = packages.map((p) => `${p.suffix}@${p.version}`).join(' ');
  const lines = [];
  lines.push(`// Generated by tools/codegen/gen.mjs from @scaleway/sdk-* ${versions}. Do not edit.`);
  lines.push('// Regenerate with `node tools/codegen/gen.mjs`; `node tools/codegen/gen.mjs --check` verifies it.');
  lines.push(`// ${ops.length} operations.`);
  lines.push('');
  lines.push('// NOLINTBEGIN');
  lines.push('#include <span>');
  lines.push('#include <string_view>');
  lines.push('');
  lines.push('#include "core/sdk/catalog.hpp"');
  lines.push('');
  lines.push('namespace scwd::sdk {');
  lines.push('');

  // Enum value arrays, shared per (package, version, enum type) and otherwise per content.
  const enumArrays = new Map(); // key -> {ident, values}
  const enumIdents = new Set();
  const enumIdent = (op, field) => {
    const key = `${op.package}/${op.version}/${field.enumName ?? ''}/${field.enumValues.join('|')}`;
    let e = enumArrays.get(key);
    if (!e) {
      let base = `kEnum_${ident(op.package)}_${op.version}_${field.enumName ?? `${op.api}_${op.name}_${field.name}`}`;
      let id = base;
      for (let i = 2; enumIdents.has(id); i++) id = `${base}_${i}`;
      enumIdents.add(id);
      e = { ident: id, values: field.enumValues };
      enumArrays.set(key, e);
      // One line per enum: its values are data, not code to read line by line.
      lines.push(`static constexpr std::string_view ${id}[] = {${field.enumValues.map(cppString).join(', ')}};`);
    }
    return e.ident;
  };

  const fieldLine = (op, f) => {
    const enumRef = f.kind === 'kEnum' ? enumIdent(op, f) : '{}';
    return `    {${cppString(f.name)}, FieldKind::${f.kind}, ${f.repeated}, ${enumRef}, ${cppRules(f.rules)}},`;
  };

  // Field arrays per operation (enum arrays are emitted just before their first use).
  const opIdents = new Set();
  const rendered = [];
  for (const op of ops) {
    let base = `${ident(op.product)}_${op.version}_${op.api}_${op.name}`;
    let id = base;
    for (let i = 2; opIdents.has(id); i++) id = `${base}_${i}`;
    opIdents.add(id);
    let queryRef = '{}';
    let bodyRef = '{}';
    for (const [what, fields] of [
      ['Query', op.query],
      ['Body', op.body],
    ]) {
      if (!fields.length) continue;
      const fieldLines = fields.map((f) => fieldLine(op, f));
      const arr = `k${what}_${id}`;
      lines.push(`static constexpr Field ${arr}[] = {`);
      lines.push(...fieldLines);
      lines.push('};');
      if (what === 'Query') queryRef = arr;
      else bodyRef = arr;
    }
    rendered.push(
      [
        `    {${cppString(op.product)}, ${cppString(op.package)}, ${cppString(op.version)}, ${cppString(op.api)}, ${cppString(op.name)},`,
        `     ${cppString(op.method)}, ${cppString(op.path)},`,
        `     ${queryRef}, ${bodyRef}, ${cppString(op.bodyKind)}, ${cppString(op.listKey)}, ${cppString(op.responseKind)}},`,
      ].join('\n'),
    );
  }
  lines.push('');
  lines.push('static constexpr Operation kOperations[] = {');
  lines.push(...rendered);
  lines.push('};');
  lines.push('');
  lines.push('std::span<const Operation> operations() { return kOperations; }');
  lines.push('');
  lines.push('}  // namespace scwd::sdk');
  lines.push('// NOLINTEND');
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Coverage report

function renderCoverage({ packages, ops }, served) {
  const servedSet = new Set(served.map((s) => `${String(s.method).toUpperCase()} ${s.path}`));
  const known = new Set(ops.map((op) => `${op.method} ${op.path}`));
  const groups = new Map(); // "product version" -> ops
  for (const op of ops) {
    const key = `${op.product}\u0000${op.version}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(op);
  }
  const isServed = (op) => servedSet.has(`${op.method} ${op.path}`);
  const out = [];
  out.push('# API coverage');
  out.push('');
  out.push(
    '<!-- Generated by tools/codegen/gen.mjs (`make coverage`, i.e. ' +
      '`node tools/codegen/gen.mjs --coverage build/served.json`). Do not edit. -->',
  );
  out.push('');
  out.push(
    'Generated by `make coverage` (`node tools/codegen/gen.mjs --coverage <served.json>`) from the pinned ' +
      '`@scaleway/sdk-*` packages and the list of operations that have a real handler in the server ' +
      'binary. Every published operation is routed; one without a handler answers ' +
      '`501 Not Implemented` naming the SDK method. Operations are matched by HTTP method and path ' +
      'template.',
  );
  out.push('');
  out.push(`SDK packages: ${packages.map((p) => `\`${p.npm}@${p.version}\``).join(', ')}.`);
  out.push('');
  out.push('| product | version | served | published |');
  out.push('| --- | --- | ---: | ---: |');
  let totalServed = 0;
  for (const list of groups.values()) {
    const n = list.filter(isServed).length;
    totalServed += n;
    out.push(`| ${list[0].product} | ${list[0].version} | ${n} | ${list.length} |`);
  }
  out.push(`| **total** | | **${totalServed}** | **${ops.length}** |`);
  out.push('');
  out.push(`**Total: ${totalServed} of ${ops.length} published operations served.**`);
  out.push('');
  for (const list of groups.values()) {
    const n = list.filter(isServed).length;
    out.push(`## ${list[0].product} ${list[0].version}`);
    out.push('');
    out.push(`Package \`@scaleway/sdk-${list[0].package}\`, ${n} of ${list.length} served.`);
    out.push('');
    for (const op of list) {
      out.push(
        `- \`${op.method} ${op.path}\` — \`${op.api}.${op.name}\` — ${isServed(op) ? 'served' : 'not yet (501)'}`,
      );
    }
    out.push('');
  }
  const extra = [...servedSet].filter((k) => !known.has(k)).sort(cmp);
  if (extra.length) {
    out.push('## Served routes that are not published SDK operations');
    out.push('');
    for (const k of extra) out.push(`- \`${k}\``);
    out.push('');
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

function writeIfChanged(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) {
    console.log(`${path.relative(ROOT, file)}: unchanged`);
    return;
  }
  fs.writeFileSync(file, content);
  console.log(`${path.relative(ROOT, file)}: written`);
}

function usage() {
  console.error(
    'usage: node tools/codegen/gen.mjs [--check | --coverage <served.json> [--out FILE] | [--all] <served.json> | --dump] [--verbose]',
  );
  process.exit(2);
}

function main(argv) {
  const args = argv.slice(2);
  let mode = 'catalog';
  let servedFile;
  let coverageOut = COVERAGE_OUT;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--check') mode = 'check';
    else if (a === '--out') {
      coverageOut = path.resolve(args[++i] ?? usage());
    }
    else if (a === '--dump') mode = 'dump';
    else if (a === '--coverage' || a === '--all') {
      mode = a.slice(2);
      servedFile = args[++i];
      if (!servedFile) usage();
    } else if (a === '--verbose') {
      process.env.GEN_VERBOSE = '1';
    } else if (!a.startsWith('-') && !servedFile) {
      mode = 'all'; // `gen.mjs served.json`: both outputs
      servedFile = a;
    } else usage();
  }

  const data = collect();
  if (warnings.length && (process.env.GEN_VERBOSE || mode === 'dump')) {
    for (const w of warnings) console.error(`warning: ${w}`);
  }

  if (mode === 'dump') {
    const plain = data.ops.map(({ query, body, ...rest }) => ({
      ...rest,
      query: query.map(({ enumName, ...f }) => f),
      body: body.map(({ enumName, ...f }) => f),
    }));
    process.stdout.write(JSON.stringify(plain, null, 1) + '\n');
    return 0;
  }

  const catalog = renderCatalog(data);
  if (mode === 'check') {
    const current = fs.existsSync(CATALOG_OUT) ? fs.readFileSync(CATALOG_OUT, 'utf8') : '';
    if (current !== catalog) {
      console.error(
        `${path.relative(ROOT, CATALOG_OUT)} is out of date with the @scaleway/sdk-* packages; ` +
          'run `node tools/codegen/gen.mjs` and commit the result.',
      );
      return 1;
    }
    console.log(`${path.relative(ROOT, CATALOG_OUT)} is up to date (${data.ops.length} operations).`);
    return 0;
  }
  if (mode === 'catalog' || mode === 'all') writeIfChanged(CATALOG_OUT, catalog);
  if (mode === 'coverage' || mode === 'all') {
    const served = JSON.parse(fs.readFileSync(servedFile, 'utf8'));
    if (!Array.isArray(served)) fail(`${servedFile}: expected a JSON array`);
    writeIfChanged(coverageOut, renderCoverage(data, served));
  }
  if (warnings.length) {
    console.error(`${warnings.length} warning(s); run with --verbose to list them.`);
  }
  console.log(`${data.ops.length} operations.`);
  return 0;
}

try {
  process.exitCode = main(process.argv);
} catch (err) {
  console.error(`gen.mjs: ${err.message}`);
  process.exitCode = 2;
}
