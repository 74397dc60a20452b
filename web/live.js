// The live pages of an event (/events/{id}/live, the room's screen; /events/{id}/play,
// a fan's phone): both arrive drawn by the server; this follows the event's stream
// (server-sent events; the browser reconnects by itself and says the last change it
// saw) and redraws them as the state changes. On a phone, answers go by fetch instead
// of a page load. Loaded only by these two pages.
const app = document.getElementById("live-app");
const EVENT = Number(app.dataset.event);
const MODE = app.dataset.mode;
const TEXT = JSON.parse(app.dataset.text);
const LANG = document.documentElement.lang || "zh-CN";
const say = (key, vars = {}) => (TEXT[key] ?? key).replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));

let state = JSON.parse(app.dataset.state);
/** The server's clock minus this device's, for countdowns. */
let offset = state.now_ms - Date.now();
const mine = document.getElementById("live-me");
const me = { checkedIn: mine?.dataset.checkedIn === "true", answers: new Map(), score: 0, place: null };
if (mine?.dataset.answered && state.current) me.answers.set(state.current.id, Number(mine.dataset.answered));

/** An element with text or children (never HTML from data: names and questions are text). */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function renderCurrent() {
  const box = document.getElementById("live-current");
  const item = state.current;
  if (!item) return box.replaceChildren(el("p", "hint", say("waiting")));
  const total = Math.max(1, item.answers);
  const options = el(
    "ol",
    "live-options",
    ...item.options.map((option, i) => {
      const line = el("li", item.correct === i ? "right" : "", el("span", "", option));
      if (item.counts.length) line.append(el("span", "live-count", ` ${item.counts[i]} · ${Math.floor((item.counts[i] * 100) / total)}%`));
      return line;
    }),
  );
  const parts = [el("h2", "live-question", item.question), options, el("p", "hint", say("answers", { count: item.answers }))];
  if (item.status === "open" && item.closes_at_ms) {
    const clock = el("p", "live-countdown", "");
    clock.id = "live-countdown";
    parts.push(clock);
  }
  if (item.status === "closed" && item.correct !== null && item.correct !== undefined) parts.push(el("p", "success", say("correct", { option: item.options[item.correct] })));
  box.replaceChildren(...parts);
  tick();
}

function tick() {
  const clock = document.getElementById("live-countdown");
  const closes = state.current?.closes_at_ms;
  if (!clock || !closes) return;
  const left = Math.ceil((closes - (Date.now() + offset)) / 1000);
  clock.textContent = left > 0 ? say("seconds_left", { seconds: left }) : say("time_up");
}
setInterval(tick, 250);

function renderBoard() {
  const list = app.querySelector('[data-testid="live-leaderboard"]');
  list?.replaceChildren(...state.leaderboard.map((s) => el("li", "", `${s.name} · ${say("score", { score: s.score })}`)));
}

function renderDraw() {
  const box = document.getElementById("live-draw");
  const draw = state.draws[0];
  if (!draw) return box.replaceChildren();
  const seed = el("p", "hint", say("seed", { seed: draw.seed, eligible: draw.eligible }));
  seed.dataset.testid = "live-seed";
  box.replaceChildren(el("h2", "", say("draws")), el("p", "live-winner", say("winner", { winner: draw.winner })), seed);
}

function renderWall() {
  const list = document.querySelector("#live-wall ul");
  if (!list) return;
  if (!state.questions.length) return list.replaceChildren(el("li", "hint", say("wall_empty")));
  list.replaceChildren(...state.questions.map((q) => el("li", q.answered ? "answered" : "", `${q.body} · ${say("votes", { count: q.votes })}`)));
}

/** The phone's part: the open item's options, or the fan's answer, and their score. */
function renderMine() {
  if (!mine) return;
  const item = state.current?.status === "open" ? state.current : null;
  const parts = [];
  if (item && me.answers.has(item.id)) {
    const done = el("p", "success", say("answered", { option: item.options[me.answers.get(item.id)] }));
    done.dataset.testid = "live-answered";
    parts.push(done);
  } else if (item && me.checkedIn) {
    const choices = el("div", "live-choices");
    choices.dataset.testid = "live-choices";
    item.options.forEach((option, i) => {
      const button = el("button", "button-big", option);
      button.type = "button";
      button.addEventListener("click", () => answer(item.id, i, button));
      choices.append(button);
    });
    parts.push(choices, el("p", "field-error", ""));
  } else {
    parts.push(el("p", "hint", state.current?.status === "closed" ? say("closed") : say("phone_waiting")));
  }
  const score = el("p", "hint", me.place && me.score > 0 ? say("my_score", { score: me.score, place: me.place }) : say("no_score"));
  score.dataset.testid = "live-my-score";
  parts.push(score);
  mine.replaceChildren(...parts);
}

/** The message of a server function's error in this page's language. */
function errorText(body) {
  let found = null;
  const visit = (value) => {
    if (found || !value || typeof value !== "object") return;
    if (typeof value.zh === "string" && typeof value.en === "string") found = LANG.startsWith("zh") ? value.zh : value.en;
    else Object.values(value).forEach(visit);
  };
  visit(body);
  return found ?? "";
}

async function post(endpoint, fields) {
  const response = await fetch(`/api/${endpoint}`, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(errorText(body) || String(response.status));
  return body;
}

async function answer(item, choice, button) {
  button.closest(".live-choices")?.querySelectorAll("button").forEach((b) => (b.disabled = true));
  try {
    me.answers.set(item, await post("answer_live", { item, choice }));
  } catch (error) {
    mine.querySelector(".field-error").textContent = error.message;
    button.closest(".live-choices")?.querySelectorAll("button").forEach((b) => (b.disabled = false));
    return;
  }
  renderMine();
}

/** The fan's own part afresh (their answer, score and place): when the item changes. */
async function refreshMine() {
  try {
    const view = await post("live_phone", { event: EVENT });
    me.checkedIn = view.me.checked_in;
    me.score = view.me.score;
    me.place = view.me.place;
    if (view.state.current && view.me.answered !== null) me.answers.set(view.state.current.id, view.me.answered);
  } catch (error) {
    console.warn("live: my part", error);
  }
  renderMine();
}

function render() {
  document.getElementById("live-status").textContent = say("checked_in", { count: state.checked_in });
  renderCurrent();
  renderBoard();
  renderDraw();
  renderWall();
  renderMine();
}

// Without a script the phone's answers are forms; with it, buttons (no page load).
if (mine) refreshMine();
render();

// The room's screen shows its key as the cookie its link left (sent under /events/{id}/live only).
const source = new EventSource(`/events/${EVENT}/live/stream`);
source.addEventListener("message", (message) => {
  const before = state.current ? `${state.current.id}:${state.current.status}` : "";
  state = JSON.parse(message.data);
  offset = state.now_ms - Date.now();
  render();
  const after = state.current ? `${state.current.id}:${state.current.status}` : "";
  // Every phone hears the change at once: their own part is asked for spread over two
  // seconds, not in one burst.
  if (mine && before !== after) setTimeout(refreshMine, Math.random() * 2000);
  app.dataset.version = String(state.version);
});
source.addEventListener("error", () => {
  document.getElementById("live-status").textContent = say("offline");
});
app.dataset.ready = "true";
