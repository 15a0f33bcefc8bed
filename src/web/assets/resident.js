// The resident's page: ID number and name (or the last four phone digits) → the slot and
// the QR ticket. The answer is kept only on the page, never in the phone's storage.
"use strict";

let found = null;

/** Shows the answer; `arrived` (a new answer, not a language switch) scrolls it into view,
 * since on a phone it starts below the form. */
function show(arrived) {
  if (!found) return;
  const atSite = found.kind === "site";
  document.getElementById("when").textContent = `${found.date}  ${found.from}–${found.to}`;
  document.getElementById("where").innerHTML = atSite ? v(found.site) : esc(t("home_visit"));
  document.getElementById("kind").textContent = atSite ? t("at_site") : t("home_visit_window");
  const directions = document.getElementById("directions");
  if (found.home && found.site_location) {
    const metres = Math.round(distance(found.home, found.site_location));
    directions.innerHTML = `<p>${esc(t("directions", { metres }))}</p>` +
      sketch([found.home, found.site_location], { height: 160, labels: [t("home"), found.site], highlight: 1 });
  } else {
    directions.innerHTML = "";
  }
  document.getElementById("show-ticket").textContent = t(atSite ? "show_ticket" : "show_ticket_home");
  const ticket = document.getElementById("ticket");
  ticket.alt = t("ticket_alt");
  ticket.src = "/api/v1/resident/tickets/" + encodeURIComponent(found.ticket);
  const answer = document.getElementById("answer");
  answer.classList.remove("hidden");
  if (arrived === true) {
    answer.scrollIntoView({ block: "start" });
    answer.focus({ preventScroll: true });
  }
}

function distance(a, b) {
  const rad = Math.PI / 180, r = 6371000;
  const dlat = (b.lat - a.lat) * rad, dlon = (b.lon - a.lon) * rad;
  const h = Math.sin(dlat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dlon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(h));
}

document.getElementById("lookup").addEventListener("submit", async (event) => {
  event.preventDefault();
  const message = document.getElementById("message");
  say(message, "");
  document.getElementById("answer").classList.add("hidden");
  const form = new FormData(event.target);
  const request = { id_number: form.get("id_number").trim().toUpperCase() };
  if (form.get("name").trim()) request.name = form.get("name").trim();
  if (form.get("phone_last4").trim()) request.phone_last4 = form.get("phone_last4").trim();
  try {
    const { status, body } = await api("POST", "/resident/lookup", request);
    if (status === 200) {
      found = body;
      show(true);
    } else if (status === 429) {
      say(message, "too_many", {}, "error");
    } else if (body && body.error === "not_published") {
      say(message, "not_published", {}, "error");
    } else {
      say(message, "not_found", {}, "error");
    }
  } catch (_) {
    say(message, "network", {}, "error");
  }
});

languageSwitch(show);
