// The Node.js runtime loop that runs inside an execution environment (no dependencies).
// Owns handler loading (CommonJS, or ES modules via import()), the context object and
// Lambda's error documents; must not read anything but its own environment.
"use strict";
const http = require("http");
const path = require("path");
const fs = require("fs");

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const API = "/2018-06-01/runtime";

function call(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    const req = http.request(
      { host, port, method, path: API + p, agent,
        headers: Object.assign({ "Content-Length": data.length }, headers || {}) },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8") }));
      });
    req.on("error", reject);
    req.end(data);
  });
}

function errorDoc(err, type) {
  const e = err instanceof Error ? err : new Error(String(err));
  return { errorType: type || e.name || "Error", errorMessage: e.message,
    trace: String(e.stack || "").split("\n") };
}

async function loadHandler() {
  const handler = process.env._HANDLER || "";
  const dot = handler.lastIndexOf(".");
  if (dot < 0) throw Object.assign(new Error(`Bad handler ${handler}`), { lambdaType: "Runtime.MalformedHandlerName" });
  const modPath = handler.slice(0, dot);
  const fnName = handler.slice(dot + 1);
  const base = path.resolve(process.env.LAMBDA_TASK_ROOT, modPath);
  let mod;
  try {
    if (fs.existsSync(base + ".mjs")) mod = await import(base + ".mjs");
    else mod = require(base);
  } catch (e) {
    if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes(base)) {
      throw Object.assign(new Error(`Error: Cannot find module '${modPath}'`), { lambdaType: "Runtime.ImportModuleError" });
    }
    throw e;
  }
  const fn = mod[fnName] || (mod.default && mod.default[fnName]);
  if (typeof fn !== "function") {
    throw Object.assign(new Error(`${modPath}.${fnName} is undefined or not exported`), { lambdaType: "Runtime.HandlerNotFound" });
  }
  return fn;
}

function runHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (err, result) => (err ? reject(err) : resolve(result));
    context.done = callback;
    context.succeed = (r) => resolve(r);
    context.fail = (e) => reject(e);
    try {
      const out = fn(event, context, callback);
      if (out && typeof out.then === "function") out.then(resolve, reject);
      else if (fn.length < 3) resolve(out);
    } catch (e) { reject(e); }
  });
}

async function main() {
  let fn;
  try {
    fn = await loadHandler();
  } catch (e) {
    const doc = errorDoc(e, e && e.lambdaType);
    console.error(`${new Date().toISOString()}\tundefined\tERROR\t${JSON.stringify(doc)}`);
    await call("POST", "/init/error", JSON.stringify(doc), { "Lambda-Runtime-Function-Error-Type": doc.errorType });
    process.exit(1);
  }
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const h = next.headers;
    const id = h["lambda-runtime-aws-request-id"];
    const deadline = Number(h["lambda-runtime-deadline-ms"]);
    if (h["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = h["lambda-runtime-trace-id"];
    const context = {
      awsRequestId: id, invokedFunctionArn: h["lambda-runtime-invoked-function-arn"],
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: h["lambda-runtime-client-context"] ? JSON.parse(h["lambda-runtime-client-context"]) : undefined,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    try {
      const result = await runHandler(fn, next.body ? JSON.parse(next.body) : null, context);
      const out = result === undefined ? "null" : JSON.stringify(result);
      await call("POST", `/invocation/${id}/response`, out);
    } catch (e) {
      const doc = errorDoc(e);
      console.error(`${new Date().toISOString()}\t${id}\tERROR\tInvoke Error \t${JSON.stringify(doc)}`);
      await call("POST", `/invocation/${id}/error`, JSON.stringify(doc), { "Lambda-Runtime-Function-Error-Type": doc.errorType });
    }
  }
}

main();
