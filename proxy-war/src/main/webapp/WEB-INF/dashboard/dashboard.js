// The inverting-proxy dashboard: polls the proxy's JSON every two seconds and draws it. Every text
// from the network (paths, header values, reasons) goes in with textContent, never as HTML.
"use strict";

const REFRESH_MILLIS = 2000;
// Relative to the page, without any user:password@ of the address bar, which fetch refuses.
const BASE = new URL(".", location.origin + location.pathname);
const REPLAYED_HEADER = /^x-replayed-header-(\d+)$/;
// The most of a replayed answer's body that is shown; the rest is not read.
const MAX_SHOWN_BODY_BYTES = 65536;

let selectedBackend = null;
let selectedExchange = null;
// The admin token, in this page's memory only: not in storage another page of the origin could
// read, and not a credential the browser would send on its own (no cookie, no Basic).
let token = null;
let refreshing = null;

class Unauthorized extends Error {}

async function api(path, options) {
  const request = Object.assign({ credentials: "omit", cache: "no-store" }, options);
  request.headers = Object.assign({ Authorization: "Bearer " + token }, request.headers || {});
  const response = await fetch(new URL(path, BASE), request);
  if (response.status === 401) {
    throw new Unauthorized("the admin token was refused");
  }
  return response;
}

async function json(path) {
  const response = await api(path);
  if (!response.ok) {
    throw new Error(path + " answered " + response.status + " " + (await response.text()).trim());
  }
  return response.json();
}

function handle(error) {
  if (error instanceof Unauthorized) {
    askForToken(error.message);
  } else {
    showProblem(error.message);
  }
}

function askForToken(reason) {
  token = null;
  clearInterval(refreshing);
  document.getElementById("overview").hidden = true;
  document.getElementById("backend").hidden = true;
  document.getElementById("exchange").hidden = true;
  document.getElementById("login").hidden = false;
  showProblem(reason || "");
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "" : String(text);
  if (className) {
    td.className = className;
  }
  row.appendChild(td);
  return td;
}

function rate(value) {
  return value === 0 ? "0" : value < 0.1 ? value.toFixed(3) : value.toFixed(1);
}

function time(instant) {
  return instant ? new Date(instant).toLocaleTimeString() : "";
}

function statusClass(status) {
  return "s" + Math.floor(status / 100);
}

function showProblem(text) {
  const problem = document.getElementById("problem");
  problem.textContent = text;
  problem.hidden = !text;
}

function drawOverview(overview) {
  const state = document.getElementById("state");
  state.textContent = overview.accepting ? "serving" : "draining";
  state.className = "pill " + (overview.accepting ? "ok" : "bad");
  document.getElementById("updated").textContent =
    overview.exchanges + " exchanges under way · updated " + time(overview.generatedAt);
  const body = document.querySelector("#backends tbody");
  const rows = [];
  for (const backend of overview.backends) {
    const row = document.createElement("tr");
    row.dataset.backend = backend.id;
    if (backend.id === selectedBackend) {
      row.classList.add("selected");
    }
    const traffic = backend.traffic;
    const byClass = traffic.perSecondByClass;
    cell(row, backend.id);
    cell(row, backend.routes.join(", "));
    cell(row, backend.agents.length, backend.agents.length === 0 ? "none agents" : "agents");
    cell(row, backend.parked, "parked");
    cell(row, backend.inFlight, "in-flight");
    cell(row, rate(traffic.requestsPerSecond), "rate");
    cell(row, rate(byClass["4xx"]));
    cell(row, rate(byClass["5xx"]), byClass["5xx"] > 0 ? "s5" : "");
    cell(row, rate(byClass["none"]), byClass["none"] > 0 ? "s0" : "");
    cell(row, traffic.p50Millis < 0 ? "–" : traffic.p50Millis + " / " + traffic.p90Millis + " / " + traffic.p99Millis);
    cell(row, backend.inspector.enabled
      ? (backend.inspector.bodyBytes > 0 ? "heads, " + backend.inspector.bodyBytes + " B of bodies" : "heads")
      : "off");
    row.addEventListener("click", () => selectBackend(backend.id));
    rows.push(row);
  }
  body.replaceChildren(...rows);
  const selected = overview.backends.find((b) => b.id === selectedBackend);
  if (selected) {
    drawBackend(selected);
  }
}

function drawBackend(backend) {
  document.getElementById("backend").hidden = false;
  document.getElementById("backend-id").textContent = backend.id;
  const agents = backend.agents.map((agent) => {
    const row = document.createElement("tr");
    row.dataset.agent = agent.id;
    cell(row, agent.id);
    cell(row, agent.address);
    cell(row, agent.userAgent);
    cell(row, time(agent.lastPoll));
    return row;
  });
  document.querySelector("#agents tbody").replaceChildren(...agents);
  const errors = backend.traffic.recentErrors.map((error) => {
    const row = document.createElement("tr");
    cell(row, time(error.at));
    cell(row, error.method + " " + error.path);
    cell(row, error.status === 0 ? "broken" : error.status, statusClass(error.status));
    cell(row, error.reason || error.outcome);
    return row;
  });
  document.querySelector("#errors tbody").replaceChildren(...errors);
}

async function drawExchanges() {
  if (!selectedBackend) {
    return;
  }
  const lines = await json("api/backends/" + encodeURIComponent(selectedBackend) + "/exchanges");
  const rows = lines.map((line) => {
    const row = document.createElement("tr");
    row.dataset.sequence = line.sequence;
    if (line.sequence === selectedExchange) {
      row.classList.add("selected");
    }
    cell(row, line.sequence + (line.replayOf ? " (replay of " + line.replayOf + ")" : ""));
    cell(row, time(line.startedAt));
    cell(row, line.method + " " + line.target);
    cell(row, line.status === 0 ? "broken" : line.status, statusClass(line.status));
    cell(row, line.totalMillis);
    row.addEventListener("click", () => selectExchange(line.sequence).catch(handle));
    return row;
  });
  document.querySelector("#exchanges tbody").replaceChildren(...rows);
}

function selectBackend(id) {
  selectedBackend = id;
  selectedExchange = null;
  document.getElementById("exchange").hidden = true;
  refresh();
}

function headerList(headers) {
  const pre = document.createElement("pre");
  pre.className = "headers";
  pre.textContent = headers.map((h) => h.name + ": " + h.value).join("\n");
  return pre;
}

function bodyBlock(body, label) {
  const pre = document.createElement("pre");
  pre.className = "body";
  if (body.bytes === 0) {
    pre.textContent = "(no " + label + " body)";
  } else if (body.kept === 0) {
    pre.textContent = "(" + body.bytes + " bytes, not kept: see the backend's inspector.bodyBytes)";
  } else {
    const shown = body.text !== null && body.text !== undefined ? body.text : "base64: " + body.base64;
    pre.textContent = shown + (body.kept < body.bytes ? "\n… (" + body.bytes + " bytes in all)" : "");
  }
  return pre;
}

function drawAnswer(container, status, reason, headers, bodyNode) {
  const statusLine = document.createElement("div");
  statusLine.className = "status " + statusClass(status);
  statusLine.textContent = status === 0 ? "connection broken" : String(status);
  const parts = [statusLine];
  if (reason) {
    const why = document.createElement("div");
    why.className = "reason muted";
    why.textContent = reason;
    parts.push(why);
  }
  parts.push(headerList(headers), bodyNode);
  container.replaceChildren(...parts);
}

async function selectExchange(sequence) {
  selectedExchange = sequence;
  const detail = await json("api/backends/" + encodeURIComponent(selectedBackend) + "/exchanges/" + sequence);
  document.getElementById("exchange").hidden = false;
  document.getElementById("exchange-sequence").textContent = detail.sequence;
  document.getElementById("replayed").hidden = true;
  const original = document.querySelector("#original .answer");
  const request = document.createElement("div");
  const line = document.createElement("div");
  line.className = "request-line";
  line.textContent = detail.method + " " + detail.target;
  request.append(line, headerList(detail.requestHeaders), bodyBlock(detail.requestBody, "request"));
  const answer = document.createElement("div");
  drawAnswer(answer, detail.status, detail.reason, detail.responseHeaders, bodyBlock(detail.responseBody, "response"));
  original.replaceChildren(request, answer);
  const button = document.getElementById("replay");
  button.disabled = !detail.replayable;
  document.getElementById("replay-note").textContent = detail.replayable ? ""
    : "the request body was not kept whole, so it cannot be sent again";
  drawExchanges().catch(handle);
}

async function readSome(response) {
  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  while (length < MAX_SHOWN_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    chunks.push(value);
    length += value.length;
  }
  await reader.cancel();
  const bytes = new Uint8Array(Math.min(length, MAX_SHOWN_BODY_BYTES));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, Math.min(chunk.length, bytes.length - offset));
    bytes.set(part, offset);
    offset += part.length;
  }
  return new TextDecoder().decode(bytes) + (length > bytes.length ? "\n… (more not shown)" : "");
}

async function replay() {
  const container = document.querySelector("#replayed .answer");
  document.getElementById("replayed").hidden = false;
  container.textContent = "sending…";
  try {
    const response = await api("api/backends/" + encodeURIComponent(selectedBackend) + "/exchanges/"
      + selectedExchange + "/replay", { method: "POST", headers: { "X-Requested-By": "inverting-proxy-dashboard" } });
    const headers = [];
    for (const [name, value] of response.headers) {
      const match = REPLAYED_HEADER.exec(name);
      if (match) {
        const colon = value.indexOf(":");
        headers.push({ n: Number(match[1]), name: value.slice(0, colon), value: value.slice(colon + 1).trim() });
      }
    }
    headers.sort((a, b) => a.n - b.n);
    const body = document.createElement("pre");
    body.className = "body";
    body.textContent = await readSome(response);
    drawAnswer(container, response.status, "", headers, body);
  } catch (e) {
    if (e instanceof Unauthorized) {
      askForToken(e.message);
      return;
    }
    drawAnswer(container, 0, "the answer broke off: " + e.message, [], document.createElement("pre"));
  }
  drawExchanges().catch(handle);
}

async function refresh() {
  try {
    drawOverview(await json("api/overview"));
    document.getElementById("login").hidden = true;
    document.getElementById("overview").hidden = false;
    await drawExchanges();
    showProblem("");
  } catch (e) {
    handle(e instanceof Unauthorized ? e : new Error("cannot reach the proxy: " + e.message));
  }
}

document.getElementById("login").addEventListener("submit", (event) => {
  event.preventDefault();
  const field = document.getElementById("token");
  token = field.value;
  field.value = "";
  refresh();
  clearInterval(refreshing);
  refreshing = setInterval(refresh, REFRESH_MILLIS);
});
document.getElementById("replay").addEventListener("click", () => replay().catch(handle));
