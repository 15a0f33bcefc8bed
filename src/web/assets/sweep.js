// Shared by every page: the words in Chinese (default) and English, the language and
// text-size switches, calls to the JSON API, icons, tables that fit a phone, and sketches.
// Plain JavaScript, no build step, nothing fetched from elsewhere.
//
// One language per page: every word a page shows comes from WORDS (the API's own messages
// are never shown; its error codes and their values are), and whatever was said stays
// keyed so that switching language says it again in the other.
"use strict";

const WORDS = {
  zh: {
    lang_switch: "English",
    larger_text: "大字",
    normal_text: "标准字号",
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
    show_ticket_home: "小分队上门时请出示此二维码",
    ticket_alt: "检测二维码",
    not_found: "没有找到。请核对身份证号码和姓名。",
    too_many: "查询次数过多，请一分钟后再试。",
    not_published: "本轮时段尚未公布，请稍后再查。",
    network: "网络不通，请稍后再试。",
    directions: "从您家到检测点：{metres} 米",
    home: "家",
    team_title: "采样小分队",
    team_code: "小分队编号",
    pin: "密码（PIN）",
    log_in: "登录",
    log_out: "退出",
    progress: "已完成 {done} · 剩余 {left}",
    stops_done: "已完成",
    stops_left: "剩余",
    unsent: "{count} 条结果尚未发送（有网络时自动发送）",
    offline: "离线：结果会保存在手机上",
    all_sent: "结果均已发送",
    others_waiting: "{count} 条其他小分队记录的结果，等该队在本机登录后发送",
    not_accepted: "未被接受",
    retry: "重试",
    discard: "放弃",
    confirm_discard: "放弃这条结果？它不会被发送。",
    confirm_change: "这户已记录结果。确定要更改吗？更改会作为更正记录在案。",
    logout_unsent: "还有未发送的结果。退出后它们保存在本机，等本队再次登录时发送。仍要退出吗？",
    whose_unknown: "记录人不明（旧版页面）",
    eta: "预计到达",
    available: "可上门时间",
    floor_n: "{floor}楼",
    no_lift: "无电梯",
    lift: "有电梯",
    unit_room: "{unit}单元 {room}室",
    room_only: "{room}室",
    notes: "备注",
    phone: "电话",
    call: "拨打",
    sampled: "已采样",
    not_home: "家中无人",
    refused: "拒绝",
    moved_away: "已搬离",
    unable: "无法采样",
    recalled: "需复检",
    pending: "未检",
    waiting: "待发送",
    change: "更改结果",
    tube_code: "试管编号",
    save: "记录",
    cancel: "取消",
    route_sketch: "路线示意",
    wrong_login: "编号或密码不对。",
    district_code: "区代码",
    name_district: "本市有多个区：请填写小分队所在区的代码。",
    site_title: "采样点扫码",
    open_tube: "启用新试管",
    pool_size: "混采人数",
    tube: "试管",
    swabs_of: "已采 {swabs} / {pool}",
    scan_code: "扫描或输入居民二维码、编号或身份证号",
    add_to_tube: "加入试管",
    camera: "用摄像头扫码",
    stop_camera: "关闭摄像头",
    close_tube: "封管",
    tube_closed: "试管已封",
    tube_opened: "试管 {tube} 已启用",
    added: "已加入：{name}（{resident}）",
    office_title: "社区办公室",
    city_title: "城市指挥部",
    city_total: "全市",
    by_district: "各区完成情况",
    district_plots: "各区每小时累计采样",
    sampled_so_far: "累计已采样",
    district: "区",
    missing: "未采",
    no_round_that_day: "当日无检测",
    nobody_sampled_yet: "尚无人采样",
    city_counts: "需复检 {recalled} · 未采 {missing} · {districts}/{all} 个区当日有检测",
    updated_at: "更新于 {time}（每分钟自动刷新）",
    not_city: "这个账号不是城市指挥部的账号。",
    login_name: "账号",
    password: "密码",
    wrong_password: "账号或密码不对。",
    round_date: "检测日期",
    round_published: "本轮已公布给居民",
    round_draft: "本轮尚未公布",
    round_none: "这一天还没有排班",
    plan: "排班（生成时段与路线）",
    publish: "公布给居民",
    site: "检测点",
    lanes_closed: "关闭通道数（0 = 全部开放）",
    close_lanes: "关闭通道并重排",
    confirm_plan: "为 {date} 重新排班？",
    confirm_plan_published: "本轮已公布。重排会尽量保留居民已知的时段，无法保留的居民需要重新通知。确定重排 {date} 吗？",
    confirm_publish: "把 {date} 的时段公布给居民？公布后居民即可查询，之后重排将尽量保留已告知的时段。",
    confirm_lanes: "在 {site} 关闭 {closed} 条通道并重排 {date}？受影响的居民需要重新通知。",
    working: "正在处理，请稍候……",
    planned_summary: "排班完成：{placed} 人已排到检测点（共 {walkers} 人），{unplaced} 人未排上，{moved} 人时段有变；步行合计 {km} 公里，最长预计排队 {wait} 分钟。",
    walking_vs_bound: "居民步行合计 {km} 公里；理论最少 {bound} 公里，本方案多走 {gap}%。",
    walking_unlike_bound: "居民步行合计 {km} 公里（理论最少 {bound} 公里，但两者排上的人数不同，不可直接比较）。",
    bound_summary: "理论最少步行 {km} 公里（检测点容量之内、楼栋可拆分时），本方案多走 {gap}%。",
    split_summary: "{count} 栋楼的居民被分到不止一个检测点（没有一个检测点有连续的时段容下整栋）：{buildings}",
    routes_summary: "上门：{planned} / {to_visit} 人已排进 {teams_out} 支小分队路线（已完成 {done}），最长一天 {hours} 小时。",
    unvisited_line: "{count} 人无法上门：{reason}",
    shortfall_line: "{site}：{people} 人排不下——需加开 {lanes} 条通道",
    shortfall_later_line: "{site}：{people} 人排不下——需加开 {lanes} 条通道，或延长开放到 {until}",
    published_done: "{date} 已公布给居民",
    lanes_done: "已关闭通道并重排",
    reason_window_outside_shifts: "可上门时间不在任何小分队的班次内",
    reason_too_far: "太远，任何小分队都无法在班次内往返",
    reason_not_enough_kits: "采样包不够：小分队的上门次数已满",
    reason_no_time_left: "小分队的班次已排满",
    plan_by_site: "各检测点时段：人数与容量、预计排队",
    site_line: "{site}：{planned} / {capacity} 人，最长排队约 {wait} 分钟",
    planned: "已排人数",
    capacity: "容量",
    p90_queue: "排队人数（90%）",
    p90_wait: "等待分钟（90%）",
    people: "人",
    minutes: "分钟",
    completion: "完成情况",
    sweep_list: "扫楼名单",
    print: "打印",
    recalls: "复检名单",
    teams_progress: "小分队进度",
    locked_logins: "登录锁定（连续输错后暂停）",
    locked_who: "账号或来源",
    locked_at: "锁定时间",
    none_locked: "无",
    none: "无",
    roster_upload: "上传花名册",
    upload: "上传",
    community: "社区",
    building: "楼栋",
    unit: "单元",
    floor: "楼层",
    room: "室",
    expected: "应检",
    standing: "状态",
    done: "完成",
    imported: "已导入：{buildings} 栋楼、{residents} 位居民、{sites} 个检测点、{teams} 支小分队",
    roster_refused: "花名册有 {rows} 行有问题（共 {problems} 处），没有导入任何内容。",
    roster_refused_cut: "花名册有 {rows} 行有问题（共 {problems} 处），没有导入任何内容。下面列出前 {shown} 处。",
    file: "文件",
    line: "行",
    column: "列",
    reason: "问题",
    err_already_sampled: "此人本轮已采样：在试管 {tube}，时间 {at}",
    err_tube_exists: "试管 {tube} 之前已启用过，请换一支",
    err_tube_closed: "试管 {tube} 已封，请启用新试管",
    err_needs_single_tube: "此人需单管复检，请换单采管",
    err_unknown_ticket: "无法识别的二维码或编号",
    err_unknown_resident: "无法识别的二维码或编号",
    err_unknown_tube: "没有这支试管，请重新启用",
    err_not_your_tube: "这支试管由其他采样人员启用",
    err_not_on_your_route: "此人不在本队今天的路线上",
    err_no_round: "这一天没有检测轮次",
    err_no_sites: "还没有检测点：请先上传花名册",
    err_plan_in_progress: "正在排班，请等这一次完成",
    err_conflict: "同一时间有别的修改，请刷新后再试",
    err_request_id_reused: "请求编号重复，请刷新后再试",
    err_invalid_field: "填写有误，请检查后再试",
    err_unavailable: "服务器暂时无法保存，请稍后再试",
    err_unauthorized: "登录已过期，请重新登录",
    err_forbidden: "没有权限做这件事",
    err_payload_too_large: "文件太大",
    err_other: "操作没有完成（错误 {status}）",
    problem_required: "必须填写",
    problem_too_long: "超过 {most} 个字",
    problem_control_character: "含有控制字符",
    problem_not_whole_number: "“{text}”不是整数",
    problem_not_number: "“{text}”不是数字",
    problem_out_of_range: "{value} 不在 {min} 到 {max} 之间",
    problem_not_above_zero: "必须大于 0",
    problem_not_yes_no: "“{text}”应为“是”或“否”",
    problem_not_time_of_day: "“{text}”不是时间（时:分，00:00 到 24:00）",
    problem_not_after: "{to} 不晚于 {from}",
    problem_not_mobility: "“{text}”应为以下之一：{expected}",
    problem_id_characters: "只能包含字母和数字",
    problem_id_form: "既不是居民身份证号，也不像其他证件号",
    problem_id_length: "身份证号应为 18 位，这里是 {length} 位",
    problem_id_digits: "身份证号前 17 位应为数字",
    problem_id_birth_date: "身份证号中的出生日期（{date}）不存在",
    problem_id_check_digit: "身份证号校验位不对（最后一位应为 {expected}）",
    problem_phone_character: "“{character}”不应出现在电话号码里",
    problem_phone_length: "电话号码应为 7 到 15 位数字，这里是 {length} 位",
    problem_birth_year_differs: "{year} 与身份证号中的出生年份（{id_year}）不同",
    problem_duplicate_code: "编号 {code} 重复（第一次在第 {first} 行）",
    problem_unknown_building: "没有楼栋 {building}",
    problem_above_top_floor: "{floor} 楼高于楼栋 {building} 的顶层（{top} 楼）",
    problem_same_id_number: "与第 {first} 行的身份证号相同",
    problem_id_number_taken: "此身份证号已属于居民 {owner}",
    problem_id_number_in_district: "此身份证号已在 {district} 区登记",
    problem_household_elsewhere: "户 {household} 在第 {first} 行住在楼栋 {other}，不是 {building}",
    problem_unknown_column: "没有“{name}”这一列（可用的列：{expected}）",
    problem_column_twice: "这一列出现了两次",
    problem_missing_column: "缺少这一列",
    problem_empty_file: "文件是空的或没有表头",
    problem_not_utf8: "不是 UTF-8 文本（请另存为“CSV UTF-8”）",
    problem_unreadable: "无法读取",
    problem_not_lab_result: "“{text}”不是 negative（阴性）、positive（阳性）或 invalid（无效）",
    problem_not_date_time: "“{text}”不是日期时间（YYYY-MM-DD HH:MM 或 RFC 3339）",
    problem_in_the_future: "{value} 晚于现在",
    problem_unknown_tube: "本区没有采样管 {tube}",
    problem_tube_still_open: "采样管 {tube} 仍在采样点开启，不可能已检测",
    problem_result_differs: "采样管 {tube} 已有结果 {recorded}",
    problem_not_csv: "不是有效的 CSV 文件",
  },
  en: {
    lang_switch: "中文",
    larger_text: "Larger text",
    normal_text: "Normal text",
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
    show_ticket_home: "Show this QR code to the team at your door",
    ticket_alt: "Testing QR code",
    not_found: "Not found. Please check the ID number and the name.",
    too_many: "Too many lookups; please try again in a minute.",
    not_published: "The times for this round are not published yet.",
    network: "No connection; please try again later.",
    directions: "From your home to the site: {metres} m",
    home: "home",
    team_title: "Mobile sampling team",
    team_code: "Team code",
    pin: "PIN",
    log_in: "Log in",
    log_out: "Log out",
    progress: "{done} done · {left} left",
    stops_done: "Done",
    stops_left: "Left",
    unsent: "{count} outcome(s) not sent yet (sent when the connection returns)",
    offline: "Offline: outcomes are kept on this phone",
    all_sent: "All outcomes sent",
    others_waiting: "{count} outcome(s) recorded by another team, sent when that team logs in on this phone",
    not_accepted: "not accepted",
    retry: "Retry",
    discard: "Discard",
    confirm_discard: "Discard this outcome? It will not be sent.",
    confirm_change: "This door has an outcome already. Change it? The change is recorded as a correction.",
    logout_unsent: "Some outcomes are not sent yet. They stay on this phone and are sent when your team logs in again. Log out anyway?",
    whose_unknown: "recorded by an unknown team (an older page)",
    eta: "ETA",
    available: "Available",
    floor_n: "floor {floor}",
    no_lift: "no lift",
    lift: "lift",
    unit_room: "unit {unit}, room {room}",
    room_only: "room {room}",
    notes: "Notes",
    phone: "Phone",
    call: "Call",
    sampled: "Sampled",
    not_home: "Not home",
    refused: "Refused",
    moved_away: "Moved away",
    unable: "Unable",
    recalled: "Recalled",
    pending: "Pending",
    waiting: "waiting to send",
    change: "Change outcome",
    tube_code: "Tube code",
    save: "Save",
    cancel: "Cancel",
    route_sketch: "Route sketch",
    wrong_login: "Wrong team code or PIN.",
    district_code: "District code",
    name_district: "This city has several districts: enter your team's district code.",
    site_title: "Site scanning",
    open_tube: "Open a new tube",
    pool_size: "Swabs per tube",
    tube: "Tube",
    swabs_of: "{swabs} / {pool} swabs",
    scan_code: "Scan or type the resident's QR ticket, code or ID number",
    add_to_tube: "Add to tube",
    camera: "Scan with the camera",
    stop_camera: "Stop the camera",
    close_tube: "Close the tube",
    tube_closed: "Tube closed",
    tube_opened: "Tube {tube} opened",
    added: "Added: {name} ({resident})",
    office_title: "Community office",
    city_title: "City headquarters",
    city_total: "The city",
    by_district: "Districts",
    district_plots: "Sampled by the hour, by district",
    sampled_so_far: "Sampled so far",
    district: "District",
    missing: "Missing",
    no_round_that_day: "No round that day",
    nobody_sampled_yet: "Nobody sampled yet",
    city_counts: "Recalled {recalled} · missing {missing} · {districts} of {all} districts testing that day",
    updated_at: "Updated {time} (refreshes every minute)",
    not_city: "This login is not the city headquarters'.",
    login_name: "Login",
    password: "Password",
    wrong_password: "Wrong login or password.",
    round_date: "Round date",
    round_published: "This round is published to residents",
    round_draft: "This round is not published yet",
    round_none: "No plan for this day yet",
    plan: "Plan slots and routes",
    publish: "Publish to residents",
    site: "Site",
    lanes_closed: "Lanes closed (0 = all open)",
    close_lanes: "Close lanes and re-plan",
    confirm_plan: "Plan the round of {date} again?",
    confirm_plan_published: "This round is published. A re-plan keeps the slots residents were told wherever they fit; those it cannot keep must be told again. Re-plan {date}?",
    confirm_publish: "Publish the slots of {date} to residents? They can look them up at once, and later re-plans keep what they were told where they can.",
    confirm_lanes: "Close {closed} lane(s) at {site} and re-plan {date}? Residents whose slot changes must be told again.",
    working: "Working, please wait…",
    planned_summary: "Planned: {placed} of {walkers} walkers have a slot, {unplaced} have none, {moved} moved; {km} km of walking in all, the longest predicted wait {wait} min.",
    walking_vs_bound: "Walking in all: {km} km; the least any plan could have is {bound} km, this plan walks {gap}% more.",
    walking_unlike_bound: "Walking in all: {km} km (the least any plan could have is {bound} km, but for a different number of walkers placed).",
    bound_summary: "The least walking any plan could have is {km} km (within the sites' capacity, buildings split at will); this plan walks {gap}% more.",
    split_summary: "{count} building(s) split between sites (no one site had consecutive room for the whole building): {buildings}",
    routes_summary: "Home visits: {planned} of {to_visit} on the routes of {teams_out} team(s) ({done} done already); the longest day {hours} h.",
    unvisited_line: "{count} cannot be visited: {reason}",
    shortfall_line: "{site}: {people} people do not fit; open {lanes} more lane(s)",
    shortfall_later_line: "{site}: {people} people do not fit; open {lanes} more lane(s), or stay open until {until}",
    published_done: "{date} is published to residents",
    lanes_done: "Lanes closed and the round re-planned",
    reason_window_outside_shifts: "their available time is outside every team's shift",
    reason_too_far: "too far for any team to get there and back within its shift",
    reason_not_enough_kits: "not enough kits: the teams' visits are all taken",
    reason_no_time_left: "no team has time left in its shift",
    plan_by_site: "Slots by site: people against capacity, predicted waits",
    site_line: "{site}: {planned} / {capacity} people, longest wait about {wait} min",
    planned: "Planned",
    capacity: "Capacity",
    p90_queue: "Queue (p90)",
    p90_wait: "Wait, min (p90)",
    people: "people",
    minutes: "min",
    completion: "Completion",
    sweep_list: "Sweep list",
    print: "Print",
    recalls: "Recall list",
    teams_progress: "Teams' progress",
    locked_logins: "Locked logins (paused after repeated failures)",
    locked_who: "Login or client",
    locked_at: "Locked at",
    none_locked: "None",
    none: "None",
    roster_upload: "Upload the roster",
    upload: "Upload",
    community: "Community",
    building: "Building",
    unit: "Unit",
    floor: "Floor",
    room: "Room",
    expected: "Expected",
    standing: "Standing",
    done: "Done",
    imported: "Imported: {buildings} buildings, {residents} residents, {sites} sites, {teams} teams",
    roster_refused: "{rows} row(s) of the roster have problems ({problems} in all); nothing was imported.",
    roster_refused_cut: "{rows} row(s) of the roster have problems ({problems} in all); nothing was imported. The first {shown} are listed below.",
    file: "File",
    line: "Line",
    column: "Column",
    reason: "Problem",
    err_already_sampled: "Already sampled this round: in tube {tube} at {at}",
    err_tube_exists: "Tube {tube} was opened before; take another",
    err_tube_closed: "Tube {tube} is closed; open a new one",
    err_needs_single_tube: "Recalled: this retest needs a single tube",
    err_unknown_ticket: "Unknown ticket or code",
    err_unknown_resident: "Unknown ticket or code",
    err_unknown_tube: "No such tube; open it again",
    err_not_your_tube: "Other samplers opened this tube",
    err_not_on_your_route: "This resident is not on your team's route today",
    err_no_round: "There is no round on this day",
    err_no_sites: "No sites yet: upload the roster first",
    err_plan_in_progress: "A plan is being made; wait for it to finish",
    err_conflict: "Another change was made at the same moment; reload and try again",
    err_request_id_reused: "A repeated request number; reload and try again",
    err_invalid_field: "Something is filled in wrongly; check and try again",
    err_unavailable: "The server cannot save now; try again shortly",
    err_unauthorized: "The login has expired; please log in again",
    err_forbidden: "Not allowed for this login",
    err_payload_too_large: "The files are too large",
    err_other: "Not done (error {status})",
    problem_required: "is required",
    problem_too_long: "is longer than {most} characters",
    problem_control_character: "holds a control character",
    problem_not_whole_number: "'{text}' is not a whole number",
    problem_not_number: "'{text}' is not a number",
    problem_out_of_range: "{value} is outside {min}..{max}",
    problem_not_above_zero: "must be above 0",
    problem_not_yes_no: "'{text}' is not yes or no",
    problem_not_time_of_day: "'{text}' is not a time of day (HH:MM, 00:00 to 24:00)",
    problem_not_after: "{to} is not after {from}",
    problem_not_mobility: "'{text}' is not one of {expected}",
    problem_id_characters: "may hold only letters and digits",
    problem_id_form: "is neither a mainland ID number nor another document number",
    problem_id_length: "a mainland ID number has 18 characters, this one has {length}",
    problem_id_digits: "the first 17 characters of a mainland ID number are digits",
    problem_id_birth_date: "the date of birth in the ID number ({date}) is not a date",
    problem_id_check_digit: "fails the ID number's check digit (the last character should be {expected})",
    problem_phone_character: "'{character}' does not belong in a phone number",
    problem_phone_length: "a phone number has 7 to 15 digits, this one has {length}",
    problem_birth_year_differs: "{year} differs from the year in the ID number ({id_year})",
    problem_duplicate_code: "duplicate code {code} (first on line {first})",
    problem_unknown_building: "unknown building {building}",
    problem_above_top_floor: "floor {floor} is above the top floor ({top}) of building {building}",
    problem_same_id_number: "the same ID number is on line {first}",
    problem_id_number_taken: "this ID number belongs to resident {owner} already",
    problem_id_number_in_district: "this ID number is registered in district {district}",
    problem_household_elsewhere: "household {household} lives in building {other} on line {first}, not {building}",
    problem_unknown_column: "unknown column '{name}' (expected {expected})",
    problem_column_twice: "column appears twice",
    problem_missing_column: "missing column",
    problem_empty_file: "the file is empty or has no header",
    problem_not_utf8: "is not UTF-8 text (save the sheet as CSV UTF-8)",
    problem_unreadable: "cannot be read",
    problem_not_lab_result: "'{text}' is not one of negative, positive, invalid",
    problem_not_date_time: "'{text}' is not a date and time (YYYY-MM-DD HH:MM, or RFC 3339)",
    problem_in_the_future: "{value} is in the future",
    problem_unknown_tube: "no tube {tube} in this district",
    problem_tube_still_open: "tube {tube} is still open at its site: it cannot have been tested",
    problem_result_differs: "tube {tube} has the result {recorded} already",
    problem_not_csv: "is not valid CSV",
  },
};

function lang() {
  return localStorage.getItem("sweep.lang") === "en" ? "en" : "zh";
}

/** A time as the API gives it with the district's offset (2026-12-02T08:54:00+08:00),
 * said as the district's clock shows it (08:54): the phone's own zone does not matter. */
function clock(iso) {
  const m = /T(\d\d:\d\d)/.exec(String(iso));
  return m ? m[1] : String(iso);
}

/** The words for `key` in the page's language, with {name} filled from `params`. */
function t(key, params = {}) {
  return fill(key, params, String);
}

/** The same as HTML: the words escaped, each value marked as data (see `v`). */
function tv(key, params = {}) {
  return fill(key, params, v, esc);
}

function fill(key, params, value, words = (text) => text) {
  const template = WORDS[lang()][key] ?? WORDS.zh[key] ?? key;
  return template.split(/(\{\w+\})/).map((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (!name) return words(part);
    const given = params[name];
    if (given === undefined || given === null) return "";
    return value(name === "at" ? clock(given) : given);
  }).join("");
}

/** An API refusal as [key, params] for `say`: by its code, with the values it names. */
function refusal(answer) {
  const body = answer?.body ?? {};
  const key = "err_" + body.error;
  if (body.error && WORDS.zh[key]) return [key, body.params ?? {}];
  return ["err_other", { status: answer?.status ?? "" }];
}

/** Says `key` (with `params`) in `element`, and keeps them there, so that a language
 * switch says it again; `kind` is "ok", "error" or "" (plain). */
function say(element, key, params = {}, kind = "") {
  if (!key) {
    delete element.dataset.say;
    element.textContent = "";
  } else {
    element.dataset.say = key;
    element.dataset.sayParams = JSON.stringify(params);
    element.innerHTML = tv(key, params);
  }
  element.classList.toggle("ok", kind === "ok");
  element.classList.toggle("error", kind === "error");
}

/** Fills every element marked data-i18n (text), data-i18n-placeholder or data-say. */
function translate() {
  document.documentElement.lang = lang() === "en" ? "en" : "zh-CN";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
  document.querySelectorAll("[data-say]").forEach((el) => {
    el.innerHTML = tv(el.dataset.say, JSON.parse(el.dataset.sayParams ?? "{}"));
  });
  // The switch names the other language, in it.
  const button = document.getElementById("lang");
  if (button) button.lang = lang() === "en" ? "zh-CN" : "en";
  const size = document.getElementById("text-size");
  if (size) size.textContent = t(largeText() ? "normal_text" : "larger_text");
}

function largeText() {
  return localStorage.getItem("sweep.large") === "1";
}

/** Wires the header's language and text-size buttons; `redraw` repaints what scripts
 * wrote. */
function languageSwitch(redraw) {
  document.documentElement.classList.toggle("large", largeText());
  document.getElementById("lang").addEventListener("click", () => {
    localStorage.setItem("sweep.lang", lang() === "en" ? "zh" : "en");
    translate();
    if (redraw) redraw();
  });
  const size = document.getElementById("text-size");
  if (size) {
    size.addEventListener("click", () => {
      localStorage.setItem("sweep.large", largeText() ? "0" : "1");
      document.documentElement.classList.toggle("large", largeText());
      translate();
      if (redraw) redraw();
    });
  }
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
  /** The team logged in on this phone: outcomes it records are its own, sent only with its
   * token. Team codes repeat across a city's districts, so a team is "district/code". */
  save: (token, team) => {
    localStorage.setItem("sweep.team.token", JSON.stringify(token));
    localStorage.setItem("sweep.team.team", JSON.stringify(team));
  },
  forget: () => ["token", "team"].forEach((key) => localStorage.removeItem("sweep.team." + key)),
};

/** Whether an outcome recorded by `recorder` is the logged-in `team`'s: the same team, or
 * the same code saved by a page from before districts (which named no district). */
function sameTeam(recorder, team) {
  return recorder === team || (!!recorder && !recorder.includes("/") && !!team && team.endsWith("/" + recorder));
}

/** Wires the team login form (#login, #login-message) of the route and site pages;
 * `done` runs once the token is kept. Where the city has several districts the server
 * asks which: the district field is shown, and remembered on the phone. */
function teamLoginForm(done) {
  const districtField = document.getElementById("district-field");
  const districtInput = document.getElementById("district");
  const remembered = localStorage.getItem("sweep.team.district");
  if (remembered) {
    districtInput.value = remembered;
    districtField.classList.remove("hidden");
  }
  document.getElementById("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const message = document.getElementById("login-message");
    say(message, "");
    try {
      const team = form.get("team").trim().toUpperCase();
      const district = (form.get("district") ?? "").trim().toUpperCase();
      const { status, body } = await api("POST", "/team-sessions",
        { team, pin: form.get("pin").trim(), ...(district ? { district } : {}) });
      if (status === 422 && body?.field === "district") {
        districtField.classList.remove("hidden");
        districtInput.focus();
        say(message, "name_district", {}, "error");
        return;
      }
      if (status !== 201) { say(message, "wrong_login", {}, "error"); return; }
      if (district) localStorage.setItem("sweep.team.district", district);
      teamLogin.save(body.token, body.district ? `${body.district}/${team}` : team);
      event.target.reset();
      districtInput.value = localStorage.getItem("sweep.team.district") ?? "";
      await done();
    } catch (_) {
      say(message, "network", {}, "error");
    }
  });
}

/** A colour from red (nobody yet) to green (everyone), for a share in 0..1 (the office's
 * and the city's completion tables). */
function shade(share) {
  return `hsl(${Math.round(120 * share)}, 70%, 85%)`;
}

/** Text content, escaped for HTML. */
function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

/** A value from the district's data (a name, an address, a code), escaped and marked as
 * data: it is shown as it is, in whatever language it was written. */
function v(value) {
  return `<span data-v>${esc(value)}</span>`;
}

/** Small line icons (24×24, drawn in the text's colour), instead of emoji that a phone
 * without an emoji font shows as empty boxes. */
const ICONS = {
  check: "M5 12.5l4.5 4.5L19 7.5",
  cross: "M6 6l12 12M18 6L6 18",
  clock: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 7v5l3 3",
  door: "M6 21V3h12v18M3 21h18M14 12h.01",
  phone: "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2",
  home: "M3 11l9-7 9 7M5 10v10h14V10",
  stairs: "M3 20h5v-4h4v-4h4V8h5",
};

function icon(name) {
  return `<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="${ICONS[name]}"/></svg>`;
}

/** A table that fits a phone: on a narrow screen each row becomes a block of
 * "column: value" lines (the CSS reads data-label). `columns` are {key, label, cell}
 * where cell(row) gives the cell's HTML. */
function table(element, columns, rows, rowAttributes = () => "") {
  element.classList.add("stack");
  element.innerHTML = `<thead><tr>${columns.map((c) => `<th>${esc(c.label)}</th>`).join("")}</tr></thead><tbody>` +
    rows.map((row) => `<tr ${rowAttributes(row)}>` +
      columns.map((c) => `<td data-label="${esc(c.label)}">${c.cell(row)}</td>`).join("") + "</tr>").join("") +
    "</tbody>";
}

/** An SVG sketch of points (lat/lon) joined in order, north up, fitted to the box. Points
 * at one place (stops in one building) share one dot and one label ("3–5"). */
function sketch(points, { width = 320, height = 220, labels = [], highlight = -1 } = {}) {
  if (points.length === 0) return "";
  const pad = 22;
  const lat0 = points.reduce((s, p) => s + p.lat, 0) / points.length;
  const kx = Math.cos((lat0 * Math.PI) / 180);
  const xs = points.map((p) => p.lon * kx), ys = points.map((p) => p.lat);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(maxX - minX, maxY - minY, 1e-5);
  const scale = Math.min(width - 2 * pad, height - 2 * pad) / span;
  const at = (i) => [pad + (xs[i] - minX) * scale, height - pad - (ys[i] - minY) * scale];
  const path = points.map((_, i) => at(i).map((c) => c.toFixed(1)).join(",")).join(" ");
  const places = new Map();
  points.forEach((_, i) => {
    const key = at(i).map((c) => Math.round(c / 6)).join(",");
    if (!places.has(key)) places.set(key, []);
    places.get(key).push(i);
  });
  const dots = [...places.values()].map((group) => {
    const [x, y] = at(group[0]);
    const fill = group.includes(highlight) ? "#b3261e" : "#0b63b6";
    const named = group.filter((i) => labels[i] !== undefined).map((i) => labels[i]);
    const text = named.length > 2 ? `${named[0]}–${named[named.length - 1]}` : named.join(",");
    const label = text === "" ? "" :
      `<text data-v x="${(x + 7).toFixed(1)}" y="${(y - 7).toFixed(1)}" font-size="13">${esc(text)}</text>`;
    return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="6" fill="${fill}"/>${label}`;
  }).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img">` +
    `<rect width="${width}" height="${height}" fill="#f3f6f8"/>` +
    `<polyline points="${path}" fill="none" stroke="#0b63b6" stroke-width="2" stroke-dasharray="4 3"/>` +
    `${dots}<text x="${width - 22}" y="18" font-size="13">N↑</text></svg>`;
}
