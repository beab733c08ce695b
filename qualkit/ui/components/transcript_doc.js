// qualkit transcript document: a Streamlit custom component (st.components.v2), plain JS,
// no build step and nothing fetched from outside.
//
// Shows the turns of one interview as a readable document with codings as highlights and a
// margin of code stripes. A mouse selection (within or across turns) opens a code picker; the
// component reports {type: "apply", parts: [{segment, start, end}], code, memo} with offsets in
// code points of the stored segment text (the same indices as Python strings). A click on a
// highlight shows its codings (code, coder, memo) with change/remove.
//
// data: {iv, mode, readonly, segsKey, segs: [[id, n, time, speaker, text]] | null (after an
//        action, when this mount already holds the turns of segsKey),
//        cods: [[id, seg, start, end, code, layer, coder, memo, editable]],
//        codes: {id: [key, name, colour]}, usable: [ids], recent: [ids], coders: [..],
//        focus: {seg, start, end, nonce} | null, t: {label: text}}

function cp(s) {
  // code points of a string (a Python index counts these, JavaScript counts UTF-16 units)
  return Array.from(s);
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function hexA(hex, a) {
  const h = hex.replace("#", "");
  const r = parseInt(h.slice(0, 2), 16), g = parseInt(h.slice(2, 4), 16), b = parseInt(h.slice(4, 6), 16);
  return `rgba(${r},${g},${b},${a})`;
}

const LAYER_COLOURS = ["#1f6fd1", "#d9730d"];

function segHTML(st, seg, cods) {
  const [id, n, time, speaker, text] = seg;
  const chars = cp(text);
  const len = chars.length;
  const cuts = new Set([0, len]);
  for (const c of cods) {
    cuts.add(Math.max(0, Math.min(len, c[2])));
    cuts.add(Math.max(0, Math.min(len, c[3])));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const compare = st.data.mode === "compare";
  let runs = "";
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i], b = points[i + 1];
    if (a >= b) continue;
    const piece = chars.slice(a, b).join("");
    const on = cods.filter((c) => c[2] <= a && c[3] >= b);
    if (!on.length) {
      runs += `<span class="qk-run" data-off="${a}">${esc(piece)}</span>`;
      continue;
    }
    const pending = on.some((c) => String(c[0]).startsWith("p"));
    let style;
    if (compare) {
      const layers = new Set(on.map((c) => c[5]));
      const shadows = [];
      if (layers.has(0)) shadows.push(`inset 0 -3px 0 ${LAYER_COLOURS[0]}`);
      if (layers.has(1)) shadows.push(`inset 0 3px 0 ${LAYER_COLOURS[1]}`);
      style = `box-shadow:${shadows.join(",")};background:${hexA(layers.size > 1 ? "#7a7a7a" : LAYER_COLOURS[[...layers][0]], 0.12)}`;
    } else {
      const colour = (st.data.codes[on[on.length - 1][4]] || ["", "", "#888888"])[2];
      style = `background:${hexA(colour, on.length > 1 ? 0.42 : 0.28)};box-shadow:inset 0 -2px 0 ${hexA(colour, 0.9)}`;
    }
    const ids = on.map((c) => c[0]).join(",");
    const codes = [...new Set(on.map((c) => c[4]))].join(",");
    runs += `<span class="qk-run qk-hl${pending ? " qk-pending" : ""}" data-off="${a}" data-cids="${ids}" data-codes="${codes}" style="${style}">${esc(piece)}</span>`;
  }
  // margin stripes: one per coding on the turn, with the code's key
  let stripes = "";
  const seen = new Set();
  for (const c of cods) {
    const code = st.data.codes[c[4]] || ["?", "?", "#888888"];
    const sig = `${c[4]}:${c[5]}`;
    if (seen.has(sig)) continue;
    seen.add(sig);
    const colour = compare ? LAYER_COLOURS[c[5]] : code[2];
    const who = compare ? ` (${c[6]})` : "";
    stripes += `<span class="qk-stripe" data-cid="${c[0]}" style="border-color:${colour};color:${colour}" title="${esc(code[0] + " – " + code[1] + who)}">${esc(code[0])}</span>`;
  }
  const spk = speaker ? esc(speaker) : "?";
  return `<div class="qk-head"><button class="qk-n" type="button" data-whole="${id}" title="${esc(st.data.t.whole)}">${n}</button><span class="qk-spk">${spk}</span><span class="qk-time">${esc(time || "")}</span></div>` +
    `<div class="qk-text" data-seg="${id}" data-len="${len}">${runs}</div>` +
    `<div class="qk-stripes">${stripes}</div>`;
}

function offsetIn(textEl, node, offset) {
  // characters (code points) of the stored text before the boundary point (node, offset)
  const r = document.createRange();
  r.setStart(textEl, 0);
  try {
    r.setEnd(node, offset);
  } catch (e) {
    return 0;
  }
  return cp(r.toString()).length;
}

function selectionParts(root) {
  const sel = document.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  if (!root.contains(range.commonAncestorContainer) && range.commonAncestorContainer !== root) return null;
  const parts = [];
  for (const el of root.querySelectorAll(".qk-text")) {
    if (!range.intersectsNode(el)) continue;
    const len = parseInt(el.dataset.len, 10);
    const start = el.contains(range.startContainer) ? offsetIn(el, range.startContainer, range.startOffset) : 0;
    const end = el.contains(range.endContainer) ? offsetIn(el, range.endContainer, range.endOffset) : len;
    if (end > start) parts.push({ segment: parseInt(el.dataset.seg, 10), start, end });
  }
  return parts.length ? { parts, text: range.toString() } : null;
}

function closePop(st) {
  if (st.pop) {
    st.pop.remove();
    st.pop = null;
  }
}

function placePop(st, pop, rect) {
  const root = st.root.getBoundingClientRect();
  const top = Math.max(0, rect.bottom - root.top + 6);
  const left = Math.max(0, Math.min(rect.left - root.left, root.width - 360));
  pop.style.top = `${top}px`;
  pop.style.left = `${left}px`;
}

function codeList(st, filter) {
  const f = filter.trim().toLowerCase();
  return st.data.usable.filter((id) => {
    const c = st.data.codes[id];
    return !f || c[0].toLowerCase().includes(f) || c[1].toLowerCase().includes(f);
  });
}

function openPicker(st, rect, onPick, opts) {
  closePop(st);
  const t = st.data.t;
  const pop = document.createElement("div");
  pop.className = "qk-pop qk-picker";
  pop.setAttribute("role", "dialog");
  const recent = st.data.recent.filter((id) => st.data.codes[id] && st.data.usable.includes(id)).slice(0, 9);
  pop.innerHTML =
    `<div class="qk-pop-title">${esc(opts.title)}</div>` +
    (opts.quote ? `<div class="qk-quote">${esc(opts.quote.length > 140 ? opts.quote.slice(0, 140) + " …" : opts.quote)}</div>` : "") +
    (recent.length ? `<div class="qk-recent">${recent.map((id, i) => `<button type="button" class="qk-code qk-recent-code" data-code="${id}"><kbd>${i + 1}</kbd> ${esc(st.data.codes[id][0])}</button>`).join("")}</div>` : "") +
    `<input class="qk-search" type="text" placeholder="${esc(t.search)}" aria-label="${esc(t.search)}">` +
    `<div class="qk-list" role="listbox"></div>` +
    (opts.memo ? `<input class="qk-memo" type="text" placeholder="${esc(t.memo)}" aria-label="${esc(t.memo)}">` : "") +
    `<div class="qk-hint">${esc(t.keys)}</div>`;
  st.root.appendChild(pop);
  placePop(st, pop, rect);
  st.pop = pop;
  const input = pop.querySelector(".qk-search");
  const list = pop.querySelector(".qk-list");
  const memo = pop.querySelector(".qk-memo");
  let active = 0;
  let shown = [];
  const pick = (id) => onPick(parseInt(id, 10), memo ? memo.value : "");
  const draw = () => {
    shown = codeList(st, input.value).slice(0, 12);
    active = Math.min(active, Math.max(0, shown.length - 1));
    list.innerHTML = shown
      .map((id, i) => {
        const c = st.data.codes[id];
        return `<div class="qk-option${i === active ? " qk-active" : ""}" role="option" data-code="${id}"><span class="qk-dot" style="background:${c[2]}"></span><b>${esc(c[0])}</b> ${esc(c[1])}</div>`;
      })
      .join("") || `<div class="qk-none">${esc(t.nomatch)}</div>`;
  };
  draw();
  input.addEventListener("input", () => { active = 0; draw(); });
  input.addEventListener("keydown", (e) => {
    if (/^[1-9]$/.test(e.key) && input.value === "" && recent[parseInt(e.key, 10) - 1] !== undefined) {
      e.preventDefault();
      pick(recent[parseInt(e.key, 10) - 1]);
    } else if (e.key === "ArrowDown") { e.preventDefault(); active = Math.min(active + 1, shown.length - 1); draw(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); active = Math.max(active - 1, 0); draw(); }
    else if (e.key === "Enter" && shown.length) { e.preventDefault(); pick(shown[active]); }
    else if (e.key === "Escape") { e.preventDefault(); closePop(st); }
  });
  if (memo) memo.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && shown.length) { e.preventDefault(); pick(shown[active]); }
    else if (e.key === "Escape") closePop(st);
  });
  pop.addEventListener("mousedown", (e) => e.stopPropagation());
  pop.addEventListener("mouseup", (e) => e.stopPropagation());
  pop.addEventListener("click", (e) => {
    const b = e.target.closest("[data-code]");
    if (b) pick(b.dataset.code);
  });
  input.focus({ preventScroll: true });
}

function openDetails(st, rect, cids) {
  closePop(st);
  const t = st.data.t;
  const byId = new Map(st.data.cods.map((c) => [String(c[0]), c]));
  const items = cids.map((id) => byId.get(id)).filter(Boolean);
  if (!items.length) return;
  const textOf = (c) => {
    const seg = st.segById.get(c[1]);
    return seg ? cp(seg[4]).slice(c[2], c[3]).join("") : "";
  };
  const pop = document.createElement("div");
  pop.className = "qk-pop qk-details";
  pop.setAttribute("role", "dialog");
  pop.innerHTML =
    `<div class="qk-pop-title">${esc(t.codings)}</div>` +
    items
      .map((c) => {
        const code = st.data.codes[c[4]] || ["?", "?", "#888888"];
        const q = textOf(c);
        const edit = c[8] && !st.data.readonly;
        return `<div class="qk-item" data-cid="${c[0]}">` +
          `<div><span class="qk-dot" style="background:${code[2]}"></span><b>${esc(code[0])}</b> ${esc(code[1])}</div>` +
          `<div class="qk-meta">${esc(t.coder)}: ${esc(c[6])}</div>` +
          `<div class="qk-quote">${esc(q.length > 160 ? q.slice(0, 160) + " …" : q)}</div>` +
          (edit
            ? `<textarea class="qk-memo-edit" rows="2" aria-label="${esc(t.memo)}">${esc(c[7])}</textarea>` +
              `<div class="qk-actions"><button type="button" class="qk-btn" data-act="memo">${esc(t.savememo)}</button>` +
              `<button type="button" class="qk-btn" data-act="change">${esc(t.change)}</button>` +
              `<button type="button" class="qk-btn qk-danger" data-act="remove">${esc(t.remove)}</button></div>`
            : (c[7] ? `<div class="qk-meta">${esc(t.memo)}: ${esc(c[7])}</div>` : "")) +
          `</div>`;
      })
      .join("");
  st.root.appendChild(pop);
  placePop(st, pop, rect);
  st.pop = pop;
  pop.addEventListener("mousedown", (e) => e.stopPropagation());
  pop.addEventListener("mouseup", (e) => e.stopPropagation());
  pop.addEventListener("keydown", (e) => { if (e.key === "Escape") closePop(st); });
  pop.addEventListener("click", (e) => {
    const b = e.target.closest("[data-act]");
    if (!b) return;
    const item = b.closest(".qk-item");
    const cid = parseInt(item.dataset.cid, 10);
    if (b.dataset.act === "memo") {
      send(st, { type: "memo", coding: cid, memo: item.querySelector(".qk-memo-edit").value });
      closePop(st);
    } else if (b.dataset.act === "remove") {
      send(st, { type: "remove", coding: cid });
      closePop(st);
    } else if (b.dataset.act === "change") {
      openPicker(st, rect, (code) => { send(st, { type: "change", coding: cid, code }); closePop(st); }, { title: t.changeto });
    }
  });
  const first = pop.querySelector("button, textarea");
  if (first) first.focus({ preventScroll: true });
}

function send(st, action) {
  // segsKey: the turns this mount holds, so the page's rerun may send only the codings
  window.__qkSent = performance.now();
  st.nonce += 1;
  st.setTriggerValue("action", { iv: st.data.iv, ...action, segsKey: st.segsKey, nonce: `${Date.now()}-${st.nonce}` });
}

function applyParts(st, parts, code, memo) {
  // shown at once as pending; the stored coding replaces it when the page sends new data
  window.__qkPick = performance.now();
  for (const p of parts) {
    st.data.cods.push([`p${st.nonce}-${p.segment}`, p.segment, p.start, p.end, code, 0, "", memo, false]);
    renderSeg(st, p.segment, true);
  }
  window.__qkDrawn = performance.now();
  const sel = document.getSelection();
  if (sel) sel.removeAllRanges();
  closePop(st);
  // at once: the socket message is asynchronous, the pending highlight paints meanwhile
  send(st, { type: "apply", parts, code, memo });
}

function codsBySeg(cods) {
  const m = new Map();
  for (const c of cods) {
    if (!m.has(c[1])) m.set(c[1], []);
    m.get(c[1]).push(c);
  }
  return m;
}

function renderSeg(st, segId, force, by) {
  const seg = st.segById.get(segId);
  const el = st.segEls.get(segId);
  if (!seg || !el) return;
  const cods = by ? by.get(segId) || [] : st.data.cods.filter((c) => c[1] === segId);
  const sig = JSON.stringify(cods) + seg[4];
  if (!force && st.sigs.get(segId) === sig) return;
  st.sigs.set(segId, sig);
  el.innerHTML = segHTML(st, seg, cods);
}

function renderAll(st) {
  const doc = st.doc;
  const by = codsBySeg(st.data.cods);
  const parts = [];
  st.sigs = new Map();
  for (const seg of st.data.segs) {
    const cods = by.get(seg[0]) || [];
    st.sigs.set(seg[0], JSON.stringify(cods) + seg[4]);
    parts.push(`<div class="qk-turn" data-turn="${seg[0]}">${segHTML(st, seg, cods)}</div>`);
  }
  doc.innerHTML = parts.join("") || `<div class="qk-none">${esc(st.data.t.empty)}</div>`;
  st.segEls = new Map();
  for (const el of doc.querySelectorAll(".qk-turn")) st.segEls.set(parseInt(el.dataset.turn, 10), el);
}

function focus(st) {
  const f = st.data.focus;
  if (!f || f.nonce === st.focused) return;
  st.focused = f.nonce;
  const el = st.segEls.get(f.seg);
  if (!el) return;
  const top = el.offsetTop - st.doc.offsetTop - 40;
  st.doc.scrollTop = Math.max(0, top);
  el.classList.add("qk-flash");
  setTimeout(() => el.classList.remove("qk-flash"), 2500);
  const text = el.querySelector(".qk-text");
  if (f.start != null && f.end != null && text) {
    for (const run of text.querySelectorAll(".qk-run")) {
      const a = parseInt(run.dataset.off, 10), len = cp(run.textContent).length;
      if (a + len > f.start && a < f.end) run.classList.add("qk-hit");
    }
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  window.__qkData = performance.now();
  let st = parentElement.__qk;
  if (!st) {
    const root = document.createElement("div");
    root.className = "qk-root";
    root.innerHTML = `<div class="qk-legend"></div><div class="qk-doc" tabindex="0"></div>`;
    parentElement.appendChild(root);
    st = parentElement.__qk = { root, doc: root.querySelector(".qk-doc"), legend: root.querySelector(".qk-legend"), pop: null, nonce: 0, sigs: new Map(), segEls: new Map(), focused: null, key: null };
    root.addEventListener("mouseup", (e) => {
      if (e.target.closest(".qk-pop")) return;
      const whole = e.target.closest("[data-whole]");
      if (whole && !st.data.readonly) {
        const id = parseInt(whole.dataset.whole, 10);
        const textEl = st.doc.querySelector(`.qk-text[data-seg="${id}"]`);
        const len = parseInt(textEl.dataset.len, 10);
        if (!len) return;
        const r = document.createRange();
        r.selectNodeContents(textEl);
        const sel = document.getSelection();
        sel.removeAllRanges();
        sel.addRange(r);
        const parts = [{ segment: id, start: 0, end: len }];
        openPicker(st, textEl.getBoundingClientRect(), (code, memo) => applyParts(st, parts, code, memo), { title: st.data.t.apply, quote: textEl.textContent, memo: true });
        return;
      }
      const found = st.data.readonly ? null : selectionParts(st.doc);
      if (found) {
        const rect = document.getSelection().getRangeAt(0).getBoundingClientRect();
        st.lastParts = found.parts;
        st.root.dataset.selection = JSON.stringify(found.parts);
        openPicker(st, rect, (code, memo) => applyParts(st, found.parts, code, memo), { title: st.data.t.apply, quote: found.text, memo: true });
        return;
      }
      const hl = e.target.closest(".qk-hl");
      if (hl && hl.dataset.cids) {
        openDetails(st, hl.getBoundingClientRect(), hl.dataset.cids.split(",").filter((x) => !x.startsWith("p")));
        return;
      }
      closePop(st);
    });
    document.addEventListener("mousedown", (e) => {
      if (st.pop && !st.pop.contains(e.target)) closePop(st);
    });
  }
  st.setTriggerValue = setTriggerValue;
  const key = `${data.iv}|${data.mode}|${(data.coders || []).join(",")}`;
  const prev = st.data;
  // After an action the page sends only the codings (segs null) when this mount holds the
  // same turns (segsKey); a mount without them asks for the whole document once.
  const sameSegs = !!prev && !!data.segsKey && st.segsKey === data.segsKey;
  if (data.segs == null && !sameSegs) {
    st.data = { ...data, segs: [], cods: [] };
    st.segsKey = null;
    send(st, { type: "need" });
    return;
  }
  const segs = sameSegs ? prev.segs : data.segs;
  st.data = { ...data, segs, cods: data.cods.slice() };
  if (!sameSegs) st.segById = new Map(segs.map((s) => [s[0], s]));
  st.segsKey = data.segsKey;
  st.root.dataset.mode = data.mode;
  st.root.dataset.iv = data.iv;
  if (data.mode === "compare") {
    st.legend.innerHTML = (data.coders || []).map((c, i) => `<span class="qk-layer" style="border-color:${LAYER_COLOURS[i]}">${esc(c)}</span>`).join("");
  } else {
    st.legend.innerHTML = "";
  }
  if (!prev || st.key !== key || !sameSegs) {
    st.key = key;
    closePop(st);
    renderAll(st);
  } else {
    const touched = new Set();
    for (const c of prev.cods) touched.add(c[1]);
    for (const c of data.cods) touched.add(c[1]);
    const by = codsBySeg(st.data.cods);
    for (const id of touched) renderSeg(st, id, false, by);
  }
  st.root.dataset.ready = String(data.version);
  window.__qkRendered = performance.now();
  focus(st);
}
