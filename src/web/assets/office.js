// The community office's dashboard: the plan by site as plots drawn by the server,
// completion by community and building (coloured), the printable sweep list of a
// building, the recall list, the teams' progress, roster upload with every bad row, and
// the plan / publish / close-a-lane actions. The session token stays in this tab only.
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

/** A colour from red (nobody yet) to green (everyone), for a share in 0..1. */
function shade(share) {
  return `hsl(${Math.round(120 * share)}, 70%, 85%)`;
}

async function loadPlots(slots) {
  const sites = [...new Set((slots ?? []).map((s) => s.site))];
  const select = document.getElementById("lane-site");
  select.innerHTML = sites.map((s) => `<option>${esc(s)}</option>`).join("");
  const plots = document.getElementById("plots");
  plots.innerHTML = "";
  for (const site of sites) {
    const response = await fetch(`/api/v1/office/rounds/${dateValue()}/sites/${encodeURIComponent(site)}/slots.svg`, {
      headers: { Authorization: "Bearer " + session.token() },
    });
    if (!response.ok) continue;
    const figure = document.createElement("figure");
    figure.className = "plot";
    figure.innerHTML = await response.text();
    plots.appendChild(figure);
  }
}

async function loadCompletion() {
  const completion = await get(`/office/completion?date=${dateValue()}`);
  const table = document.getElementById("completion");
  if (!completion) { table.innerHTML = ""; return; }
  const pct = (c) => (c.expected ? c.sampled / c.expected : 0);
  document.getElementById("completion-total").textContent =
    `${completion.sampled} / ${completion.expected} (${Math.round(100 * pct(completion))}%)`;
  const head = `<tr><th>${esc(t("community"))}</th><th>${esc(t("building"))}</th><th>${esc(t("sampled"))}</th>` +
    `<th>${esc(t("expected"))}</th><th>${esc(t("recalled"))}</th><th>${esc(t("not_home"))}</th><th>${esc(t("refused"))}</th></tr>`;
  const rows = completion.parts.flatMap((community) => community.parts.map((b) =>
    `<tr class="building" data-building="${esc(b.name)}">` +
    `<td>${esc(community.name)}</td><td><button type="button" class="plain" data-building="${esc(b.name)}">${esc(b.name)}</button></td>` +
    `<td data-share="${pct(b).toFixed(3)}">${b.sampled} (${Math.round(100 * pct(b))}%)</td>` +
    `<td>${b.expected}</td><td>${b.recalled}</td><td>${b.not_home}</td><td>${b.refused}</td></tr>`));
  table.innerHTML = head + rows.join("");
  // Colours set from script, not inline styles: the page's policy allows only its own CSS.
  table.querySelectorAll("td[data-share]").forEach((td) => { td.style.background = shade(Number(td.dataset.share)); });
}

async function loadSweep(building) {
  document.getElementById("sweep-building").textContent = building ?? "";
  const table = document.getElementById("sweep");
  if (!building) { table.innerHTML = ""; return; }
  const list = await get(`/office/sweep-list?date=${dateValue()}&building=${encodeURIComponent(building)}`) ?? [];
  table.innerHTML = `<tr><th>${esc(t("unit"))}</th><th>${esc(t("floor"))}</th><th>${esc(t("room"))}</th>` +
    `<th>${esc(t("name"))}</th><th>${esc(t("standing"))}</th><th>✓</th></tr>` +
    list.map((e) => `<tr><td>${esc(e.unit)}</td><td>${esc(e.floor)}</td><td>${esc(e.room)}</td>` +
      `<td>${esc(e.name)} <span class="muted">${esc(e.resident)}</span></td><td>${esc(t(e.standing))}</td><td>☐</td></tr>`).join("");
}

async function loadRecalls() {
  const recalls = await get(`/office/recalls?date=${dateValue()}`) ?? [];
  document.getElementById("recalls").innerHTML = recalls.length === 0 ? "" :
    `<tr><th>${esc(t("building"))}</th><th>${esc(t("unit"))}</th><th>${esc(t("floor"))}</th><th>${esc(t("room"))}</th><th>${esc(t("name"))}</th><th></th></tr>` +
    recalls.map((r) => `<tr><td>${esc(r.building)}</td><td>${esc(r.unit)}</td><td>${esc(r.floor)}</td><td>${esc(r.room)}</td>` +
      `<td>${esc(r.name)}</td><td>${esc(r.home_visit ? t("home_visit") : t("at_site"))}</td></tr>`).join("");
}

async function loadTeams() {
  const routes = await get(`/office/rounds/${dateValue()}/routes`) ?? [];
  document.getElementById("teams").innerHTML =
    `<tr><th>${esc(t("team_code"))}</th><th>${esc(t("stops_done"))}</th><th>${esc(t("stops_left"))}</th></tr>` +
    routes.map((r) => {
      const done = r.stops.filter((s) => s.outcome && s.outcome !== "not_home").length;
      return `<tr><td>${esc(r.team)}</td><td>${done}</td><td>${r.stops.length - done}</td></tr>`;
    }).join("");
}

/** Logins locked after repeated failures, from the audit record (newest first). */
async function loadLocked() {
  const trail = await get("/office/audit") ?? [];
  const locked = trail.filter((e) => e.action === "login locked");
  document.getElementById("locked").innerHTML = locked.length === 0 ? `<tr><td>${esc(t("none_locked"))}</td></tr>` :
    `<tr><th>${esc(t("locked_who"))}</th><th>${esc(t("locked_at"))}</th></tr>` +
    locked.map((e) => `<tr><td>${esc(e.subject.replace(/ until .*/, ""))}</td><td>${esc(new Date(e.at + "Z").toLocaleString())}</td></tr>`).join("");
}

async function load() {
  if (!session.token()) return;
  const slots = await get(`/office/rounds/${dateValue()}/slots`);
  await Promise.all([loadPlots(slots), loadCompletion(), loadRecalls(), loadTeams(), loadLocked()]);
}

function render() {
  const token = session.token();
  document.getElementById("login").classList.toggle("hidden", !!token);
  document.getElementById("logout").classList.toggle("hidden", !token);
  document.getElementById("desk").classList.toggle("hidden", !token);
}

async function act(path, body) {
  const message = document.getElementById("action-message");
  message.textContent = "…";
  const { status, body: answer } = await api("POST", path, { request_id: requestId(), ...body }, session.token());
  message.textContent = status === 200 ? t("done") : (answer?.message ?? String(status));
  message.className = status === 200 ? "ok" : "error";
  await load();
}

document.getElementById("plan").addEventListener("click", () => act(`/office/rounds/${dateValue()}/plan`, {}));
document.getElementById("publish").addEventListener("click", () => act(`/office/rounds/${dateValue()}/publish`, {}));
document.getElementById("close-lanes").addEventListener("click", () => {
  const site = document.getElementById("lane-site").value;
  const closed = Number(document.getElementById("lanes-closed").value);
  act(`/office/rounds/${dateValue()}/sites/${encodeURIComponent(site)}/lanes`, { closed });
});
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
  const response = await fetch("/api/v1/office/roster", {
    method: "POST", body: form, headers: { Authorization: "Bearer " + session.token() },
  });
  const body = await response.json().catch(() => null);
  if (response.status === 200) {
    message.className = "ok";
    message.textContent = `${t("imported")}: ${body.buildings} / ${body.residents} / ${body.sites} / ${body.teams}`;
    await load();
  } else {
    message.className = "error";
    message.textContent = body?.message ?? String(response.status);
    if (body?.errors) {
      errors.innerHTML = `<tr><th>${esc(t("file"))}</th><th>${esc(t("line"))}</th><th>${esc(t("column"))}</th><th>${esc(t("reason"))}</th></tr>` +
        body.errors.map((e) => `<tr><td>${esc(e.file)}</td><td>${esc(e.line)}</td><td>${esc(e.column ?? "")}</td><td>${esc(e.reason)}</td></tr>`).join("");
    }
  }
});

document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const { status, body } = await api("POST", "/sessions", { login: form.get("login").trim(), password: form.get("password") });
    if (status !== 201) { document.getElementById("login-message").textContent = t("wrong_password"); return; }
    session.save(body.token);
    event.target.reset();
  } catch (_) {
    document.getElementById("login-message").textContent = t("network");
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
