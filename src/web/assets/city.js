// The city's headquarters: every district's completion on a day — sampled against
// expected, recalled and missing — with a plot per district of residents sampled by the
// hour and the city's total. Counts only: the API names nobody. Refreshed every minute
// while open. The session token stays in this tab only.
"use strict";

const session = {
  token: () => sessionStorage.getItem("sweep.city.token"),
  save: (token) => sessionStorage.setItem("sweep.city.token", token),
  forget: () => sessionStorage.removeItem("sweep.city.token"),
};

const REFRESH_MS = 60_000;

async function get(path) {
  const { status, body } = await api("GET", path, undefined, session.token());
  if (status === 401) { session.forget(); render(); }
  return status === 200 ? body : null;
}

function share(c) {
  return c.expected ? c.sampled / c.expected : 0;
}

function percent(c) {
  return `${c.sampled} / ${c.expected} (${Math.round(100 * share(c))}%)`;
}

/** Bars of residents sampled by each hour (cumulative) under a line at those expected.
 * Text is 13 px at the size shown. */
function hourPlot(hours, expected, width, height = 150) {
  const left = 52, right = 8, top = 10, bottom = 22;
  const n = Math.max(hours.length, 1);
  const plotWidth = width - left - right, barsHeight = height - top - bottom;
  const step = plotWidth / n;
  const most = Math.max(1, expected, ...hours.map((h) => h.sampled));
  const y = (value) => top + barsHeight - (value / most) * barsHeight;
  const every = Math.max(1, Math.ceil(44 / step));
  const parts = [
    `<line x1="${left}" y1="${top + barsHeight}" x2="${left + plotWidth}" y2="${top + barsHeight}" stroke="#767676"/>`,
    `<text x="${left - 4}" y="${top + 10}" text-anchor="end" font-size="13">${esc(most)}</text>`,
  ];
  hours.forEach((h, i) => {
    const x = left + i * step;
    parts.push(`<rect x="${(x + step * 0.12).toFixed(1)}" y="${y(h.sampled).toFixed(1)}" width="${(step * 0.76).toFixed(1)}" ` +
      `height="${(top + barsHeight - y(h.sampled)).toFixed(1)}" fill="#0b63b6"><title>${esc(h.until)} ${h.sampled}</title></rect>`);
    if (i % every === 0) parts.push(`<text x="${x.toFixed(1)}" y="${height - 6}" font-size="13">${esc(h.until)}</text>`);
  });
  if (expected > 0) {
    parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(expected).toFixed(1)}" y2="${y(expected).toFixed(1)}" stroke="#1a1a1a" stroke-width="2"/>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">${parts.join("")}</svg>`;
}

/** The width a plot is shown at, so that its text stays 13 px. */
function widthOf(element) {
  return Math.max(280, Math.round(element.clientWidth || 320));
}

let day = null;

function draw() {
  if (!day) return;
  const total = day.total;
  document.getElementById("city-total").textContent = percent(total);
  say(document.getElementById("city-counts"), "city_counts", {
    recalled: total.recalled, missing: total.missing,
    districts: day.districts.filter((d) => d.round).length, all: day.districts.length,
  });
  const cityPlot = document.getElementById("city-plot");
  cityPlot.innerHTML = day.by_hour.length ? hourPlot(day.by_hour, total.expected, widthOf(cityPlot), 180)
    : `<p class="muted">${esc(t("nobody_sampled_yet"))}</p>`;
  const element = document.getElementById("districts");
  const counted = (d, key) => (d.round ? String(d[key]) : "");
  table(element, [
    { label: t("district"), cell: (d) => `${v(d.code)} ${v(d.name)}` },
    { label: t("sampled"), cell: (d) => (d.round ? `<span data-share="${share(d).toFixed(3)}">${esc(percent(d))}</span>` : esc(t("no_round_that_day"))) },
    { label: t("recalled"), cell: (d) => counted(d, "recalled") },
    { label: t("missing"), cell: (d) => counted(d, "missing") },
  ], day.districts, (d) => `data-district="${esc(d.code)}"`);
  element.querySelectorAll("[data-share]").forEach((cell) => {
    cell.closest("tr").style.background = shade(Number(cell.dataset.share));
  });
  const plots = document.getElementById("plots");
  plots.innerHTML = day.districts.map((d) =>
    `<figure class="plot district-plot" data-district="${esc(d.code)}"><figcaption>${v(d.code)} ${v(d.name)}</figcaption><div></div></figure>`).join("");
  plots.querySelectorAll("figure").forEach((figure, i) => {
    const d = day.districts[i];
    const body = figure.querySelector("div");
    body.innerHTML = !d.round ? `<p class="muted">${esc(t("no_round_that_day"))}</p>`
      : d.by_hour.length ? hourPlot(d.by_hour, d.expected, widthOf(body))
        : `<p class="muted">${esc(t("nobody_sampled_yet"))}</p>`;
  });
}

async function load() {
  if (!session.token()) return;
  const date = document.getElementById("date").value;
  const answer = await get(`/city/completion${date ? `?date=${date}` : ""}`);
  if (!answer) return;
  day = answer;
  if (!date) document.getElementById("date").value = answer.date;
  // On the city's clock, as the plots' hours are, not the phone's.
  say(document.getElementById("updated"), "updated_at", {
    time: new Date().toLocaleTimeString(lang() === "en" ? "en-GB" : "zh-CN",
      { hour: "2-digit", minute: "2-digit", timeZone: answer.timezone }),
  });
  draw();
}

function render() {
  const token = session.token();
  document.getElementById("login").classList.toggle("hidden", !!token);
  document.getElementById("logout").classList.toggle("hidden", !token);
  document.getElementById("desk").classList.toggle("hidden", !token);
}

document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const { status, body } = await api("POST", "/sessions", { login: form.get("login").trim(), password: form.get("password") });
    if (status !== 201) { say(document.getElementById("login-message"), "wrong_password", {}, "error"); return; }
    if (body.role !== "city") { say(document.getElementById("login-message"), "not_city", {}, "error"); return; }
    session.save(body.token);
    event.target.reset();
  } catch (_) {
    say(document.getElementById("login-message"), "network", {}, "error");
  }
  render();
  await load();
});

document.getElementById("logout").addEventListener("click", () => { session.forget(); render(); });
document.getElementById("date").addEventListener("change", load);
window.addEventListener("resize", draw);
setInterval(load, REFRESH_MS);

languageSwitch(draw);
render();
load();
