// NATS service discovery from the official JavaScript client.
//
// Starts a private nats-server on a free loopback port and two agent-runtime
// instances against it, then uses only the "nats" package's services client
// (nc.services.client(): ping, info, stats on $SRV.*) to find both
// instances, read their endpoints, and see their request and error counts
// move by exactly the requests this script sends. Every child process is
// stopped, whatever happens. Prints TAP-like lines; exits 1 on any failure.
//
// Usage: node tests/js/service_discovery.mjs <path-to-agent-runtime> <path-to-clusters.yaml>

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as pause } from "node:timers/promises";
import { connect, RequestStrategy, StringCodec } from "nats";

const SERVICE = "agent-runtime";
const AGENTS = 31;
const ENDPOINTS_PER_AGENT = 3;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const NAME = /^[A-Za-z0-9_-]+$/;
const START_LIMIT_MS = 20_000;
const STOP_LIMIT_MS = 15_000;
const codec = StringCodec();

const children = [];
let failed = 0;

function startProcess(label, command, args) {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
  const proc = { label, child, stderr: "", exit: null };
  child.stderr.on("data", (chunk) => { proc.stderr += chunk.toString(); });
  proc.exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve((proc.exit ??= { code, signal })));
    child.on("error", (error) => resolve((proc.exit ??= { code: null, signal: null, error })));
  });
  children.push(proc);
  return proc;
}

function killLeftovers() {
  for (const proc of children) if (!proc.exit) proc.child.kill("SIGKILL");
}
process.on("exit", killLeftovers);

async function stopProcess(proc) {
  if (proc.exit) return proc.exit;
  proc.child.kill("SIGTERM");
  const outcome = await Promise.race([proc.exited, pause(STOP_LIMIT_MS, "timeout", { ref: false })]);
  if (outcome !== "timeout") return outcome;
  proc.child.kill("SIGKILL");
  return proc.exited;
}

// Polls `condition` every 50 ms until it holds or `limitMs` passes.
async function waitUntil(what, condition, limitMs, proc) {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (proc?.exit) throw new Error(`${proc.label} ended early:\n${proc.stderr}`);
    if (await condition()) return;
    await pause(50);
  }
  throw new Error(`${what} within ${limitMs} ms${proc ? `:\n${proc.stderr}` : ""}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const finish = (result) => { socket.destroy(); resolve(result); };
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
  });
}

async function check(what, body) {
  try {
    const note = await body();
    console.log(`ok - ${what}${note ? ` (${note})` : ""}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${what}: ${error.message}`.split("\n").join("\n#   "));
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function collect(iterator) {
  const all = [];
  for await (const item of await iterator) all.push(item);
  return all;
}

function endpoint(stats, name) {
  const found = stats.endpoints.find((e) => e.name === name);
  expect(found, `no endpoint ${name} in ${JSON.stringify(stats.endpoints.map((e) => e.name))}`);
  return found;
}

// Sums one endpoint's counters over every instance's stats.
function total(allStats, name, field) {
  return allStats.reduce((sum, stats) => sum + endpoint(stats, name)[field], 0);
}

let storeDir = null;

async function main() {
  const [runtimeArg, configArg] = process.argv.slice(2);
  if (!runtimeArg || !configArg) {
    console.error("usage: node service_discovery.mjs <agent-runtime> <clusters.yaml>");
    process.exit(2);
  }
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  // JetStream on: the runtimes keep their agents' events there.
  storeDir = mkdtempSync(path.join(os.tmpdir(), "service-discovery-js-"));
  const server = startProcess("nats-server", "/usr/sbin/nats-server",
    ["-a", "127.0.0.1", "-p", `${port}`, "-js", "-sd", storeDir]);
  await waitUntil("nats-server accepts connections", () => accepts(port), START_LIMIT_MS, server);

  const runtimes = [1, 2].map((n) => startProcess(`agent-runtime ${n}`, path.resolve(runtimeArg),
    ["--nats", url, "--config", path.resolve(configArg)]));
  for (const runtime of runtimes) {
    await waitUntil(`${runtime.label} is ready`, () => runtime.stderr.includes("[runtime] ready"),
      START_LIMIT_MS, runtime);
  }

  const nc = await connect({ servers: url });
  // Waits up to 5 s for the first answer, then 500 ms for each further one.
  const client = nc.services.client({ strategy: RequestStrategy.JitterTimer, maxWait: 5000, jitter: 500 });
  let ids = [];

  await check("$SRV.PING finds both runtime instances, each with its own id", async () => {
    const pings = await collect(client.ping());
    expect(pings.length === 2, `expected 2 answers, got ${JSON.stringify(pings)}`);
    for (const p of pings) {
      expect(p.type === "io.nats.micro.v1.ping_response", `type ${p.type}`);
      expect(p.name === SERVICE, `name ${p.name}`);
      expect(SEMVER.test(p.version), `version ${p.version} is not semver`);
      expect(typeof p.id === "string" && p.id.length > 0, `id ${p.id}`);
    }
    ids = pings.map((p) => p.id);
    expect(ids[0] !== ids[1], `both instances say id ${ids[0]}`);
    return ids.join(", ");
  });

  await check("$SRV.PING.<name>.<id> reaches exactly that instance", async () => {
    const pings = await collect(client.ping(SERVICE, ids[1]));
    expect(pings.length === 1 && pings[0].id === ids[1], JSON.stringify(pings));
  });

  await check("$SRV.INFO lists every agent's inbox, broadcast and reference subjects", async () => {
    const infos = await collect(client.info(SERVICE));
    expect(infos.length === 2, `expected 2 answers, got ${infos.length}`);
    for (const info of infos) {
      expect(info.type === "io.nats.micro.v1.info_response", `type ${info.type}`);
      expect(info.endpoints.length === AGENTS * ENDPOINTS_PER_AGENT,
        `${info.endpoints.length} endpoints`);
      for (const e of info.endpoints) {
        expect(NAME.test(e.name), `endpoint name ${e.name}`);
        expect(e.subject && e.queue_group, `endpoint ${JSON.stringify(e)}`);
      }
      const sage = info.endpoints.find((e) => e.name === "sage_inbox");
      expect(sage?.subject === "agent.to.sage.>", `sage_inbox: ${JSON.stringify(sage)}`);
      expect(sage.queue_group === "agent-runtime.sage", `queue group ${sage.queue_group}`);
      expect(sage.metadata?.cluster === "orchestration", `metadata ${JSON.stringify(sage.metadata)}`);
    }
  });

  const before = await collect(client.stats(SERVICE));
  await check("$SRV.STATS answers with the convention's fields", async () => {
    expect(before.length === 2, `expected 2 answers, got ${before.length}`);
    for (const stats of before) {
      expect(stats.type === "io.nats.micro.v1.stats_response", `type ${stats.type}`);
      expect(RFC3339.test(stats.started), `started ${stats.started}`);
      for (const e of stats.endpoints) {
        for (const field of ["num_requests", "num_errors", "processing_time", "average_processing_time"]) {
          expect(Number.isInteger(e[field]) && e[field] >= 0, `${e.name}.${field} = ${e[field]}`);
        }
        expect(typeof e.last_error === "string", `${e.name}.last_error`);
      }
    }
  });

  const SENT = 6;
  await check(`STATS count the ${SENT} requests and 1 bad payload sent to sage, over both instances`, async () => {
    for (let i = 0; i < SENT; i += 1) {
      await nc.request("agent.to.sage.from.js.request", codec.encode("ping"), { timeout: 5000 });
    }
    const bad = JSON.parse(codec.decode((await nc.request("agent.to.sage.from.js.request",
      codec.encode("{not json"), { timeout: 5000 })).data));
    expect(bad.status === "error", `bad payload answered ${JSON.stringify(bad)}`);
    const after = await collect(client.stats(SERVICE));
    expect(after.length === 2, `expected 2 answers, got ${after.length}`);
    const requests = total(after, "sage_inbox", "num_requests") - total(before, "sage_inbox", "num_requests");
    const errors = total(after, "sage_inbox", "num_errors") - total(before, "sage_inbox", "num_errors");
    expect(requests === SENT + 1, `num_requests moved by ${requests}, expected ${SENT + 1}`);
    expect(errors === 1, `num_errors moved by ${errors}, expected 1`);
    const erred = after.map((s) => endpoint(s, "sage_inbox")).find((e) => e.num_errors > 0);
    expect(erred.last_error.includes("JSON"), `last_error ${JSON.stringify(erred.last_error)}`);
    expect(total(after, "sage_inbox", "processing_time") > 0, "no processing time recorded");
    const others = after.reduce((sum, s) => sum + s.endpoints
      .filter((e) => !e.name.startsWith("sage_")).reduce((n, e) => n + e.num_requests, 0), 0);
    expect(others === 0, `${others} requests counted on other agents' endpoints`);
    return `split ${after.map((s) => endpoint(s, "sage_inbox").num_requests).join("+")}`;
  });

  await nc.close();
  for (const proc of [...runtimes, server]) {
    const exit = await stopProcess(proc);
    if (exit.code !== 0 && proc !== server) {
      failed += 1;
      console.log(`not ok - ${proc.label} stops cleanly: ${JSON.stringify(exit)}`);
    }
  }
}

main()
  .catch((error) => {
    failed += 1;
    console.log(`not ok - setup: ${error.message}`);
  })
  .finally(() => {
    killLeftovers();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
    process.exit(failed === 0 ? 0 : 1);
  });
