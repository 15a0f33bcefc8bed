// Samplers at a site: open a tube, put each resident's swab in it by scanning the QR
// ticket (the camera where the browser can read codes, typing otherwise), see how full
// the tube is, close it. A tube closes itself when it holds its pool size.
"use strict";

let tube = JSON.parse(localStorage.getItem("sweep.site.tube") ?? "null");

function keepTube(value) {
  tube = value;
  localStorage.setItem("sweep.site.tube", JSON.stringify(value));
}

/** Says a message next to the field it concerns: the scan field once a tube is open,
 * the tube form before. */
function tell(key, params, good) {
  const open = tube && tube.status === "open";
  const here = document.getElementById(open ? "message" : "open-message");
  const other = document.getElementById(open ? "open-message" : "message");
  say(other, "");
  say(here, key, params, good ? "ok" : "error");
}

function render() {
  const token = teamLogin.token();
  document.getElementById("login").classList.toggle("hidden", !!token);
  document.getElementById("logout").classList.toggle("hidden", !token);
  document.getElementById("work").classList.toggle("hidden", !token);
  const open = tube && tube.status === "open";
  document.getElementById("tube-card").classList.toggle("hidden", !tube);
  document.getElementById("open").classList.toggle("hidden", !!open);
  if (tube) {
    document.getElementById("tube-name").innerHTML = v(tube.tube);
    document.getElementById("count").textContent =
      t("swabs_of", { swabs: tube.swabs, pool: tube.pool_size }) + (open ? "" : ` · ${t("tube_closed")}`);
    document.getElementById("scan").classList.toggle("hidden", !open);
    document.getElementById("close").classList.toggle("hidden", !open);
  }
  document.getElementById("camera").classList.toggle("hidden", !("BarcodeDetector" in window));
}

/** What was scanned or typed, as the API takes it. */
function identify(text) {
  const value = text.trim();
  if (/^([0-9a-f]{16}|\d+)\.[0-9a-f]{20}$/.test(value)) return { ticket: value };
  if (/^\d{17}[\dXx]$/.test(value)) return { id_number: value.toUpperCase() };
  return { resident: value };
}

async function call(path, body) {
  try {
    return await api("POST", path, { request_id: requestId(), ...body }, teamLogin.token());
  } catch (_) {
    tell("network", {}, false);
    return null;
  }
}

document.getElementById("open").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const answer = await call("/site/tubes", { tube: form.get("tube").trim(), pool_size: Number(form.get("pool_size")) });
  if (!answer) return;
  if (answer.status === 201) {
    keepTube(answer.body);
    event.target.reset();
    render();
    tell("tube_opened", { tube: answer.body.tube }, true);
    document.getElementById("code").focus();
  } else {
    tell(...refusal(answer), false);
  }
  render();
});

async function scan(text) {
  const answer = await call("/site/scans", { tube: tube.tube, ...identify(text) });
  if (!answer) return;
  const error = answer.body?.error;
  if (answer.status === 201) {
    const { added, ...state } = answer.body;
    keepTube(state);
    render();
    tell("added", added ?? {}, true);
    return;
  }
  if (error === "tube_closed") keepTube({ ...tube, status: "closed" });
  // A code that is not a ticket, a resident or an ID number reads as "unknown" to a sampler.
  const unknown = answer.status === 404 && error !== "unknown_tube" || error === "invalid_field";
  const [key, params] = unknown ? ["err_unknown_ticket", {}] : refusal(answer);
  render();
  tell(key, params, false);
}

document.getElementById("scan").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("code");
  const text = input.value;
  input.value = "";
  if (text.trim()) await scan(text);
  input.focus();
});

document.getElementById("close").addEventListener("click", async () => {
  const answer = await call(`/site/tubes/${encodeURIComponent(tube.tube)}/close`, {});
  if (answer && answer.status === 200) {
    keepTube(answer.body);
    render();
    tell("tube_closed", {}, true);
  } else if (answer) {
    tell(...refusal(answer), false);
  }
  render();
});

// The camera, where the browser reads QR codes itself (BarcodeDetector).
let stream = null;
document.getElementById("camera").addEventListener("click", async () => {
  const video = document.getElementById("video");
  const button = document.getElementById("camera");
  if (stream) {
    stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.classList.add("hidden");
    button.textContent = t("camera");
    return;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch (_) {
    return;
  }
  video.srcObject = stream;
  video.classList.remove("hidden");
  button.textContent = t("stop_camera");
  await video.play();
  const detector = new BarcodeDetector({ formats: ["qr_code"] });
  let last = "";
  const look = async () => {
    if (!stream) return;
    const codes = await detector.detect(video).catch(() => []);
    if (codes.length && codes[0].rawValue !== last && tube && tube.status === "open") {
      last = codes[0].rawValue;
      await scan(last);
    }
    setTimeout(look, 300);
  };
  look();
});

teamLoginForm(render);

document.getElementById("logout").addEventListener("click", () => { teamLogin.forget(); render(); });

// Keeps this page on the phone for reloads without signal (needs https or localhost).
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
languageSwitch(render);
render();
