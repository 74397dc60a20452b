// The door on a phone (/doors/{event}): scans tickets with the camera, decides each
// one at once from the ticket list kept on the phone, and sends every scan to the
// server, which has the last word (the first check-in of a ticket wins). Works without
// a network: scans wait in IndexedDB, the page itself is kept by the service worker,
// and both survive the browser being closed. Loaded only by the door page.
import { keepOffline } from "/door/offline.js";

const app = document.getElementById("door-app");
const EVENT = Number(app.dataset.event);
const TIMEZONE = app.dataset.timezone;
const TEXT = JSON.parse(app.dataset.text);
const LANG = document.documentElement.lang || "zh-CN";
/** Scans a door sends at once (the server takes at most 400). */
const PER_SYNC = 400;
/** A code still in view is not scanned again; gone this long, it is. */
const SAME_CODE_MS = 2000;
const REFRESH_MS = 20000;
/** How long after check-in closes a door may still send (the server's LATE_SYNC). */
const LATE_SYNC_S = 6 * 3600;
/** A ticket code's letters (no 0/O, 1/I), as `meetups::tickets` makes them. */
const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const SYNC_TIMEOUT_MS = 8000;
/** Online, a scan waits this long for the server's verdict before showing the phone's. */
const VERDICT_WAIT_MS = 2500;

const $ = (selector) => app.querySelector(selector);
const say = (key, vars = {}) => (TEXT[key] ?? key).replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
const now = () => Math.floor(Date.now() / 1000);
const clock = (at) => new Intl.DateTimeFormat(LANG, { timeZone: TIMEZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(at * 1000));

// ---- Storage: the ticket list and the scans, per event, in IndexedDB ----

const store = await new Promise((resolve, reject) => {
  const open = indexedDB.open("tongcheng-door", 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore("manifests", { keyPath: "event_id" });
    open.result.createObjectStore("scans", { keyPath: "scan_id" }).createIndex("event", "event");
  };
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
});

function request(name, mode, work) {
  return new Promise((resolve, reject) => {
    const tx = store.transaction(name, mode);
    const asked = work(tx.objectStore(name));
    tx.oncomplete = () => resolve(asked?.result);
    tx.onerror = () => reject(tx.error);
  });
}
const saveScan = (scan) => request("scans", "readwrite", (s) => s.put(scan));
const saveManifest = (m) => request("manifests", "readwrite", (s) => s.put(m));

let manifest = await request("manifests", "readonly", (s) => s.get(EVENT));
const scans = (await request("scans", "readonly", (s) => s.index("event").getAll(EVENT))) ?? [];
scans.sort((a, b) => a.scanned_at - b.scanned_at);
let byKey = new Map();
let signedOut = false;
/** Why the server refuses this phone's scans ("not_allowed", "refused_batch"), if it does. */
let blocked = null;
let online = navigator.onLine;
// Lists arrive from refreshes and syncs in flight at once: only a newer one is taken.
let listsAsked = 0;
let listTaken = 0;

function useManifest(fresh) {
  manifest = fresh;
  byKey = new Map(fresh.tickets.map((t) => [t.key, t]));
}
if (manifest) useManifest(manifest);

async function takeManifest(fresh, asked) {
  if (asked <= listTaken) return;
  listTaken = asked;
  useManifest(fresh);
  await saveManifest(fresh);
}

/** Forgets other events' lists and scans once their doors have closed and all is sent. */
async function forgetClosedDoors() {
  for (const old of (await request("manifests", "readonly", (s) => s.getAll())) ?? []) {
    if (old.event_id === EVENT || now() < old.closes_at + LATE_SYNC_S) continue;
    const theirs = (await request("scans", "readonly", (s) => s.index("event").getAll(old.event_id))) ?? [];
    if (theirs.some((scan) => !scan.verdict)) continue;
    await forgetEvent(old.event_id, theirs);
  }
}

async function forgetEvent(event, theirs) {
  await request("scans", "readwrite", (s) => theirs.forEach((scan) => s.delete(scan.scan_id)));
  await request("manifests", "readwrite", (s) => s.delete(event));
}

// ---- Deciding a scan on the phone ----

/** A code in its stored form ("K7QX-M2PA-9HVD"), or null: the server's `normalize_code`. */
function normalizeCode(raw) {
  const bare = raw.replace(/[\s-]/g, "").toUpperCase();
  if (bare.length !== 12 || [...bare].some((c) => !ALPHABET.includes(c))) return null;
  return `${bare.slice(0, 4)}-${bare.slice(4, 8)}-${bare.slice(8)}`;
}

/** The ticket in a scanned or typed text: a ticket QR code's check-in link, or a code.
 * Anything else is no ticket and is neither kept nor sent. */
function readTicket(text) {
  const raw = text.trim();
  let [code, event] = [raw, null];
  if (/^https?:\/\//i.test(raw)) {
    try {
      const url = new URL(raw);
      if (!url.pathname.endsWith("/staff/check-in")) return null;
      code = url.searchParams.get("code") ?? "";
      const named = Number(url.searchParams.get("event"));
      event = Number.isInteger(named) && named > 0 ? named : null;
    } catch {
      return null;
    }
  }
  const normal = normalizeCode(code);
  return normal ? { code: normal, event } : null;
}

async function ticketKey(code) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${EVENT}:${code}`));
  return Array.from(new Uint8Array(digest).slice(0, 10), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Who got in at this phone and is not yet confirmed by the server. */
function inHereOnly() {
  const inside = new Map();
  for (const s of scans) if (!s.verdict && s.local.outcome === "checked_in") inside.set(s.key, s);
  return inside;
}

/** This phone's check-in of `key`, sent or not (a list older than it may not show it). */
function inHere(key) {
  return scans.find((s) => s.key === key && (s.verdict?.outcome ?? s.local.outcome) === "checked_in");
}

/** The same rule as the server's (`door_repo::admit`), on the phone's copy of the list. */
function decide(ticket, key, event, at) {
  if (event !== null && event !== EVENT) return { outcome: "other_event", message: say("other_event") };
  const known = byKey.get(key);
  if (!known) return { outcome: "unknown", message: say("unknown") };
  if (known.status !== "confirmed") return { outcome: "not_confirmed", message: say("not_confirmed") };
  if (at < manifest.opens_at) return { outcome: "not_yet", message: say("not_yet") };
  if (at > manifest.closes_at) return { outcome: "over", message: say("over") };
  const earlier = known.checked_in ? { at: known.checked_in[0], door: known.checked_in[1] } : inHere(key);
  if (earlier) {
    return { outcome: "duplicate", name: known.name, message: say("already_at_door", { name: known.name, when: clock(earlier.scanned_at ?? earlier.at), door: earlier.door ?? "" }) };
  }
  return { outcome: "checked_in", name: known.name, message: say("welcome", { name: known.name }) };
}

// ---- Showing results ----

const result = $("#door-result");
const log = document.createElement("ol");
log.className = "plain-list door-log";
log.dataset.testid = "door-log";
result.after(log);
let audio = null;

function beep(ok) {
  try {
    audio ??= new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = ok ? 880 : 220;
    gain.gain.value = 0.2;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + (ok ? 0.12 : 0.35));
  } catch {
    // No sound where the browser allows none.
  }
  navigator.vibrate?.(ok ? 80 : [120, 60, 120]);
}

function show(scan, verdict, decidedHere, started) {
  const ok = verdict.outcome === "checked_in";
  result.hidden = false;
  result.className = `door-result ${ok ? "door-ok" : "door-refused"}`;
  result.dataset.outcome = verdict.outcome;
  result.replaceChildren();
  const head = document.createElement("strong");
  head.textContent = `${ok ? "✓" : "✗"} ${say(ok ? "ok" : "refused")}`;
  const message = document.createElement("p");
  message.textContent = verdict.message;
  result.append(head, message);
  if (decidedHere) {
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent = say("decided_here");
    result.append(note);
  }
  const ms = Math.round(performance.now() - started);
  result.dataset.ms = String(ms);
  (window.doorTimings ??= []).push({ ms, offline: decidedHere });
  const line = document.createElement("li");
  line.dataset.outcome = verdict.outcome;
  line.dataset.scan = scan.scan_id;
  line.textContent = `${clock(scan.scanned_at)} ${ok ? "✓" : "✗"} ${verdict.message}`;
  log.prepend(line);
  while (log.children.length > 50) log.lastChild.remove();
  beep(ok);
}

function renderStatus() {
  const waiting = scans.filter((s) => !s.verdict).length;
  let text;
  if (blocked) text = say(blocked);
  else if (!manifest) text = online ? say("loading") : say("no_manifest");
  else if (signedOut) text = say("signed_out");
  else if (!online) text = say("offline", { waiting });
  else if (waiting) text = say("online_waiting", { waiting });
  else text = say("online", { tickets: manifest.tickets.length });
  const status = $("#door-status");
  status.textContent = text;
  status.dataset.waiting = String(waiting);
  status.classList.toggle("door-offline", !online || signedOut || !!blocked);
}

function renderBoard() {
  if (!manifest) return;
  const pending = [...inHereOnly().values()];
  const board = $("#door-board");
  const count = board.querySelector('[data-testid="door-count"]');
  if (count) count.textContent = say("count", { checked_in: manifest.board.checked_in + pending.length, expected: manifest.board.expected });
  const recent = pending
    .map((s) => ({ name: byKey.get(s.key)?.name ?? "", at: s.scanned_at, door: s.door }))
    .concat(manifest.board.recent)
    .sort((a, b) => b.at - a.at)
    .slice(0, 10);
  let list = board.querySelector('[data-testid="door-recent"]');
  if (!list && recent.length) {
    list = document.createElement("ul");
    list.className = "plain-list";
    list.dataset.testid = "door-recent";
    board.querySelector(".door-board .hint")?.remove();
    board.querySelector(".door-board")?.append(list);
  }
  list?.replaceChildren(
    ...recent.map((r) => {
      const item = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = r.name;
      item.append(name, ` · ${clock(r.at)}${r.door ? ` · ${say("at_door", { door: r.door })}` : ""}`);
      return item;
    }),
  );
}

/** Scans this phone let in offline that the server then refused (another door was first). */
function renderRefused() {
  const refused = scans.filter((s) => s.verdict && s.local.outcome === "checked_in" && s.verdict.outcome !== "checked_in");
  const section = $("#door-refused");
  section.hidden = refused.length === 0;
  section.querySelector("ul").replaceChildren(
    ...refused.map((s) => {
      const item = document.createElement("li");
      item.textContent = s.verdict.message;
      return item;
    }),
  );
}

function render() {
  renderStatus();
  renderBoard();
  renderRefused();
}

// ---- Talking to the server ----

async function call(endpoint, fields) {
  const response = await fetch(`/api/${endpoint}`, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    credentials: "same-origin",
    signal: AbortSignal.timeout(SYNC_TIMEOUT_MS),
  });
  if (response.status === 401) {
    signedOut = true;
    throw new Error("signed out");
  }
  // Refused, not unreachable: said on the page (and tried again later, in case the
  // role comes back), never taken for being offline.
  if (response.status === 403 || response.status === 404) blocked = "not_allowed";
  else if (response.status >= 400 && response.status < 500 && response.status !== 429) blocked = "refused_batch";
  if (!response.ok) throw new Error(`${endpoint}: ${response.status}`);
  signedOut = false;
  blocked = null;
  return response.json();
}

async function refreshManifest() {
  const asked = ++listsAsked;
  try {
    await takeManifest(await call("door_manifest", { event: EVENT }), asked);
  } catch (error) {
    // No longer this user's door: nothing of it stays on the phone but unsent scans.
    if (blocked === "not_allowed" && scans.every((s) => s.verdict)) {
      await forgetEvent(EVENT, scans.splice(0));
      manifest = null;
      byKey = new Map();
    }
    throw error;
  }
}

let syncing = null;
/** Sends every waiting scan, a door and at most PER_SYNC at a time; one sync at once. */
function sync() {
  // Cleared in `finally` (a later microtask), never before it was set.
  syncing ??= sendWaiting().finally(() => {
    syncing = null;
    render();
  });
  return syncing;
}

async function sendWaiting() {
  try {
    for (;;) {
      const waiting = scans.filter((s) => !s.verdict);
      if (!waiting.length) break;
      const door = waiting[0].door;
      const batch = waiting.filter((s) => s.door === door).slice(0, PER_SYNC);
      const asked = ++listsAsked;
      const answer = await call("sync_door", {
        event: EVENT,
        door,
        scans: JSON.stringify(batch.map((s) => ({ scan_id: s.scan_id, code: s.code, scanned_at: s.scanned_at }))),
      });
      for (const verdict of answer.verdicts) {
        const scan = batch.find((s) => s.scan_id === verdict.scan_id);
        if (!scan) continue;
        scan.verdict = verdict;
        // Decided: the code itself need not stay on the phone (a lost phone lets nobody in).
        scan.code = "";
        await saveScan(scan);
      }
      await takeManifest(answer.manifest, asked);
    }
    online = true;
  } catch (error) {
    online = navigator.onLine && (signedOut || !!blocked);
    console.warn("door sync", error);
  }
}

const waitAtMost = (ms, promise) => Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);

/** One scanned or typed ticket: kept on the phone first, then sent. */
async function handle(text, started, typed = false) {
  const ticket = readTicket(text);
  if (!ticket) {
    show({ scan_id: "", scanned_at: now() }, { outcome: "unknown", message: say(typed ? "unknown" : "not_a_ticket") }, false, started);
    return;
  }
  const key = await ticketKey(ticket.code);
  const scan = { scan_id: crypto.randomUUID(), event: EVENT, door: doorName(), code: ticket.code, key, scanned_at: now(), verdict: null };
  scan.local = decide(ticket.code, key, ticket.event, scan.scanned_at);
  scans.push(scan);
  await saveScan(scan);
  if (online && !signedOut) await waitAtMost(VERDICT_WAIT_MS, sync());
  show(scan, scan.verdict ?? scan.local, !scan.verdict, started);
  render();
}

// ---- The door's name ----

const nameField = $("#door-name");
nameField.value = localStorage.getItem(`door-name-${EVENT}`) ?? nameField.value;
nameField.addEventListener("change", () => {
  const name = nameField.value.trim();
  if (name) localStorage.setItem(`door-name-${EVENT}`, name);
});
/** The name as the server takes it: no control characters, at most 40 characters. */
const doorName = () => [...nameField.value.replace(/[\u0000-\u001f\u007f]/g, "").trim()].slice(0, 40).join("") || "A";

// ---- The typed code goes the same way (and works offline) ----

const form = app.querySelector(".check-in form");
form?.addEventListener(
  "submit",
  (event) => {
    event.preventDefault();
    event.stopImmediatePropagation();
    const field = form.querySelector('input[name="code"]');
    // Without a ticket list nothing can be decided here: the code stays in the field.
    if (!manifest) return renderStatus();
    const code = field.value;
    field.value = "";
    field.focus();
    if (code.trim()) handle(code, performance.now(), true);
  },
  true,
);

// ---- The camera ----

const video = $("#door-video");
const cameraButton = $("#door-camera");
const cameraNote = $("#door-camera-note");
let stream = null;
let reader = null;

/** A function reading a QR code's text from the video, or null when this browser can't. */
async function makeReader() {
  if ("BarcodeDetector" in window) {
    try {
      if ((await BarcodeDetector.getSupportedFormats()).includes("qr_code")) {
        const detector = new BarcodeDetector({ formats: ["qr_code"] });
        return async () => (await detector.detect(video))[0]?.rawValue ?? null;
      }
    } catch {
      // Fall through to the WebAssembly reader.
    }
  }
  try {
    const { instance } = await WebAssembly.instantiateStreaming(fetch(app.dataset.decoder), {});
    const { memory, frame_buffer: frameBuffer, read_frame: readFrame, text_ptr: textPtr } = instance.exports;
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return async () => {
      const scale = Math.min(1, 640 / (video.videoWidth || 1));
      const [width, height] = [Math.round(video.videoWidth * scale), Math.round(video.videoHeight * scale)];
      if (!width || !height) return null;
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      const pixels = context.getImageData(0, 0, width, height).data;
      new Uint8Array(memory.buffer, frameBuffer(width, height), pixels.length).set(pixels);
      const length = readFrame(width, height);
      return length ? new TextDecoder().decode(new Uint8Array(memory.buffer, textPtr(), length)) : null;
    };
  } catch (error) {
    console.warn("no QR reader", error);
    return null;
  }
}

async function scanLoop() {
  let last = { text: "", seen: 0 };
  while (stream) {
    const started = performance.now();
    let text = null;
    try {
      text = await reader();
    } catch {
      text = null;
    }
    if (text && manifest && (text !== last.text || started - last.seen > SAME_CODE_MS)) {
      last = { text, seen: started };
      await handle(text, started);
    } else if (text) {
      last.seen = started;
    }
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
}

async function startCamera() {
  cameraButton.disabled = true;
  try {
    reader ??= await makeReader();
    if (!reader) {
      cameraNote.textContent = say("camera_no_reader");
      return;
    }
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    cameraButton.textContent = say("camera_stop");
    cameraNote.textContent = say("camera_on");
    localStorage.setItem("door-camera", "on");
    scanLoop();
  } catch (error) {
    console.warn("camera", error);
    stopCamera();
    cameraNote.textContent = say("camera_refused");
    form?.querySelector('input[name="code"]')?.focus();
  } finally {
    cameraButton.disabled = false;
  }
}

function stopCamera() {
  stream?.getTracks().forEach((track) => track.stop());
  stream = null;
  video.hidden = true;
  video.srcObject = null;
  cameraButton.textContent = say("camera_start");
}

cameraButton.hidden = false;
cameraButton.addEventListener("click", () => {
  if (stream) {
    stopCamera();
    localStorage.removeItem("door-camera");
    cameraNote.textContent = "";
  } else {
    startCamera();
  }
});

// ---- Logging out deletes what this phone keeps (Clear-Site-Data): not unsent scans unasked ----

document.querySelectorAll('form[action$="/api/logout"]').forEach((logout) =>
  logout.addEventListener(
    "submit",
    (event) => {
      const waiting = scans.filter((s) => !s.verdict).length;
      if (waiting && !window.confirm(say("logout_waiting", { waiting }))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  ),
);

// ---- Network comings and goings ----

window.addEventListener("online", () => {
  online = true;
  sync().then(() => refreshManifest().catch(() => {})).finally(render);
});
window.addEventListener("offline", () => {
  online = false;
  render();
});
setInterval(() => {
  if (!navigator.onLine || document.hidden) return;
  sync().then(() => refreshManifest().then(() => (online = true)).catch(() => {})).finally(render);
}, REFRESH_MS);

render();
forgetClosedDoors().catch((error) => console.warn("forgetting closed doors", error));
if (navigator.onLine) {
  try {
    await refreshManifest();
    online = true;
  } catch (error) {
    online = signedOut;
    console.warn("ticket list", error);
  }
  await sync();
  keepOffline([app.dataset.decoder]);
}
render();
app.dataset.ready = "true";
