// The worker programs scwd runs functions with, written into the runtime directory at start.
// Each loads the handler, then answers one request per line read on fd 3 with one line on fd 4:
// {"event", "context"} in, {"statusCode", "headers", "body" (base64)} out. The Node.js worker
// turns the handler's result into a response the way Scaleway's local runtime
// (@scaleway/serverless-functions) does, so that both answer a request alike.
#include <string_view>

namespace scwd::products::function {

std::string_view node_worker_script() {
  return R"JS(import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

const [file, name] = [process.argv[2], process.argv[3]];
const send = (o) => fs.writeSync(4, JSON.stringify(o) + '\n');

async function load() {
  const found = [file + '.js', file + '.mjs', file + '.cjs'].find((c) => fs.existsSync(c));
  if (!found) throw new Error(`handler file ${file}.js not found`);
  const mod = await import(pathToFileURL(path.resolve(found)).href);
  let h = mod[name];
  if (typeof h !== 'function' && mod.default) h = mod.default[name];
  if (typeof h !== 'function') throw new Error(`${found} does not export a function ${name}`);
  return h;
}

// What an HTTP framework does with a payload: its bytes and default content type.
function encode(status, headers, payload) {
  let body;
  if (Buffer.isBuffer(payload)) {
    body = payload;
    headers['content-type'] ??= 'application/octet-stream';
  } else if (typeof payload === 'string') {
    body = Buffer.from(payload);
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (payload === undefined) {
    body = Buffer.alloc(0);
  } else {
    body = Buffer.from(JSON.stringify(payload));
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  return { statusCode: status, headers, body: body.toString('base64') };
}

function baseHeaders() {
  return {
    'access-control-allow-origin': '*',
    'access-control-allow-headers': 'Content-Type',
    server: 'envoy',
  };
}

function reply(result) {
  let status = 200;
  const headers = baseHeaders();
  let payload = result;
  if (typeof result === 'number') {
    payload = result.toString();
  } else {
    const response = JSON.parse(JSON.stringify(result));
    if ('statusCode' in response) status = response.statusCode;
    if ('headers' in response)
      for (const h in response.headers) headers[h.toLowerCase()] = String(response.headers[h]);
    if ('body' in response) payload = response.body;
    if ('isBase64Encoded' in response && response.isBase64Encoded)
      payload = Buffer.from(payload, 'base64');
  }
  return encode(status, headers, payload);
}

function failure(error) {
  console.error(error.message);
  return encode(500, baseHeaders(), error.message);
}

async function invoke(handler, event, context) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (make) => {
      if (done) return;
      done = true;
      try {
        resolve(make());
      } catch (err) {
        resolve(failure(new Error(`function invocation failed: ${err}`)));
      }
    };
    const callback = (error, result) => finish(() => (error ? failure(error) : reply(result)));
    (async () => {
      try {
        const result = await handler(event, context, callback);
        finish(() => reply(result));
      } catch (err) {
        finish(() => failure(new Error(`function invocation failed: ${err}`)));
      }
    })();
  });
}

let handler, loadError;
try {
  handler = await load();
} catch (err) {
  loadError = err;
}
const lines = readline.createInterface({ input: fs.createReadStream(null, { fd: 3 }) });
for await (const line of lines) {
  const { event, context } = JSON.parse(line);
  if (loadError) {
    send(failure(new Error(`function invocation failed: ${loadError}`)));
    continue;
  }
  send(await invoke(handler, event, context));
}
process.exit(0);
)JS";
}

std::string_view python_worker_script() {
  return R"PY(import base64, importlib.util, json, os, sys, traceback

path, name = sys.argv[1], sys.argv[2]
out = os.fdopen(4, "w", encoding="utf-8")

def send(o):
    out.write(json.dumps(o) + "\n")
    out.flush()

def base_headers():
    return {"access-control-allow-origin": "*", "access-control-allow-headers": "Content-Type",
            "server": "envoy"}

def encode(status, headers, payload):
    if isinstance(payload, (bytes, bytearray)):
        body = bytes(payload)
        headers.setdefault("content-type", "application/octet-stream")
    elif isinstance(payload, str):
        body = payload.encode()
        headers.setdefault("content-type", "text/plain; charset=utf-8")
    elif payload is None:
        body = b""
    else:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers.setdefault("content-type", "application/json; charset=utf-8")
    return {"statusCode": status, "headers": headers, "body": base64.b64encode(body).decode()}

def reply(result):
    status, headers, payload = 200, base_headers(), result
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        payload = str(result)
    elif isinstance(result, dict):
        if "statusCode" in result:
            status = int(result["statusCode"])
        for k, v in (result.get("headers") or {}).items():
            headers[str(k).lower()] = str(v)
        if "body" in result:
            payload = result["body"]
        if result.get("isBase64Encoded"):
            payload = base64.b64decode(payload)
    return encode(status, headers, payload)

def failure(message):
    print(message, file=sys.stderr)
    return encode(500, base_headers(), message)

handler, load_error = None, None
try:
    spec = importlib.util.spec_from_file_location(os.path.basename(path), path + ".py")
    if spec is None or not os.path.exists(path + ".py"):
        raise ImportError("handler file %s.py not found" % path)
    sys.path.insert(0, os.getcwd())
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler = getattr(module, name, None)
    if not callable(handler):
        raise ImportError("%s.py does not define a function %s" % (path, name))
except Exception as e:  # reported on every request
    load_error = e

for line in os.fdopen(3, "r", encoding="utf-8"):
    request = json.loads(line)
    if load_error is not None:
        send(failure("function invocation failed: %r" % load_error))
        continue
    try:
        send(reply(handler(request["event"], request["context"])))
    except Exception as e:
        traceback.print_exc()
        send(failure("function invocation failed: %r" % e))
)PY";
}

}  // namespace scwd::products::function
