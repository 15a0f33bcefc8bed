// The community office's dashboard: the plan by site (a line each, a plot when opened),
// completion by community and building (coloured), the printable sweep list of a
// building, the recall list, the teams' progress, roster upload with its problems, and
// the plan / publish / close-a-lane actions, each confirmed first, a plan answered with its
// summary. The session token stays in this tab only.
"use strict";

const session = {
  token: () => sessionStorage.getItem("sweep.office.token"),
  save: (token) => sessionStorage.setItem("sweep.office.token", token),
  forget: () => sessionStorage.removeItem("sweep.office.token"),
};

function dateValue() {
  return document.getElementById("date").value;
}

async function get(path) {
  const { status, body } = await api("GET", path, undefined, session.token());
  if (status === 401) { session.forget(); render(); }
  return status === 200 ? body : null;
}

let slotsBySite = new Map();

/** One line per site; its plot is drawn when opened (and at the width it is shown at),
 * so that the page asks for nothing more than the slots' numbers before anyone looks. */
function renderPlots(slots) {
  slotsBySite = new Map();
  for (const slot of slots ?? []) {
    if (!slotsBySite.has(slot.site)) slotsBySite.set(slot.site, []);
    slotsBySite.get(slot.site).push(slot);
  }
  const select = document.getElementById("lane-site");
  const chosen = select.value;
  select.innerHTML = [...slotsBySite.keys()].map((s) => `<option>${esc(s)}</option>`).join("");
  if (slotsBySite.has(chosen)) select.value = chosen;
  const open = new Set([...document.querySelectorAll("details.site-plot[open]")].map((d) => d.dataset.site));
  const plots = document.getElementById("plots");
  plots.innerHTML = [...slotsBySite.entries()].map(([site, list]) => {
    const planned = list.reduce((n, s) => n + s.planned, 0);
    const capacity = list.reduce((n, s) => n + s.capacity, 0);
    const wait = Math.round(Math.max(0, ...list.map((s) => s.p90_wait_minutes)));
    return `<details class="site-plot" data-site="${esc(site)}"${open.has(site) ? " open" : ""}>` +
      `<summary>${tv("site_line", { site, planned, capacity, wait })}</summary><div class="plot-body"></div></details>`;
  }).join("") || `<p class="muted">${esc(t("round_none"))}</p>`;
  plots.querySelectorAll("details[open]").forEach(drawPlot);
}

function drawPlot(details) {
  const slots = slotsBySite.get(details.dataset.site) ?? [];
  const body = details.querySelector(".plot-body");
  const width = Math.max(280, Math.round(body.clientWidth || details.clientWidth || 320));
  body.innerHTML = `<div class="legend">` +
    `<span><i class="planned"></i>${esc(t("planned"))}</span><span><i class="capacity"></i>${esc(t("capacity"))}</span>` +
    `<span><i class="queue"></i>${esc(t("p90_queue"))}</span></div>` +
    `<figure class="plot">${slotPlot(slots, width)}</figure>`;
}

/** Bars of people planned per slot against the capacity (a line over each bar) and the
 * predicted p90 queue; below, the predicted p90 wait. Text is 13 px at the size shown. */
function slotPlot(slots, width) {
  const n = Math.max(slots.length, 1);
  const left = 40, right = 8, top = 8, barsHeight = 170, gap = 34, waitHeight = 90, bottom = 22;
  const plotWidth = width - left - right;
  const height = top + barsHeight + gap + waitHeight + bottom;
  const step = plotWidth / n;
  const people = Math.max(1, ...slots.map((s) => Math.max(s.planned, s.capacity, s.p90_queue)));
  const wait = Math.max(1, ...slots.map((s) => s.p90_wait_minutes));
  const y1 = (value) => top + barsHeight - (value / people) * barsHeight;
  const y2 = (value) => top + barsHeight + gap + waitHeight - (value / wait) * waitHeight;
  const x = (i) => left + i * step;
  const every = Math.max(1, Math.ceil(44 / step));
  const parts = [];
  const axis = (y0, y, label) => parts.push(
    `<line x1="${left}" y1="${y0}" x2="${left + plotWidth}" y2="${y0}" stroke="#767676"/>`,
    `<text x="${left - 4}" y="${y + 4}" text-anchor="end" font-size="13">${esc(label)}</text>`);
  axis(top + barsHeight, top + 6, Math.round(people));
  axis(top + barsHeight + gap + waitHeight, top + barsHeight + gap + 6, Math.round(wait));
  parts.push(`<text x="${left}" y="${top + barsHeight + gap - 8}" font-size="13">${esc(t("p90_wait"))}</text>`);
  slots.forEach((s, i) => {
    parts.push(`<rect x="${(x(i) + step * 0.12).toFixed(1)}" y="${y1(s.planned).toFixed(1)}" width="${(step * 0.76).toFixed(1)}" ` +
      `height="${(top + barsHeight - y1(s.planned)).toFixed(1)}" fill="#0b63b6"><title>${esc(s.from)} ${s.planned} / ${s.capacity}</title></rect>`);
    parts.push(`<line x1="${(x(i) + step * 0.05).toFixed(1)}" x2="${(x(i) + step * 0.95).toFixed(1)}" ` +
      `y1="${y1(s.capacity).toFixed(1)}" y2="${y1(s.capacity).toFixed(1)}" stroke="#1a1a1a" stroke-width="2"/>`);
    if (i % every === 0) {
      parts.push(`<text x="${x(i).toFixed(1)}" y="${height - 6}" font-size="13">${esc(s.from)}</text>`);
    }
  });
  const line = (y, value) => slots.map((s, i) => `${(x(i) + step / 2).toFixed(1)},${y(value(s)).toFixed(1)}`).join(" ");
  parts.push(`<polyline points="${line(y1, (s) => s.p90_queue)}" fill="none" stroke="#b25e00" stroke-width="2"/>`);
  parts.push(`<polyline points="${line(y2, (s) => s.p90_wait_minutes)}" fill="none" stroke="#b25e00" stroke-width="2"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${parts.join("")}</svg>`;
}

async function loadCompletion() {
  const completion = await get(`/office/completion?date=${dateValue()}`);
  const element = document.getElementById("completion");
  if (!completion) { element.innerHTML = ""; say(document.getElementById("completion-total"), ""); return; }
  const pct = (c) => (c.expected ? c.sampled / c.expected : 0);
  document.getElementById("completion-total").textContent =
    `${completion.sampled} / ${completion.expected} (${Math.round(100 * pct(completion))}%)`;
  const rows = completion.parts.flatMap((community) => community.parts.map((b) => ({ community: community.name, ...b })));
  table(element, [
    { label: t("community"), cell: (b) => v(b.community) },
    { label: t("building"), cell: (b) => `<button type="button" class="plain" data-building="${esc(b.name)}">${v(b.name)}</button>` },
    { label: t("sampled"), cell: (b) => `<span data-share="${pct(b).toFixed(3)}">${b.sampled} (${Math.round(100 * pct(b))}%)</span>` },
    { label: t("expected"), cell: (b) => String(b.expected) },
    { label: t("recalled"), cell: (b) => String(b.recalled) },
    { label: t("not_home"), cell: (b) => String(b.not_home) },
    { label: t("refused"), cell: (b) => String(b.refused) },
  ], rows, (b) => `class="building" data-building="${esc(b.name)}"`);
  // Colours set from script, not inline styles: the page's policy allows only its own CSS.
  element.querySelectorAll("[data-share]").forEach((cell) => {
    cell.parentElement.style.background = shade(Number(cell.dataset.share));
  });
}

let sweepBuilding = null;

async function loadSweep(building) {
  sweepBuilding = building ?? sweepBuilding;
  document.getElementById("sweep-building").innerHTML = v(sweepBuilding ?? "");
  const element = document.getElementById("sweep");
  if (!sweepBuilding) { element.innerHTML = ""; return; }
  const list = await get(`/office/sweep-list?date=${dateValue()}&building=${encodeURIComponent(sweepBuilding)}`) ?? [];
  table(element, [
    { label: t("unit"), cell: (e) => v(e.unit) },
    { label: t("floor"), cell: (e) => v(e.floor) },
    { label: t("room"), cell: (e) => v(e.room) },
    { label: t("name"), cell: (e) => `${v(e.name)} <span class="muted">${v(e.resident)}</span>` },
    { label: t("standing"), cell: (e) => esc(t(e.standing)) },
    { label: "", cell: () => `<span class="box" aria-hidden="true"></span>` },
  ], list);
}

async function loadRecalls() {
  const recalls = await get(`/office/recalls?date=${dateValue()}`) ?? [];
  const element = document.getElementById("recalls");
  if (recalls.length === 0) { element.innerHTML = `<tr><td>${esc(t("none"))}</td></tr>`; return; }
  table(element, [
    { label: t("building"), cell: (r) => v(r.building) },
    { label: t("unit"), cell: (r) => v(r.unit) },
    { label: t("floor"), cell: (r) => v(r.floor) },
    { label: t("room"), cell: (r) => v(r.room) },
    { label: t("name"), cell: (r) => v(r.name) },
    { label: t("at_site"), cell: (r) => esc(r.home_visit ? t("home_visit") : t("at_site")) },
  ], recalls);
}

/** The teams' routes hold every stop: fetched only when the list is opened. */
async function loadTeams() {
  if (!document.getElementById("teams-card").open) return;
  const routes = await get(`/office/rounds/${dateValue()}/routes`) ?? [];
  const done = (r) => r.stops.filter((s) => s.outcome && s.outcome !== "not_home").length;
  table(document.getElementById("teams"), [
    { label: t("team_code"), cell: (r) => v(r.team) },
    { label: t("stops_done"), cell: (r) => String(done(r)) },
    { label: t("stops_left"), cell: (r) => String(r.stops.length - done(r)) },
  ], routes);
}

/** The district's time zone (from the rounds' listing): times are shown on its clock. */
let districtZone;

/** A UTC time from the API (no offset) on the district's clock. */
function districtTime(utc) {
  const options = { timeZone: districtZone, dateStyle: "short", timeStyle: "short" };
  try {
    return new Date(utc + "Z").toLocaleString(lang() === "en" ? "en-GB" : "zh-CN", options);
  } catch (_) {
    return new Date(utc + "Z").toLocaleString(lang() === "en" ? "en-GB" : "zh-CN");
  }
}

/** Logins locked after repeated failures, from the audit record (newest first). */
async function loadLocked() {
  const locked = await get(`/office/audit?action=${encodeURIComponent("login locked")}`) ?? [];
  const element = document.getElementById("locked");
  if (locked.length === 0) { element.innerHTML = `<tr><td>${esc(t("none_locked"))}</td></tr>`; return; }
  table(element, [
    { label: t("locked_who"), cell: (e) => v(e.subject.replace(/ until .*/, "")) },
    { label: t("locked_at"), cell: (e) => v(districtTime(e.at)) },
  ], locked);
}

/** The round's state on the chosen day: published, draft or none. */
let roundStatus = null;

async function loadStatus() {
  const listed = await get("/office/rounds");
  districtZone = listed?.timezone ?? districtZone;
  const round = (listed?.rounds ?? []).find((r) => r.date === dateValue());
  roundStatus = round?.status ?? null;
  const key = roundStatus === "published" ? "round_published" : roundStatus ? "round_draft" : "round_none";
  say(document.getElementById("round-status"), key, {}, roundStatus === "published" ? "ok" : "");
  // How good the plan is: its walking against the least any plan could have.
  const walking = document.getElementById("round-walking");
  if (round?.walking_km === null || round?.walking_km === undefined) {
    say(walking, "");
  } else {
    say(walking, round.gap === null ? "walking_unlike_bound" : "walking_vs_bound", {
      km: round.walking_km.toFixed(1), bound: round.bound_km.toFixed(1),
      gap: round.gap === null ? "" : (100 * round.gap).toFixed(1),
    });
  }
}

async function load() {
  if (!session.token()) return;
  const slots = await get(`/office/rounds/${dateValue()}/slots`);
  renderPlots(slots);
  await loadStatus();
  await Promise.all([loadCompletion(), loadSweep(), loadRecalls(), loadTeams(), loadLocked()]);
}

function render() {
  const token = session.token();
  document.getElementById("login").classList.toggle("hidden", !!token);
  document.getElementById("logout").classList.toggle("hidden", !token);
  document.getElementById("desk").classList.toggle("hidden", !token);
}

/** A change to the round, made only once the person confirms what it does; its answer is
 * said in the reader's language (a plan's answer as its summary). */
async function act(path, body, confirmation, done) {
  if (!window.confirm(t(...confirmation))) return;
  const message = document.getElementById("action-message");
  say(message, "working");
  document.getElementById("summary").innerHTML = "";
  const buttons = document.querySelectorAll("#actions button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const answer = await api("POST", path, { request_id: requestId(), ...body }, session.token());
    if (answer.status === 200) done(answer.body); else say(message, ...refusal(answer), "error");
  } catch (_) {
    say(message, "network", {}, "error");
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
  await load();
}

/** A plan's summary: placed, unplaced and why (the sites short of room), moved, walking;
 * the home visits planned and those no team can make, and why. */
function planned(summary) {
  const message = document.getElementById("action-message");
  const s = summary.slots, h = summary.home_visits;
  say(message, "planned_summary", {
    placed: s.placed, walkers: s.walkers, unplaced: s.unplaced, moved: s.moved,
    km: s.walking_km.toFixed(1), wait: Math.round(s.max_p90_wait_minutes),
  }, s.unplaced > 0 ? "error" : "ok");
  const lines = [
    ...(s.gap === null || s.gap === undefined ? [] : [["bound", s]]),
    ...s.shortfalls.map((f) => ["shortfall", f]),
    ...(s.split_buildings.length ? [["split", s.split_buildings]] : []),
    ["routes", h],
    ...Object.entries(h.unvisited).map(([reason, count]) => ["unvisited", { reason, count }]),
  ];
  const list = document.getElementById("summary");
  list.innerHTML = lines.map(() => "<li></li>").join("");
  lines.forEach(([kind, value], i) => {
    const item = list.children[i];
    if (kind === "bound") {
      say(item, "bound_summary", { km: value.bound_km.toFixed(1), gap: (100 * value.gap).toFixed(1) });
    } else if (kind === "split") {
      say(item, "split_summary", { count: value.length, buildings: value.join(", ") });
    } else if (kind === "shortfall") {
      say(item, value.open_until ? "shortfall_later_line" : "shortfall_line",
        { site: value.site, people: value.people, lanes: value.extra_lanes, until: value.open_until });
    } else if (kind === "routes") {
      say(item, "routes_summary", {
        planned: value.planned, to_visit: value.to_visit, teams_out: value.teams_out,
        done: value.already_done, hours: value.longest_day_hours.toFixed(1),
      });
    } else {
      say(item, "unvisited_line", { count: value.count, reason: t("reason_" + value.reason) });
    }
  });
}

document.getElementById("plan").addEventListener("click", () => act(`/office/rounds/${dateValue()}/plan`, {},
  [roundStatus === "published" ? "confirm_plan_published" : "confirm_plan", { date: dateValue() }], planned));
document.getElementById("publish").addEventListener("click", () => act(`/office/rounds/${dateValue()}/publish`, {},
  ["confirm_publish", { date: dateValue() }],
  () => say(document.getElementById("action-message"), "published_done", { date: dateValue() }, "ok")));
document.getElementById("close-lanes").addEventListener("click", () => {
  const site = document.getElementById("lane-site").value;
  const closed = Number(document.getElementById("lanes-closed").value);
  act(`/office/rounds/${dateValue()}/sites/${encodeURIComponent(site)}/lanes`, { closed },
    ["confirm_lanes", { site, closed, date: dateValue() }],
    () => say(document.getElementById("action-message"), "lanes_done", {}, "ok"));
});
document.getElementById("teams-card").addEventListener("toggle", loadTeams);
document.getElementById("plots").addEventListener("toggle", (event) => {
  if (event.target.open) drawPlot(event.target);
}, true);
document.getElementById("date").addEventListener("change", load);
document.getElementById("completion").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-building]");
  if (button) loadSweep(button.dataset.building);
});
document.getElementById("print").addEventListener("click", () => window.print());

document.getElementById("roster").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData();
  form.append("request_id", requestId());
  for (const file of document.getElementById("roster-files").files) form.append("files", file, file.name);
  const message = document.getElementById("roster-message");
  const errors = document.getElementById("roster-errors");
  errors.innerHTML = "";
  say(message, "working");
  const response = await fetch("/api/v1/office/roster", {
    method: "POST", body: form, headers: { Authorization: "Bearer " + session.token() },
  });
  const body = await response.json().catch(() => null);
  if (response.status === 200) {
    say(message, "imported", body, "ok");
    await load();
  } else if (body?.error === "invalid_roster") {
    say(message, body.problems > body.errors.length ? "roster_refused_cut" : "roster_refused",
      { rows: body.bad_rows, problems: body.problems, shown: body.errors.length }, "error");
    table(errors, [
      { label: t("file"), cell: (e) => v(e.file) },
      { label: t("line"), cell: (e) => String(e.line) },
      { label: t("column"), cell: (e) => v(e.column ?? "") },
      { label: t("reason"), cell: (e) => tv("problem_" + e.problem, e.params) },
    ], body.errors);
  } else {
    say(message, ...refusal({ status: response.status, body }), "error");
  }
});

document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const { status, body } = await api("POST", "/sessions", { login: form.get("login").trim(), password: form.get("password") });
    if (status !== 201) { say(document.getElementById("login-message"), "wrong_password", {}, "error"); return; }
    session.save(body.token);
    event.target.reset();
  } catch (_) {
    say(document.getElementById("login-message"), "network", {}, "error");
  }
  start();
});

document.getElementById("logout").addEventListener("click", () => { session.forget(); render(); });

/** Opens on the district's today (the server's clock and time zone), or on the latest
 * round when today has none. */
async function start() {
  render();
  if (!session.token()) return;
  const listed = await get("/office/rounds");
  const dates = (listed?.rounds ?? []).map((r) => r.date);
  const input = document.getElementById("date");
  if (!input.value && listed) input.value = dates.includes(listed.today) || dates.length === 0 ? listed.today : dates[dates.length - 1];
  await load();
}

languageSwitch(() => load());
start();
