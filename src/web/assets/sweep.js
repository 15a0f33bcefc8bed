// Shared by every page: the words in Chinese (default) and English, the language switch,
// and calls to the JSON API. Plain JavaScript, no build step, nothing fetched from elsewhere.
"use strict";

const WORDS = {
  zh: {
    lang_switch: "English",
    resident_title: "查询我的核酸检测时段",
    id_number: "身份证号码",
    name: "姓名",
    phone_last4: "或手机号后四位",
    look_up: "查询",
    your_slot: "您的检测时间",
    at_site: "检测点",
    home_visit: "上门采样",
    home_visit_window: "采样小分队将在这段时间内上门",
    show_ticket: "到检测点时请出示此二维码",
    not_found: "没有找到。请核对身份证号码和姓名。",
    too_many: "查询次数过多，请一分钟后再试。",
    not_published: "本轮时段尚未公布，请稍后再查。",
    network: "网络不通，请稍后再试。",
    directions: "从您家到检测点",
    metres: "米",
    team_title: "采样小分队",
    team_code: "小分队编号",
    pin: "密码（PIN）",
    log_in: "登录",
    log_out: "退出",
    stops_done: "已完成",
    stops_left: "剩余",
    unsent: "条结果尚未发送（有网络时自动发送）",
    all_sent: "结果均已发送",
    others_waiting: "条其他小分队记录的结果，等该队在本机登录后发送",
    not_accepted: "未被接受",
    retry: "重试",
    discard: "放弃",
    confirm_discard: "放弃这条结果？它不会被发送。",
    confirm_change: "这户已记录结果。确定要更改吗？更改会作为更正记录在案。",
    logout_unsent: "还有未发送的结果。退出后它们保存在本机，等本队再次登录时发送。仍要退出吗？",
    whose_unknown: "记录人不明（旧版页面）",
    not_on_your_route: "此人不在本队今天的路线上",
    eta: "预计到达",
    available: "可上门时间",
    floor: "楼",
    no_lift: "无电梯",
    lift: "有电梯",
    unit: "单元",
    room: "室",
    notes: "备注",
    phone: "电话",
    call: "拨打",
    sampled: "已采样",
    not_home: "家中无人",
    refused: "拒绝",
    moved_away: "已搬离",
    unable: "无法采样",
    tube_code: "试管编号",
    save: "记录",
    cancel: "取消",
    route_sketch: "路线示意",
    wrong_login: "编号或密码不对。",
    offline: "离线：结果会保存在手机上",
    site_title: "采样点扫码",
    open_tube: "启用新试管",
    pool_size: "混采人数",
    tube: "试管",
    swabs: "已采",
    scan_code: "扫描或输入居民二维码、编号或身份证号",
    add_to_tube: "加入试管",
    camera: "用摄像头扫码",
    stop_camera: "关闭摄像头",
    close_tube: "封管",
    tube_closed: "试管已封",
    already_sampled: "此人本轮已采样",
    unknown_code: "无法识别的二维码或编号",
    needs_single_tube: "此人需单管复检，请换单采管",
    added: "已加入",
    office_title: "社区办公室",
    login_name: "账号",
    password: "密码",
    wrong_password: "账号或密码不对。",
    round_date: "检测日期",
    plan: "排班（生成时段与路线）",
    publish: "公布给居民",
    site: "检测点",
    lanes_closed: "关闭通道数（0 = 全部开放）",
    close_lanes: "关闭通道并重排",
    plan_by_site: "各检测点时段：人数与容量、预计排队",
    completion: "完成情况",
    sweep_list: "扫楼名单",
    print: "打印",
    recalls: "复检名单",
    teams_progress: "小分队进度",
    locked_logins: "登录锁定（连续输错后暂停）",
    locked_who: "账号或来源",
    locked_at: "锁定时间",
    none_locked: "无",
    roster_upload: "上传花名册",
    upload: "上传",
    community: "社区",
    building: "楼栋",
    expected: "应检",
    recalled: "需复检",
    pending: "未检",
    standing: "状态",
    done: "完成",
    imported: "已导入（楼栋 / 居民 / 检测点 / 小分队）",
    file: "文件",
    line: "行",
    column: "列",
    reason: "问题",
  },
  en: {
    lang_switch: "中文",
    resident_title: "Find my testing time",
    id_number: "ID card number",
    name: "Name",
    phone_last4: "or last four digits of my phone",
    look_up: "Look up",
    your_slot: "Your testing time",
    at_site: "Testing site",
    home_visit: "Home visit",
    home_visit_window: "A sampling team will come to your door in this window",
    show_ticket: "Show this QR code at the testing site",
    not_found: "Not found. Please check the ID number and the name.",
    too_many: "Too many lookups; please try again in a minute.",
    not_published: "The times for this round are not published yet.",
    network: "No connection; please try again later.",
    directions: "From your home to the site",
    metres: "m",
    team_title: "Mobile sampling team",
    team_code: "Team code",
    pin: "PIN",
    log_in: "Log in",
    log_out: "Log out",
    stops_done: "done",
    stops_left: "left",
    unsent: "outcome(s) not sent yet (sent when the connection returns)",
    all_sent: "All outcomes sent",
    others_waiting: "outcome(s) recorded by another team, sent when that team logs in on this phone",
    not_accepted: "not accepted",
    retry: "Retry",
    discard: "Discard",
    confirm_discard: "Discard this outcome? It will not be sent.",
    confirm_change: "This door has an outcome already. Change it? The change is recorded as a correction.",
    logout_unsent: "Some outcomes are not sent yet. They stay on this phone and are sent when your team logs in again. Log out anyway?",
    whose_unknown: "recorded by an unknown team (an older page)",
    not_on_your_route: "this resident is not on your team's route today",
    eta: "ETA",
    available: "Available",
    floor: "floor",
    no_lift: "no lift",
    lift: "lift",
    unit: "unit",
    room: "room",
    notes: "Notes",
    phone: "Phone",
    call: "Call",
    sampled: "Sampled",
    not_home: "Not home",
    refused: "Refused",
    moved_away: "Moved away",
    unable: "Unable",
    tube_code: "Tube code",
    save: "Save",
    cancel: "Cancel",
    route_sketch: "Route sketch",
    wrong_login: "Wrong team code or PIN.",
    offline: "Offline: outcomes are kept on this phone",
    site_title: "Site scanning",
    open_tube: "Open a new tube",
    pool_size: "Swabs per tube",
    tube: "Tube",
    swabs: "swabs",
    scan_code: "Scan or type the resident's QR ticket, code or ID number",
    add_to_tube: "Add to tube",
    camera: "Scan with the camera",
    stop_camera: "Stop the camera",
    close_tube: "Close the tube",
    tube_closed: "Tube closed",
    already_sampled: "Already sampled this round",
    unknown_code: "Unknown ticket or code",
    needs_single_tube: "Recalled: this retest needs a single tube",
    added: "Added",
    office_title: "Community office",
    login_name: "Login",
    password: "Password",
    wrong_password: "Wrong login or password.",
    round_date: "Round date",
    plan: "Plan slots and routes",
    publish: "Publish to residents",
    site: "Site",
    lanes_closed: "Lanes closed (0 = all open)",
    close_lanes: "Close lanes and re-plan",
    plan_by_site: "Slots by site: people against capacity, predicted waits",
    completion: "Completion",
    sweep_list: "Sweep list",
    print: "Print",
    recalls: "Recall list",
    teams_progress: "Teams' progress",
    locked_logins: "Locked logins (paused after repeated failures)",
    locked_who: "Login or client",
    locked_at: "Locked at",
    none_locked: "None",
    roster_upload: "Upload the roster",
    upload: "Upload",
    community: "Community",
    building: "Building",
    expected: "Expected",
    recalled: "Recalled",
    pending: "Pending",
    standing: "Standing",
    done: "Done",
    imported: "Imported (buildings / residents / sites / teams)",
    file: "File",
    line: "Line",
    column: "Column",
    reason: "Problem",
  },
};

function lang() {
  return localStorage.getItem("sweep.lang") === "en" ? "en" : "zh";
}

function t(key) {
  return WORDS[lang()][key] ?? WORDS.zh[key] ?? key;
}

/** Fills every element marked data-i18n (text) or data-i18n-placeholder. */
function translate() {
  document.documentElement.lang = lang() === "en" ? "en" : "zh-CN";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
}

/** Wires the header's language button; `redraw` repaints what scripts wrote. */
function languageSwitch(redraw) {
  const button = document.getElementById("lang");
  button.addEventListener("click", () => {
    localStorage.setItem("sweep.lang", lang() === "en" ? "zh" : "en");
    translate();
    if (redraw) redraw();
  });
  translate();
}

/** A JSON call to /api/v1. Resolves to {status, body}; rejects only when there is no network. */
async function api(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch("/api/v1" + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let parsed = null;
  try { parsed = await response.json(); } catch (_) { /* not JSON */ }
  return { status: response.status, body: parsed };
}

/** A version-4 UUID from the browser's random numbers (works without https), made once
 * per change so that a retry is recognised. */
function requestId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A team's saved login, shared by the route and site pages. */
const teamLogin = {
  token: () => localStorage.getItem("sweep.team.token") && JSON.parse(localStorage.getItem("sweep.team.token")),
  /** The team logged in on this phone: outcomes it records are its own, sent only with its token. */
  save: (token, team) => {
    localStorage.setItem("sweep.team.token", JSON.stringify(token));
    localStorage.setItem("sweep.team.team", JSON.stringify(team));
  },
  forget: () => ["token", "team"].forEach((key) => localStorage.removeItem("sweep.team." + key)),
};

/** Wires the team login form (#login, #login-message) of the route and site pages;
 * `done` runs once the token is kept. */
function teamLoginForm(done) {
  document.getElementById("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const message = document.getElementById("login-message");
    message.textContent = "";
    try {
      const team = form.get("team").trim().toUpperCase();
      const { status, body } = await api("POST", "/team-sessions", { team, pin: form.get("pin").trim() });
      if (status !== 201) { message.textContent = t("wrong_login"); return; }
      teamLogin.save(body.token, team);
      event.target.reset();
      await done();
    } catch (_) {
      message.textContent = t("network");
    }
  });
}

/** Text content, escaped for HTML. */
function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

/** An SVG sketch of points (lat/lon) joined in order, north up, fitted to the box. */
function sketch(points, { width = 320, height = 220, labels = [], highlight = -1 } = {}) {
  if (points.length === 0) return "";
  const pad = 18;
  const lat0 = points.reduce((s, p) => s + p.lat, 0) / points.length;
  const kx = Math.cos((lat0 * Math.PI) / 180);
  const xs = points.map((p) => p.lon * kx), ys = points.map((p) => p.lat);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(maxX - minX, maxY - minY, 1e-5);
  const scale = Math.min(width - 2 * pad, height - 2 * pad) / span;
  const at = (i) => [pad + (xs[i] - minX) * scale, height - pad - (ys[i] - minY) * scale];
  const path = points.map((_, i) => at(i).map((v) => v.toFixed(1)).join(",")).join(" ");
  const dots = points.map((_, i) => {
    const [x, y] = at(i);
    const fill = i === highlight ? "#b3261e" : "#0b63b6";
    const label = labels[i] === undefined ? "" :
      `<text x="${(x + 6).toFixed(1)}" y="${(y - 6).toFixed(1)}" font-size="12">${esc(labels[i])}</text>`;
    return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="5" fill="${fill}"/>${label}`;
  }).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img">` +
    `<rect width="${width}" height="${height}" fill="#f3f6f8"/>` +
    `<polyline points="${path}" fill="none" stroke="#0b63b6" stroke-width="2" stroke-dasharray="4 3"/>` +
    `${dots}<text x="${width - 16}" y="16" font-size="12">N↑</text></svg>`;
}
