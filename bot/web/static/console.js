// The counsellor console: the live queue, and one conversation. One WebSocket, reconnecting by itself.
"use strict";

(function () {
  const page = document.body.dataset.page;
  const me = Number(document.body.dataset.me);
  const conversation = document.body.dataset.conversation;
  let socket = null;
  let retry = 0;
  let seenImminent = new Set();
  const unsent = new Map(); // reply id -> reply event, until the transcript shows it stored

  function el(tag, text, className) {
    const element = document.createElement(tag);
    if (text !== undefined && text !== null) element.textContent = text;
    if (className) element.className = className;
    return element;
  }
  function send(event) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(event));
  }
  function waited(since) {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
    return seconds < 60 ? seconds + " s" : Math.floor(seconds / 60) + " min " + (seconds % 60) + " s";
  }

  // ---- an imminent child must be impossible to miss: a sound and the page title
  function alarm() {
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.6);
    } catch (e) { /* no sound available: the title still flashes */ }
  }
  let titleTimer = null;
  function flashTitle(on) {
    const plain = "Queue: counsellor console";
    clearInterval(titleTimer);
    document.title = plain;
    if (!on) return;
    let flip = false;
    titleTimer = setInterval(function () { flip = !flip; document.title = flip ? "!! IMMINENT RISK: a child is waiting" : plain; }, 800);
  }

  // ---- the queue page
  function renderQueue(event) {
    const body = document.getElementById("waiting");
    body.textContent = "";
    document.getElementById("nobody-waiting").hidden = event.waiting.length > 0;
    let imminentNow = false;
    event.waiting.forEach(function (entry) {
      const row = el("tr", null, "risk-" + entry.risk_level);
      row.dataset.handoff = entry.handoff_id;
      row.dataset.conversation = entry.conversation_id;
      row.appendChild(el("td", entry.risk_level.toUpperCase(), "level"));
      const wait = el("td", waited(entry.requested_at), "waited");
      wait.dataset.since = entry.requested_at;
      row.appendChild(wait);
      row.appendChild(el("td", entry.region || "unknown"));
      row.appendChild(el("td", entry.age_band || "unknown"));
      row.appendChild(el("td", entry.reason.replace("_", " ")));
      row.appendChild(el("td", (entry.evidence || []).join(" · ")));
      const cell = el("td");
      const claim = el("button", "Take this child");
      claim.type = "button";
      claim.addEventListener("click", function () { send({ type: "claim", handoff: entry.handoff_id }); });
      cell.appendChild(claim);
      row.appendChild(cell);
      body.appendChild(row);
      if (entry.risk_level === "imminent") {
        imminentNow = true;
        if (!seenImminent.has(entry.handoff_id)) { seenImminent.add(entry.handoff_id); alarm(); }
      }
    });
    flashTitle(imminentNow);
    const live = document.getElementById("live");
    live.textContent = "";
    event.live.filter(function (h) { return h.status === "active"; }).forEach(function (handoff) {
      if (document.body.dataset.role === "counsellor" && handoff.counsellor_id !== me) return;
      const item = el("li");
      const link = el("a", "Conversation (" + handoff.risk_level + ")");
      link.href = "/console/conversations/" + encodeURIComponent(handoff.conversation_id);
      item.append(link, el("span", " held by " + (handoff.counsellor_name || "nobody")));
      live.appendChild(item);
    });
    const chatting = document.getElementById("chatting");
    chatting.textContent = "";
    (event.chatting || []).forEach(function (id) {
      const item = el("li");
      const link = el("a", "A child chatting with the bot");
      link.href = "/console/conversations/" + encodeURIComponent(id);
      item.appendChild(link);
      chatting.appendChild(item);
    });
  }
  setInterval(function () {
    document.querySelectorAll(".waited").forEach(function (cell) { cell.textContent = waited(cell.dataset.since); });
  }, 1000);

  // ---- the conversation page
  const shown = new Set();
  function showMessage(message) {
    if (shown.has(message.seq)) return;
    shown.add(message.seq);
    const item = el("li", null, "line " + message.speaker + (message.risk ? " risk-" + message.risk : ""));
    const who = { child: "Child", bot: "Bot", counsellor: message.counsellor || "Counsellor", system: "Note" }[message.speaker];
    item.appendChild(el("span", who + " · " + new Date(message.time).toLocaleTimeString(), "who"));
    item.appendChild(el("span", message.text, "text"));
    if (message.risk) item.appendChild(el("span", "Risk: " + message.risk, "risk-tag"));
    document.getElementById("transcript").appendChild(item);
    item.scrollIntoView({ block: "end" });
    if (message.speaker === "child") document.getElementById("typing").hidden = true;
  }
  function setStatus(status) {
    document.getElementById("status").textContent = "Status: " + status;
    document.body.dataset.status = status;
  }
  function renderTransfer(event) {
    const select = document.getElementById("transfer-to");
    if (!select) return;
    select.textContent = "";
    (event.counsellors || []).filter(function (c) { return c.id !== me; }).forEach(function (c) {
      const option = el("option", c.name);
      option.value = c.id;
      select.appendChild(option);
    });
  }

  function onEvent(event) {
    if (event.type === "queue") {
      if (page === "queue") renderQueue(event);
      renderTransfer(event);
      if (page === "conversation") {
        const mine = event.live.find(function (h) { return h.conversation_id === conversation; });
        setStatus(mine ? mine.status + (mine.counsellor_name ? " with " + mine.counsellor_name : "") : "with the bot");
        document.getElementById("claim").hidden = Boolean(mine && mine.status === "active");
      }
    } else if (event.type === "claimed" && event.conversation) {
      if (page === "queue") location.href = "/console/conversations/" + encodeURIComponent(event.conversation);
    } else if (event.type === "taken") {
      alert("Another counsellor has already taken this child.");
    } else if (event.type === "transcript") {
      event.messages.forEach(function (message) { unsent.delete(message.client_id); showMessage(message); });
      unsent.forEach(send); // replies typed while the connection was down go now, once (the server keeps ids)
    } else if (event.type === "message" && event.conversation === conversation) {
      unsent.delete(event.client_id);
      showMessage(event);
    } else if (event.type === "typing" && event.conversation === conversation) {
      document.getElementById("typing").hidden = false;
      setTimeout(function () { document.getElementById("typing").hidden = true; }, 6000);
    } else if (event.type === "note" && event.conversation === conversation) {
      document.getElementById("notes").appendChild(el("li", event.author + ": " + event.text));
    } else if (event.type === "error") {
      alert(event.text);
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/console");
    socket.onopen = function () {
      retry = 0;
      document.getElementById("connection") && (document.getElementById("connection").textContent = "");
      if (page === "conversation") send({ type: "watch", conversation: conversation });
    };
    socket.onmessage = function (frame) { onEvent(JSON.parse(frame.data)); };
    socket.onclose = function (event) {
      if (event.code === 4401) { location.href = "/login"; return; }
      const status = document.getElementById("connection");
      if (status) status.textContent = "Connection lost. Connecting again…";
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, Math.min(500 * Math.pow(2, retry - 1), 10000));
    };
  }

  if (page === "conversation") {
    const reply = document.getElementById("reply");
    let lastTyping = 0;
    document.getElementById("reply-form").addEventListener("submit", function (event) {
      event.preventDefault();
      const text = reply.value.trim();
      if (!text) return;
      const message = { type: "reply", conversation: conversation, id: String(Date.now()) + Math.random().toString(16).slice(2), text: text };
      unsent.set(message.id, message);
      send(message);
      reply.value = "";
    });
    reply.addEventListener("input", function () {
      if (Date.now() - lastTyping > 3000) { lastTyping = Date.now(); send({ type: "typing", conversation: conversation }); }
    });
    document.getElementById("claim").addEventListener("click", function () { send({ type: "pick", conversation: conversation }); });
    document.getElementById("end").addEventListener("click", function () { send({ type: "end", conversation: conversation }); });
    document.getElementById("transfer").addEventListener("click", function () {
      const to = document.getElementById("transfer-to").value;
      if (to) send({ type: "transfer", conversation: conversation, to: Number(to) });
    });
    document.getElementById("note-form").addEventListener("submit", function (event) {
      event.preventDefault();
      const note = document.getElementById("note");
      if (note.value.trim()) send({ type: "note", conversation: conversation, text: note.value.trim() });
      note.value = "";
    });
    document.querySelectorAll(".paste").forEach(function (button) {
      button.addEventListener("click", function () {
        const fact = button.parentElement.querySelector(".fact").textContent;
        reply.value = (reply.value ? reply.value + " " : "") + fact;
        reply.focus();
      });
    });
  }
  connect();
})();
