// Fleet test from a foreign client.
//
// The runtime's own tests talk to it through code from this repository. This
// one talks to it only through the official JavaScript NATS client (npm
// package "nats", 2.x), so it catches wire-level habits that our own client
// code might share with the server side and therefore never notice: subject
// layout, reply handling, message headers, JSON shapes.
//
// It starts a private nats-server on a free loopback port, starts
// agent-runtime against it, sends a handful of requests, and then checks that
// the runtime shuts down cleanly on SIGTERM. Both child processes are always
// stopped, whatever happens.
//
// Usage: node tests/js/fleet_client.mjs <path-to-agent-runtime> <path-to-clusters.yaml>

import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, constants as fsConstants, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as pause } from "node:timers/promises";
import { connect, headers, StringCodec } from "nats";

const SAGE = {
  name: "sage",
  id: "01936f11-4ea2-7000-8000-000000000001",
  cluster: "orchestration",
};
const DDD_EXPERT_ID = "01936f22-7c43-7000-8000-000000000002";

const NATS_START_LIMIT_MS = 10_000;
const RUNTIME_READY_LIMIT_MS = 20_000;
const RUNTIME_STOP_LIMIT_MS = 15_000;
const NATS_STOP_LIMIT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
const READY_MARKER = "[runtime] ready";

const codec = StringCodec();

// Every process this script starts, so that none of them outlives it.
const children = [];

// ---------------------------------------------------------------- reporting

let passed = 0;
let failed = 0;

// An error that carries extra text (such as a child's log) to show under the
// "not ok" line.
function failure(message, details = "") {
  const error = new Error(message);
  error.details = details;
  return error;
}

function printDetails(text) {
  for (const line of text.trimEnd().split("\n")) {
    if (line) console.log(`#   ${line}`);
  }
}

// Runs one check; prints "ok - what" or "not ok - what: why". Returns whether
// it passed, so that later steps can be skipped when a setup step failed.
async function check(what, body) {
  try {
    const note = await body();
    passed += 1;
    console.log(`ok - ${what}${note ? ` (${note})` : ""}`);
    return true;
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${what}: ${error.message}`);
    if (error.details) printDetails(error.details);
    return false;
  }
}

// ----------------------------------------------------------------- processes

function startProcess(label, command, args) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  const proc = { label, child, stdout: "", stderr: "", exit: null };
  child.stdout.on("data", (chunk) => { proc.stdout += chunk.toString(); });
  child.stderr.on("data", (chunk) => { proc.stderr += chunk.toString(); });
  proc.exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      proc.exit ??= { code, signal };
      resolve(proc.exit);
    });
    child.on("error", (error) => {
      proc.exit ??= { code: null, signal: null, error };
      resolve(proc.exit);
    });
  });
  children.push(proc);
  return proc;
}

function describeExit(exit) {
  if (exit.error) return `could not start: ${exit.error.message}`;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.code}`;
}

// Sends `signal` and waits up to `limitMs` for the process to end; kills it
// hard if it does not. Returns the exit and whether the limit was hit.
async function stopProcess(proc, signal, limitMs) {
  if (proc.exit) return { exit: proc.exit, timedOut: false };
  proc.child.kill(signal);
  const timer = pause(limitMs, "timeout", { ref: false });
  const outcome = await Promise.race([proc.exited, timer]);
  if (outcome !== "timeout") return { exit: outcome, timedOut: false };
  proc.child.kill("SIGKILL");
  return { exit: await proc.exited, timedOut: true };
}

function killLeftovers() {
  for (const proc of children) {
    if (!proc.exit) proc.child.kill("SIGKILL");
  }
}

process.on("exit", killLeftovers);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    console.log(`# interrupted by ${signal}, stopping children`);
    killLeftovers();
    process.exit(1);
  });
}

// -------------------------------------------------------------- environment

function isExecutable(file) {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findNatsServer() {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, "nats-server"))) {
      return path.join(dir, "nats-server");
    }
  }
  return "/usr/sbin/nats-server";
}

function parseArguments() {
  const [runtimeArg, configArg] = process.argv.slice(2);
  if (!runtimeArg || !configArg) {
    console.error("usage: node fleet_client.mjs <path-to-agent-runtime> <path-to-clusters.yaml>");
    process.exit(1);
  }
  return { runtimePath: path.resolve(runtimeArg), configPath: path.resolve(configArg) };
}

// Asks the kernel for a free port by binding to port 0, then lets it go.
function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function acceptsConnections(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(1_000);
    const finish = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
    socket.once("timeout", () => finish(false));
  });
}

async function waitForPort(proc, port, limitMs) {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (proc.exit) {
      throw failure(`${proc.label} ended early (${describeExit(proc.exit)})`, proc.stderr);
    }
    if (await acceptsConnections(port)) return;
    await pause(100);
  }
  throw failure(`nothing accepted connections within ${limitMs / 1000} s`, proc.stderr);
}

// Resolves once the process's stderr contains `marker`; fails if the process
// ends first or the limit passes, showing everything it wrote to stderr.
function waitForStderr(proc, marker, limitMs) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.child.stderr.off("data", onData);
      if (error) reject(error);
      else resolve();
    };
    const onData = () => {
      if (proc.stderr.includes(marker)) settle();
    };
    const timer = setTimeout(() => {
      settle(failure(`no "${marker}" on stderr within ${limitMs / 1000} s; its stderr:`,
        proc.stderr || "(empty)"));
    }, limitMs);
    proc.child.stderr.on("data", onData);
    proc.exited.then((exit) => {
      settle(failure(`${proc.label} ended (${describeExit(exit)}) before "${marker}"; its stderr:`,
        proc.stderr || "(empty)"));
    });
    onData();
  });
}

// --------------------------------------------------------------- assertions

function show(value) {
  return JSON.stringify(value);
}

function expectField(reply, field, expected) {
  if (reply[field] !== expected) {
    throw new Error(`"${field}" is ${show(reply[field])}, expected ${show(expected)}; reply: ${show(reply)}`);
  }
}

function expectNonEmptyString(reply, field) {
  if (typeof reply[field] !== "string" || reply[field].length === 0) {
    throw new Error(`"${field}" should be a non-empty string, got ${show(reply[field])}; reply: ${show(reply)}`);
  }
}

function expectSageIdentity(reply) {
  expectField(reply, "status", "ok");
  expectField(reply, "name", SAGE.name);
  expectField(reply, "id", SAGE.id);
  expectField(reply, "cluster", SAGE.cluster);
  expectNonEmptyString(reply, "version");
  return `version ${reply.version}`;
}

// ----------------------------------------------------------------- requests

async function requestJson(nc, subject, payload, options = {}) {
  let reply;
  try {
    reply = await nc.request(subject, codec.encode(payload), { timeout: REQUEST_TIMEOUT_MS, ...options });
  } catch (error) {
    throw new Error(`request on ${subject} failed: ${error.code ?? ""} ${error.message}`.trim());
  }
  const text = codec.decode(reply.data);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`reply on ${subject} is not JSON: ${show(text)}`);
  }
}

// ------------------------------------------------------------------- checks

async function runClientChecks(nc) {
  const inbox = `agent.to.${SAGE.name}.from.js.request`;

  await check(`ping on ${inbox} answers with sage's identity`, async () => {
    return expectSageIdentity(await requestJson(nc, inbox, "ping"));
  });

  const agentRef = `agent.${SAGE.cluster}.${SAGE.name}.${SAGE.id}.command.ping`;
  await check(`empty request on ${agentRef} answers with the same identity`, async () => {
    return expectSageIdentity(await requestJson(nc, agentRef, ""));
  });

  await check("SendMessage to ddd-expert echoes message_id and answers the question", async () => {
    const question = "what is an aggregate?";
    const messageId = randomUUID();
    const request = {
      type: "SendMessage",
      agent_id: DDD_EXPERT_ID,
      message_id: messageId,
      content: question,
      context: [{ role: "user", content: "hello" }],
    };
    const reply = await requestJson(nc, "agent.to.ddd-expert.from.js.request", show(request));
    expectField(reply, "status", "ok");
    expectField(reply, "message_id", messageId);
    expectNonEmptyString(reply, "response");
    if (!reply.response.includes(question)) {
      throw new Error(`"response" does not mention ${show(question)}: ${show(reply.response)}`);
    }
  });

  await check("malformed JSON is answered with status error and a message", async () => {
    const reply = await requestJson(nc, inbox, "{not json");
    expectField(reply, "status", "error");
    expectNonEmptyString(reply, "message");
    return reply.message;
  });

  await check("a ping carrying a Correlation-Id header is answered", async () => {
    const requestHeaders = headers();
    requestHeaders.set("Correlation-Id", "abc");
    return expectSageIdentity(await requestJson(nc, inbox, "ping", { headers: requestHeaders }));
  });
}

async function checkCleanShutdown(runtime) {
  const limitS = RUNTIME_STOP_LIMIT_MS / 1000;
  await check(`agent-runtime exits with code 0 within ${limitS} s of SIGTERM`, async () => {
    const { exit, timedOut } = await stopProcess(runtime, "SIGTERM", RUNTIME_STOP_LIMIT_MS);
    if (timedOut) throw failure(`still running after ${limitS} s, killed; its stderr:`, runtime.stderr);
    if (exit.code !== 0) throw failure(`${describeExit(exit)}; its stderr:`, runtime.stderr);
  });
}

// --------------------------------------------------------------------- main

async function main() {
  const { runtimePath, configPath } = parseArguments();
  let natsServer = null;
  let storeDir = null;
  let runtime = null;
  let nc = null;
  try {
    const port = await findFreePort();
    const url = `nats://127.0.0.1:${port}`;

    // JetStream on: the runtime keeps its agents' events there.
    storeDir = mkdtempSync(path.join(os.tmpdir(), "fleet-client-js-"));
    natsServer = startProcess("nats-server", findNatsServer(),
      ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir]);
    const natsUp = await check(`nats-server accepts connections on 127.0.0.1:${port}`,
      () => waitForPort(natsServer, port, NATS_START_LIMIT_MS));
    if (!natsUp) return;

    runtime = startProcess("agent-runtime", runtimePath, ["--nats", url, "--config", configPath]);
    const runtimeUp = await check(`agent-runtime logs "${READY_MARKER}"`, async () => {
      await waitForStderr(runtime, READY_MARKER, RUNTIME_READY_LIMIT_MS);
      return runtime.stderr.match(/\[runtime\] ready (agents=\d+)/)?.[1];
    });
    if (!runtimeUp) return;

    const connected = await check(`nats client connects to ${url}`, async () => {
      nc = await connect({ servers: url, name: "fleet-client-test", timeout: 5_000 });
      return nc.info?.version ? `server ${nc.info.version}` : "";
    });
    if (!connected) return;

    await runClientChecks(nc);

    await nc.close();
    nc = null;
    await checkCleanShutdown(runtime);
  } finally {
    if (nc) await nc.close().catch(() => {});
    if (runtime) await stopProcess(runtime, "SIGTERM", RUNTIME_STOP_LIMIT_MS);
    if (natsServer) await stopProcess(natsServer, "SIGTERM", NATS_STOP_LIMIT_MS);
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  failed += 1;
  console.log(`not ok - test run: ${error.stack ?? error}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
