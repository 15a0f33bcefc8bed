// A mobile team's page on a phone in a stairwell. Outcomes go into an outbox kept in the
// phone's storage, each with its request id made once and the team that recorded it, and
// are sent in order whenever there is a connection, with that team's login only; a retry of
// one the server already has is answered from its record, so nothing is recorded twice.
// Phones are shared between teams: another team's outcomes wait, unseen, for it to log in
// again; one the server refuses stays, marked, until a person retries or discards it. The route last fetched is kept too, so the page still shows
// the stops offline; it is fetched again every minute, so a re-plan shows its new order.
"use strict";

const store = {
  get: (key, fallback) => JSON.parse(localStorage.getItem("sweep.team." + key) ?? "null") ?? fallback,
  set: (key, value) => localStorage.setItem("sweep.team." + key, JSON.stringify(value)),
  drop: (key) => localStorage.removeItem("sweep.team." + key),
};

const OUTCOMES = ["sampled", "not_home", "refused", "moved_away", "unable"];

let sending = false;
// The tube code being typed survives a redraw (a re-plan, a sent outcome, going offline).
const draft = { resident: null, tube: "" };

/** The outbox, split: this team's outcomes to send, those the server refused (or whose
 * team is unknown), and how many wait for another team. */
function outboxOf(team) {
  const outbox = store.get("outbox", []);
  return {
    toSend: outbox.filter((o) => o.team === team && !o.refused),
    refused: outbox.filter((o) => (o.team === team && o.refused) || !o.team),
    others: outbox.filter((o) => o.team && o.team !== team).length,
  };
}

function render() {
  const token = store.get("token", null);
  document.getElementById("login").classList.toggle("hidden", !!token);
  document.getElementById("logout").classList.toggle("hidden", !token);
  document.getElementById("route").classList.toggle("hidden", !token);
  const mine = outboxOf(store.get("team", null));
  const others = document.getElementById("others");
  others.classList.toggle("hidden", mine.others === 0);
  others.textContent = `${mine.others} ${t("others_waiting")}`;
  if (!token) return;
  const route = store.get("route", { stops: [] });
  const outbox = mine.toSend;
  const queued = new Map(outbox.map((o) => [o.resident, o.outcome]));
  const outcomeOf = (stop) => queued.get(stop.resident) ?? stop.outcome;
  // Not home goes back into the pool: the stop is not done until a final outcome.
  const done = route.stops.filter((s) => { const o = outcomeOf(s); return o && o !== "not_home"; }).length;
  document.getElementById("progress").textContent =
    `${route.team ?? ""}  ${t("stops_done")} ${done} · ${t("stops_left")} ${route.stops.length - done}`;
  const box = document.getElementById("outbox");
  box.classList.toggle("hidden", outbox.length === 0);
  box.textContent = `${outbox.length} ${t("unsent")}` + (navigator.onLine ? "" : ` — ${t("offline")}`);
  document.getElementById("sketch").innerHTML = sketch(route.stops, {
    labels: route.stops.map((s) => s.seq),
    highlight: route.stops.findIndex((s) => !outcomeOf(s) || outcomeOf(s) === "not_home"),
  });
  document.getElementById("stops").innerHTML = route.stops.map((s) => stopCard(s, outcomeOf(s), queued.has(s.resident))).join("");
  const refused = document.getElementById("refused");
  refused.classList.toggle("hidden", mine.refused.length === 0);
  refused.innerHTML = mine.refused.map((o) => `<li class="card error" data-request="${esc(o.request_id)}">
    <p>${esc(o.resident)} · ${esc(t(o.outcome))} — ${esc(t("not_accepted"))}: ${esc(o.refused ? reason(o.refused) : t("whose_unknown"))}</p>
    <div class="row"><button type="button" data-retry="${esc(o.request_id)}">${esc(t("retry"))}</button>
    <button type="button" class="plain" data-discard="${esc(o.request_id)}">${esc(t("discard"))}</button></div></li>`).join("");
}

/** Why the server refused an outcome, in the reader's language where the code is known. */
function reason(refused) {
  const known = { not_on_your_route: "not_on_your_route" };
  return known[refused.error] ? t(known[refused.error]) : (refused.message ?? String(refused.status));
}

/** Changes one outbox entry (by request id), or drops it when `change` gives null. */
function amend(requestIdOf, change) {
  store.set("outbox", store.get("outbox", []).flatMap((o) => {
    if (o.request_id !== requestIdOf) return [o];
    const changed = change(o);
    return changed ? [changed] : [];
  }));
}

function stopCard(s, outcome, unsent) {
  const stairs = !s.elevator && s.floor > 1;
  const access = stairs
    ? `<span class="badge stairs">${esc(t("no_lift"))} — ${esc(s.floor)} ${esc(t("floor"))}</span>`
    : `<span class="badge lift">${esc(s.elevator ? t("lift") : "")} ${esc(s.floor)} ${esc(t("floor"))}</span>`;
  const phone = !s.phone ? "" : s.call
    ? `<p><a class="button plain" href="${esc(s.call)}">📞 ${esc(t("call"))} ${esc(s.phone)}</a></p>`
    : `<p>${esc(t("phone"))}: ${esc(s.phone)}</p>`;
  const notes = s.notes ? `<p>${esc(t("notes"))}: ${esc(s.notes)}</p>` : "";
  const window = s.available ? `<p>${esc(t("available"))}: ${esc(s.available)}</p>` : "";
  const state = outcome
    ? `<p class="${unsent ? "error" : "ok"}" data-outcome="${esc(outcome)}">${esc(t(outcome))}${unsent ? " ⏳" : " ✓"}</p>`
    : "";
  const buttons = OUTCOMES.map((o) =>
    `<button type="button" class="${o === "sampled" ? "" : "plain"}" data-resident="${esc(s.resident)}" data-action="${o}">${esc(t(o))}</button>`).join("");
  return `<li class="card" id="stop-${esc(s.resident)}">
    <p class="big">${esc(s.seq)}. ${esc(s.eta)} · ${esc(s.name)}</p>
    <p>${esc(s.address)} ${esc(s.unit)}${esc(t("unit"))} ${esc(s.room)}${esc(t("room"))}</p>
    <p>${access}</p>${window}${notes}${phone}${state}
    <div class="row no-print">${buttons}</div>
    <form class="tube row${draft.resident === s.resident ? "" : " hidden"}" data-resident="${esc(s.resident)}">
      <input name="tube" value="${draft.resident === s.resident ? esc(draft.tube) : ""}"
        placeholder="${esc(t("tube_code"))}" aria-label="${esc(t("tube_code"))}" required>
      <button type="submit">${esc(t("save"))}</button>
    </form>
  </li>`;
}

function record(resident, outcome, tube) {
  const outbox = store.get("outbox", []);
  const route = store.get("route", {});
  if (draft.resident === resident) Object.assign(draft, { resident: null, tube: "" });
  outbox.push({
    request_id: requestId(), resident, outcome, tube_code: tube ?? null, note: "", date: route.date,
    team: store.get("team", null),
  });
  store.set("outbox", outbox);
  render();
  flush();
}

/** Sends this team's outbox in order; stops at the first request that cannot reach the
 * server. A refusal (4xx) is kept, marked, for a person to retry or discard. */
async function flush() {
  const team = store.get("team", null);
  if (sending || outboxOf(team).toSend.length === 0) return;
  sending = true;
  const token = store.get("token", null);
  let sentAny = false;
  try {
    for (;;) {
      const item = outboxOf(team).toSend[0];
      if (!token || !item) break;
      const { request_id, resident, outcome, tube_code, note, date } = item;
      let answer;
      try {
        answer = await api("POST", "/team/outcomes", { request_id, resident, outcome, tube_code, note, date }, token);
      } catch (_) {
        break; // no connection: keep it and try again later
      }
      if (answer.status === 401) { logout(true); break; }
      if (answer.status >= 500) break;
      if (answer.status >= 400) {
        const { error, message } = answer.body ?? {};
        amend(request_id, (o) => ({ ...o, refused: { status: answer.status, error, message } }));
      } else {
        amend(request_id, () => null);
        sentAny = true;
      }
    }
  } finally {
    sending = false;
  }
  if (sentAny) {
    const sent = document.getElementById("sent");
    sent.textContent = t("all_sent");
    const left = outboxOf(team);
    sent.classList.toggle("hidden", left.toSend.length + left.refused.length > 0);
    await refresh();
  }
  render();
}

async function refresh() {
  const token = store.get("token", null);
  if (!token) return;
  try {
    const { status, body } = await api("GET", "/team/route", undefined, token);
    if (status === 200) store.set("route", body);
    else if (status === 401) logout(true);
  } catch (_) { /* offline: keep the route we have */ }
  render();
}

/** Logs the team out; its unsent outcomes stay on the phone for its next login. Asks first
 * when some are unsent, unless the server ended the session. */
function logout(expired) {
  const unsent = outboxOf(store.get("team", null)).toSend.length;
  if (!expired && unsent > 0 && !window.confirm(t("logout_unsent"))) return;
  ["token", "route", "team"].forEach(store.drop);
  render();
}

teamLoginForm(async () => {
  await refresh();
  flush();
});

document.getElementById("logout").addEventListener("click", () => logout(false));

document.getElementById("refused").addEventListener("click", (event) => {
  const retry = event.target.closest("button[data-retry]");
  const discard = event.target.closest("button[data-discard]");
  const team = store.get("team", null);
  if (retry) {
    // Sent again with this team's login (an outcome of unknown team becomes this team's).
    amend(retry.dataset.retry, (o) => ({ ...o, team: o.team ?? team, refused: undefined }));
    render();
    flush();
  } else if (discard && window.confirm(t("confirm_discard"))) {
    amend(discard.dataset.discard, () => null);
    render();
  }
});

document.getElementById("stops").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const { resident, action } = button.dataset;
  // A final outcome is changed only when the person means it (the server audits it as a
  // correction); "not home" is no outcome yet.
  const stop = store.get("route", { stops: [] }).stops.find((s) => s.resident === resident);
  const queued = outboxOf(store.get("team", null)).toSend.filter((o) => o.resident === resident).pop();
  const current = queued?.outcome ?? stop?.outcome;
  if (current && current !== "not_home" && current !== action && !window.confirm(t("confirm_change"))) return;
  if (action === "sampled") {
    Object.assign(draft, { resident, tube: "" });
    render();
    document.querySelector(`form.tube[data-resident="${CSS.escape(resident)}"] input`).focus();
  } else {
    record(resident, action);
  }
});

document.getElementById("stops").addEventListener("input", (event) => {
  if (event.target.closest("form.tube")) draft.tube = event.target.value;
});

document.getElementById("stops").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target.closest("form.tube");
  const tube = form.querySelector("input").value.trim();
  if (tube) record(form.dataset.resident, "sampled", tube);
});

window.addEventListener("online", flush);
window.addEventListener("offline", render);
setInterval(flush, 10000);
setInterval(refresh, 60000);
// Keeps this page on the phone for reloads without signal (needs https or localhost).
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
languageSwitch(render);
render();
refresh().then(flush);
