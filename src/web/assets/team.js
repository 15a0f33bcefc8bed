// A mobile team's page on a phone in a stairwell. Outcomes go into an outbox kept in the
// phone's storage, each with its request id made once and the team that recorded it, and
// are sent in order whenever there is a connection, with that team's login only; a retry of
// one the server already has is answered from its record, so nothing is recorded twice.
// Phones are shared between teams: another team's outcomes wait, unseen, for it to log in
// again; one the server refuses stays, marked, until a person retries or discards it. The
// route last fetched is kept too, so the page still shows the stops offline; it is fetched
// again every minute, so a re-plan shows its new order.
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
    toSend: outbox.filter((o) => sameTeam(o.team, team) && !o.refused),
    refused: outbox.filter((o) => (sameTeam(o.team, team) && o.refused) || !o.team),
    others: outbox.filter((o) => o.team && !sameTeam(o.team, team)).length,
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
  say(others, "others_waiting", { count: mine.others });
  if (!token) return;
  const route = store.get("route", { stops: [] });
  const outbox = mine.toSend;
  const queued = new Map(outbox.map((o) => [o.resident, o.outcome]));
  const outcomeOf = (stop) => queued.get(stop.resident) ?? stop.outcome;
  // Not home goes back into the pool: the stop is not done until a final outcome.
  const done = route.stops.filter((s) => { const o = outcomeOf(s); return o && o !== "not_home"; }).length;
  document.getElementById("team-name").innerHTML = v(route.team ?? "");
  say(document.getElementById("progress"), "progress", { done, left: route.stops.length - done });
  const box = document.getElementById("outbox");
  box.classList.toggle("hidden", outbox.length === 0);
  say(box, "unsent", { count: outbox.length });
  document.getElementById("offline").classList.toggle("hidden", navigator.onLine);
  document.getElementById("sketch").innerHTML = sketch(route.stops, {
    labels: route.stops.map((s) => s.seq),
    highlight: route.stops.findIndex((s) => !outcomeOf(s) || outcomeOf(s) === "not_home"),
  });
  document.getElementById("stops").innerHTML = route.stops.map((s) => stopCard(s, outcomeOf(s), queued.has(s.resident))).join("");
  const refused = document.getElementById("refused");
  refused.classList.toggle("hidden", mine.refused.length === 0);
  refused.innerHTML = mine.refused.map((o) => `<li class="card error" data-request="${esc(o.request_id)}">
    <p>${v(o.resident)} · ${esc(t(o.outcome))} — ${esc(t("not_accepted"))}: ${reason(o.refused)}</p>
    <div class="row"><button type="button" data-retry="${esc(o.request_id)}">${esc(t("retry"))}</button>
    <button type="button" class="plain" data-discard="${esc(o.request_id)}">${esc(t("discard"))}</button></div></li>`).join("");
}

/** Why the server refused an outcome (or that its team is unknown), as HTML in the
 * reader's language. */
function reason(refused) {
  if (!refused) return esc(t("whose_unknown"));
  const [key, params] = refusal({ status: refused.status, body: { error: refused.error, params: refused.params } });
  return tv(key, params);
}

/** Changes one outbox entry (by request id), or drops it when `change` gives null. */
function amend(requestIdOf, change) {
  store.set("outbox", store.get("outbox", []).flatMap((o) => {
    if (o.request_id !== requestIdOf) return [o];
    const changed = change(o);
    return changed ? [changed] : [];
  }));
}

/** An outcome as a colour, an icon and a word; one not sent yet says so. */
function stateBadge(outcome, unsent) {
  const kind = outcome === "sampled" ? "done" : outcome;
  const mark = unsent ? "clock" : outcome === "sampled" ? "check" : outcome === "not_home" ? "door" : "cross";
  return `<span class="state ${esc(kind)}${unsent ? " unsent" : ""}" data-outcome="${esc(outcome)}">${icon(mark)}` +
    `${esc(t(outcome))}${unsent ? ` · ${esc(t("waiting"))}` : ""}</span>`;
}

/** One stop, compact enough for three on a phone's screen: who and when, where and how to
 * get up there, then the outcome buttons (or the recorded outcome and a button to change
 * it, which asks first). */
function stopCard(s, outcome, unsent) {
  const stairs = !s.elevator && s.floor > 1;
  const floor = esc(t("floor_n", { floor: s.floor }));
  const access = stairs
    ? `<span class="badge stairs">${icon("stairs")} ${esc(t("no_lift"))} ${floor}</span>`
    : `<span class="badge lift">${s.elevator ? esc(t("lift")) + " · " : ""}${floor}</span>`;
  const place = s.unit ? tv("unit_room", { unit: s.unit, room: s.room }) : s.room ? tv("room_only", { room: s.room }) : "";
  const call = s.phone && s.call
    ? `<a class="button plain" href="${esc(s.call)}">${icon("phone")}${esc(t("call"))}</a>` : "";
  const phone = s.phone && !s.call ? ` · ${esc(t("phone"))} ${v(s.phone)}` : "";
  const extra = [
    s.available ? `${esc(t("available"))} ${v(s.available)}` : "",
    s.notes ? `${esc(t("notes"))}: ${v(s.notes)}` : "",
  ].filter(Boolean).join(" · ");
  const final = outcome && outcome !== "not_home";
  const buttons = final && draft.resident !== s.resident
    ? `<div class="outcomes no-print">${stateBadge(outcome, unsent)}
        <button type="button" class="plain" data-resident="${esc(s.resident)}" data-action="change">${esc(t("change"))}</button>${call}</div>`
    : `${outcome ? `<p>${stateBadge(outcome, unsent)}</p>` : ""}<div class="outcomes no-print">` + OUTCOMES.map((o) =>
      `<button type="button" class="${o === "sampled" ? "" : "plain"}" data-resident="${esc(s.resident)}" data-action="${o}">${esc(t(o))}</button>`).join("") +
      `${call}</div>`;
  return `<li class="card stop${final ? " finished" : ""}" id="stop-${esc(s.resident)}">
    <div class="head">${esc(s.seq)}. ${esc(s.eta)} · ${v(s.name)} ${access}</div>
    <p>${v(s.address)} ${place}${phone}</p>
    ${extra ? `<p class="small muted">${extra}</p>` : ""}
    ${buttons}
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
  if (draft.resident === resident) Object.assign(draft, { resident: null, tube: "", changing: false });
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
        const { error, params } = answer.body ?? {};
        amend(request_id, (o) => ({ ...o, refused: { status: answer.status, error, params } }));
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
    say(sent, "all_sent", {}, "ok");
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
  if (action === "change") {
    if (!window.confirm(t("confirm_change"))) return;
    Object.assign(draft, { resident, tube: "", changing: true });
    render();
    return;
  }
  const stop = store.get("route", { stops: [] }).stops.find((s) => s.resident === resident);
  const queued = outboxOf(store.get("team", null)).toSend.filter((o) => o.resident === resident).pop();
  const current = queued?.outcome ?? stop?.outcome;
  const confirmed = draft.changing && draft.resident === resident;
  if (!confirmed && current && current !== "not_home" && current !== action && !window.confirm(t("confirm_change"))) return;
  if (action === "sampled") {
    Object.assign(draft, { resident, tube: "", changing: confirmed });
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
